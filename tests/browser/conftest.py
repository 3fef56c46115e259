"""Browser tests: Debian's Chromium (Playwright) against a real ``plenaria serve``.

One server for the whole run (SQLite and the filesystem broker under a
temporary PLENARIA_DATA_DIR, its own worker), a council with a clerk and a
secretary, and one session processed from generated speech by the real worker
(the bundled Whisper model from ~/.cache/plenaria/models). Screenshots go to
/tmp/web-shots.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from models_folder import shared_models_dir
from needs import missing
from plenaria.live.rtmp_gate import free_loopback_port as free_port

CHROMIUM = os.environ.get("PLENARIA_TEST_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("PLENARIA_WEB_SHOTS", "/tmp/web-shots"))
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
SRC = Path(__file__).resolve().parents[2] / "src"
PASSWORD = "correct horse battery"
JOB_TIMEOUT_S = 420.0


@dataclass
class Server:
    url: str
    data_dir: Path
    proc: subprocess.Popen[bytes]
    council_id: str = ""
    emails: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def settings(self) -> Any:
        from plenaria.config import Settings

        return Settings(data_dir=self.data_dir)

    def api(self, who: str = "secretary") -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.tokens[who]}"},
            timeout=30,
        )

    def store_upload(self, path: Path) -> str:
        """A complete upload of ``path`` for a job (see :func:`store_upload`)."""
        return store_upload(self, path)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        missing(f"No Chromium at {CHROMIUM} (apt-get install chromium; make system-deps).")
    data = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {
        **os.environ,
        "PLENARIA_DATA_DIR": str(data),
        "PLENARIA_MODELS_DIR": str(shared_models_dir()),
        "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "OMP_NUM_THREADS": "2",
        "PLENARIA_LIVE_ALLOWED_HOSTS": "127.0.0.1",  # the live test streams on loopback
        # The portal's transcript in pieces of a few words: a short session has several.
        "PLENARIA_PORTAL_PIECE_WORDS": "12",
    }
    env.pop("PLENARIA_DATABASE_URL", None)
    env.pop("PLENARIA_BROKER_URL", None)
    log = (data / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "plenaria", "serve", "--port", str(port), "--loglevel", "warning"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    srv = Server(url=f"http://127.0.0.1:{port}", data_dir=data, proc=proc)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{srv.url}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"plenaria serve did not start:\n{_tail(data / 'serve.log')}")
            time.sleep(0.3)
        _accounts(srv)
        yield srv
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _tail(path: Path, n: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-n:])


def _accounts(srv: Server) -> None:
    from plenaria.db import accounts, civic
    from plenaria.db.engine import Database

    database = Database.from_settings(srv.settings())
    with database.transaction() as s:
        council = accounts.create_council(s, "villaejemplo", "Ayuntamiento de Villaejemplo")
        srv.council_id = council.id
        for who, role in (
            ("admin", "admin"),
            ("secretary", "secretary"),
            ("clerk", "clerk"),
            ("clerk2", "clerk"),
        ):
            email = f"{who}@villaejemplo.example.org"
            user = accounts.create_user(s, council, email, PASSWORD, role)
            srv.emails[who] = email
            srv.tokens[who] = accounts.create_token(s, user, "tests")[1]
        for name, role in (("María Pérez", "Alcaldesa"), ("Joan Puig", "Secretario")):
            civic.create_person(s, council.id, {"name": name, "role": role})
    database.dispose()


def make_clip(folder: Path, lines: int = 4) -> Path:
    """A short MP4 (a still picture and generated Spanish speech, about 20 s)."""
    from plenaria.cli.samples import SAMPLE_RATE, SCRIPT, render_script, write_wav
    from plenaria.media.ffmpeg import run_ffmpeg

    audio, _ = render_script(SCRIPT[:lines], pause_s=0.8, lead_s=0.5)
    wav = write_wav(folder / "speech.wav", audio)
    duration = len(audio) / SAMPLE_RATE
    video = folder / "pleno-corto.mp4"
    run_ffmpeg(
        [
            "-y",
            "-f", "lavfi", "-i", f"color=c=0x1d3557:s=320x180:r=5:d={duration:.3f}",
            "-i", str(wav),
            "-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-ar", "44100",
            "-shortest", "-movflags", "+faststart", str(video),
        ],
        what="making the test clip",
    )  # fmt: skip
    return video


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("clip"))


def store_upload(srv: Server, path: Path) -> str:
    """A complete upload of ``path``, as the tus route leaves one, for a job to use."""
    from plenaria.db import jobs
    from plenaria.db.engine import Database

    settings = srv.settings()
    upload_id = uuid.uuid4().hex
    key = f"uploads/{upload_id}/{path.name}"
    dest = settings.storage_path / key
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, dest)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    database = Database.from_settings(settings)
    with database.transaction() as s:
        up = jobs.create_upload(
            s, srv.council_id, upload_id, path.name, digest, path.stat().st_size
        )
        jobs.set_upload_state(up, "complete", storage_key=key)
    database.dispose()
    return upload_id


def wait_job(srv: Server, job_id: str, timeout_s: float = JOB_TIMEOUT_S) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    with srv.api() as c:
        while True:
            job = c.get(f"/api/v1/jobs/{job_id}").json()
            if job["state"] in ("done", "failed", "cancelled"):
                return dict(job)
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} still {job['state']} after {timeout_s} s")
            time.sleep(1.0)


@pytest.fixture(scope="session")
def processed(server: Server, clip: Path) -> dict[str, Any]:
    """A job processed by the real worker from the generated clip, and its session."""
    upload_id = store_upload(server, clip)
    with server.api() as c:
        r = c.post(
            "/api/v1/jobs",
            json={
                "upload_id": upload_id,
                "session": {"id": "2026-11-24-ordinaria", "date": "2026-11-24"},
                "options": {},
            },
        )
        assert r.status_code == 202, r.text
    job = wait_job(server, r.json()["id"])
    assert job["state"] == "done", f"{job}\n{_tail(server.data_dir / 'serve.log')}"
    return job


@pytest.fixture(scope="session")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--autoplay-policy=no-user-gesture-required"],
        )
        yield b
        b.close()


def login(browser: Any, srv: Server, who: str = "clerk", lang: str = "es") -> Any:
    """A new browser context logged in as ``who``; returns its page."""
    context = browser.new_context(
        base_url=srv.url, locale="es-ES", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    watch_policy(page)
    page.goto(f"/login?lang={lang}")
    page.fill("#email", srv.emails[who])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{srv.url}/")
    return page


def watch_policy(page: Any) -> list[str]:
    """Collect, on ``page.policy_violations``, what the Content-Security-Policy blocked."""
    found: list[str] = []

    def seen(message: Any) -> None:
        if "Content Security Policy" in message.text:
            found.append(message.text)

    page.on("console", seen)
    page.policy_violations = found
    return found


def axe(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations (WCAG 2.0/2.1 A and AA) on the page."""
    # Evaluated by the test, not added as an inline <script>, which the pages' CSP refuses.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


# -- the editor -------------------------------------------------------------------------


def open_editor(browser: Any, server: Server, session_id: str, who: str = "clerk") -> Any:
    page = login(browser, server, who)
    page.goto(f"/sessions/{session_id}/editor")
    page.wait_for_selector('#editor[data-ready="1"]', timeout=30_000)
    return page


def wait_saved(page: Any) -> int:
    page.wait_for_function(
        "() => window.plenariaEditor.state().dirty === 0 && "
        "/\\d/.test(document.getElementById('save-status').textContent)",
        timeout=20_000,
    )
    return int(page.evaluate("() => window.plenariaEditor.state().parent"))


def latest(server: Server, session_id: str) -> dict[str, Any]:
    with server.api() as c:
        return dict(c.get(f"/api/v1/sessions/{session_id}/transcript").json())


def words_of(page: Any, n: int) -> list[dict[str, Any]]:
    return list(
        page.evaluate(
            """(n) => Array.from(document.querySelectorAll('.iv')[n].querySelectorAll('.w'))
                .map(w => ({text: w.textContent, m: +w.dataset.m, d: +w.dataset.d}))""",
            n,
        )
    )


@pytest.fixture
def tmp_file_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="plenaria-web-") as d:
        yield Path(d)
