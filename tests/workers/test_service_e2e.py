"""The whole service as a council would use it: admin commands, the API, tus, workers.

Production mode (uvicorn + two Celery workers on PostgreSQL and Redis) and the
embedded ``plenaria serve`` (SQLite, filesystem broker, one process tree), each
driven by ``plenaria submit`` from an uploaded video to the downloaded DOCX.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from docx import Document
from servicekit import (
    REDIS,
    Service,
    council_user_token,
    drop_pg,
    make_video,
    pg_database,
    plenaria,
    start_server,
    stop_process,
)

from plenaria.cli.samples import SCRIPT, render_script, write_wav

pytestmark = pytest.mark.integration

# Production refuses insecure cookies; these clients use bearer tokens over plain HTTP.
PRODUCTION = {
    "PLENARIA_ENV": "production",
    "PLENARIA_SECRET_KEY": "s" * 40,
    "PLENARIA_COOKIE_SECURE": "true",
}

SESSION = """\
id: 2026-11-24-ordinaria
council: Ayuntamiento de Villaejemplo
date: 2026-11-24
session_type: ordinaria
place: Salón de plenos
president: María Pérez (alcaldesa)
secretary: Joan Puig
agenda:
  - Aprobación del acta de la sesión anterior
"""


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("video")
    audio, _ = render_script(SCRIPT[:5], pause_s=0.8)
    return make_video(write_wav(folder / "speech.wav", audio), folder / "pleno ñ.mp4")


def _submit_and_check(env: dict[str, str], server: str, token: str, video: Path, out: Path):
    session = out.parent / "pleno.yaml"
    session.write_text(SESSION, encoding="utf-8")
    done = plenaria(
        env, "submit", str(video), "--server", server, "--token", token,
        "--session", str(session), "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, (done.stdout, done.stderr)
    stem = video.stem
    files = {p.suffix for p in out.iterdir()}
    assert {".json", ".vtt", ".srt", ".docx", ".mp4"} <= files, files
    transcript = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))
    assert transcript["recording"]["sha256"] == hashlib.sha256(video.read_bytes()).hexdigest()
    assert transcript["session"]["president"] == "María Pérez (alcaldesa)"
    texts = [i["text"] for i in transcript["interventions"]]
    assert texts and all(
        i["id"] and all(w["id"] for w in i["words"]) for i in transcript["interventions"]
    )
    body = "\n".join(p.text for p in Document(str(out / f"{stem}.docx")).paragraphs)
    for text in texts:
        assert text in body
    assert transcript["recording"]["sha256"] in body

    # The proxy seeks: a Range request is answered 206 with the asked bytes.
    headers = {"Authorization": f"Bearer {token}"}
    jobs = httpx.get(f"{server}/api/v1/jobs", headers=headers, timeout=10).json()
    job = jobs[0]
    assert job["state"] == "done" and job["session_id"]
    part = httpx.get(
        f"{server}/api/v1/jobs/{job['id']}/outputs/proxy",
        headers={**headers, "Range": "bytes=100-199"},
        timeout=10,
    )
    assert part.status_code == 206
    assert part.content == (out / f"{stem}.proxy.mp4").read_bytes()[100:200]
    return transcript


@pytest.fixture
def production(tmp_path: Path) -> Iterator[Service]:
    url = pg_database()
    service = Service(tmp_path, url, f"{REDIS}/10")
    import redis

    redis.Redis.from_url(service.broker_url).flushdb()
    try:
        yield service
    finally:
        service.stop()
        service.database().dispose()
        drop_pg(url)
        redis.Redis.from_url(service.broker_url).flushdb()


def test_production_tus_upload_two_workers_redis_postgresql_docx(
    production: Service, video: Path, tmp_path: Path
) -> None:
    env = production.env | PRODUCTION
    migrated = plenaria(env, "db", "upgrade")
    assert migrated.returncode == 0, migrated.stderr
    token = council_user_token(env)
    api, server = start_server(env, tmp_path / "api.log")
    production.workers.append(api)
    production.extra_env = PRODUCTION
    production.start_worker("media,diarization,default", "cpu")
    production.start_worker("asr", "asr")
    _submit_and_check(env, server, token, video, tmp_path / "out")
    assert "step transcribe:0" in production.log("asr")


def test_plenaria_serve_does_the_same_on_one_machine(video: Path, tmp_path: Path) -> None:
    service = Service(tmp_path, "", "")
    env = {
        k: v
        for k, v in service.env.items()
        if k not in ("PLENARIA_DATABASE_URL", "PLENARIA_BROKER_URL", "PLENARIA_STORAGE_DIR")
    }
    assert plenaria(env, "db", "upgrade").returncode == 0
    token = council_user_token(env)
    serve, server = start_server(env, tmp_path / "serve.log", "serve")
    try:
        _submit_and_check(env, server, token, video, tmp_path / "out")
    finally:
        stop_process(serve)
    assert (tmp_path / "data" / "plenaria.db").exists()  # SQLite under the data folder
    assert (tmp_path / "data" / "broker").is_dir()  # and the filesystem broker
