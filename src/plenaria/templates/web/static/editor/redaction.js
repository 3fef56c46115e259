// Redaction: parts of the recording kept off the public copy (silent and black in the
// video, absent from every public text). Secretaries and admins select words (the mouse,
// or Shift+arrows from a word) and choose "Censurar la selección…": a reason is asked and
// the interval from the first word's start to the last word's end is saved (POST
// .../redactions). The words inside are marked here; "Partes censuradas" lists them all,
// each with "Quitar" (DELETE). Clerks see the marks and the list only.
import { state } from "./model.js";
import { root, api, box, esc, fmt, headers, $ } from "./util.js";

export const R = JSON.parse(document.getElementById("redaction-strings").textContent);
const canRedact = root.dataset.canRedact === "1";
const hooks = { rendered: () => {}, focus: (el) => el.focus() };
let list = []; // the session's redactions, as the API gives them, sorted by start
let chosen = null; // {start, end, text}: what the open form will redact
let lastWords = []; // the words of the last selection made in the transcript
let kbAnchor = null; // where a Shift+arrow selection started

// -- the marks in the transcript (for render.js) ---------------------------------------

// The redaction hiding a word from `start` to `end` (s), or null: as the public copy decides
// (plenaria.assembly.redaction): any part of the word inside; touching an edge is not.
export function redactionAt(start, end) {
  for (const r of list) {
    if ((start < r.end && end > r.start) || (r.start <= start && start < r.end)) return r;
  }
  return null;
}
export function markText(r) {
  return fmt(R.red_mark, { reason: r.reason });
}
// Before the first word of a redacted run: a visible tag, the reason for screen readers.
export function markHtml(r) {
  return (
    '<span class="redact-mark" title="' + esc(markText(r)) + '">' + esc(R.red_tag) +
    '<span class="visually-hidden">: ' + esc(r.reason) + "</span></span>"
  );
}
// After its last word.
export function endHtml() {
  return '<span class="visually-hidden redact-end">' + esc(R.red_mark_end) + "</span>";
}

// -- the times ---------------------------------------------------------------------------

function clock(s) {
  const tenths = Math.round(s * 10);
  const h = Math.floor(tenths / 36000);
  const m = Math.floor((tenths % 36000) / 600);
  const sec = Math.floor((tenths % 600) / 10);
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return (h ? h + ":" : "") + mm + ":" + String(sec).padStart(2, "0") + "," + (tenths % 10);
}
function span(r) {
  return { start: clock(r.start), end: clock(r.end) };
}

// -- the selection -----------------------------------------------------------------------

function selectedWords() {
  const sel = window.getSelection();
  if (!sel || sel.isCollapsed || !box.contains(sel.anchorNode) || !box.contains(sel.focusNode)) return [];
  return Array.from(box.getElementsByClassName("w")).filter((w) => sel.containsNode(w, true));
}
// A selection made in the transcript is kept while the focus goes to the button.
function remember() {
  const sel = window.getSelection();
  if (sel && box.contains(sel.anchorNode)) lastWords = selectedWords();
}
// Shift+ArrowRight / Shift+ArrowLeft on a word: the selection grows (or shrinks) by a word.
function onKey(e) {
  if (!e.shiftKey || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
  const w = e.target;
  if (!w.classList || !w.classList.contains("w")) return;
  e.preventDefault();
  e.stopPropagation(); // keys.js would only move to the next word
  const ws = Array.from(box.getElementsByClassName("w"));
  const next = ws[ws.indexOf(w) + (e.key === "ArrowRight" ? 1 : -1)];
  if (!next) return;
  const sel = window.getSelection();
  if (!kbAnchor || !kbAnchor.isConnected || sel.isCollapsed || !sel.containsNode(kbAnchor, true)) kbAnchor = w;
  hooks.focus(next);
  const [a, b] = ws.indexOf(kbAnchor) <= ws.indexOf(next) ? [kbAnchor, next] : [next, kbAnchor];
  const range = document.createRange();
  range.setStartBefore(a);
  range.setEndAfter(b);
  sel.removeAllRanges();
  sel.addRange(range);
  remember();
}
// The interval of words `ws` from the model's times; null when none of them has times yet.
function interval(ws) {
  let start = Infinity;
  let end = -Infinity;
  const text = [];
  for (const el of ws) {
    const ivEl = el.closest(".iv");
    const iv = ivEl && state.doc.interventions.find((x) => x.id === ivEl.dataset.id);
    const word = iv && el.dataset.m !== undefined && iv.words[+el.dataset.n];
    if (!word) continue;
    start = Math.min(start, word.start);
    end = Math.max(end, word.end);
    text.push(el.textContent);
  }
  return text.length && end > start ? { start: start, end: end, text: text.join(" ") } : null;
}

// -- the form ----------------------------------------------------------------------------

function tell(text) {
  $("redact-status").textContent = text;
}
function openForm() {
  let ws = selectedWords();
  if (!ws.length) ws = lastWords.filter((w) => w.isConnected);
  if (!ws.length) {
    tell(R.red_pick);
    return;
  }
  chosen = interval(ws);
  if (!chosen) {
    tell(R.red_untimed);
    return;
  }
  tell("");
  $("redact-chosen").textContent = fmt(R.red_chosen, Object.assign(span(chosen), { text: chosen.text }));
  $("redact-form").hidden = false;
  const input = $("redact-reason");
  input.value = "";
  input.removeAttribute("aria-invalid");
  input.focus();
}
function closeForm() {
  $("redact-form").hidden = true;
  chosen = null;
  $("act-redact").focus();
}
function detail(body, status) {
  if (typeof body.detail === "string") return body.detail;
  if (Array.isArray(body.detail)) return body.detail.map((d) => d.msg || "").join("; ");
  return String(status);
}
// Draws again the interventions with a word in `r`.
function redraw(r) {
  for (const iv of state.doc.interventions) {
    if ((iv.words || []).some((w) => (w.start < r.end && w.end > r.start) || (r.start <= w.start && w.start < r.end))) {
      hooks.rendered(iv.id);
    }
  }
}
function sortList() {
  list.sort((a, b) => a.start - b.start || a.end - b.end);
}
async function submit(e) {
  e.preventDefault();
  const form = $("redact-form");
  const input = $("redact-reason");
  const reason = input.value.replace(/\s+/g, " ").trim();
  if (!reason) {
    input.setAttribute("aria-invalid", "true");
    tell(R.red_reason_needed);
    input.focus();
    return;
  }
  if (!chosen || form.dataset.busy) return;
  form.dataset.busy = "1";
  tell(R.red_saving);
  try {
    const r = await fetch(api + "/redactions", {
      method: "POST",
      headers: headers(true),
      body: JSON.stringify({ start: chosen.start, end: chosen.end, reason: reason }),
    });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) {
      tell(R.red_error + " " + detail(body, r.status));
      return;
    }
    list.push(body);
    sortList();
    redraw(body);
    renderList();
    window.getSelection().removeAllRanges();
    lastWords = [];
    closeForm();
    tell(fmt(R.red_saved, span(body)));
  } catch (err) {
    tell(R.red_error + " " + (err.message || err));
  } finally {
    delete form.dataset.busy;
  }
}

// -- the list ----------------------------------------------------------------------------

function renderList() {
  const ul = $("redactions");
  ul.innerHTML = "";
  if (!list.length) {
    const li = document.createElement("li");
    li.className = "none";
    li.textContent = R.red_none;
    ul.append(li);
    return;
  }
  const lang = document.documentElement.lang || "es";
  for (const r of list) {
    const li = document.createElement("li");
    li.dataset.id = r.id;
    const what = document.createElement("span");
    what.className = "redaction-what";
    what.textContent = fmt(R.red_item, Object.assign(span(r), { reason: r.reason }));
    li.append(what);
    if (r.created_at) {
      const when = document.createElement("span");
      when.className = "redaction-when";
      const d = new Date(r.created_at);
      const at = isNaN(d) ? r.created_at : d.toLocaleString(lang, { dateStyle: "short", timeStyle: "short" });
      when.textContent = " (" + fmt(R.red_when, { when: at }) + ")";
      li.append(when);
    }
    if (canRedact) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "redaction-remove";
      b.textContent = R.red_remove;
      b.setAttribute("aria-label", fmt(R.red_remove_aria, span(r)));
      b.addEventListener("click", () => remove(r, b));
      li.append(" ", b);
    }
    ul.append(li);
  }
}
async function remove(r, button) {
  if (button.disabled) return;
  button.disabled = true;
  tell(R.red_removing);
  try {
    const res = await fetch(api + "/redactions/" + encodeURIComponent(r.id), { method: "DELETE", headers: headers(false) });
    if (!res.ok && res.status !== 404) {
      const body = await res.json().catch(() => ({}));
      tell(R.red_remove_error + " " + detail(body, res.status));
      button.disabled = false;
      return;
    }
    const k = list.indexOf(r);
    list = list.filter((x) => x !== r);
    redraw(r);
    renderList();
    const next = $("redactions").querySelectorAll(".redaction-remove")[Math.max(0, k - 1)];
    (next || $("act-redact")).focus();
    tell(fmt(R.red_removed, span(r)));
  } catch (err) {
    tell(R.red_remove_error + " " + (err.message || err));
    button.disabled = false;
  }
}

// The session's redactions, fetched before the words are drawn; a failure is said, not thrown.
export async function loadRedactions() {
  try {
    const r = await fetch(api + "/redactions", { headers: headers(false) });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(detail(body, r.status));
    list = Array.isArray(body) ? body : [];
    sortList();
  } catch (err) {
    tell(R.red_load_error + " " + (err.message || err));
  }
  renderList();
}

// rendered(id): draws intervention `id` again; focus(el): moves the focus to word `el`.
export function startRedactions(rendered, focus) {
  Object.assign(hooks, { rendered: rendered, focus: focus });
  box.addEventListener("keydown", onKey);
  document.addEventListener("selectionchange", remember);
  if (!canRedact) return;
  $("act-redact").addEventListener("click", openForm);
  $("redact-form").addEventListener("submit", submit);
  $("redact-cancel").addEventListener("click", closeForm);
  $("redact-form").addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      closeForm();
    }
  });
}
