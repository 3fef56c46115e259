// Where each agenda item starts. Each intervention shows its item ("Punto 2"); "Empieza aquí
// un punto" lets the clerk say that an item starts at this intervention (PUT
// .../transcript/items/{n}/start), when the recording did not say it clearly: the acta is
// found again and the interventions after it follow. "Como se oyó" takes the clerk's start back.
import { state, ivById } from "./model.js";
import { api, esc, fmt, headers, box, $ } from "./util.js";
import { savedFirst, adoptSaved } from "./save.js";

export const I = JSON.parse(document.getElementById("item-strings").textContent);
const hooks = { rendered: () => {}, saved: () => {} };

function agenda() {
  return ((state.doc && state.doc.session && state.doc.session.agenda) || []).slice();
}
function fixedAt(id) {
  const fixed = (state.doc && state.doc.acta && state.doc.acta.fixed_starts) || {};
  return Object.keys(fixed).filter((n) => fixed[n] === id).map(Number);
}

// The item line of intervention `iv`, for render.js ("" when the session has no agenda).
export function itemHtml(iv) {
  if (!agenda().length) return "";
  const tag = iv.agenda_item == null ? I.item_none : fmt(I.item_n, { n: iv.agenda_item });
  const mine = fixedAt(iv.id);
  return (
    '<div class="item-line" data-for="' + esc(iv.id) + '"><span class="item-tag">' + esc(tag) + "</span>" +
    (mine.length ? ' <span class="item-fixed">' + esc(fmt(I.item_fixed, { n: mine.join(", ") })) + "</span>" : "") +
    ' <button type="button" class="item-start">' + esc(I.item_start) + "</button></div>"
  );
}

function openForm(line) {
  if (line.querySelector("form")) return;
  const iv = ivById(line.dataset.for);
  if (!iv) return;
  const form = document.createElement("form");
  form.className = "item-form";
  const id = "item-select-" + iv.id;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = I.item_field;
  const select = document.createElement("select");
  select.id = id;
  for (const a of agenda()) {
    const o = document.createElement("option");
    o.value = String(a.number);
    o.textContent = a.number + ". " + a.title;
    if (a.number === iv.agenda_item) o.selected = true;
    select.append(o);
  }
  const ok = document.createElement("button");
  ok.type = "submit";
  ok.textContent = I.item_save;
  const heard = document.createElement("button");
  heard.type = "button";
  heard.textContent = I.item_heard;
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.textContent = I.item_cancel;
  const status = document.createElement("p");
  status.className = "item-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  form.append(label, select, ok, heard, cancel, status);
  line.append(form);
  select.focus();
  const close = () => {
    form.remove();
    const button = line.querySelector(".item-start");
    if (button) button.focus();
  };
  const say = (text) => (status.textContent = text);
  async function send(number, intervention) {
    if (await put(number, intervention, say)) {
      form.remove();
      hooks.rendered();
    }
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    send(Number(select.value), iv.id);
  });
  heard.addEventListener("click", () => send(Number(select.value), null));
  cancel.addEventListener("click", close);
  form.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      close();
    }
  });
}

async function put(number, intervention, say) {
  if (!(await savedFirst())) {
    say(I.item_wait);
    return false;
  }
  say(I.item_saving);
  let r;
  let body;
  try {
    r = await fetch(api + "/transcript/items/" + number + "/start", {
      method: "PUT",
      headers: headers(true),
      body: JSON.stringify({ parent: state.parent, intervention: intervention }),
    });
    body = await r.json().catch(() => ({}));
  } catch (e) {
    say(I.item_error + " " + (e.message || e));
    return false;
  }
  if (!r.ok) {
    say(I.item_error + " " + (body.detail || r.status));
    return false;
  }
  if (r.status === 200) {
    say(I.item_unchanged);
    return false;
  }
  adoptSaved(body.interventions, body.number);
  state.doc.acta = state.doc.acta || {};
  const fixed = Object.assign({}, state.doc.acta.fixed_starts || {});
  if (intervention) fixed[String(number)] = intervention;
  else delete fixed[String(number)];
  state.doc.acta.fixed_starts = fixed;
  $("save-status").textContent = fmt(I.item_saved, { n: body.number });
  hooks.saved(body.number);
  return true;
}

// rendered(): draws the transcript again; saved(n): after a version is saved here.
export function startItems(rendered, saved) {
  Object.assign(hooks, { rendered: rendered, saved: saved });
  box.addEventListener("click", (e) => {
    const button = e.target.closest(".item-start");
    if (button) openForm(button.closest(".item-line"));
  });
}
