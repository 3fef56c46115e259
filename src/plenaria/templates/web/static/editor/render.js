// The transcript on the page: each word is <span class="w" data-m="start ms" data-d="duration ms">.
import { state, ivById, speakerById, pendingText } from "./model.js";
import { T, ROSTER, box, esc, fmt, $ } from "./util.js";
import { summaryHtml, keepSummaryForm } from "./summary.js";
import { itemHtml } from "./items.js";
import { redactionAt, markText, markHtml, endHtml } from "./redaction.js";

const LOW = 0.5; // words below this probability are reviewed
export const view = { focusWordEl: null, onRename: null, onAssign: null, indexStale: () => {} };

export function speakerLabel(sp) {
  if (sp.name) return sp.name;
  const digits = (sp.id.match(/\d+/g) || []).join("");
  return digits ? T.speaker_of + " " + (parseInt(digits, 10) + 1) : sp.id;
}

function wordsHtml(iv) {
  const parts = [];
  if (pendingText(iv)) {
    // edited, not saved yet: the words get their times from the server's re-alignment
    const toks = iv.text.split(/\s+/).filter(Boolean);
    for (let n = 0; n < toks.length; n++) parts.push('<span class="w pending" data-n="' + n + '">' + esc(toks[n]) + "</span>");
    return parts.join(" ");
  }
  const hidden = iv.words.map((w) => redactionAt(w.start, w.end)); // redaction.js
  for (let n = 0; n < iv.words.length; n++) {
    const w = iv.words[n];
    const m = Math.round(w.start * 1000);
    const d = Math.max(0, Math.round((w.end - w.start) * 1000));
    const low = w.probability < LOW ? " low" : "";
    const r = hidden[n];
    const red = r ? ' redacted" title="' + esc(markText(r)) : "";
    let html = '<span class="w' + low + red + '" data-m="' + m + '" data-d="' + d + '" data-n="' + n + '">' + esc(w.text.trim()) + "</span>";
    if (r && r !== hidden[n - 1]) html = markHtml(r) + " " + html;
    if (r && r !== hidden[n + 1]) html += endHtml();
    parts.push(html);
  }
  return parts.join(" ");
}
function ivHtml(iv) {
  const sp = speakerById(iv.speaker);
  const unnamed = sp.name ? "" : " unnamed";
  return (
    '<div class="iv" data-id="' + esc(iv.id) + '">' +
    '<button type="button" class="who' + unnamed + '" data-speaker="' + esc(iv.speaker) + '">' + esc(speakerLabel(sp)) + "</button>" +
    itemHtml(iv) +
    '<p class="words">' + wordsHtml(iv) + "</p>" + summaryHtml(iv) + "</div>"
  );
}
export function ivElement(id) {
  return box.querySelector('.iv[data-id="' + CSS.escape(id) + '"]');
}
export function wordElement(id, n) {
  const el = ivElement(id);
  return el && el.querySelector('.w[data-n="' + n + '"]');
}
export function renderAll() {
  box.innerHTML = state.doc.interventions.map(ivHtml).join("");
  const first = box.querySelector(".w");
  if (first) setRoving(first);
  view.indexStale();
}
export function renderIntervention(iv) {
  const el = ivElement(iv.id);
  if (!el) return;
  const form = el.querySelector(".summary-form"); // a summary being written stays open
  const inForm = Boolean(form) && form.contains(document.activeElement);
  const hadFocus = el.contains(document.activeElement) && !inForm;
  const n = hadFocus && document.activeElement.dataset.n ? +document.activeElement.dataset.n : 0;
  const tmp = document.createElement("div");
  tmp.innerHTML = ivHtml(iv);
  const fresh = tmp.firstChild;
  el.replaceWith(fresh);
  if (form) keepSummaryForm(fresh, form, inForm);
  if (hadFocus || (view.focusWordEl && !view.focusWordEl.isConnected)) {
    const ws = fresh.querySelectorAll(".w");
    const w = ws[Math.min(n, ws.length - 1)];
    if (w) focusWord(w, hadFocus);
  }
  view.indexStale();
}
export function renderSpeakers() {
  const ul = $("speakers");
  ul.innerHTML = "";
  state.doc.speakers.forEach((sp, k) => {
    const li = document.createElement("li");
    li.dataset.speaker = sp.id;
    const name = document.createElement("span");
    name.className = "sp-name" + (sp.name ? "" : " unnamed");
    name.textContent = speakerLabel(sp);
    const form = document.createElement("form");
    form.className = "rename";
    const label = document.createElement("label");
    label.htmlFor = "rename-" + k;
    label.textContent = T.rename;
    label.className = "visually-hidden";
    const input = document.createElement("input");
    input.id = "rename-" + k;
    input.value = sp.name || "";
    input.setAttribute("aria-label", fmt(T.rename_prompt, { name: speakerLabel(sp) }));
    const ok = document.createElement("button");
    ok.type = "submit";
    ok.textContent = T.rename;
    form.append(label, input, ok);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      view.onRename(sp.id, input.value.trim());
    });
    const sel = document.createElement("select");
    sel.id = "person-" + k;
    sel.setAttribute("aria-label", T.person + ": " + speakerLabel(sp));
    sel.append(new Option(T.no_person, ""));
    for (const p of ROSTER) sel.append(new Option(p.name + (p.role ? " — " + p.role : ""), p.id, false, p.id === sp.person_id));
    sel.addEventListener("change", () => view.onAssign(sp.id, sel.value));
    li.append(name, form, sel);
    ul.append(li);
  });
}
// What a change needs redrawn.
export function rerender(change) {
  if (change.order) {
    const fw = view.focusWordEl;
    const keep = fw && fw.closest(".iv") ? fw.closest(".iv").dataset.id : null;
    renderAll();
    const el = keep && box.querySelector('.iv[data-id="' + CSS.escape(keep) + '"] .w');
    if (el) focusWord(el);
  } else {
    for (const id of Object.keys(change.iv || {})) {
      const iv = ivById(id);
      if (iv) renderIntervention(iv);
    }
  }
  if (Object.keys(change.sp || {}).length) {
    for (const el of box.querySelectorAll(".who")) {
      const sp = speakerById(el.dataset.speaker);
      el.textContent = speakerLabel(sp);
      el.classList.toggle("unnamed", !sp.name);
    }
    renderSpeakers();
  }
  view.indexStale();
}

// -- the focus: one word holds the roving tabindex ------------------------------------

export function setRoving(el) {
  const old = view.focusWordEl;
  if (old && old !== el && old.isConnected) old.removeAttribute("tabindex");
  view.focusWordEl = el;
  el.tabIndex = 0;
}
export function focusWord(el, really) {
  setRoving(el);
  if (really !== false) el.focus();
}
export function allWords() {
  return box.getElementsByClassName("w");
}
