// The server's messages (a job's error, an upload's refusal) in the page's language:
// the catalogue of plenaria.api.i18n_messages, handed over in <script id="messages">.
"use strict";
window.plenariaMessage = (function () {
  const node = document.getElementById("messages");
  const table = node ? JSON.parse(node.textContent) : { messages: [], phrases: [] };
  const compile = (rows) => rows.map(([pattern, template]) => [new RegExp(pattern), template]);
  const messages = compile(table.messages);
  const phrases = compile(table.phrases);
  function fill(template, match) {
    return template.replace(/\$(\d)/g, (_, i) => phrase(match[Number(i)] || ""));
  }
  function phrase(text) {
    for (const [pattern, template] of phrases) {
      const match = pattern.exec(text);
      if (match) return fill(template, match);
    }
    return text;
  }
  return function translate(text) {
    if (!text) return text;
    for (const [pattern, template] of messages) {
      const match = pattern.exec(text);
      if (match) return fill(template, match);
    }
    return text;
  };
})();
