// The upload page: the recording's SHA-256 in a Web Worker, then a resumable
// tus upload (pause, resume, and resume after a reload: tus-js-client keeps the
// upload's URL in localStorage under the file's fingerprint), then the job.
"use strict";
(function () {
  const T = JSON.parse(document.getElementById("strings").textContent);
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const $ = (x) => document.getElementById(x);
  const form = $("upload-form");
  const FORM_KEY = "plenaria-upload-form";
  const CHUNK = +(localStorage.getItem("plenariaChunkBytes") || 16 * 1024 * 1024);
  // The first PATCH is small: the server judges the first bytes as they arrive, so a
  // file that is no recording is refused after 256 KiB, not after the first 16 MiB.
  const FIRST_CHUNK = Math.min(CHUNK, 256 * 1024);
  let upload = null;

  function status(text) {
    $("upload-status").textContent = text;
  }
  function progress(fraction) {
    const pct = Math.floor(fraction * 100);
    $("upload-progress").value = pct;
    $("upload-progress").textContent = pct + " %";
    $("upload-percent").textContent = pct + " %";
  }
  function sessionData() {
    const data = {};
    for (const name of ["id", "date", "session_type", "place", "start_time", "president", "secretary"]) {
      const v = form.elements[name].value.trim();
      if (v) data[name] = v;
    }
    const agenda = form.elements.agenda.value.split("\n").map((x) => x.trim()).filter(Boolean);
    if (agenda.length) data.agenda = agenda;
    return data;
  }
  // Keep the typed session data across a reload.
  try {
    const saved = JSON.parse(localStorage.getItem(FORM_KEY) || "null");
    if (saved) {
      for (const [k, v] of Object.entries(saved)) {
        if (form.elements[k] && form.elements[k].type !== "file") form.elements[k].value = v;
      }
    }
  } catch (e) { /* nothing kept */ }
  form.addEventListener("input", () => {
    const keep = {};
    for (const el of form.elements) if (el.name && el.type !== "file") keep[el.name] = el.value;
    localStorage.setItem(FORM_KEY, JSON.stringify(keep));
  });

  function sha256(file) {
    return new Promise((resolve, reject) => {
      const worker = new Worker(form.dataset.worker || document.querySelector('script[src$="upload.js"]').src.replace("upload.js", "sha256-worker.js"));
      worker.onmessage = (e) => {
        if (e.data.progress !== undefined) {
          status(T.hashing + " " + Math.floor(e.data.progress * 100) + " %");
        } else if (e.data.sha256) {
          worker.terminate();
          resolve(e.data.sha256);
        } else {
          worker.terminate();
          reject(new Error(e.data.error));
        }
      };
      worker.onerror = (e) => reject(new Error(e.message));
      worker.postMessage({ file: file });
    });
  }

  // The first bytes judged before the whole file is hashed: a file that is no recording
  // (a PDF named .mp4) is refused at once, with the line its upload would get.
  async function checkHead(file) {
    const r = await fetch("/api/v1/uploads/check?filename=" + encodeURIComponent(file.name), {
      method: "POST",
      headers: { "Content-Type": "application/octet-stream", "X-CSRF-Token": csrf },
      body: file.slice(0, 4096),
    });
    if (r.status === 422) throw new Error((await r.json()).detail);
  }

  async function createJob(uploadUrl) {
    const uploadId = uploadUrl.replace(/\/+$/, "").split("/").pop();
    status(T.upload_done);
    const body = { upload_id: uploadId };
    const session = sessionData();
    if (Object.keys(session).length) body.session = session;
    const r = await fetch("/api/v1/jobs", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    const job = await r.json();
    if (!r.ok) throw new Error(job.detail || r.status);
    localStorage.removeItem(FORM_KEY);
    window.location.assign("/jobs/" + encodeURIComponent(job.id));
  }

  async function start(file, allowDuplicate) {
    $("upload-existing").hidden = true;
    const metadata = { filename: file.name, filetype: file.type || "application/octet-stream" };
    if (allowDuplicate) metadata.allow_duplicate = "true";
    upload = new tus.Upload(file, {
      endpoint: "/api/v1/uploads/",
      chunkSize: FIRST_CHUNK,
      onChunkComplete: () => {
        upload.options.chunkSize = CHUNK;
      },
      retryDelays: [0, 1000, 3000, 5000, 10000],
      headers: { "X-CSRF-Token": csrf },
      // A 409 is retried (an offset race), except the one naming an existing session.
      onShouldRetry: (err) => {
        const res = err.originalResponse;
        const code = res ? res.getStatus() : 0;
        if (code === 409 && /"existing"/.test(res.getBody() || "")) return false;
        return (code < 400 || code >= 500 || code === 409 || code === 423) && navigator.onLine !== false;
      },
      removeFingerprintOnSuccess: true,
      metadata: metadata,
      onProgress: (sent, total) => {
        progress(total ? sent / total : 0);
        status(T.uploading + " " + Math.floor((100 * sent) / (total || 1)) + " %");
      },
      onError: (err) => {
        const res = err.originalResponse;
        // tus-js-client's own message is English: without the server's line, say it plainly.
        let detail = T.upload_network;
        try {
          const body = JSON.parse(res.getBody());
          detail = body.detail || detail;
          if (body.existing && body.existing.url) {
            // The same recording is already a session of the council: offer it (the API's
            // line names allow_duplicate; the page has a button for that).
            $("existing-link").href = body.existing.url;
            $("upload-existing").hidden = false;
            status(T.duplicate_found);
            $("start").disabled = false;
            $("pause").hidden = $("resume").hidden = true;
            $("existing-link").focus();
            return;
          }
        } catch (e) { /* keep the message */ }
        status(T.upload_error + " " + window.plenariaMessage(detail));
        $("start").disabled = false;
        $("pause").hidden = $("resume").hidden = true;
      },
      onSuccess: () => {
        localStorage.removeItem("plenaria-sha256:" + [file.name, file.size, file.lastModified].join(":"));
        $("pause").hidden = $("resume").hidden = true;
        createJob(upload.url).catch((e) => {
          status(T.upload_error + " " + window.plenariaMessage(e.message));
          $("start").disabled = false;
        });
      },
    });
    // The SHA-256 is kept per file, so that a resumed upload is not hashed again,
    // and is always in the metadata: if the server lost the upload, tus creates it anew.
    await checkHead(file);
    const hashKey = "plenaria-sha256:" + [file.name, file.size, file.lastModified].join(":");
    let digest = localStorage.getItem(hashKey);
    const previous = await upload.findPreviousUploads();
    if (!digest) {
      digest = await sha256(file);
      localStorage.setItem(hashKey, digest);
    }
    upload.options.metadata.sha256 = digest;
    form.dataset.sha256 = digest;
    if (previous.length) {
      status(T.resuming);
      upload.resumeFromPreviousUpload(previous[0]);
    }
    $("pause").hidden = false;
    upload.start();
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const file = $("file").files[0];
    if (!file) {
      status(T.choose_file);
      $("file").focus();
      return;
    }
    $("start").disabled = true;
    start(file).catch((err) => {
      status(T.upload_error + " " + window.plenariaMessage(err.message));
      $("start").disabled = false;
    });
  });
  $("upload-anyway").addEventListener("click", () => {
    const file = $("file").files[0];
    if (!file) return;
    $("start").disabled = true;
    start(file, true).catch((err) => {
      status(T.upload_error + " " + window.plenariaMessage(err.message));
      $("start").disabled = false;
    });
  });
  $("pause").addEventListener("click", () => {
    if (!upload) return;
    upload.abort();
    $("pause").hidden = true;
    $("resume").hidden = false;
    $("resume").focus();
  });
  $("resume").addEventListener("click", () => {
    if (!upload) return;
    upload.start();
    $("resume").hidden = true;
    $("pause").hidden = false;
    $("pause").focus();
  });
})();
