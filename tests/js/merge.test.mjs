// The editor's three-way merge (src/plenaria/templates/web/static/editor/merge.js), in Node:
//   node --test tests/js/
import { test } from "node:test";
import assert from "node:assert/strict";
import { mergeTranscripts, merge3, flatten } from "../../src/plenaria/templates/web/static/editor/merge.js";

// A transcript: interventions given as [id, speaker, "text"]; word k of "a b c" starts at k s.
function doc(items, speakers) {
  let t = 0;
  return {
    language: "es",
    speakers: speakers || [{ id: "S0", name: null }, { id: "S1", name: "Ana" }],
    interventions: items.map(([id, speaker, text]) => {
      const words = text.split(" ").map((w, k) => ({ id: id + "w" + k, text: w, start: t + k, end: t + k + 0.5, probability: 0.9 }));
      const iv = { id: id, speaker: speaker, start: t, end: t + words.length, words: words, text: text };
      t += words.length + 1;
      return iv;
    }),
  };
}
// `d` with intervention `id`'s text edited (not saved yet: its words stay).
function edit(d, id, text) {
  const out = structuredClone(d);
  out.interventions.find((iv) => iv.id === id).text = text;
  return out;
}
const texts = (d) => d.interventions.map((iv) => iv.text);

const BASE = doc([
  ["i1", "S0", "la menina del pleno es clara"],
  ["i2", "S1", "votamos la propuesta ahora"],
  ["i3", "S0", "se levanta la sesión"],
]);

test("changes to different words of one intervention merge", () => {
  const mine = edit(BASE, "i1", "la medida del pleno es clara");
  const theirs = edit(BASE, "i1", "la menina del pleno es muy clara");
  const m = mergeTranscripts(BASE, mine, theirs);
  assert.deepEqual(m.conflicts, []);
  assert.equal(texts(m.build([]))[0], "la medida del pleno es muy clara");
});

test("changes to different interventions and speakers merge", () => {
  const mine = edit(BASE, "i2", "votamos la moción ahora");
  mine.speakers[0] = { id: "S0", name: "Joan" };
  const theirs = edit(BASE, "i3", "se levanta la sesión plenaria");
  theirs.interventions[0].speaker = "S1";
  const m = mergeTranscripts(BASE, mine, theirs);
  assert.deepEqual(m.conflicts, []);
  const out = m.build([]);
  assert.deepEqual(texts(out), ["la menina del pleno es clara", "votamos la moción ahora", "se levanta la sesión plenaria"]);
  assert.equal(out.interventions[0].speaker, "S1");
  assert.equal(out.speakers.find((s) => s.id === "S0").name, "Joan");
});

test("the same word changed differently is a conflict with both sides", () => {
  const mine = edit(BASE, "i1", "la medida del pleno es clara");
  const theirs = edit(BASE, "i1", "la menina del plano es clara");
  const also = edit(edit(theirs, "i3", "se cierra la sesión"), "i1", "la medicina del pleno es clara");
  const m = mergeTranscripts(BASE, edit(mine, "i2", "votamos la moción ahora"), also);
  assert.equal(m.conflicts.length, 1);
  assert.deepEqual(m.conflicts[0], { kind: "words", id: "i1", base: "menina", mine: "medida", theirs: "medicina" });
  // whichever is kept, every other change of both is kept
  assert.deepEqual(texts(m.build(["mine"])), ["la medida del pleno es clara", "votamos la moción ahora", "se cierra la sesión"]);
  assert.deepEqual(texts(m.build(["theirs"])), ["la medicina del pleno es clara", "votamos la moción ahora", "se cierra la sesión"]);
});

test("the same change made by both is no conflict", () => {
  const mine = edit(BASE, "i1", "la medida del pleno es clara");
  const m = mergeTranscripts(BASE, mine, structuredClone(mine));
  assert.deepEqual(m.conflicts, []);
  assert.equal(texts(m.build([]))[0], "la medida del pleno es clara");
});

test("untouched words keep their word objects and times", () => {
  const mine = edit(BASE, "i1", "la medida del pleno es clara");
  const theirs = edit(BASE, "i2", "votamos la moción ahora");
  const out = mergeTranscripts(BASE, mine, theirs).build([]);
  const i1 = out.interventions[0];
  assert.deepEqual(i1.words.map((w) => w.text), ["la", "del", "pleno", "es", "clara"]);
  assert.deepEqual(i1.words.map((w) => w.start), [0, 2, 3, 4, 5]);
  assert.equal(i1.text, "la medida del pleno es clara");
  assert.equal(out.interventions[2], theirs.interventions[2]); // untouched: the same object
});

test("a split by one and a word edit by the other both stay", () => {
  const mine = structuredClone(BASE);
  const iv = mine.interventions[0];
  const tail = { ...iv, id: "i1-2", words: iv.words.slice(3), text: "pleno es clara", start: 3 };
  mine.interventions.splice(0, 1, { ...iv, words: iv.words.slice(0, 3), text: "la menina del", end: 2.5 }, tail);
  const theirs = edit(BASE, "i1", "la menina del pleno es oscura");
  const m = mergeTranscripts(BASE, mine, theirs);
  assert.deepEqual(m.conflicts, []);
  const out = m.build([]);
  assert.deepEqual(out.interventions.map((x) => x.id), ["i1", "i1-2", "i2", "i3"]);
  assert.deepEqual(texts(out).slice(0, 2), ["la menina del", "pleno es oscura"]);
});

test("one speaker renamed differently by both is a conflict of names", () => {
  const mine = structuredClone(BASE);
  mine.speakers[1] = { id: "S1", name: "Ana Ruiz" };
  const theirs = structuredClone(BASE);
  theirs.speakers[1] = { id: "S1", name: "Ana Roig" };
  const m = mergeTranscripts(BASE, mine, theirs);
  assert.deepEqual(m.conflicts, [{ kind: "name", id: "S1", base: "Ana", mine: "Ana Ruiz", theirs: "Ana Roig" }]);
  assert.equal(m.build(["mine"]).speakers[1].name, "Ana Ruiz");
  assert.equal(m.build(["theirs"]).speakers[1].name, "Ana Roig");
});

test("one intervention given to two different speakers is a conflict", () => {
  const mine = structuredClone(BASE);
  mine.interventions[2].speaker = "S1";
  const theirs = structuredClone(BASE);
  theirs.interventions[2].speaker = "S9";
  const m = mergeTranscripts(BASE, mine, theirs);
  assert.deepEqual(m.conflicts, [{ kind: "who", id: "i3", base: "S0", mine: "S1", theirs: "S9" }]);
  assert.equal(m.build(["mine"]).interventions[2].speaker, "S1");
});

test("two insertions at the same place conflict; next to each other they merge", () => {
  const o = flatten(BASE);
  const a = flatten(edit(BASE, "i2", "votamos ya la propuesta ahora"));
  const b = flatten(edit(BASE, "i2", "votamos hoy la propuesta ahora"));
  assert.equal(merge3(o, a, b).filter((c) => c.conflict).length, 1);
  const c = flatten(edit(BASE, "i2", "votamos la propuesta hoy ahora"));
  assert.equal(merge3(o, a, c).filter((x) => x.conflict).length, 0);
});

test("the inputs are not changed", () => {
  const mine = edit(BASE, "i1", "la medida del pleno es clara");
  const theirs = edit(BASE, "i1", "la medicina del pleno es clara");
  const before = JSON.stringify([BASE, mine, theirs]);
  mergeTranscripts(BASE, mine, theirs).build(["mine"]);
  assert.equal(JSON.stringify([BASE, mine, theirs]), before);
});
