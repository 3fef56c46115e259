// The keyboard: the editor's keys on a word, and the player's keys everywhere, even
// while typing (oTranscribe's habits: Ctrl+Space plays or pauses, Ctrl+, and F1
// rewind 3 s, Ctrl+. and F2 skip 3 s).
import { undo, redo, ivById } from "./model.js";
import { T, box, say, $ } from "./util.js";
import { view, focusWord, allWords } from "./render.js";
import { togglePlay, jump, playFrom, stepRate, seekTo } from "./player.js";
import { save } from "./save.js";
import { split, mergeNext, chooseSpeaker, openEdit } from "./edits.js";

export const STEP_S = 3;

function step(el, delta) {
  const ws = allWords();
  const next = ws[Array.prototype.indexOf.call(ws, el) + delta];
  if (next) focusWord(next);
}
function stepIv(el, delta) {
  let iv = el.closest(".iv");
  iv = delta > 0 ? iv.nextElementSibling : iv.previousElementSibling;
  const w = iv && iv.querySelector(".w");
  if (w) focusWord(w);
}
export function nextReview() {
  const items = box.querySelectorAll(".w.low, .who.unnamed");
  const from = document.activeElement && box.contains(document.activeElement) ? document.activeElement : view.focusWordEl;
  let target = null;
  for (const el of items) {
    if (!from || (from.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING && el !== from)) {
      target = el;
      break;
    }
  }
  target = target || items[0];
  if (!target) {
    say(T.nothing_to_review);
    return;
  }
  if (target.classList.contains("w")) {
    focusWord(target);
    seekTo(target);
  } else target.focus();
}
export function renameFor(speakerId) {
  const li = document.querySelector('#speakers li[data-speaker="' + CSS.escape(speakerId) + '"]');
  const input = li && li.querySelector("input");
  if (input) {
    input.focus();
    input.select();
  }
}
export function speakerOfWord(w) {
  return ivById(w.closest(".iv").dataset.id).speaker;
}

// The player's keys, wherever the focus is; true when `e` was one.
function playerKey(e, ctrl) {
  if ((ctrl && e.key === " ") || e.key === "F3") togglePlay();
  else if ((ctrl && e.key === ",") || e.key === "F1") jump(-STEP_S);
  else if ((ctrl && e.key === ".") || e.key === "F2") jump(STEP_S);
  else return false;
  return true;
}

function onKey(e) {
  const tag = (e.target.tagName || "").toLowerCase();
  const typing = tag === "input" || tag === "textarea" || tag === "select";
  const ctrl = e.ctrlKey || e.metaKey;
  if (ctrl && e.key.toLowerCase() === "s") {
    e.preventDefault();
    save();
    return;
  }
  if (playerKey(e, ctrl)) {
    e.preventDefault();
    return;
  }
  if (typing || e.target.closest("dialog")) return;
  if (ctrl && e.key.toLowerCase() === "z" && !e.shiftKey) {
    e.preventDefault();
    undo();
    return;
  }
  if (ctrl && (e.key.toLowerCase() === "y" || (e.key.toLowerCase() === "z" && e.shiftKey))) {
    e.preventDefault();
    redo();
    return;
  }
  if (ctrl || e.altKey) return;
  const onWord = e.target.classList && e.target.classList.contains("w");
  const w = onWord ? e.target : view.focusWordEl;
  switch (e.key) {
    case "k":
      togglePlay();
      break;
    case "j":
      jump(-STEP_S);
      break;
    case "l":
      jump(STEP_S);
      break;
    case "p":
      if (w) playFrom(w);
      break;
    case "n":
      nextReview();
      break;
    case "i":
      if (onWord) chooseSpeaker(e.target);
      else return;
      break;
    case "s":
      if (onWord) split(e.target);
      else return;
      break;
    case "m":
      if (onWord) mergeNext(e.target);
      else return;
      break;
    case "f":
      $("find").focus();
      break;
    case "a": {
      const c = $("autoscroll");
      c.checked = !c.checked;
      break;
    }
    case "+":
      stepRate(1);
      break;
    case "-":
      stepRate(-1);
      break;
    case "r":
      if (w) renameFor(speakerOfWord(w));
      break;
    case "e":
    case "Enter":
      if (onWord) openEdit(e.target);
      else return;
      break;
    case " ":
      if (onWord) togglePlay();
      else return;
      break;
    case "ArrowRight":
    case "ArrowLeft":
      if (!onWord) return;
      step(e.target, e.key === "ArrowRight" ? 1 : -1);
      break;
    case "ArrowDown":
    case "ArrowUp":
      if (!onWord) return;
      stepIv(e.target, e.key === "ArrowDown" ? 1 : -1);
      break;
    default:
      return;
  }
  e.preventDefault();
}
export function startKeys() {
  document.addEventListener("keydown", onKey);
}
