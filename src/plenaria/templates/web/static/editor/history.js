// The side panel's history: every version, its changes word by word, restore (after asking).
import { state } from "./model.js";
import { T, api, fmt, say, headers, $ } from "./util.js";
import { save } from "./save.js";

let reload = async () => {};

export async function loadHistory() {
  const r = await fetch(api + "/transcript/versions", { headers: headers(false) });
  if (!r.ok) return;
  const versions = await r.json();
  const ol = $("history");
  ol.innerHTML = "";
  for (const v of versions.reverse()) {
    const li = document.createElement("li");
    li.dataset.number = v.number;
    li.textContent = fmt(T.version, { n: v.number }) + " · " + (v.author || T.by_machine) + " · " + v.created_at.slice(0, 16).replace("T", " ") + " ";
    if (v.parent !== null) {
      const d = document.createElement("button");
      d.type = "button";
      d.textContent = T.changes;
      d.setAttribute("aria-label", T.changes + " " + fmt(T.version, { n: v.number }));
      d.setAttribute("aria-expanded", "false");
      d.addEventListener("click", () => showDiff(v.number, li, d));
      li.append(d, " ");
    }
    if (v.number !== state.parent) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "restore";
      b.textContent = T.restore;
      b.setAttribute("aria-label", T.restore + " " + fmt(T.version, { n: v.number }));
      b.addEventListener("click", () => askRestore(v.number));
      li.append(b);
    }
    ol.append(li);
  }
}

// One intervention's change: word by word when the server sends `ops`, else before → after.
function changeItem(c) {
  const item = document.createElement("li");
  if (Array.isArray(c.ops)) {
    item.className = "ops";
    c.ops.forEach((op, k) => {
      if (k) item.append(" ");
      if (op.op === "equal") item.append(op.before || op.after || "");
      if (op.op === "delete" || op.op === "replace") {
        const del = document.createElement("del");
        del.textContent = op.before || "";
        item.append(del);
      }
      if (op.op === "replace") item.append(" ");
      if (op.op === "insert" || op.op === "replace") {
        const ins = document.createElement("ins");
        ins.textContent = op.after || "";
        item.append(ins);
      }
    });
    return item;
  }
  const del = document.createElement("del");
  del.textContent = c.before || "";
  const ins = document.createElement("ins");
  ins.textContent = c.after || "";
  item.append(del, " → ", ins);
  return item;
}
async function showDiff(number, li, button) {
  const open = li.querySelector(".diff");
  if (open) {
    open.remove();
    button.setAttribute("aria-expanded", "false");
    return;
  }
  const r = await fetch(api + "/transcript/versions/" + number + "/diff", { headers: headers(false) });
  if (!r.ok) return;
  const diff = await r.json();
  const list = document.createElement("ul");
  list.className = "diff";
  for (const c of diff.interventions) list.append(changeItem(c));
  for (const c of diff.speakers) {
    const item = document.createElement("li");
    item.textContent = T.speaker_of + ": " + (c.before || c.id) + " → " + (c.after || c.id);
    list.append(item);
  }
  if (!list.children.length) {
    const item = document.createElement("li");
    item.textContent = T.no_changes;
    list.append(item);
  }
  li.append(list);
  button.setAttribute("aria-expanded", "true");
}

function askRestore(number) {
  const dialog = $("restore-dialog");
  $("restore-text").textContent = fmt(T.restore_confirm, { n: number });
  dialog.returnValue = "";
  dialog.onclose = () => {
    if (dialog.returnValue === "yes") restore(number);
  };
  dialog.showModal();
  $("restore-no").focus();
}
async function restore(number) {
  await save();
  const r = await fetch(api + "/transcript/versions/" + number + "/restore", {
    method: "POST", headers: headers(true), body: JSON.stringify({ parent: state.parent }),
  });
  const body = await r.json();
  if (!r.ok) { // 200: that version is already the latest
    say(T.error + " " + body.detail);
    return;
  }
  await reload();
  say(fmt(T.restored, { n: body.number }));
}
export function startHistory(load) {
  reload = load;
}
