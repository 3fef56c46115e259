// The mouse: a click seeks; a double-click (or a selection of words, then a double-click)
// types over those words in place, Enter keeps, Escape cancels; the buttons beside the
// keys split, merge, assign and rename at the word last clicked.
import { state, ivById, shownText } from "./model.js";
import { T, ROSTER, box, say, editBox, $ } from "./util.js";
import { view, focusWord, setRoving, renderIntervention, speakerLabel, ivElement } from "./render.js";
import { seekTo } from "./player.js";
import { split, mergeNext, setText, setSpeaker } from "./edits.js";
import { renameFor, speakerOfWord } from "./keys.js";
import { replaceTokens } from "./text.js";

// The words to type over: the selection's, when it lies in one intervention, else `el`.
function chosenWords(el) {
  const words = el.closest(".words");
  const sel = window.getSelection();
  let from = +el.dataset.n;
  let to = from;
  if (sel && !sel.isCollapsed && words.contains(sel.anchorNode) && words.contains(sel.focusNode)) {
    const ns = Array.from(words.querySelectorAll(".w")).filter((w) => sel.containsNode(w, true)).map((w) => +w.dataset.n);
    if (ns.length) {
      from = Math.min(...ns);
      to = Math.max(...ns);
    }
  }
  return { from: from, to: to };
}

export function typeOver(el) {
  const iv = ivById(el.closest(".iv").dataset.id);
  const { from, to } = chosenWords(el);
  const spans = Array.from(el.closest(".words").querySelectorAll(".w")).filter((w) => +w.dataset.n >= from && +w.dataset.n <= to);
  const input = document.createElement("input");
  input.type = "text";
  input.className = "word-edit";
  input.value = spans.map((w) => w.textContent).join(" ");
  input.size = Math.max(4, input.value.length + 2);
  input.setAttribute("aria-label", T.type_over + ". " + T.edit_hint);
  spans[0].before(input);
  for (const w of spans) w.remove();
  window.getSelection().removeAllRanges();
  input.focus();
  input.select();
  function finish(commit) {
    const now = ivById(iv.id);
    if (commit) setText(now, replaceTokens(shownText(now), from, to, input.value));
    renderIntervention(ivById(iv.id));
    const w = ivElement(iv.id).querySelector('.w[data-n="' + from + '"]');
    if (w) focusWord(w);
  }
  editBox(input, finish, true);
}

function atWord() {
  const w = view.focusWordEl;
  if (w && w.isConnected && w.closest(".iv")) return w;
  say(T.pick_word);
  return null;
}
function openAssign() {
  const w = atWord();
  if (!w) return;
  const iv = ivById(w.closest(".iv").dataset.id);
  const sel = $("assign-select");
  sel.innerHTML = "";
  for (const sp of state.doc.speakers) sel.append(new Option(speakerLabel(sp), "s:" + sp.id, false, sp.id === iv.speaker));
  for (const p of ROSTER) sel.append(new Option(T.person + ": " + p.name, "p:" + p.id));
  const form = $("assign-form");
  form.dataset.iv = iv.id;
  form.hidden = false;
  sel.focus();
}
function closeAssign(commit) {
  const form = $("assign-form");
  const iv = ivById(form.dataset.iv || "");
  form.hidden = true;
  if (commit && iv) setSpeaker(iv, $("assign-select").value);
  const w = iv && ivElement(iv.id) && ivElement(iv.id).querySelector(".w");
  if (w) focusWord(w);
}

export function startMouse() {
  box.addEventListener("click", (e) => {
    const w = e.target.closest(".w");
    if (w) {
      focusWord(w);
      seekTo(w);
      return;
    }
    const who = e.target.closest(".who");
    if (who) renameFor(who.dataset.speaker);
  });
  box.addEventListener("dblclick", (e) => {
    const w = e.target.closest(".w");
    if (w) {
      e.preventDefault();
      typeOver(w);
    }
  });
  box.addEventListener("focusin", (e) => {
    if (e.target.classList.contains("w")) setRoving(e.target);
  });
  $("act-edit").addEventListener("click", () => {
    const w = atWord();
    if (w) typeOver(w);
  });
  $("act-split").addEventListener("click", () => {
    const w = atWord();
    if (w) split(w);
  });
  $("act-merge").addEventListener("click", () => {
    const w = atWord();
    if (w) mergeNext(w);
  });
  $("act-assign").addEventListener("click", openAssign);
  $("act-rename").addEventListener("click", () => {
    const w = atWord();
    if (w) renameFor(speakerOfWord(w));
  });
  $("assign-form").addEventListener("submit", (e) => {
    e.preventDefault();
    closeAssign(true);
  });
  $("assign-cancel").addEventListener("click", () => closeAssign(false));
}
