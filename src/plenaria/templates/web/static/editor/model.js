// The document being edited and its undo history; no DOM here.
//
// `state.doc` is the transcript JSON. Edits go through apply(change), which keeps
// undo/redo and marks the touched interventions and speakers; a change is
// {iv: {id: intervention or null (removed)}, sp: {id: speaker}, order: [ids]}.
// `hooks.rerender(change)` and `hooks.changed()` are set by main.js.

export const state = {
  doc: null, // the transcript being edited
  parent: null, // the version it was loaded or last saved as
  baseDoc: null, // the transcript of `parent` as this page knows it
  base: { iv: new Map(), sp: new Map() }, // JSON of each item as of `parent`
  baseOrder: "", // the intervention ids of `parent`, in order
  touched: { iv: new Set(), sp: new Set() },
  orderTouched: 0, // structural changes (split, merge) not saved yet
  undoStack: [],
  redoStack: [],
};
export const hooks = { rerender: () => {}, changed: () => {}, locked: () => false };

export function clone(x) {
  return JSON.parse(JSON.stringify(x));
}
export function dirty() {
  return state.touched.iv.size + state.touched.sp.size + state.orderTouched;
}
export function ivById(id) {
  return state.doc.interventions.find((iv) => iv.id === id);
}
export function speakerById(id) {
  return state.doc.speakers.find((s) => s.id === id) || { id: id, label: id, name: null };
}
export function ivText(iv) {
  return iv.words.map((w) => w.text.trim()).join(" ");
}
export function pendingText(iv) {
  return typeof iv.text === "string" && iv.text !== ivText(iv);
}
export function shownText(iv) {
  return pendingText(iv) ? iv.text : ivText(iv);
}
export function withText(iv, words, extra) {
  return Object.assign({}, iv, extra, { words: words, text: words.map((w) => w.text.trim()).join(" ") });
}

// `doc` becomes the version `number`; nothing is touched, nothing to undo.
export function adoptVersion(doc, number) {
  state.undoStack.length = 0;
  state.redoStack.length = 0;
  state.doc = doc;
  state.parent = number;
  state.touched.iv.clear();
  state.touched.sp.clear();
  state.orderTouched = 0;
  snapshotBase(doc);
}
export function snapshotBase(doc) {
  state.baseDoc = clone(doc);
  state.baseOrder = doc.interventions.map((x) => x.id).join("\n");
  state.base = { iv: new Map(), sp: new Map() };
  for (const iv of doc.interventions) state.base.iv.set(iv.id, JSON.stringify(iv));
  for (const sp of doc.speakers) state.base.sp.set(sp.id, JSON.stringify(sp));
}

// Applies one change; returns its inverse.
export function applyRaw(change) {
  const doc = state.doc;
  const inverse = { iv: {}, sp: {} };
  const byId = new Map(doc.interventions.map((x) => [x.id, x]));
  for (const [id, iv] of Object.entries(change.iv || {})) {
    inverse.iv[id] = byId.get(id) || null;
    if (iv) byId.set(id, iv);
    else byId.delete(id);
    state.touched.iv.add(id);
  }
  if (change.order) {
    inverse.order = doc.interventions.map((x) => x.id);
    doc.interventions = change.order.map((id) => byId.get(id));
    state.orderTouched++;
  } else {
    doc.interventions = doc.interventions.map((x) => byId.get(x.id));
  }
  for (const [id, sp] of Object.entries(change.sp || {})) {
    const n = doc.speakers.findIndex((x) => x.id === id);
    if (n < 0) {
      inverse.sp[id] = null;
      doc.speakers.push(sp);
    } else if (sp) {
      inverse.sp[id] = doc.speakers[n];
      doc.speakers[n] = sp;
    } else {
      inverse.sp[id] = doc.speakers[n];
      doc.speakers.splice(n, 1);
    }
    state.touched.sp.add(id);
  }
  return inverse;
}
export function apply(change) {
  if (hooks.locked()) return; // a merge waits for the clerk's choices
  const inverse = applyRaw(change);
  state.undoStack.push({ undo: inverse, redo: change });
  state.redoStack.length = 0;
  hooks.rerender(change);
  hooks.changed();
}
export function undo() {
  if (hooks.locked()) return;
  const step = state.undoStack.pop();
  if (!step) return;
  step.redo = applyRaw(step.undo);
  state.redoStack.push(step);
  hooks.rerender(step.undo);
  hooks.changed();
}
export function redo() {
  if (hooks.locked()) return;
  const step = state.redoStack.pop();
  if (!step) return;
  step.undo = applyRaw(step.redo);
  state.undoStack.push(step);
  hooks.rerender(step.redo);
  hooks.changed();
}

// -- the changes of each edit ---------------------------------------------------------

export function textChange(iv, text) {
  const clean = text.replace(/\s+/g, " ").trim();
  if (clean === ivText(iv)) return null;
  return { iv: { [iv.id]: Object.assign({}, iv, { text: clean }) } };
}
// Split intervention `iv` before its word `n`: the tail gets a new id.
export function splitChange(iv, n) {
  if (!(n > 0 && n < iv.words.length)) return null;
  let k = 2;
  while (ivById(iv.id + "-" + k)) k++;
  const id = iv.id + "-" + k;
  const head = withText(iv, iv.words.slice(0, n), { end: iv.words[n - 1].end });
  // the tail's summary is made from its own words when saved
  const tail = withText(iv, iv.words.slice(n), { id: id, start: iv.words[n].start, summary: "", summary_edited: false });
  const order = state.doc.interventions.map((x) => x.id);
  order.splice(order.indexOf(iv.id) + 1, 0, id);
  return { iv: { [iv.id]: head, [id]: tail }, order: order };
}
export function mergeChange(iv, next) {
  const merged = withText(iv, iv.words.concat(next.words), { end: Math.max(iv.end, next.end) });
  const order = state.doc.interventions.map((x) => x.id).filter((id) => id !== next.id);
  return { iv: { [iv.id]: merged, [next.id]: null }, order: order };
}
