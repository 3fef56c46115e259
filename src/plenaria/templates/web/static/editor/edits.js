// The edits a clerk makes: text, split, merge, who speaks, a speaker's name or person.
import { state, apply, ivById, speakerById, pendingText, shownText, textChange, splitChange, mergeChange } from "./model.js";
import { T, ROSTER, say, editBox } from "./util.js";
import { speakerLabel, focusWord, wordElement, ivElement } from "./render.js";
import { save } from "./save.js";

export function renameSpeaker(id, name) {
  const sp = speakerById(id);
  if ((sp.name || "") === name) return;
  apply({ sp: { [id]: Object.assign({}, sp, { name: name || null, label: name || sp.id }) } });
}
export function assignPerson(id, personId) {
  const sp = speakerById(id);
  const p = ROSTER.find((x) => x.id === personId);
  const next = Object.assign({}, sp, { person_id: p ? p.id : null });
  if (p) Object.assign(next, { name: p.name, label: p.name, role: p.role || null, group: p.group || null });
  apply({ sp: { [id]: next } });
}
export function setText(iv, text) {
  const change = textChange(iv, text);
  if (change) apply(change);
}
function ivOf(wordEl) {
  return ivById(wordEl.closest(".iv").dataset.id);
}
function saveFirst() {
  say(T.save_first);
  save();
}
export function split(wordEl) {
  const iv = ivOf(wordEl);
  if (pendingText(iv)) return saveFirst();
  const change = splitChange(iv, +wordEl.dataset.n);
  if (!change) return;
  apply(change);
  const tail = Object.keys(change.iv).find((x) => x !== iv.id);
  const first = wordElement(tail, 0);
  if (first) focusWord(first);
}
export function mergeNext(wordEl) {
  const iv = ivOf(wordEl);
  const next = state.doc.interventions[state.doc.interventions.indexOf(iv) + 1];
  if (!next) return;
  if (pendingText(iv) || pendingText(next)) return saveFirst();
  apply(mergeChange(iv, next));
  const w = wordElement(iv.id, wordEl.dataset.n);
  if (w) focusWord(w);
}

// Who speaks in one intervention: a speaker of the transcript or a roster person.
export function chooseSpeaker(wordEl) {
  const ivEl = wordEl.closest(".iv");
  const iv = ivById(ivEl.dataset.id);
  const who = ivEl.querySelector(".who");
  const sel = document.createElement("select");
  sel.className = "who-select";
  sel.setAttribute("aria-label", T.speaker_of + ". " + T.edit_hint);
  for (const sp of state.doc.speakers) sel.append(new Option(speakerLabel(sp), "s:" + sp.id, false, sp.id === iv.speaker));
  for (const p of ROSTER) sel.append(new Option(T.person + ": " + p.name, "p:" + p.id));
  who.replaceWith(sel);
  sel.focus();
  function finish(commit) {
    sel.replaceWith(who);
    if (commit) setSpeaker(iv, sel.value);
    const w = wordElement(iv.id, wordEl.dataset.n);
    if (w) focusWord(w);
  }
  return editBox(sel, finish, false);
}
export function setSpeaker(iv, value) {
  const change = { iv: {}, sp: {} };
  let speakerId = value.slice(2);
  if (value.startsWith("p:")) {
    const p = ROSTER.find((x) => x.id === speakerId);
    const known = state.doc.speakers.find((sp) => sp.person_id === speakerId);
    if (known) speakerId = known.id;
    else {
      const id = "P-" + p.id;
      change.sp[id] = { id: id, label: p.name, name: p.name, role: p.role || null, group: p.group || null, score: null, person_id: p.id };
      speakerId = id;
    }
  }
  if (speakerId === iv.speaker && !Object.keys(change.sp).length) return;
  change.iv[iv.id] = Object.assign({}, iv, { speaker: speakerId });
  apply(change);
}

// The intervention's text in a box, the word `wordEl` selected.
export function openEdit(wordEl) {
  const ivEl = wordEl.closest(".iv");
  const iv = ivById(ivEl.dataset.id);
  const p = ivEl.querySelector(".words");
  const text = shownText(iv);
  const area = document.createElement("textarea");
  area.className = "edit";
  area.value = text;
  area.rows = Math.max(2, Math.ceil(text.length / 70));
  area.setAttribute("aria-label", T.edit + " — " + speakerLabel(speakerById(iv.speaker)) + ". " + T.edit_hint);
  p.replaceWith(area);
  const n = +wordEl.dataset.n || 0;
  const toks = text.split(" ");
  let at = 0;
  for (let k = 0; k < n && k < toks.length; k++) at += toks[k].length + 1;
  area.focus();
  area.setSelectionRange(at, at + (toks[n] || "").length);
  function finish(commit) {
    const value = area.value;
    area.replaceWith(p);
    if (commit) setText(ivById(iv.id), value);
    const ws = ivElement(iv.id).querySelectorAll(".w");
    const w = ws[Math.min(n, ws.length - 1)];
    if (w) focusWord(w, true);
  }
  editBox(area, finish, true);
}
