// Who else has the session open, and their saves as they happen (server-sent events from
// /transcript/events): with nothing unsaved here their version is shown in place; with
// unsaved edits it is merged with them (conflict.js). This page's own saves are skipped.
// Without the stream (an older server answers 404) it retries, less and less often.
import { state, dirty } from "./model.js";
import { T, api, fmt, say, $ } from "./util.js";
import { saver } from "./save.js";
import { reconcile, resolving } from "./conflict.js";

const live = { you: null, source: null, wait_s: 5, queued: null };
let onRemote = async () => {};

function showPresence(users) {
  const others = users.filter((u) => u.id !== live.you);
  const el = $("presence");
  el.textContent = others.length ? fmt(T.presence, { names: others.map((u) => u.name).join(", ") }) : T.presence_alone;
  el.dataset.count = String(others.length);
}
async function arrived(ev) {
  if (ev.author_id && ev.author_id === live.you) return;
  if (ev.number <= state.parent) return;
  if (saver.saving || resolving() || editing()) {
    live.queued = ev; // looked at again when this page's save or edit box is done
    setTimeout(afterSave, 1500);
    return;
  }
  if (dirty()) await reconcile({ author: ev.author });
  else {
    await onRemote();
    say(fmt(T.live_loaded, { n: ev.number, author: ev.author || T.by_machine }));
  }
}
function editing() {
  return Boolean(document.querySelector("#transcript input.word-edit, #transcript textarea.edit, #transcript select.who-select"));
}
function connect() {
  const source = new EventSource(api + "/transcript/events");
  live.source = source;
  source.addEventListener("open", () => {
    live.wait_s = 5;
  });
  source.addEventListener("presence", (e) => {
    const data = JSON.parse(e.data);
    live.you = data.you;
    showPresence(data.users || []);
  });
  source.addEventListener("saved", (e) => {
    arrived(JSON.parse(e.data)).catch((err) => say(T.error + " " + (err.message || err)));
  });
  source.addEventListener("error", () => {
    if (source.readyState !== EventSource.CLOSED) return; // the browser reconnects by itself
    live.source = null;
    setTimeout(connect, live.wait_s * 1000);
    live.wait_s = Math.min(live.wait_s * 2, 300);
  });
}
// After each save of this page, an event that waited is looked at again.
export function afterSave() {
  const ev = live.queued;
  live.queued = null;
  if (ev) arrived(ev).catch(() => {});
}
export function startLive(reloadInPlace) {
  onRemote = reloadInPlace;
  if (typeof EventSource === "function") connect();
}
