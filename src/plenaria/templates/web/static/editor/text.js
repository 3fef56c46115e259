// Text helpers with no DOM, tested in Node (tests/js/text.test.mjs).

// `by` written like `found`: "MENINA" -> "MEDIDA", "Menina" -> "Medida", "menina" -> "medida".
export function keepCase(found, by) {
  if (!by) return by;
  const letters = found.replace(/[^\p{L}]/gu, "");
  if (letters.length > 1 && letters === letters.toUpperCase() && letters !== letters.toLowerCase()) return by.toUpperCase();
  const first = letters.charAt(0);
  if (first && first === first.toUpperCase() && first !== first.toLowerCase()) return by.charAt(0).toUpperCase() + by.slice(1);
  return by;
}
// A case-insensitive pattern for the literal text `q`.
export function literal(q) {
  return new RegExp(q.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "giu");
}
// `text` with every `q` replaced by `by` in the case of what it replaces; and how many.
export function replaceKeepingCase(text, q, by) {
  let n = 0;
  const out = text.replace(literal(q), (found) => {
    n++;
    return keepCase(found, by);
  });
  return { text: out, n: n };
}
// Tokens [from, to] of `text` (split on spaces) replaced by the words of `by`.
export function replaceTokens(text, from, to, by) {
  const toks = text.split(/\s+/).filter(Boolean);
  const add = by.split(/\s+/).filter(Boolean);
  toks.splice(from, to - from + 1, ...add);
  return toks.join(" ");
}
