// Find and replace; a replacement keeps the case of each word it replaces.
import { state, apply, ivText } from "./model.js";
import { T, fmt, $ } from "./util.js";
import { allWords, setRoving, view } from "./render.js";
import { seekTo } from "./player.js";
import { literal, replaceKeepingCase } from "./text.js";

function query() {
  return $("find").value.trim();
}
function findNext(e) {
  e.preventDefault();
  const q = query();
  if (!q) return;
  const re = literal(q);
  const ws = allWords();
  const start = view.focusWordEl ? Array.prototype.indexOf.call(ws, view.focusWordEl) + 1 : 0;
  const hit = (el) => {
    re.lastIndex = 0;
    return re.test(el.textContent);
  };
  let count = 0;
  let target = null;
  for (let k = 0; k < ws.length; k++) {
    if (hit(ws[k])) {
      count++;
      if (!target && k >= start) target = ws[k];
    }
  }
  if (!target && count) target = Array.prototype.find.call(ws, hit);
  $("find-status").textContent = count ? fmt(T.found, { n: count }) : T.not_found;
  if (target) {
    setRoving(target);
    seekTo(target);
    target.scrollIntoView({ block: "center" });
    target.classList.add("found");
    setTimeout(() => target.classList.remove("found"), 1500);
  }
}
function replaceAll() {
  const q = query();
  if (!q) return;
  const by = $("replace").value;
  const change = { iv: {}, sp: {} };
  let n = 0;
  for (const iv of state.doc.interventions) {
    const text = typeof iv.text === "string" ? iv.text : ivText(iv);
    const got = replaceKeepingCase(text, q, by);
    n += got.n;
    if (got.n) change.iv[iv.id] = Object.assign({}, iv, { text: got.text.replace(/\s+/g, " ").trim() });
  }
  for (const sp of state.doc.speakers) {
    if (!sp.name) continue;
    const got = replaceKeepingCase(sp.name, q, by);
    n += got.n;
    if (got.n) change.sp[sp.id] = Object.assign({}, sp, { name: got.text, label: got.text });
  }
  $("find-status").textContent = fmt(T.replaced, { n: n });
  if (n) apply(change);
}
export function startFind() {
  $("find-form").addEventListener("submit", findNext);
  $("replace-all").addEventListener("click", replaceAll);
}
