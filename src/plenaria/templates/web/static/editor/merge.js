// Three-way merge of transcripts, word by word, against their common version.
//
// Pure functions over the transcript JSON (no DOM), so Node tests them
// (tests/js/merge.test.js). A transcript is read as one stream of tokens: a
// boundary {b: id, iv} where each intervention starts, then its words
// {t: text, w: word or null}. The words of an intervention edited but not
// saved yet come from its `text` (w null: the server times them when saved).
// Both streams are compared with the base stream (diff3): a change made by
// only one side is taken; the same change made by both is taken once; changes
// to the same words are conflicts, each with the intervention it is in and the
// base, mine and theirs words. The speaker of an intervention and the name of
// a speaker merge the same way, as single values. Splits and merges of
// interventions are boundaries inserted or removed, so they merge like words.

const MAX_CELLS = 4e6; // above this, a changed stretch is compared as a whole

function wordsOf(iv) {
  if (typeof iv.text === "string") {
    const saved = iv.words.map((w) => w.text.trim()).join(" ");
    const text = iv.text.replace(/\s+/g, " ").trim();
    if (text !== saved) return text.split(" ").filter(Boolean).map((t) => ({ t: t, w: null }));
  }
  return iv.words.map((w) => ({ t: w.text.trim(), w: w }));
}
export function flatten(doc) {
  const out = [];
  for (const iv of doc.interventions) {
    out.push({ b: iv.id, iv: iv });
    for (const tok of wordsOf(iv)) out.push(tok);
  }
  return out;
}
function same(x, y) {
  return x.b !== undefined ? x.b === y.b : y.b === undefined && x.t === y.t;
}

// Matched index pairs [i, j] of a longest common subsequence of a[a0:a1] and b[b0:b1].
function lcs(a, a0, a1, b, b0, b1, eq) {
  const pairs = [];
  while (a0 < a1 && b0 < b1 && eq(a[a0], b[b0])) pairs.push([a0++, b0++]);
  const tail = [];
  while (a1 > a0 && b1 > b0 && eq(a[a1 - 1], b[b1 - 1])) tail.push([--a1, --b1]);
  const n = a1 - a0;
  const m = b1 - b0;
  if (n > 0 && m > 0 && n * m <= MAX_CELLS) {
    const len = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        len[i * (m + 1) + j] = eq(a[a0 + i], b[b0 + j])
          ? len[(i + 1) * (m + 1) + j + 1] + 1
          : Math.max(len[(i + 1) * (m + 1) + j], len[i * (m + 1) + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (eq(a[a0 + i], b[b0 + j])) {
        pairs.push([a0 + i++, b0 + j++]);
      } else if (len[(i + 1) * (m + 1) + j] >= len[i * (m + 1) + j + 1]) i++;
      else j++;
    }
  }
  return pairs.concat(tail.reverse());
}

// Matches of two token streams: the interventions first (by id), then words between them.
export function matches(o, x) {
  const oB = [];
  const xB = [];
  o.forEach((tok, i) => tok.b !== undefined && oB.push(i));
  x.forEach((tok, i) => tok.b !== undefined && xB.push(i));
  const anchors = lcs(oB, 0, oB.length, xB, 0, xB.length, (i, j) => o[i].b === x[j].b).map(([p, q]) => [oB[p], xB[q]]);
  const out = [];
  let i = 0;
  let j = 0;
  for (const [ai, aj] of anchors.concat([[o.length, x.length]])) {
    for (const pair of lcs(o, i, ai, x, j, aj, same)) out.push(pair);
    if (ai < o.length) out.push([ai, aj]);
    i = ai + 1;
    j = aj + 1;
  }
  return out;
}
// The stretches of `o` that `x` changed: {o0, o1, x0, x1} (o[o0:o1] became x[x0:x1]).
export function hunks(o, x) {
  const out = [];
  let i = 0;
  let j = 0;
  for (const [p, q] of matches(o, x).concat([[o.length, x.length]])) {
    if (p > i || q > j) out.push({ o0: i, o1: p, x0: j, x1: q });
    i = p + 1;
    j = q + 1;
  }
  return out;
}

// diff3 of token streams: [{tokens}] and [{conflict: {base, mine, theirs, at}}] in order.
export function merge3(o, a, b) {
  const all = hunks(o, a).map((h) => Object.assign(h, { side: "a" }))
    .concat(hunks(o, b).map((h) => Object.assign(h, { side: "b" })))
    .sort((p, q) => p.o0 - q.o0 || p.o1 - q.o1);
  const groups = [];
  for (const h of all) {
    const g = groups[groups.length - 1];
    const insertsAt = (at) => g.items.some((x) => x.o0 === at && x.o1 === at);
    if (g && (h.o0 < g.hi || (h.o0 === g.hi && h.o0 === h.o1 && insertsAt(g.hi)))) {
      g.items.push(h);
      g.hi = Math.max(g.hi, h.o1);
    } else groups.push({ lo: h.o0, hi: h.o1, items: [h] });
  }
  const out = [];
  const emit = (tokens) => tokens.length && out.push({ tokens: tokens });
  let oPos = 0;
  let aPos = 0;
  let bPos = 0;
  for (const g of groups) {
    emit(b.slice(bPos, bPos + g.lo - oPos));
    const grow = (side) => g.items.filter((h) => h.side === side).reduce((s, h) => s + (h.x1 - h.x0) - (h.o1 - h.o0), 0);
    const aLo = aPos + g.lo - oPos;
    const bLo = bPos + g.lo - oPos;
    const aHi = aLo + g.hi - g.lo + grow("a");
    const bHi = bLo + g.hi - g.lo + grow("b");
    const mine = a.slice(aLo, aHi);
    const theirs = b.slice(bLo, bHi);
    const sides = new Set(g.items.map((h) => h.side));
    if (!sides.has("b")) emit(mine);
    else if (!sides.has("a")) emit(theirs);
    else if (mine.length === theirs.length && mine.every((t, k) => same(t, theirs[k]))) emit(theirs);
    else out.push({ conflict: { base: o.slice(g.lo, g.hi), mine: mine, theirs: theirs, at: g.lo } });
    oPos = g.hi;
    aPos = aHi;
    bPos = bHi;
  }
  emit(b.slice(bPos));
  return out;
}

function text(tokens) {
  return tokens.filter((t) => t.b === undefined).map((t) => t.t).join(" ");
}
function ivIn(o, at) {
  for (let k = Math.min(at, o.length - 1); k >= 0; k--) if (o[k].b !== undefined) return o[k].b;
  return null;
}
function speakerKey(sp) {
  return sp ? JSON.stringify([sp.name || null, sp.person_id || null, sp.role || null, sp.group || null]) : "null";
}
// One value changed on both sides: which wins, or a conflict (null).
function pick3(base, mine, theirs, key) {
  const k0 = key(base);
  const k1 = key(mine);
  const k2 = key(theirs);
  if (k1 === k2 || k1 === k0) return { value: theirs };
  if (k2 === k0) return { value: mine };
  return null;
}

// The merge of three transcripts. Returns {conflicts, build(choices)}: each conflict is
// {kind: "words" | "who" | "name", id, base, mine, theirs} (texts, speaker ids or names),
// and build(choices) the merged transcript, choices[k] "mine" or "theirs" for conflict k.
export function mergeTranscripts(base, mine, theirs) {
  const o = flatten(base);
  const chunks = merge3(o, flatten(mine), flatten(theirs));
  const conflicts = [];
  const index = (doc) => new Map(doc.interventions.map((iv) => [iv.id, iv]));
  const ivs = [index(base), index(mine), index(theirs)];
  for (const c of chunks) {
    if (!c.conflict) continue;
    const k = c.conflict;
    c.index = conflicts.length;
    conflicts.push({ kind: "words", id: ivIn(o, k.at), base: text(k.base), mine: text(k.mine), theirs: text(k.theirs) });
  }
  // who speaks in each intervention
  const who = new Map();
  for (const [id, t] of ivs[2]) {
    const b = ivs[0].get(id);
    const m = ivs[1].get(id);
    if (!b || !m) continue;
    const got = pick3(b.speaker, m.speaker, t.speaker, (x) => x);
    if (got) who.set(id, { value: got.value });
    else {
      who.set(id, { index: conflicts.length });
      conflicts.push({ kind: "who", id: id, base: b.speaker, mine: m.speaker, theirs: t.speaker });
    }
  }
  for (const [id, m] of ivs[1]) {
    const b = ivs[0].get(id);
    if (!ivs[2].has(id) && b && m.speaker !== b.speaker) who.set(id, { value: m.speaker });
  }
  // the speakers' names
  const spOf = (doc) => new Map(doc.speakers.map((sp) => [sp.id, sp]));
  const sps = [spOf(base), spOf(mine), spOf(theirs)];
  const speakers = [];
  const spChoice = [];
  const ids = [...sps[2].keys()].concat([...sps[1].keys()].filter((id) => !sps[2].has(id)));
  for (const id of ids) {
    const got = pick3(sps[0].get(id), sps[1].get(id), sps[2].get(id), speakerKey);
    if (got) {
      if (got.value) speakers.push(got.value);
      continue;
    }
    spChoice.push({ at: speakers.length, id: id, index: conflicts.length });
    speakers.push(null);
    const name = (sp) => (sp ? sp.name : null);
    conflicts.push({ kind: "name", id: id, base: name(sps[0].get(id)), mine: name(sps[1].get(id)), theirs: name(sps[2].get(id)) });
  }

  function build(choices) {
    const chosen = (k) => (choices[k] === "mine" ? "mine" : "theirs");
    const tokens = [];
    for (const c of chunks) {
      if (c.tokens) tokens.push(...c.tokens);
      else tokens.push(...c.conflict[chosen(c.index)]);
    }
    const out = [];
    let cur = null;
    for (const tok of tokens) {
      if (tok.b !== undefined) {
        cur = { iv: tok.iv, toks: [] };
        out.push(cur);
      } else if (cur) cur.toks.push(tok);
      else if (out.length === 0) {
        cur = { iv: null, toks: [tok] }; // words before any intervention: given to the first
        out.push(cur);
      }
    }
    if (out.length > 1 && out[0].iv === null) out[1].toks.unshift(...out.shift().toks);
    const interventions = out.filter((x) => x.iv).map(({ iv, toks }) => {
      const w = who.get(iv.id);
      const speaker = !w ? iv.speaker : w.index === undefined ? w.value : chosen(w.index) === "mine" ? ivs[1].get(iv.id).speaker : ivs[2].get(iv.id).speaker;
      const own = wordsOf(iv);
      const untouched = own.length === toks.length && own.every((t, k) => t.t === toks[k].t && t.w === toks[k].w);
      if (untouched) return speaker === iv.speaker ? iv : Object.assign({}, iv, { speaker: speaker });
      const words = toks.filter((t) => t.w).map((t) => t.w);
      const next = Object.assign({}, iv, { speaker: speaker, words: words, text: toks.map((t) => t.t).join(" ") });
      if (words.length && words.length === toks.length) {
        next.start = words[0].start;
        next.end = words[words.length - 1].end;
      } else if (words.length) {
        next.start = Math.min(iv.start, words[0].start);
        next.end = Math.max(iv.end, words[words.length - 1].end);
      }
      return next;
    });
    const merged = speakers.slice();
    for (const s of spChoice) merged[s.at] = (chosen(s.index) === "mine" ? sps[1] : sps[2]).get(s.id) || null;
    return Object.assign({}, theirs, { interventions: interventions, speakers: merged.filter(Boolean) });
  }
  return { conflicts: conflicts, build: build };
}
