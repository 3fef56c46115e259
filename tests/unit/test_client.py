"""`plenaria submit` and its tus client against a real HTTP server on loopback.

The server is a stand-in for Plenaria's API while that is being written: a
FastAPI app with tuspyserver at /api/v1/uploads (the same library the API
uses) and minimal job routes, under uvicorn in a thread. A small TCP proxy cuts
the connection in the middle of an upload, as a town hall's line would.
The command runs in a subprocess, as a user runs it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from needs import module

module("httpx", "client")
fastapi = module("fastapi", "service")
uvicorn = module("uvicorn", "service")
tuspyserver = module("tuspyserver", "service")

from fastapi import FastAPI, Header, HTTPException  # noqa: E402
from fastapi.responses import Response  # noqa: E402
from pydantic import BaseModel, ConfigDict  # noqa: E402

import plenaria  # noqa: E402
from plenaria.cli.client import (  # noqa: E402
    Backoff,
    Client,
    UploadState,
    upload_file,
    upload_id_of,
)
from plenaria.cli.service_errors import ServiceError  # noqa: E402
from plenaria.cli.tus import CHUNK_BYTES  # noqa: E402
from plenaria.errors import ConfigError  # noqa: E402

TOKEN = "stand-in-token-0123456789"
SRC = str(Path(plenaria.__file__).resolve().parents[1])


# -- the stand-in server ----------------------------------------------------------------------


@dataclass
class Served:
    """What the stand-in server saw and holds."""

    files_dir: Path
    patch_body_bytes: int = 0
    patches: int = 0
    unavailable_patches: int = 0  # answer this many PATCH requests with 503 first
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def uploads(self) -> list[str]:
        return sorted(p.stem for p in self.files_dir.glob("*.info"))

    def info(self, upload_id: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.files_dir / f"{upload_id}.info").read_text())
        return data


class JobIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    upload_id: str
    session: dict[str, Any] | None = None
    options: dict[str, Any] = {}


# The options `plenaria submit` sets, as in plenaria's ProcessOptions.
KNOWN_OPTIONS = {"transcription", "diarize", "make_proxy"}

# Each poll moves a job one step on: (state, step, progress, eta_s).
TIMELINE = [("queued", "", 0.0, None), ("running", "transcribe", 0.5, 4.0), ("done", "", 1, 0)]


def build_app(served: Served) -> Any:
    async def bearer(authorization: str | None = Header(None)) -> None:
        if authorization != f"Bearer {TOKEN}":
            raise HTTPException(401, "Missing or invalid token.")

    app = FastAPI()
    app.include_router(
        tuspyserver.create_tus_router(
            prefix="api/v1/uploads", files_dir=str(served.files_dir), auth=bearer
        )
    )

    @app.post("/api/v1/jobs", status_code=201)
    async def create_job(body: JobIn, authorization: str | None = Header(None)) -> dict[str, Any]:
        await bearer(authorization)
        unknown = set(body.options) - KNOWN_OPTIONS
        if unknown:
            raise HTTPException(422, f"Unknown option(s): {', '.join(sorted(unknown))}.")
        language = body.options.get("transcription", {}).get("language")
        if language is not None and language not in ("es", "ca", "en"):
            raise HTTPException(422, f"Unknown language: {language}.")
        if body.upload_id not in served.uploads():
            raise HTTPException(404, "No such upload.")
        info = served.info(body.upload_id)
        data = (served.files_dir / body.upload_id).read_bytes()
        if info["offset"] != info["size"]:
            raise HTTPException(409, "The upload is not complete.")
        if hashlib.sha256(data).hexdigest() != info["metadata"].get("sha256"):
            raise HTTPException(422, "The declared SHA-256 does not match the uploaded bytes.")
        job_id = uuid.uuid4().hex
        served.jobs[job_id] = {
            "upload_id": body.upload_id,
            "sha256": info["metadata"]["sha256"],
            "session": body.session,
            "options": body.options,
            "polls": 0,
        }
        return {"id": job_id, "state": "queued", "step": "", "progress": 0.0}

    @app.get("/api/v1/jobs/{job_id}")
    async def get_job(job_id: str, authorization: str | None = Header(None)) -> dict[str, Any]:
        await bearer(authorization)
        job = served.jobs.get(job_id)
        if job is None:
            raise HTTPException(404, "No such job.")
        state, step, progress, eta = TIMELINE[min(job["polls"], len(TIMELINE) - 1)]
        job["polls"] += 1
        error = ""
        outputs = ["json", "vtt", "srt", "docx"] if state == "done" else []
        if outputs and job["options"].get("make_proxy") is not False:
            outputs.append("proxy")
        session = job["session"] or {}
        if state == "done" and session.get("id") == "fail":
            state, step, error = "failed", "probe", "No audio stream in the recording"
        return {
            "id": job_id,
            "state": state,
            "step": step,
            "progress": progress,
            "eta_s": eta,
            "error": error,
            "session_id": session.get("id") or None,
            "outputs": outputs,
        }

    @app.get("/api/v1/jobs/{job_id}/outputs/{kind}")
    async def output(job_id: str, kind: str, authorization: str | None = Header(None)) -> Response:
        await bearer(authorization)
        job = served.jobs.get(job_id)
        if job is None or kind not in ("json", "vtt", "srt", "docx", "proxy"):
            raise HTTPException(404, "No such output.")
        if kind == "proxy" and job["options"].get("make_proxy") is False:
            raise HTTPException(404, "This job makes no proxy.")
        body = json.dumps({"kind": kind, "sha256": job["sha256"], "session": job["session"]})
        return Response(body.encode(), media_type="application/octet-stream")

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "PATCH":
            served.patches += 1
            if served.unavailable_patches > 0:
                served.unavailable_patches -= 1
                busy = Response('{"detail": "Busy."}', 503, media_type="application/json")
                await busy(scope, receive, send)
                return
            inner = receive

            async def receive() -> Any:
                message = await inner()
                if message["type"] == "http.request":
                    served.patch_body_bytes += len(message.get("body", b""))
                return message

        await app(scope, receive, send)

    return counting


class LiveServer:
    def __init__(self, app: Any) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "the stand-in server did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


class CuttingProxy:
    """Forwards TCP to ``port``; once, after ``cut_after`` bytes from the client, drops it."""

    def __init__(self, port: int, cut_after: int) -> None:
        self.upstream = port
        self.cut_after = cut_after
        self.sent = 0
        self.cuts = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream))
            pair = (client, upstream)
            threading.Thread(target=self._pump, args=(client, upstream, pair, True)).start()
            threading.Thread(target=self._pump, args=(upstream, client, pair, False)).start()

    def _pump(self, src: socket.socket, dst: socket.socket, pair: Any, count: bool) -> None:
        try:
            while data := src.recv(65536):
                if count:
                    with self.lock:
                        self.sent += len(data)
                        cut = self.cuts == 0 and self.sent >= self.cut_after
                        if cut:
                            self.cuts += 1
                    if cut:
                        for s in pair:
                            s.shutdown(socket.SHUT_RDWR)
                            s.close()
                        return
                dst.sendall(data)
        except OSError:
            pass
        for s in pair:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Served, LiveServer]]:
    state = Served(files_dir=tmp_path / "uploads")
    server = LiveServer(build_app(state))
    yield state, server
    server.stop()


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    """20 MiB of random bytes (three 8 MiB chunks) under a name with a space and an accent."""
    path = tmp_path / "pleno de marzo ñ.mp4"
    path.write_bytes(os.urandom(20 * 1024 * 1024 + 12345))
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def submit(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": SRC,
        "PLENARIA_CACHE_DIR": str(tmp_path / "cache"),
        "COLUMNS": "200",
        "HOME": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, "-m", "plenaria", "submit", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )


def state_file(tmp_path: Path) -> UploadState:
    return UploadState(tmp_path / "cache" / "submit-state.json")


# -- tests ------------------------------------------------------------------------------------


def test_upload_sends_the_sha256_and_filename_and_stores_every_byte(
    served: tuple[Served, LiveServer], recording: Path, tmp_path: Path
) -> None:
    state, server = served
    steps: list[tuple[str, float, float]] = []
    with Client(server.url, TOKEN) as client:
        url, digest = upload_file(
            client, recording, state_file(tmp_path), lambda *a: steps.append(a)
        )
    upload_id = upload_id_of(url)
    assert url == f"{server.url}/api/v1/uploads/{upload_id}"
    assert state.uploads() == [upload_id]
    info = state.info(upload_id)
    assert info["metadata"]["filename"] == "pleno de marzo ñ.mp4"
    assert info["metadata"]["sha256"] == digest == sha256(recording)
    assert (state.files_dir / upload_id).read_bytes() == recording.read_bytes()
    size = recording.stat().st_size
    assert state.patches == 3  # 8 + 8 + 4 MiB
    assert ("hash", size, size) in steps and ("upload", size, size) in steps


def test_a_503_is_retried_with_back_off_and_a_401_is_not(
    served: tuple[Served, LiveServer], recording: Path, tmp_path: Path
) -> None:
    state, server = served
    state.unavailable_patches = 2
    waits: list[float] = []
    backoff = Backoff(retries=3, first_s=0.25)
    with Client(server.url, TOKEN, backoff=backoff, sleep=waits.append) as client:
        url, _ = upload_file(client, recording, state_file(tmp_path))
    assert waits == [0.25, 0.5]  # two 503s, then it went through
    assert (state.files_dir / upload_id_of(url)).read_bytes() == recording.read_bytes()

    state.unavailable_patches = 4  # more than the retries
    other = recording.with_name("otro.mp4")
    other.write_bytes(b"x" * 1000)
    with (
        Client(server.url, TOKEN, backoff=backoff, sleep=waits.append) as client,
        pytest.raises(
            ServiceError, match=r"El servidor falló al recibir la subida \(503\): Busy\. "
        ),
    ):
        upload_file(client, other, state_file(tmp_path))

    waits.clear()
    with (
        Client(server.url, "revoked", backoff=backoff, sleep=waits.append) as client,
        pytest.raises(ServiceError, match=r"rechazó el token \(401"),
    ):
        client.find_job("0" * 32)  # a refusal is final: no retry
    assert waits == []


def test_rerun_after_ctrl_c_resumes_the_upload(
    served: tuple[Served, LiveServer], recording: Path, tmp_path: Path
) -> None:
    state, server = served

    def interrupt_after_first_chunk(stage: str, done: float, total: float) -> None:
        if stage == "upload" and done >= CHUNK_BYTES:
            raise KeyboardInterrupt

    with Client(server.url, TOKEN) as client, pytest.raises(KeyboardInterrupt):
        upload_file(client, recording, state_file(tmp_path), interrupt_after_first_chunk)
    [upload_id] = state.uploads()
    assert state.info(upload_id)["offset"] == CHUNK_BYTES
    sent_before = state.patch_body_bytes

    proc = submit(tmp_path, str(recording), "--server", server.url, "--token", TOKEN)

    assert proc.returncode == 0, proc.stderr
    assert state.uploads() == [upload_id]  # the same upload, continued
    size = recording.stat().st_size
    assert state.patch_body_bytes - sent_before == size - CHUNK_BYTES  # nothing sent twice
    assert (state.files_dir / upload_id).read_bytes() == recording.read_bytes()
    out = tmp_path / "out" / recording.stem
    names = sorted(p.name for p in out.iterdir())
    stem = recording.stem
    assert names == sorted(f"{stem}.{ext}" for ext in ("json", "vtt", "srt", "docx", "proxy.mp4"))
    docx = json.loads((out / f"{stem}.docx").read_text())
    assert docx == {"kind": "docx", "sha256": sha256(recording), "session": None}
    assert "5 resultados" in proc.stdout
    # Done: the file's entry is gone, so the next run is a new submission.
    assert not state_file(tmp_path).get(state_file(tmp_path).key(server.url, recording))


def test_a_dropped_connection_is_resumed_from_the_servers_offset(
    served: tuple[Served, LiveServer], recording: Path, tmp_path: Path
) -> None:
    state, server = served
    proxy = CuttingProxy(server.port, cut_after=12 * 1024 * 1024)
    try:
        proc = submit(tmp_path, str(recording), "--server", proxy.url, "--token", TOKEN)
    finally:
        proxy.close()
    assert proc.returncode == 0, proc.stderr
    assert proxy.cuts == 1
    [upload_id] = state.uploads()
    assert (state.files_dir / upload_id).read_bytes() == recording.read_bytes()
    size = recording.stat().st_size
    # The bytes the server kept before the cut are not sent again.
    assert size <= state.patch_body_bytes < size + CHUNK_BYTES
    [job] = state.jobs.values()
    assert job["sha256"] == sha256(recording)


def test_detach_prints_the_job_id_alone_and_a_rerun_follows_that_job(
    served: tuple[Served, LiveServer], recording: Path, tmp_path: Path
) -> None:
    state, server = served
    session = tmp_path / "pleno.yaml"
    session.write_text(
        "id: 2026-03-ordinaria\ncouncil: Villaejemplo\nagenda: [Acta anterior, Presupuestos]\n",
        encoding="utf-8",
    )
    args = [str(recording), "--server", server.url, "--token", TOKEN, "--session", str(session)]
    args += ["--language", "ca", "--no-diarization", "--no-proxy", "--out", "actas"]

    proc = submit(tmp_path, *args, "--detach")

    assert proc.returncode == 0, proc.stderr
    [job_id] = state.jobs
    assert proc.stdout == f"{job_id}\n"
    job = state.jobs[job_id]
    from plenaria.cli.session_file import load_session

    assert job["session"] == load_session(session).to_dict()
    assert job["options"] == {
        "transcription": {"language": "ca"},
        "diarize": False,
        "make_proxy": False,
    }

    again = submit(tmp_path, *args)

    assert again.returncode == 0, again.stderr
    assert list(state.jobs) == [job_id] and len(state.uploads()) == 1  # nothing submitted twice
    names = sorted(p.name for p in (tmp_path / "actas").iterdir())
    assert names == sorted(f"{recording.stem}.{ext}" for ext in ("json", "vtt", "srt", "docx"))
    assert f"Proceso {job_id} terminado, sesión 2026-03-ordinaria" in again.stdout


def _error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr + proc.stdout
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1, proc.stderr
    return errors[0]


def test_server_unreachable_is_one_line(recording: Path, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    proc = submit(tmp_path, str(recording), "--server", closed, "--token", TOKEN)
    assert proc.returncode == 4
    assert f"No se llega al servidor {closed}" in _error_line(proc)


def test_bad_token_is_one_line(
    served: tuple[Served, LiveServer], recording: Path, tmp_path: Path
) -> None:
    state, server = served
    proc = submit(tmp_path, str(recording), "--server", server.url, "--token", "wrong")
    assert proc.returncode == 4
    assert "El servidor rechazó el token (401)" in _error_line(proc)
    assert state.uploads() == []


def test_a_refused_job_shows_the_servers_detail(
    served: tuple[Served, LiveServer], recording: Path, tmp_path: Path
) -> None:
    _, server = served
    proc = submit(
        tmp_path, str(recording), "--server", server.url, "--token", TOKEN, "--language", "xx"
    )
    assert proc.returncode == 4
    assert "se negó a crear el proceso (422): Unknown language: xx. " in _error_line(proc)


def test_a_failed_job_shows_its_error(
    served: tuple[Served, LiveServer], recording: Path, tmp_path: Path
) -> None:
    state, server = served
    session = tmp_path / "fail.yaml"
    session.write_text("id: fail\n", encoding="utf-8")
    proc = submit(
        tmp_path,
        str(recording),
        "--server",
        server.url,
        "--token",
        TOKEN,
        "--session",
        str(session),
    )
    assert proc.returncode == 5
    [job_id] = state.jobs
    line = _error_line(proc)
    assert (
        f"El proceso {job_id} falló en el paso Análisis del archivo: "
        "No audio stream in the recording."
    ) in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["missing.mp4", "--server", "http://127.0.0.1:9"],
            "No se encuentra el archivo: missing.mp4.",
        ),
        (["{rec}", "--server", "plenaria.example.es"], "No es la dirección de un servidor"),
    ],
)
def test_bad_arguments_are_one_line(
    recording: Path, tmp_path: Path, args: list[str], expected: str
) -> None:
    proc = submit(tmp_path, *(a.format(rec=recording) for a in args), "--token", TOKEN)
    assert proc.returncode == 2
    assert expected in _error_line(proc)


def test_client_refuses_an_empty_token() -> None:
    with pytest.raises(ConfigError, match="El token está vacío"):
        Client("http://127.0.0.1:9", " ")
