// Someone else saved while this page had unsaved edits: their version and these edits
// are merged word by word against the version both started from (merge.js). What does
// not overlap is combined silently; each overlapping change is shown side by side, theirs
// with its author, and the clerk picks one per change before anything is saved.
import { state, hooks, snapshotBase } from "./model.js";
import { T, root, api, fmt, say, headers, $ } from "./util.js";
import { renderAll, renderSpeakers, speakerLabel, ivElement } from "./render.js";
import { mergeTranscripts } from "./merge.js";
import { save, saver, getJSON, showUndo } from "./save.js";

const panel = $("conflict");
const picks = new Map(); // conflict key -> "mine" | "theirs", kept while the panel is open
let pending = null; // {latest, base, author}

const keyOf = (c) => JSON.stringify([c.kind, c.id, c.mine, c.theirs]);

async function baseVersion(number) {
  const r = await fetch(api + "/transcript/versions/" + number, { headers: headers(false) });
  if (r.ok) return (await r.json()).transcript;
  return state.baseDoc; // collapsed into a later version: the copy this page kept
}

// `latest` ({number, author, transcript}) arrived; merge this page's edits onto it.
let running = null;
export function reconcile(info) {
  if (!running) running = fetchAndMerge(info).finally(() => (running = null));
  return running;
}
async function fetchAndMerge(info) {
  saver.held = true;
  try {
    const latest = await getJSON("/transcript");
    if (latest.number === state.parent && !pending) return;
    const base = await baseVersion(state.parent);
    pending = { latest: latest, base: base, author: (info && info.author) || latest.author || T.by_machine };
  } finally {
    if (!pending) saver.held = false;
  }
  resolveWith();
}

// Merged once: what does not overlap is shown at once (with this page's side of each
// overlap, marked); the clerk's choices then build the version that is saved.
function resolveWith() {
  const { latest, base, author } = pending;
  if (!pending.merge) pending.merge = mergeTranscripts(base, state.doc, latest.transcript);
  const m = pending.merge;
  const open = m.conflicts.filter((c) => !picks.has(keyOf(c)));
  if (open.length) {
    adopt(m.build(m.conflicts.map(() => "mine")), latest);
    for (const c of m.conflicts) {
      const iv = c.kind === "name" ? null : ivElement(c.id);
      if (iv) iv.classList.add("in-conflict");
    }
    return show(m.conflicts, latest, author);
  }
  const doc = m.build(m.conflicts.map((c) => picks.get(keyOf(c))));
  const decided = m.conflicts.length;
  adopt(doc, latest);
  close();
  const text = decided ? fmt(T.conflict_done, { n: latest.number, author: author }) : fmt(T.merged, { n: latest.number, author: author });
  say(text);
  $("conflict-note").textContent = text;
  save();
}

// The merged document becomes the page's, on top of `latest`: what differs from it is touched.
function adopt(doc, latest) {
  state.doc = doc;
  state.parent = latest.number;
  snapshotBase(latest.transcript);
  state.touched.iv.clear();
  state.touched.sp.clear();
  for (const iv of doc.interventions) if (state.base.iv.get(iv.id) !== JSON.stringify(iv)) state.touched.iv.add(iv.id);
  for (const sp of doc.speakers) if (state.base.sp.get(sp.id) !== JSON.stringify(sp)) state.touched.sp.add(sp.id);
  state.orderTouched = doc.interventions.map((x) => x.id).join("\n") === state.baseOrder ? 0 : 1;
  state.undoStack.length = 0;
  state.redoStack.length = 0;
  showUndo();
  renderAll();
  renderSpeakers();
}

function close() {
  pending = null;
  picks.clear();
  saver.held = false;
  panel.hidden = true;
  root.classList.remove("resolving");
}

function shown(value, kind) {
  if (kind === "who") return speakerLabel(state.doc.speakers.find((s) => s.id === value) || pending.latest.transcript.speakers.find((s) => s.id === value) || { id: value, name: null });
  return value ? value : T.nothing;
}
function whereOf(c) {
  if (c.kind === "name") return fmt(T.conflict_name, { who: shown(c.base || c.id, "name") });
  const iv = pending.latest.transcript.interventions.find((x) => x.id === c.id) || state.doc.interventions.find((x) => x.id === c.id);
  const who = iv ? shown(iv.speaker, "who") : c.id;
  return fmt(c.kind === "who" ? T.conflict_who : T.conflict_words, { who: who });
}

function show(conflicts, latest, author) {
  $("conflict-text").textContent = fmt(T.conflict, { n: latest.number, author: author, k: conflicts.length });
  const list = $("conflict-list");
  list.innerHTML = "";
  conflicts.forEach((c, k) => {
    const li = document.createElement("li");
    li.className = "choice";
    li.dataset.kind = c.kind;
    li.dataset.id = c.id;
    const fs = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = whereOf(c) + (c.kind === "words" ? " — " + fmt(T.conflict_before, { text: shown(c.base) }) : "");
    fs.append(legend);
    const sides = document.createElement("div");
    sides.className = "sides";
    for (const [side, label] of [["theirs", fmt(T.conflict_theirs, { author: author })], ["mine", T.conflict_mine]]) {
      const id = "pick-" + k + "-" + side;
      const opt = document.createElement("div");
      opt.className = "side-" + side;
      const input = document.createElement("input");
      input.type = "radio";
      input.name = "pick-" + k;
      input.id = id;
      input.value = side;
      input.checked = picks.get(keyOf(c)) === side;
      input.addEventListener("change", () => {
        picks.set(keyOf(c), side);
        $("conflict-apply").disabled = conflicts.some((x) => !picks.has(keyOf(x)));
      });
      const lab = document.createElement("label");
      lab.htmlFor = id;
      const who = document.createElement("span");
      who.className = "author";
      who.textContent = label;
      const text = document.createElement("q");
      text.textContent = shown(c[side], c.kind);
      lab.append(who, " ", text);
      opt.append(input, lab);
      sides.append(opt);
    }
    fs.append(sides);
    li.append(fs);
    list.append(li);
  });
  $("conflict-apply").disabled = conflicts.some((x) => !picks.has(keyOf(x)));
  $("conflict-note").textContent = "";
  panel.hidden = false;
  root.classList.add("resolving");
  say($("conflict-text").textContent);
  const first = list.querySelector("input");
  if (first) first.focus();
}

export function startConflicts() {
  saver.onConflict = (body) => reconcile(body);
  hooks.locked = () => {
    if (pending) say(T.choose_first);
    return pending !== null;
  };
  $("conflict-apply").addEventListener("click", () => {
    if (pending) resolveWith(); // merged again with any edit made meanwhile
  });
}
export function resolving() {
  return pending !== null;
}
