// The static portal's search (plenaria export-site): the Pagefind index written beside the
// pages answers in the browser; each hit opens its session at that second (?t=).
const box = document.getElementById("static-search");
const list = document.getElementById("hits");
const heading = document.getElementById("search-h");
const query = (new URLSearchParams(window.location.search).get("q") || "").trim();
const input = document.getElementById("q");
if (input) input.value = query;

function say(text) {
  box.textContent = "";
  const p = document.createElement("p");
  p.textContent = text;
  box.appendChild(p);
}

// Pagefind's excerpt is text with <mark> around the words found; nothing else is kept.
function excerpt(html) {
  const out = document.createElement("span");
  const parts = html.replace(/<(?!\/?mark>)[^>]*>/g, "").split(/(<\/?mark>)/);
  let marked = null;
  const decode = document.createElement("textarea");
  for (const part of parts) {
    if (part === "<mark>") { marked = document.createElement("mark"); continue; }
    if (part === "</mark>") { if (marked) out.appendChild(marked); marked = null; continue; }
    decode.innerHTML = part;
    const text = document.createTextNode(decode.value);
    (marked || out).appendChild(text);
  }
  return out;
}

async function run() {
  if (!query) { say(box.dataset.empty); return; }
  heading.textContent = box.dataset.results.replace("{q}", query);
  const pagefind = await import(box.dataset.index);
  await pagefind.options({ baseUrl: "/" });  // the records' addresses are whole paths
  const found = await pagefind.search(query);
  const hits = await Promise.all(found.results.slice(0, 50).map((r) => r.data()));
  if (!hits.length) { say(box.dataset.none.replace("{q}", query)); return; }
  box.textContent = "";
  for (const hit of hits) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = hit.url;
    a.textContent = `${hit.meta.title} · ${hit.meta.time}`;
    const p = document.createElement("p");
    const who = document.createElement("strong");
    who.textContent = hit.meta.speaker;
    p.append(who, ": ", excerpt(hit.excerpt));
    li.append(a, p);
    list.appendChild(li);
  }
}

run();
