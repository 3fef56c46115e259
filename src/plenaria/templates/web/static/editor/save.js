// Autosave: PATCH the changed interventions and speakers on the version they were edited
// from. A 409 means someone saved meanwhile: conflict.js merges the two, word by word.
import { state, hooks, dirty, ivById, speakerById, clone } from "./model.js";
import { T, api, fmt, say, headers, $ } from "./util.js";
import { renderIntervention } from "./render.js";

export const saver = { saving: false, timer: null, held: false, onConflict: null, onSaved: null };

export function later(ms) {
  clearTimeout(saver.timer);
  saver.timer = setTimeout(save, ms);
}
export function showUndo() {
  $("undo").disabled = !state.undoStack.length;
  $("redo").disabled = !state.redoStack.length;
}
hooks.changed = () => {
  showUndo();
  say(T.unsaved);
  later(800);
};

// Only what changed since `parent`: whole interventions and speakers, by id.
function payload() {
  const body = {
    parent: state.parent,
    interventions: [...state.touched.iv].map(ivById).filter(Boolean),
    speakers: [...state.touched.sp].map(speakerById),
  };
  if (state.orderTouched) body.order = state.doc.interventions.map((x) => x.id);
  return JSON.stringify(body);
}
export async function getJSON(path) {
  const r = await fetch(api + path, { headers: headers(false) });
  if (!r.ok) throw new Error((await r.json().catch(() => ({}))).detail || r.status);
  return r.json();
}
export async function save() {
  clearTimeout(saver.timer);
  if (saver.held) return; // a conflict is being resolved
  if (saver.saving) return later(300);
  if (!dirty()) return;
  saver.saving = true;
  const structure = state.orderTouched;
  say(T.saving);
  const sent = { iv: new Map(), sp: new Map() };
  for (const id of state.touched.iv) sent.iv.set(id, JSON.stringify(ivById(id)));
  for (const id of state.touched.sp) sent.sp.set(id, JSON.stringify(speakerById(id)));
  try {
    const r = await fetch(api + "/transcript", { method: "PATCH", headers: headers(true), body: payload() });
    const body = await r.json().catch(() => ({}));
    if (r.ok) saved(body, sent, structure); // 201 saved; 200 nothing changed (no new version)
    else if (r.status === 409) await saver.onConflict(body);
    else say(T.error + " " + (body.detail || r.status));
  } catch (e) {
    say(e instanceof TypeError ? T.offline : T.error + " " + (e.message || e)); // TypeError: no network
  } finally {
    saver.saving = false;
    if (dirty() && !saver.held) later(1500);
  }
}
function saved(body, sent, structure) {
  state.parent = body.number;
  state.orderTouched -= structure;
  if (!state.orderTouched) state.baseOrder = state.doc.interventions.map((x) => x.id).join("\n");
  const realigned = body.interventions || {};
  for (const [id, json] of sent.iv) {
    let iv = ivById(id);
    if (!iv) {
      state.touched.iv.delete(id); // removed by a merge
      state.base.iv.delete(id);
      continue;
    }
    if (JSON.stringify(iv) === json) {
      state.touched.iv.delete(id);
      if (realigned[id]) {
        iv = realigned[id];
        const n = state.doc.interventions.findIndex((x) => x.id === id);
        state.doc.interventions[n] = iv;
        renderIntervention(iv);
      }
    }
    state.base.iv.set(id, JSON.stringify(iv));
  }
  for (const [id, json] of sent.sp) {
    if (JSON.stringify(speakerById(id)) === json) state.touched.sp.delete(id);
    state.base.sp.set(id, json);
  }
  // the saved version as this page knows it (when the server no longer has it: see conflict.js)
  const doc = clone(state.doc);
  doc.interventions = doc.interventions.map((iv) => (state.touched.iv.has(iv.id) && state.base.iv.has(iv.id) ? JSON.parse(state.base.iv.get(iv.id)) : iv));
  state.baseDoc = doc;
  say(fmt(T.saved, { n: body.number }));
  if (saver.onSaved) saver.onSaved(body.number);
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// Before a save of its own (a summary, an item's start): the text's unsaved edits are
// saved first; false when they could not be (then nothing should be sent).
export async function savedFirst() {
  while (saver.saving) await sleep(100);
  if (dirty()) await save();
  while (saver.saving) await sleep(100);
  return !(dirty() || saver.held);
}

// The interventions a save answered with (by id) become the page's, as of version `number`.
export function adoptSaved(interventions, number) {
  state.parent = number;
  for (const [id, iv] of Object.entries(interventions || {})) {
    const n = state.doc.interventions.findIndex((x) => x.id === id);
    if (n >= 0) state.doc.interventions[n] = iv;
    state.base.iv.set(id, JSON.stringify(iv));
    if (state.baseDoc) {
      const k = state.baseDoc.interventions.findIndex((x) => x.id === id);
      if (k >= 0) state.baseDoc.interventions[k] = clone(iv);
    }
  }
}
