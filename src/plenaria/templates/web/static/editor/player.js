// The video: seeking to a word, the highlight of the word being played, speed.
import { box, $ } from "./util.js";
import { view } from "./render.js";

export const video = $("video");
let wordIndex = null; // [elements sorted by start] for the highlight
let current = null; // the highlighted word

view.indexStale = () => {
  wordIndex = null;
};
function buildIndex() {
  wordIndex = Array.from(box.querySelectorAll(".w[data-m]"));
  wordIndex.sort((a, b) => a.dataset.m - b.dataset.m);
  wordIndex.starts = wordIndex.map((el) => +el.dataset.m);
}
function wordAt(ms) {
  if (!wordIndex) buildIndex();
  const s = wordIndex.starts;
  let lo = 0;
  let hi = s.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid] <= ms) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found >= 0 ? wordIndex[found] : null;
}
function highlight() {
  const el = wordAt(video.currentTime * 1000 + 1);
  if (el === current) return;
  if (current) current.classList.remove("cur");
  current = el;
  if (!el) return;
  el.classList.add("cur");
  if ($("autoscroll").checked && !video.paused) {
    const r = el.getBoundingClientRect();
    if (r.top < 0 || r.bottom > window.innerHeight) el.scrollIntoView({ block: "center" });
  }
}
function tick() {
  highlight();
  if (!video.paused) requestAnimationFrame(tick);
}
export function seekTo(el) {
  if (!el || el.dataset.m === undefined) return;
  video.currentTime = +el.dataset.m / 1000;
}
export function togglePlay() {
  if (video.paused) video.play().catch(() => {});
  else video.pause();
}
export function playFrom(el) {
  seekTo(el);
  video.play().catch(() => {});
}
export function jump(seconds) {
  const end = Number.isFinite(video.duration) ? video.duration : Infinity;
  video.currentTime = Math.min(end, Math.max(0, video.currentTime + seconds));
}
export const RATES = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
export function setRate(r) {
  const rate = Math.min(2, Math.max(0.5, r));
  video.preservesPitch = true; // faster or slower, the voice keeps its pitch
  video.playbackRate = rate;
  $("rate").value = String(rate);
}
export function stepRate(delta) {
  const at = RATES.indexOf(video.playbackRate);
  const next = RATES[Math.min(RATES.length - 1, Math.max(0, (at < 0 ? 2 : at) + delta))];
  setRate(next);
}
export function setSource(source) {
  if (source && !video.getAttribute("src")) video.src = source;
}
export function startPlayer() {
  video.preservesPitch = true;
  video.addEventListener("play", () => requestAnimationFrame(tick));
  video.addEventListener("seeked", highlight);
  video.addEventListener("timeupdate", highlight);
  $("rate").addEventListener("change", (e) => setRate(+e.target.value));
}
