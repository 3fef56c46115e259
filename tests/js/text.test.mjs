// The editor's text helpers (src/plenaria/templates/web/static/editor/text.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { keepCase, replaceKeepingCase, replaceTokens } from "../../src/plenaria/templates/web/static/editor/text.js";

test("a replacement keeps the case of what it replaces", () => {
  assert.equal(keepCase("menina", "medida"), "medida");
  assert.equal(keepCase("Menina", "medida"), "Medida");
  assert.equal(keepCase("MENINA", "medida"), "MEDIDA");
  assert.equal(keepCase("Àrea", "zona"), "Zona");
  assert.equal(keepCase("A", "la"), "La");
});

test("replace all keeps each occurrence's case and counts them", () => {
  const got = replaceKeepingCase("Menina dijo: la menina, MENINA.", "menina", "medida");
  assert.deepEqual(got, { text: "Medida dijo: la medida, MEDIDA.", n: 3 });
  assert.deepEqual(replaceKeepingCase("a+b", "a+b", "c"), { text: "c", n: 1 });
});

test("typing over words replaces just those tokens", () => {
  assert.equal(replaceTokens("la menina del pleno", 1, 1, "medida"), "la medida del pleno");
  assert.equal(replaceTokens("la menina del pleno", 1, 2, "medida de un"), "la medida de un pleno");
  assert.equal(replaceTokens("la menina del pleno", 3, 3, ""), "la menina del");
});
