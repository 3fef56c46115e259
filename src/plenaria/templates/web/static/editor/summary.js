// Each intervention's summary (ROF 109.1.g: the opinions in synthesis), shown under its
// words, which stay as said. "Editar el resumen" opens a box; what the clerk writes is saved
// at once as a new version (PUT .../interventions/{id}/summary) and is never remade from
// the words again; "Volver al resumen automático" gives the one made from the words.
// Edits of the text not saved yet are saved first, so the summary lands on the latest version.
import { state, ivById, speakerById } from "./model.js";
import { api, esc, fmt, headers, box, $ } from "./util.js";
import { savedFirst, adoptSaved } from "./save.js";

export const S = JSON.parse(document.getElementById("summary-strings").textContent);
const hooks = { rendered: () => {}, saved: () => {}, label: (sp) => sp.id };

// The summary block of intervention `iv`, for render.js.
export function summaryHtml(iv) {
  const text = iv.summary || "";
  const who = hooks.label(speakerById(iv.speaker));
  return (
    '<div class="summary' + (iv.summary_edited ? " edited" : "") + '" data-for="' + esc(iv.id) + '">' +
    '<p class="summary-text"><span class="summary-h">' + esc(S.sum_h) + "</span> " +
    '<span class="summary-how">(' + esc(iv.summary_edited ? S.sum_clerk : S.sum_auto) + ")</span>: " +
    '<span class="summary-body">' + (text ? esc(text) : esc(S.sum_none)) + "</span></p>" +
    '<button type="button" class="summary-edit" aria-label="' + esc(fmt(S.sum_edit_aria, { who: who })) + '">' +
    esc(S.sum_edit) + "</button></div>"
  );
}

function showText(block, shown) {
  block.querySelectorAll(".summary-text, .summary-edit").forEach((el) => (el.hidden = !shown));
}
// render.js drew intervention element `ivEl` again while `form` was open in it: kept there.
export function keepSummaryForm(ivEl, form, focused) {
  const block = ivEl.querySelector(".summary");
  if (!block) return;
  const area = form.querySelector("textarea");
  const [from, to] = [area.selectionStart, area.selectionEnd];
  showText(block, false);
  block.append(form);
  if (focused) {
    area.focus();
    area.setSelectionRange(from, to);
  }
}
function tell(el, text) {
  const out = el.querySelector(".summary-status");
  if (out) out.textContent = text;
}

// The edit box in place of the summary's text.
function openBox(block) {
  if (block.querySelector("form")) return;
  const iv = ivById(block.dataset.for);
  if (!iv) return;
  const who = hooks.label(speakerById(iv.speaker));
  const id = "summary-input-" + iv.id;
  const form = document.createElement("form");
  form.className = "summary-form";
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = fmt(S.sum_field, { who: who });
  const area = document.createElement("textarea");
  area.id = id;
  area.className = "edit summary-input"; // "edit": live.js waits while it is open
  area.value = iv.summary || "";
  area.rows = Math.max(2, Math.ceil(area.value.length / 70));
  const ok = document.createElement("button");
  ok.type = "submit";
  ok.textContent = S.sum_save;
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.textContent = S.sum_cancel;
  const bar = document.createElement("div");
  bar.className = "toolbar";
  bar.append(ok, cancel);
  if (iv.summary_edited) {
    const reset = document.createElement("button");
    reset.type = "button";
    reset.className = "summary-reset";
    reset.textContent = S.sum_reset;
    reset.addEventListener("click", () => submit(null));
    bar.append(reset);
  }
  const status = document.createElement("p");
  status.className = "summary-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  form.append(label, area, bar, status);
  showText(block, false);
  block.append(form);
  area.focus();
  area.setSelectionRange(area.value.length, area.value.length);
  // the block it is in now: the intervention may have been drawn again meanwhile
  const close = () => {
    const current = form.closest(".summary");
    form.remove();
    if (!current) return;
    showText(current, true);
    current.querySelector(".summary-edit").focus();
  };
  async function submit(text) {
    if (form.dataset.busy) return;
    form.dataset.busy = "1";
    try {
      if (await put(iv.id, text, (msg) => tell(form, msg))) {
        hooks.rendered(iv.id); // the intervention drawn again, with its new summary
        close();
      }
    } finally {
      delete form.dataset.busy;
    }
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = area.value.replace(/\s+/g, " ").trim();
    submit(text || null);
  });
  cancel.addEventListener("click", close);
  area.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    } else if (e.key === "Escape") {
      e.preventDefault();
      close();
    }
  });
}

// Saves the summary of intervention `id` (null: the automatic one); true when saved.
async function put(id, text, say) {
  if (!(await savedFirst())) {
    say(S.sum_wait);
    return false;
  }
  say(S.sum_saving);
  let r;
  let body;
  try {
    r = await fetch(api + "/transcript/interventions/" + encodeURIComponent(id) + "/summary", {
      method: "PUT",
      headers: headers(true),
      body: JSON.stringify({ parent: state.parent, summary: text }),
    });
    body = await r.json().catch(() => ({}));
  } catch (e) {
    say(S.sum_error + " " + (e.message || e));
    return false;
  }
  if (!r.ok) {
    say(S.sum_error + " " + (body.detail || r.status));
    return false;
  }
  const iv = body.interventions && body.interventions[id];
  if (r.status === 200 || !iv) {
    say(S.sum_unchanged);
    return false;
  }
  adopt(id, iv, body.number);
  $("save-status").textContent = fmt(S.sum_saved, { n: body.number });
  return true;
}

// The saved intervention becomes the page's, as of the new version.
function adopt(id, iv, number) {
  adoptSaved({ [id]: iv }, number);
  hooks.saved(number);
}

// rendered(id): draws intervention `id` again; saved(n): after a version is saved here;
// label(speaker): how a speaker is named.
export function startSummaries(rendered, saved, label) {
  Object.assign(hooks, { rendered: rendered, saved: saved, label: label });
  box.addEventListener("click", (e) => {
    const button = e.target.closest(".summary-edit");
    if (button) openBox(button.closest(".summary"));
  });
}
