// What every part of the editor shares: the page's strings, the API's address, messages.
export const root = document.getElementById("editor");
export const sessionId = root.dataset.session;
export const T = JSON.parse(document.getElementById("strings").textContent);
export const ROSTER = JSON.parse(document.getElementById("roster").textContent);
export const api = "/api/v1/sessions/" + encodeURIComponent(sessionId);
export const box = document.getElementById("transcript");
const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
const statusEl = document.getElementById("save-status");

export function fmt(s, vars) {
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars && k in vars ? vars[k] : ""));
}
export function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
export function say(text) {
  statusEl.textContent = text;
}
export function headers(json) {
  const h = { "X-CSRF-Token": csrf };
  if (json) h["Content-Type"] = "application/json";
  return h;
}
export function $(id) {
  return document.getElementById(id);
}
// An edit box's keys: Enter keeps (Shift+Enter is a new line), Escape cancels; leaving
// it keeps or cancels as `blurKeeps` says. `finish(keep)` runs once.
export function editBox(el, finish, blurKeeps) {
  let done = false;
  const once = (keep) => {
    if (done) return;
    done = true;
    finish(keep);
  };
  el.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      once(true);
    } else if (e.key === "Escape") {
      e.preventDefault();
      once(false);
    }
  });
  el.addEventListener("blur", () => once(blurKeeps));
  return once;
}
