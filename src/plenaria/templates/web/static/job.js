// A job's page: follows the job's server-sent events; each change refreshes the
// steps (an htmx fragment) and the figures; a failed job offers a retry. A live
// job's partial transcript grows with its "partial" events; it can be stopped.
"use strict";
(function () {
  const box = document.getElementById("job");
  const id = box.dataset.job;
  const T = JSON.parse(document.getElementById("strings").textContent);
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const $ = (x) => document.getElementById(x);
  let source = null;

  function eta(s) {
    if (s === null || s === undefined) return "—";
    s = Math.round(s);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = s % 60;
    return (h ? h + " h " : "") + (h || m ? m + " min " : "") + sec + " s";
  }
  // A step's label in the page's language: "transcribe:0" is chunk 1 of the transcription.
  function stepLabel(name) {
    const [base, index] = name.split(":");
    const text = T["step_" + base];
    if (!text) return name;
    return /^\d+$/.test(index || "") ? text.replace("{n}", Number(index) + 1) : text.replace(", {n}", "");
  }
  function show(job) {
    const pct = Math.round(job.progress * 100);
    $("job-state").textContent = T["state_" + job.state] || job.state;
    $("job-state").className = "state state-" + job.state;
    $("job-progress").value = pct;
    $("job-progress-text").textContent = pct + " %";
    $("job-eta").textContent = job.state === "running" ? eta(job.eta_s) : "—";
    $("job-step").textContent = job.step ? stepLabel(job.step) : "—";
    $("job-error").hidden = !job.error;
    $("job-error-text").textContent = window.plenariaMessage(job.error || "");
    const warnings = job.warnings || [];
    const list = $("job-warnings-list");
    if (warnings.length && list.children.length !== warnings.length) {
      list.replaceChildren(...warnings.map((w) => {
        const li = document.createElement("li");
        li.textContent = window.plenariaMessage(w);
        return li;
      }));
    }
    $("job-warnings").hidden = !warnings.length;
    $("live-status").hidden = !(job.state === "queued" || job.state === "running");
    const retry = $("retry");
    if (retry) retry.hidden = !(job.state === "failed" || job.state === "cancelled");
    const link = $("editor-link");
    if (job.state === "done" && job.session_id) {
      link.querySelector("a").href = "/sessions/" + encodeURIComponent(job.session_id) + "/editor";
      link.hidden = false;
    }
    const stop = $("live-stop");
    if (stop) {
      const running = job.state === "queued" || job.state === "running";
      stop.hidden = !running || (job.live && job.live.stop);
      $("live-stopping").hidden = !(running && job.live && job.live.stop);
    }
    document.body.dispatchEvent(new Event("job-changed"));
  }
  let shown = document.querySelectorAll("#live-pieces li").length;
  function addPieces(pieces) {
    const list = $("live-pieces");
    if (!list) return;
    for (const p of pieces) {
      const li = document.createElement("li");
      const at = document.createElement("span");
      at.className = "mono";
      at.textContent = "[" + p.at + "]";
      const who = document.createElement("strong");
      who.textContent = p.speaker;
      li.append(at, " ", who, ": " + p.text);
      list.append(li);
    }
    shown = list.children.length;
    $("live-empty").hidden = shown > 0;
  }
  function follow() {
    if (source) source.close();
    source = new EventSource("/api/v1/jobs/" + encodeURIComponent(id) + "/events");
    source.addEventListener("job", (e) => show(JSON.parse(e.data)));
    // A reconnected stream sends every piece again: keep those not shown yet.
    let seen = 0;
    source.addEventListener("partial", (e) => {
      const pieces = JSON.parse(e.data).pieces;
      const fresh = pieces.slice(Math.max(0, shown - seen));
      seen += pieces.length;
      addPieces(fresh);
    });
    source.onerror = () => {
      // the stream ends when the job ends; reconnect only while it runs
      source.close();
      fetch("/api/v1/jobs/" + encodeURIComponent(id)).then((r) => r.json()).then((job) => {
        show(job);
        if (job.state === "queued" || job.state === "running") setTimeout(follow, 2000);
      });
    };
  }
  const retry = $("retry");
  if (retry) {
    retry.addEventListener("click", async () => {
      const r = await fetch("/api/v1/jobs/" + encodeURIComponent(id) + "/retry", {
        method: "POST", headers: { "X-CSRF-Token": csrf },
      });
      const body = await r.json();
      if (r.ok) {
        show(body);
        follow();
      } else {
        $("job-error").hidden = false;
        $("job-error-text").textContent = window.plenariaMessage(body.detail);
      }
    });
  }
  const stop = $("live-stop");
  if (stop) {
    stop.addEventListener("click", async () => {
      const r = await fetch("/api/v1/live/" + encodeURIComponent(id) + "/stop", {
        method: "POST", headers: { "X-CSRF-Token": csrf },
      });
      const body = await r.json();
      if (r.ok) {
        show(body);
      } else {
        $("job-error").hidden = false;
        $("job-error-text").textContent = window.plenariaMessage(body.detail);
      }
    });
  }
  follow();
})();
