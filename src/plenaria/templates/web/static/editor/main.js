// The transcript editor: the proxy video beside the words, edits saved as versions.
//
// The modules: model.js (the document and undo), render.js (the words on the page),
// player.js (the video), save.js (autosave), merge.js and conflict.js (a colleague's
// save merged word by word), live.js (who else is here, their saves as they happen),
// keys.js and mouse.js (editing), find.js, history.js, summary.js (each intervention's
// summary, under its words), items.js (where each agenda item starts), redaction.js (parts
// kept off the public copy). This one wires them and loads.
import { state, hooks, adoptVersion, dirty, undo, redo } from "./model.js";
import { T, root, fmt, say, $ } from "./util.js";
import { view, renderAll, renderSpeakers, rerender, renderIntervention, ivElement, focusWord, speakerLabel } from "./render.js";
import { startPlayer, setSource } from "./player.js";
import { save, saver, getJSON, showUndo } from "./save.js";
import { startConflicts } from "./conflict.js";
import { startLive, afterSave } from "./live.js";
import { startKeys, nextReview } from "./keys.js";
import { startMouse } from "./mouse.js";
import { startFind } from "./find.js";
import { loadHistory, startHistory } from "./history.js";
import { renameSpeaker, assignPerson } from "./edits.js";
import { startSummaries } from "./summary.js";
import { startItems } from "./items.js";
import { loadRedactions, startRedactions } from "./redaction.js";

hooks.rerender = rerender;
view.onRename = renameSpeaker;
view.onAssign = assignPerson;

async function load() {
  say(T.loading);
  const [data] = await Promise.all([getJSON("/transcript"), loadRedactions()]);
  adoptVersion(data.transcript, data.number);
  showUndo();
  if (data.source_job_id) setSource("/api/v1/jobs/" + encodeURIComponent(data.source_job_id) + "/outputs/proxy");
  renderAll();
  renderSpeakers();
  say(fmt(T.saved, { n: state.parent }));
  root.dataset.readyMs = String(Math.round(performance.now()));
  root.dataset.ready = "1";
  loadHistory();
}
// Someone else's version, shown where the clerk was: same scroll, same word.
async function reloadInPlace() {
  const y = window.scrollY;
  const w = view.focusWordEl;
  const at = w && w.closest(".iv") ? { id: w.closest(".iv").dataset.id, n: w.dataset.n } : null;
  const hadFocus = w && document.activeElement === w;
  const data = await getJSON("/transcript");
  if (dirty() || data.number <= state.parent) return;
  adoptVersion(data.transcript, data.number); // the undo of older edits would undo theirs
  showUndo();
  renderAll();
  renderSpeakers();
  const el = at && ivElement(at.id) && ivElement(at.id).querySelector('.w[data-n="' + at.n + '"]');
  if (el) focusWord(el, hadFocus);
  window.scrollTo(0, y);
  loadHistory();
}

startPlayer();
startKeys();
startMouse();
startFind();
startConflicts();
startHistory(load);
startSummaries(
  (id) => renderIntervention(state.doc.interventions.find((iv) => iv.id === id)),
  () => saver.onSaved(),
  speakerLabel,
);
startItems(
  () => renderAll(),
  () => saver.onSaved(),
);
startRedactions(
  (id) => renderIntervention(state.doc.interventions.find((iv) => iv.id === id)),
  focusWord,
);
saver.onSaved = () => {
  loadHistory();
  afterSave();
};
$("undo").addEventListener("click", undo);
$("redo").addEventListener("click", redo);
$("save").addEventListener("click", save);
$("review").addEventListener("click", nextReview);
window.addEventListener("beforeunload", (e) => {
  if (dirty()) {
    e.preventDefault();
    e.returnValue = "";
  }
});
window.plenariaEditor = { save: save, state: () => ({ parent: state.parent, dirty: dirty() }) };
load()
  .then(() => startLive(reloadInPlace))
  .catch((e) => say(T.error + " " + e.message));
