// The transcript editor: the proxy video beside the words, edits saved as versions.
//
// Each word is <span class="w" data-m="start ms" data-d="duration ms">. Edits
// change the document `doc` (the transcript JSON) through apply(), which keeps
// undo/redo and marks the touched interventions and speakers; autosave PATCHes the
// changed interventions and speakers with the version they were edited from. The server re-aligns an
// intervention whose text changed and answers with its new words. A 409 means
// someone saved meanwhile: their version is fetched, the two sets of changes are
// merged when they touch different interventions and speakers, and otherwise the
// clerk chooses; nothing is dropped without a choice.
"use strict";

(function () {
  const root = document.getElementById("editor");
  const sessionId = root.dataset.session;
  const T = JSON.parse(document.getElementById("strings").textContent);
  const ROSTER = JSON.parse(document.getElementById("roster").textContent);
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const api = "/api/v1/sessions/" + encodeURIComponent(sessionId);
  const video = document.getElementById("video");
  const box = document.getElementById("transcript");
  const statusEl = document.getElementById("save-status");
  const LOW = 0.5; // words below this probability are reviewed

  let doc = null; // the transcript being edited
  let parent = null; // the version it was loaded or last saved as
  let base = { iv: new Map(), sp: new Map() }; // JSON of each item as of `parent`
  const touched = { iv: new Set(), sp: new Set() };
  let orderTouched = 0; // structural changes (split, merge) not saved yet
  let baseOrder = ""; // the intervention ids of `parent`, in order
  const undoStack = [];
  const redoStack = [];
  let saving = false;
  let saveTimer = null;
  let wordIndex = null; // [elements sorted by start] for the highlight
  let current = null; // the highlighted word
  let focusWordEl = null; // the word holding the roving tabindex

  function fmt(s, vars) {
    return s.replace(/\{(\w+)\}/g, (_, k) => (vars && k in vars ? vars[k] : ""));
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }
  function say(text) {
    statusEl.textContent = text;
  }
  function headers(json) {
    const h = { "X-CSRF-Token": csrf };
    if (json) h["Content-Type"] = "application/json";
    return h;
  }

  // -- the document ---------------------------------------------------------------

  function ivById(id) {
    return doc.interventions.find((iv) => iv.id === id);
  }
  function speakerById(id) {
    return doc.speakers.find((s) => s.id === id) || { id: id, label: id, name: null };
  }
  function speakerLabel(sp) {
    if (sp.name) return sp.name;
    const digits = (sp.id.match(/\d+/g) || []).join("");
    return digits ? T.speaker_of + " " + (parseInt(digits, 10) + 1) : sp.id;
  }
  function ivText(iv) {
    return iv.words.map((w) => w.text.trim()).join(" ");
  }
  function snapshotBase() {
    baseOrder = doc.interventions.map((x) => x.id).join("\n");
    base = { iv: new Map(), sp: new Map() };
    for (const iv of doc.interventions) base.iv.set(iv.id, JSON.stringify(iv));
    for (const sp of doc.speakers) base.sp.set(sp.id, JSON.stringify(sp));
  }

  // One change: {iv: {id: intervention or null (removed)}, sp: {id: speaker}, order: [ids]};
  // returns its inverse.
  function applyRaw(change) {
    const inverse = { iv: {}, sp: {} };
    const byId = new Map(doc.interventions.map((x) => [x.id, x]));
    for (const [id, iv] of Object.entries(change.iv || {})) {
      inverse.iv[id] = byId.get(id) || null;
      if (iv) byId.set(id, iv);
      else byId.delete(id);
      touched.iv.add(id);
    }
    if (change.order) {
      inverse.order = doc.interventions.map((x) => x.id);
      doc.interventions = change.order.map((id) => byId.get(id));
      orderTouched++;
    } else {
      doc.interventions = doc.interventions.map((x) => byId.get(x.id));
    }
    for (const [id, sp] of Object.entries(change.sp || {})) {
      const n = doc.speakers.findIndex((x) => x.id === id);
      inverse.sp[id] = doc.speakers[n];
      doc.speakers[n] = sp;
      touched.sp.add(id);
    }
    return inverse;
  }
  function rerender(change) {
    if (change.order) {
      const keep = focusWordEl && focusWordEl.closest(".iv") ? focusWordEl.closest(".iv").dataset.id : null;
      renderAll();
      const el = keep && box.querySelector('.iv[data-id="' + CSS.escape(keep) + '"] .w');
      if (el) focusWord(el);
    } else {
      for (const id of Object.keys(change.iv || {})) renderIntervention(ivById(id));
    }
    if (Object.keys(change.sp || {}).length) {
      for (const el of box.querySelectorAll(".who")) {
        const sp = speakerById(el.dataset.speaker);
        el.textContent = speakerLabel(sp);
        el.classList.toggle("unnamed", !sp.name);
      }
      renderSpeakers();
    }
    wordIndex = null;
  }
  function apply(change) {
    const inverse = applyRaw(change);
    undoStack.push({ undo: inverse, redo: change });
    redoStack.length = 0;
    rerender(change);
    changed();
  }
  function undo() {
    const step = undoStack.pop();
    if (!step) return;
    step.redo = applyRaw(step.undo);
    redoStack.push(step);
    rerender(step.undo);
    changed();
  }
  function redo() {
    const step = redoStack.pop();
    if (!step) return;
    step.undo = applyRaw(step.redo);
    undoStack.push(step);
    rerender(step.redo);
    changed();
  }
  function changed() {
    document.getElementById("undo").disabled = !undoStack.length;
    document.getElementById("redo").disabled = !redoStack.length;
    say(T.unsaved);
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 800);
  }

  // -- rendering ------------------------------------------------------------------

  function wordsHtml(iv) {
    const parts = [];
    if (typeof iv.text === "string" && iv.text !== ivText(iv)) {
      // edited, not saved yet: the words get their times from the server's re-alignment
      const toks = iv.text.split(/\s+/).filter(Boolean);
      for (let n = 0; n < toks.length; n++) parts.push('<span class="w pending" data-n="' + n + '">' + esc(toks[n]) + "</span>");
      return parts.join(" ");
    }
    for (let n = 0; n < iv.words.length; n++) {
      const w = iv.words[n];
      const m = Math.round(w.start * 1000);
      const d = Math.max(0, Math.round((w.end - w.start) * 1000));
      const low = w.probability < LOW ? " low" : "";
      parts.push('<span class="w' + low + '" data-m="' + m + '" data-d="' + d + '" data-n="' + n + '">' + esc(w.text.trim()) + "</span>");
    }
    return parts.join(" ");
  }
  function ivHtml(iv) {
    const sp = speakerById(iv.speaker);
    const unnamed = sp.name ? "" : " unnamed";
    return (
      '<div class="iv" data-id="' + esc(iv.id) + '">' +
      '<button type="button" class="who' + unnamed + '" data-speaker="' + esc(iv.speaker) + '">' + esc(speakerLabel(sp)) + "</button>" +
      '<p class="words">' + wordsHtml(iv) + "</p></div>"
    );
  }
  function renderAll() {
    box.innerHTML = doc.interventions.map(ivHtml).join("");
    const first = box.querySelector(".w");
    if (first) setRoving(first);
    wordIndex = null;
  }
  function renderIntervention(iv) {
    const el = box.querySelector('.iv[data-id="' + CSS.escape(iv.id) + '"]');
    if (!el) return;
    const hadFocus = el.contains(document.activeElement);
    const n = hadFocus && document.activeElement.dataset.n ? +document.activeElement.dataset.n : 0;
    const tmp = document.createElement("div");
    tmp.innerHTML = ivHtml(iv);
    const fresh = tmp.firstChild;
    el.replaceWith(fresh);
    if (hadFocus || (focusWordEl && !focusWordEl.isConnected)) {
      const ws = fresh.querySelectorAll(".w");
      const w = ws[Math.min(n, ws.length - 1)];
      if (w) focusWord(w, hadFocus);
    }
  }
  function renderSpeakers() {
    const ul = document.getElementById("speakers");
    ul.innerHTML = "";
    doc.speakers.forEach((sp, k) => {
      const li = document.createElement("li");
      li.dataset.speaker = sp.id;
      const name = document.createElement("span");
      name.className = "sp-name" + (sp.name ? "" : " unnamed");
      name.textContent = speakerLabel(sp);
      const form = document.createElement("form");
      form.className = "rename";
      const label = document.createElement("label");
      label.htmlFor = "rename-" + k;
      label.textContent = T.rename;
      label.className = "visually-hidden";
      const input = document.createElement("input");
      input.id = "rename-" + k;
      input.value = sp.name || "";
      input.setAttribute("aria-label", fmt(T.rename_prompt, { name: speakerLabel(sp) }));
      const ok = document.createElement("button");
      ok.type = "submit";
      ok.textContent = T.rename;
      form.append(label, input, ok);
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        renameSpeaker(sp.id, input.value.trim());
      });
      const sel = document.createElement("select");
      sel.id = "person-" + k;
      sel.setAttribute("aria-label", T.person + ": " + speakerLabel(sp));
      sel.append(new Option(T.no_person, ""));
      for (const p of ROSTER) sel.append(new Option(p.name + (p.role ? " — " + p.role : ""), p.id, false, p.id === sp.person_id));
      sel.addEventListener("change", () => assignPerson(sp.id, sel.value));
      li.append(name, form, sel);
      ul.append(li);
    });
  }

  // -- edits ----------------------------------------------------------------------

  function renameSpeaker(id, name) {
    const sp = speakerById(id);
    if ((sp.name || "") === name) return;
    apply({ sp: { [id]: Object.assign({}, sp, { name: name || null, label: name || sp.id }) } });
  }
  function assignPerson(id, personId) {
    const sp = speakerById(id);
    const p = ROSTER.find((x) => x.id === personId);
    const next = Object.assign({}, sp, { person_id: p ? p.id : null });
    if (p) Object.assign(next, { name: p.name, label: p.name, role: p.role || null, group: p.group || null });
    apply({ sp: { [id]: next } });
  }
  function setText(iv, text) {
    const clean = text.replace(/\s+/g, " ").trim();
    if (clean === ivText(iv)) return;
    apply({ iv: { [iv.id]: Object.assign({}, iv, { text: clean }) } });
  }

  function pendingText(iv) {
    return typeof iv.text === "string" && iv.text !== ivText(iv);
  }
  function withText(iv, words, extra) {
    return Object.assign({}, iv, extra, { words: words, text: words.map((w) => w.text.trim()).join(" ") });
  }
  function split(wordEl) {
    const iv = ivById(wordEl.closest(".iv").dataset.id);
    const n = +wordEl.dataset.n;
    if (pendingText(iv)) {
      say(T.save_first);
      save();
      return;
    }
    if (!(n > 0 && n < iv.words.length)) return;
    let k = 2;
    while (ivById(iv.id + "-" + k)) k++;
    const id = iv.id + "-" + k;
    const head = withText(iv, iv.words.slice(0, n), { end: iv.words[n - 1].end });
    const tail = withText(iv, iv.words.slice(n), { id: id, start: iv.words[n].start });
    const order = doc.interventions.map((x) => x.id);
    order.splice(order.indexOf(iv.id) + 1, 0, id);
    apply({ iv: { [iv.id]: head, [id]: tail }, order: order });
    const first = box.querySelector('.iv[data-id="' + CSS.escape(id) + '"] .w');
    if (first) focusWord(first);
  }
  function mergeNext(wordEl) {
    const iv = ivById(wordEl.closest(".iv").dataset.id);
    const at = doc.interventions.indexOf(iv);
    const next = doc.interventions[at + 1];
    if (!next) return;
    if (pendingText(iv) || pendingText(next)) {
      say(T.save_first);
      save();
      return;
    }
    const merged = withText(iv, iv.words.concat(next.words), { end: Math.max(iv.end, next.end) });
    const order = doc.interventions.map((x) => x.id).filter((id) => id !== next.id);
    apply({ iv: { [iv.id]: merged, [next.id]: null }, order: order });
    const w = box.querySelector('.iv[data-id="' + CSS.escape(iv.id) + '"] .w[data-n="' + wordEl.dataset.n + '"]');
    if (w) focusWord(w);
  }

  // Who speaks in one intervention: a speaker of the transcript or a roster person.
  function chooseSpeaker(wordEl) {
    const ivEl = wordEl.closest(".iv");
    const iv = ivById(ivEl.dataset.id);
    const who = ivEl.querySelector(".who");
    const sel = document.createElement("select");
    sel.className = "who-select";
    sel.setAttribute("aria-label", T.speaker_of + ". " + T.edit_hint);
    for (const sp of doc.speakers) sel.append(new Option(speakerLabel(sp), "s:" + sp.id, false, sp.id === iv.speaker));
    for (const p of ROSTER) sel.append(new Option(T.person + ": " + p.name, "p:" + p.id));
    who.replaceWith(sel);
    sel.focus();
    let done = false;
    function finish(commit) {
      if (done) return;
      done = true;
      sel.replaceWith(who);
      if (commit) setSpeaker(iv, sel.value);
      const w = box.querySelector('.iv[data-id="' + CSS.escape(iv.id) + '"] .w[data-n="' + wordEl.dataset.n + '"]');
      if (w) focusWord(w);
    }
    sel.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        finish(true);
      } else if (e.key === "Escape") {
        e.preventDefault();
        finish(false);
      }
    });
    sel.addEventListener("blur", () => finish(false));
  }
  function setSpeaker(iv, value) {
    const change = { iv: {}, sp: {} };
    let speakerId = value.slice(2);
    if (value.startsWith("p:")) {
      const p = ROSTER.find((x) => x.id === speakerId);
      const known = doc.speakers.find((sp) => sp.person_id === speakerId);
      if (known) speakerId = known.id;
      else {
        const id = "P-" + p.id;
        change.sp[id] = { id: id, label: p.name, name: p.name, role: p.role || null, group: p.group || null, score: null, person_id: p.id };
        doc.speakers.push({ id: id, label: id, name: null, role: null, group: null, score: null, person_id: null });
        speakerId = id;
      }
    }
    if (speakerId === iv.speaker && !Object.keys(change.sp).length) return;
    change.iv[iv.id] = Object.assign({}, iv, { speaker: speakerId });
    apply(change);
  }

  function openEdit(wordEl) {
    const ivEl = wordEl.closest(".iv");
    const iv = ivById(ivEl.dataset.id);
    const p = ivEl.querySelector(".words");
    const text = iv.text !== undefined && iv.text !== ivText(iv) ? iv.text : ivText(iv);
    const area = document.createElement("textarea");
    area.className = "edit";
    area.value = text;
    area.rows = Math.max(2, Math.ceil(text.length / 70));
    area.setAttribute("aria-label", T.edit + " — " + speakerLabel(speakerById(iv.speaker)) + ". " + T.edit_hint);
    p.replaceWith(area);
    // select the word that had the focus
    const n = +wordEl.dataset.n || 0;
    const toks = text.split(" ");
    let at = 0;
    for (let k = 0; k < n && k < toks.length; k++) at += toks[k].length + 1;
    area.focus();
    area.setSelectionRange(at, at + (toks[n] || "").length);
    let done = false;
    function finish(commit) {
      if (done) return;
      done = true;
      const value = area.value;
      area.replaceWith(p);
      if (commit) setText(ivById(iv.id), value);
      const ws = box.querySelector('.iv[data-id="' + CSS.escape(iv.id) + '"]').querySelectorAll(".w");
      const w = ws[Math.min(n, ws.length - 1)];
      if (w) focusWord(w, true);
    }
    area.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        finish(true);
      } else if (e.key === "Escape") {
        e.preventDefault();
        finish(false);
      }
    });
    area.addEventListener("blur", () => finish(true));
  }

  // -- saving and conflicts ---------------------------------------------------------

  // Only what changed since `parent`: whole interventions and speakers, by id.
  function payload() {
    const body = {
      parent: parent,
      interventions: [...touched.iv].map(ivById).filter(Boolean),
      speakers: [...touched.sp].map(speakerById),
    };
    if (orderTouched) body.order = doc.interventions.map((x) => x.id);
    return JSON.stringify(body);
  }
  async function save() {
    clearTimeout(saveTimer);
    if (saving) {
      saveTimer = setTimeout(save, 300);
      return;
    }
    if (!touched.iv.size && !touched.sp.size && !orderTouched) return;
    saving = true;
    const structure = orderTouched;
    say(T.saving);
    const sent = { iv: new Map(), sp: new Map() };
    for (const id of touched.iv) sent.iv.set(id, JSON.stringify(ivById(id)));
    for (const id of touched.sp) sent.sp.set(id, JSON.stringify(speakerById(id)));
    try {
      const r = await fetch(api + "/transcript", { method: "PATCH", headers: headers(true), body: payload() });
      const body = await r.json().catch(() => ({}));
      if (r.status === 201) {
        parent = body.number;
        orderTouched -= structure;
        if (!orderTouched) baseOrder = doc.interventions.map((x) => x.id).join("\n");
        for (const [id, json] of sent.iv) {
          let iv = ivById(id);
          if (!iv) {
            touched.iv.delete(id); // removed by a merge
            base.iv.delete(id);
            continue;
          }
          if (JSON.stringify(iv) === json) {
            touched.iv.delete(id);
            if (body.interventions[id]) {
              iv = body.interventions[id];
              const n = doc.interventions.findIndex((x) => x.id === id);
              doc.interventions[n] = iv;
              renderIntervention(iv);
              wordIndex = null;
            }
          }
          base.iv.set(id, JSON.stringify(iv));
        }
        for (const [id, json] of sent.sp) {
          if (JSON.stringify(speakerById(id)) === json) touched.sp.delete(id);
          base.sp.set(id, json);
        }
        say(fmt(T.saved, { n: body.number }));
        loadHistory();
      } else if (r.status === 409) {
        await resolveConflict(body);
      } else {
        say(T.error + " " + (body.detail || r.status));
      }
    } catch (e) {
      say(T.error + " " + e);
    } finally {
      saving = false;
      if ((touched.iv.size || touched.sp.size || orderTouched) && !conflictOpen()) saveTimer = setTimeout(save, 1500);
    }
  }
  function conflictOpen() {
    return !document.getElementById("conflict").hidden;
  }
  async function fetchLatest() {
    const r = await fetch(api + "/transcript", { headers: headers(false) });
    if (!r.ok) throw new Error((await r.json()).detail || r.status);
    return r.json();
  }
  function theirChanges(latest) {
    const iv = new Set();
    const sp = new Set();
    for (const x of latest.transcript.interventions) if (base.iv.get(x.id) !== JSON.stringify(x)) iv.add(x.id);
    for (const x of latest.transcript.speakers) if (base.sp.get(x.id) !== JSON.stringify(x)) sp.add(x.id);
    const order = latest.transcript.interventions.map((x) => x.id).join("\n") !== baseOrder;
    return { iv, sp, order };
  }
  // Their latest version with my touched items on top.
  function adopt(latest, mine) {
    snapshotBaseFrom(latest);
    const next = latest.transcript;
    if (orderTouched) {
      // my splits and merges win: my order, my touched interventions, theirs for the rest
      const theirs = new Map(next.interventions.map((x) => [x.id, x]));
      next.interventions = doc.interventions.map((x) => (mine.iv.has(x.id) || !theirs.has(x.id) ? x : theirs.get(x.id)));
    }
    for (const id of mine.iv) {
      const n = next.interventions.findIndex((x) => x.id === id);
      if (n >= 0 && ivById(id)) next.interventions[n] = ivById(id);
    }
    for (const id of mine.sp) {
      const n = next.speakers.findIndex((x) => x.id === id);
      if (n >= 0) next.speakers[n] = speakerById(id);
    }
    doc = next;
    parent = latest.number;
    renderAll();
    renderSpeakers();
  }
  function snapshotBaseFrom(latest) {
    baseOrder = latest.transcript.interventions.map((x) => x.id).join("\n");
    base = { iv: new Map(), sp: new Map() };
    for (const iv of latest.transcript.interventions) base.iv.set(iv.id, JSON.stringify(iv));
    for (const sp of latest.transcript.speakers) base.sp.set(sp.id, JSON.stringify(sp));
  }
  async function resolveConflict(info) {
    const latest = await fetchLatest();
    const theirs = theirChanges(latest);
    const mine = { iv: new Set(touched.iv), sp: new Set(touched.sp) };
    const structural = orderTouched > 0 || theirs.order;
    const overlap = structural || [...mine.iv].some((id) => theirs.iv.has(id)) || [...mine.sp].some((id) => theirs.sp.has(id));
    const author = latest.author || T.by_machine;
    const box_ = document.getElementById("conflict");
    const text = document.getElementById("conflict-text");
    if (!overlap) {
      // The snapshot of base must describe `latest` before re-applying mine.
      const clone = JSON.parse(JSON.stringify(latest));
      adopt(clone, mine);
      for (const id of mine.iv) touched.iv.add(id);
      for (const id of mine.sp) touched.sp.add(id);
      say(fmt(T.merged, { n: latest.number, author: author }));
      box_.hidden = false;
      text.textContent = fmt(T.merged, { n: latest.number, author: author });
      document.getElementById("keep-mine").hidden = true;
      document.getElementById("take-theirs").hidden = true;
      setTimeout(save, 0);
      return;
    }
    text.textContent = fmt(T.conflict, { n: latest.number, author: author });
    const keep = document.getElementById("keep-mine");
    const drop = document.getElementById("take-theirs");
    keep.hidden = drop.hidden = false;
    keep.textContent = T.keep_mine;
    drop.textContent = T.take_theirs;
    box_.hidden = false;
    say(text.textContent);
    keep.onclick = () => {
      adopt(JSON.parse(JSON.stringify(latest)), mine);
      for (const id of mine.iv) touched.iv.add(id);
      for (const id of mine.sp) touched.sp.add(id);
      box_.hidden = true;
      save();
    };
    drop.onclick = () => {
      touched.iv.clear();
      touched.sp.clear();
      orderTouched = 0;
      adopt(JSON.parse(JSON.stringify(latest)), { iv: new Set(), sp: new Set() });
      box_.hidden = true;
      say(fmt(T.saved, { n: latest.number }));
    };
    keep.focus();
  }

  async function loadHistory() {
    const r = await fetch(api + "/transcript/versions", { headers: headers(false) });
    if (!r.ok) return;
    const versions = await r.json();
    const ol = document.getElementById("history");
    ol.innerHTML = "";
    for (const v of versions.reverse()) {
      const li = document.createElement("li");
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
      if (v.number !== parent) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = T.restore;
        b.setAttribute("aria-label", T.restore + " " + fmt(T.version, { n: v.number }));
        b.addEventListener("click", () => restore(v.number));
        li.append(b);
      }
      ol.append(li);
    }
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
    for (const c of diff.interventions) {
      const item = document.createElement("li");
      const del = document.createElement("del");
      del.textContent = c.before || "";
      const ins = document.createElement("ins");
      ins.textContent = c.after || "";
      item.append(del, " → ", ins);
      list.append(item);
    }
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
  async function restore(number) {
    await save();
    const r = await fetch(api + "/transcript/versions/" + number + "/restore", {
      method: "POST", headers: headers(true), body: JSON.stringify({ parent: parent }),
    });
    const body = await r.json();
    if (r.status !== 201) {
      say(T.error + " " + body.detail);
      return;
    }
    await load();
    say(fmt(T.restored, { n: body.number }));
  }

  // -- playback ---------------------------------------------------------------------

  function buildIndex() {
    wordIndex = Array.from(box.querySelectorAll(".w[data-m]"));
    wordIndex.sort((a, b) => a.dataset.m - b.dataset.m);
    wordIndex.starts = wordIndex.map((el) => +el.dataset.m);
  }
  function wordAt(ms) {
    if (!wordIndex) buildIndex();
    const s = wordIndex.starts;
    let lo = 0;
    let hi = s.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid] <= ms) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 ? wordIndex[found] : null;
  }
  function highlight() {
    const el = wordAt(video.currentTime * 1000 + 1);
    if (el === current) return;
    if (current) current.classList.remove("cur");
    current = el;
    if (!el) return;
    el.classList.add("cur");
    if (document.getElementById("autoscroll").checked && !video.paused) {
      const r = el.getBoundingClientRect();
      if (r.top < 0 || r.bottom > window.innerHeight) el.scrollIntoView({ block: "center" });
    }
  }
  function tick() {
    highlight();
    if (!video.paused) requestAnimationFrame(tick);
  }
  video.addEventListener("play", () => requestAnimationFrame(tick));
  video.addEventListener("seeked", highlight);
  video.addEventListener("timeupdate", highlight);
  function seekTo(el) {
    if (!el || el.dataset.m === undefined) return;
    video.currentTime = +el.dataset.m / 1000;
  }
  function togglePlay() {
    if (video.paused) video.play().catch(() => {});
    else video.pause();
  }
  function setRate(r) {
    video.playbackRate = r;
    document.getElementById("rate").value = String(r);
  }

  // -- focus and keyboard -------------------------------------------------------------

  function setRoving(el) {
    if (focusWordEl && focusWordEl !== el && focusWordEl.isConnected) focusWordEl.removeAttribute("tabindex");
    focusWordEl = el;
    el.tabIndex = 0;
  }
  function focusWord(el, really) {
    setRoving(el);
    if (really !== false) el.focus();
  }
  function allWords() {
    return box.getElementsByClassName("w");
  }
  function step(el, delta) {
    const ws = Array.prototype.indexOf.call(allWords(), el);
    const next = allWords()[ws + delta];
    if (next) focusWord(next);
  }
  function stepIv(el, delta) {
    let iv = el.closest(".iv");
    iv = delta > 0 ? iv.nextElementSibling : iv.previousElementSibling;
    const w = iv && iv.querySelector(".w");
    if (w) focusWord(w);
  }
  function nextReview() {
    const items = box.querySelectorAll(".w.low, .who.unnamed");
    const from = document.activeElement && box.contains(document.activeElement) ? document.activeElement : focusWordEl;
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
  function renameFor(speakerId) {
    const li = document.querySelector('#speakers li[data-speaker="' + CSS.escape(speakerId) + '"]');
    const input = li && li.querySelector("input");
    if (input) {
      input.focus();
      input.select();
    }
  }

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
  box.addEventListener("focusin", (e) => {
    if (e.target.classList.contains("w")) setRoving(e.target);
  });

  document.addEventListener("keydown", (e) => {
    const tag = (e.target.tagName || "").toLowerCase();
    const typing = tag === "input" || tag === "textarea" || tag === "select";
    const ctrl = e.ctrlKey || e.metaKey;
    if (ctrl && e.key.toLowerCase() === "s") {
      e.preventDefault();
      save();
      return;
    }
    if (ctrl && e.key === " ") {
      e.preventDefault();
      togglePlay();
      return;
    }
    if (typing) return;
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
    const w = onWord ? e.target : focusWordEl;
    switch (e.key) {
      case "k":
        togglePlay();
        break;
      case "j":
        video.currentTime = Math.max(0, video.currentTime - 5);
        break;
      case "p":
        if (w) {
          seekTo(w);
          video.play().catch(() => {});
        }
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
        document.getElementById("find").focus();
        break;
      case "a": {
        const c = document.getElementById("autoscroll");
        c.checked = !c.checked;
        break;
      }
      case "+":
        setRate(Math.min(2, Math.round((video.playbackRate + 0.25) * 4) / 4));
        break;
      case "-":
        setRate(Math.max(0.75, Math.round((video.playbackRate - 0.25) * 4) / 4));
        break;
      case "r":
        if (w) renameFor(ivById(w.closest(".iv").dataset.id).speaker);
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
  });

  // -- find and replace ---------------------------------------------------------------

  function pattern() {
    const q = document.getElementById("find").value.trim();
    return q ? new RegExp(q.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi") : null;
  }
  document.getElementById("find-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const re = pattern();
    const out = document.getElementById("find-status");
    if (!re) return;
    const ws = allWords();
    const start = focusWordEl ? Array.prototype.indexOf.call(ws, focusWordEl) + 1 : 0;
    let count = 0;
    let target = null;
    for (let k = 0; k < ws.length; k++) {
      re.lastIndex = 0;
      if (re.test(ws[k].textContent)) {
        count++;
        if (!target && k >= start) target = ws[k];
      }
    }
    if (!target && count) target = Array.prototype.find.call(ws, (el) => { re.lastIndex = 0; return re.test(el.textContent); });
    out.textContent = count ? fmt(T.found, { n: count }) : T.not_found;
    if (target) {
      setRoving(target);
      seekTo(target);
      target.scrollIntoView({ block: "center" });
      target.classList.add("found");
      setTimeout(() => target.classList.remove("found"), 1500);
    }
  });
  document.getElementById("replace-all").addEventListener("click", () => {
    const re = pattern();
    if (!re) return;
    const by = document.getElementById("replace").value;
    const change = { iv: {}, sp: {} };
    let n = 0;
    for (const iv of doc.interventions) {
      const text = ivText(iv);
      const next = text.replace(re, () => (n++, by));
      if (next !== text) change.iv[iv.id] = Object.assign({}, iv, { text: next.replace(/\s+/g, " ").trim() });
    }
    for (const sp of doc.speakers) {
      if (!sp.name) continue;
      const next = sp.name.replace(re, () => (n++, by));
      if (next !== sp.name) change.sp[sp.id] = Object.assign({}, sp, { name: next, label: next });
    }
    document.getElementById("find-status").textContent = fmt(T.replaced, { n: n });
    if (n) apply(change);
  });

  // -- wiring -------------------------------------------------------------------------

  document.getElementById("undo").addEventListener("click", undo);
  document.getElementById("redo").addEventListener("click", redo);
  document.getElementById("save").addEventListener("click", save);
  document.getElementById("review").addEventListener("click", nextReview);
  document.getElementById("rate").addEventListener("change", (e) => setRate(+e.target.value));
  window.addEventListener("beforeunload", (e) => {
    if (touched.iv.size || touched.sp.size || orderTouched) {
      e.preventDefault();
      e.returnValue = "";
    }
  });

  async function load() {
    say(T.loading);
    const data = await fetchLatest();
    doc = data.transcript;
    parent = data.number;
    touched.iv.clear();
    touched.sp.clear();
    orderTouched = 0;
    snapshotBase();
    if (data.source_job_id && !video.getAttribute("src")) {
      video.src = "/api/v1/jobs/" + encodeURIComponent(data.source_job_id) + "/outputs/proxy";
    }
    renderAll();
    renderSpeakers();
    say(fmt(T.saved, { n: parent }));
    root.dataset.readyMs = String(Math.round(performance.now()));
    root.dataset.ready = "1";
    loadHistory();
  }
  load().catch((e) => say(T.error + " " + e.message));
  window.plenariaEditor = { save: save, state: () => ({ parent: parent, dirty: touched.iv.size + touched.sp.size + orderTouched }) };
})();
