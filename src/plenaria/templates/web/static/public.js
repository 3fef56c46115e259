// The citizens' portal's session page: click a word, a chapter or a time to play from
// there; ?t=SECONDS opens the video at that moment; the word being said is highlighted.
(function () {
  "use strict";
  var video = document.getElementById("video");
  var root = document.getElementById("transcript");
  if (!root) return;
  var words = [];
  var starts = [];
  function collect() {
    words = Array.prototype.slice.call(root.querySelectorAll(".w[data-m]"));
    starts = words.map(function (w) { return Number(w.getAttribute("data-m")) / 1000; });
  }
  collect();

  var current = null;
  // A long session's transcript comes in pieces: the page holds the one it opened at; the
  // others load as the reader scrolls near them or the video reaches them.
  var pieces = Array.prototype.slice.call(root.querySelectorAll(".piece[data-src]"));
  function load(piece) {
    if (piece.getAttribute("data-loaded")) return;
    piece.setAttribute("data-loaded", "loading");
    fetch(piece.getAttribute("data-src"), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.text(); })
      .then(function (html) {
        piece.innerHTML = html;  // the portal's own page fragment, escaped where it is made
        piece.setAttribute("data-loaded", "1");
        collect();
        current = null;
      })
      .catch(function () { piece.removeAttribute("data-loaded"); });
  }
  function pieceAt(seconds) {
    var ms = seconds * 1000;
    for (var k = pieces.length - 1; k >= 0; k--) {
      if (Number(pieces[k].getAttribute("data-from")) <= ms) return pieces[k];
    }
    return pieces[0] || null;
  }
  if ("IntersectionObserver" in window) {
    var near = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting) { load(e.target); near.unobserve(e.target); } });
    }, { rootMargin: "1200px 0px" });
    pieces.forEach(function (p) { if (!p.getAttribute("data-loaded")) near.observe(p); });
  }

  function seek(seconds) {
    if (!video) return;
    video.currentTime = seconds;
    var playing = video.play();
    if (playing && playing.catch) playing.catch(function () {});
  }

  // Words are focusable by keyboard only through their intervention link; a click on a word
  // (or on any element with data-m: chapters, times) seeks there.
  // A link with data-end plays that stretch alone (an intervention, an agenda item) and stops.
  var stopAt = null;
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-m]") : null;
    if (!target || !video) return;
    event.preventDefault();
    var end = target.getAttribute("data-end");
    stopAt = end ? Number(end) / 1000 : null;
    seek(Number(target.getAttribute("data-m")) / 1000);
    var url = new URL(window.location.href);
    url.searchParams.set("t", String(Math.floor(video.currentTime)));
    window.history.replaceState(null, "", url.toString());
  });

  // "Compartir este momento": the page's address at the video's second (?t=), copied.
  var share = document.getElementById("share");
  var shareStatus = document.getElementById("share-status");
  if (share && shareStatus && video) {
    share.addEventListener("click", function () {
      var link = new URL(window.location.href);
      link.hash = "";
      link.searchParams.delete("lang");
      link.searchParams.set("t", String(Math.floor(video.currentTime)));
      var text = link.toString();
      var done = function (key) {
        shareStatus.textContent = shareStatus.getAttribute(key).replace("{url}", text);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(
          function () { done("data-copied"); },
          function () { done("data-manual"); }
        );
      } else {
        done("data-manual");
      }
    });
  }

  var session = document.getElementById("session");
  var start = session ? session.getAttribute("data-start") : "";
  if (session && start === "") {  // a static copy of the page: ?t= read here
    var params = new URLSearchParams(window.location.search);
    var asked = Number(params.get("t"));
    if (params.has("t") && asked >= 0 && asked < 7 * 24 * 3600) start = String(asked);
  }
  if (video && start !== "" && start !== null) {
    var at = Number(start);
    var apply = function () { if (Math.abs(video.currentTime - at) > 0.5) video.currentTime = at; };
    if (video.readyState >= 1) apply(); else video.addEventListener("loadedmetadata", apply, { once: true });
  }

  function find(t) {
    var lo = 0, hi = starts.length - 1, best = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= t) { best = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return best;
  }
  if (video) {
    video.addEventListener("timeupdate", function () {
      if (stopAt !== null && video.currentTime >= stopAt) { video.pause(); stopAt = null; }
      var here = pieceAt(video.currentTime);
      if (here) load(here);
      var k = find(video.currentTime);
      var word = k >= 0 ? words[k] : null;
      if (word === current) return;
      if (current) current.classList.remove("now");
      if (word) word.classList.add("now");
      current = word;
    });
  }
})();
