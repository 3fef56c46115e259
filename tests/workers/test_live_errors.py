"""A live job's error says what went wrong in Spanish, and never ffmpeg's words nor a storage
path: the executor runs the ``record`` step in this process (as a live worker's task does),
on PostgreSQL, with the real ffmpeg. A pull URL stored before the allowed hosts changed is
checked again by the worker, before anything connects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from servicekit import Service, drop_pg, free_port, pg_database

from plenaria.db import accounts
from plenaria.db import jobs as repo
from plenaria.workers import runtime
from plenaria.workers.executor import Runtime, advance

pytestmark = pytest.mark.integration

QUEUES = ("live", "media", "asr", "diarization", "default")


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    url = pg_database()
    service = Service(tmp_path, url, "memory://")
    service.migrate()
    try:
        yield service
    finally:
        runtime.database().dispose()
        service.database().dispose()
        drop_pg(url)


def _runtime(service: Service) -> Runtime:
    runtime.use_settings(
        service.settings.model_copy(update={"cpu_threads": 1, "live_allowed_hosts": "127.0.0.1"})
    )
    return Runtime(
        settings=runtime.settings(),
        database=runtime.database(),
        storage=runtime.storage(),
        engines=runtime.engines(),
        send=lambda job_id, step, queue: None,
    )


def _live_job(service: Service, live: dict[str, Any]) -> str:
    with service.database().transaction() as s:
        council = accounts.create_council(s, f"c{free_port()}", "Villaejemplo")
        rec = repo.create_recording(s, council.id, "", "directo.ts", 0, "")
        job = repo.create_job(s, council.id, rec.id, {"diarize": False, "make_proxy": False})
        rec.storage_key = f"live/{job.id}/original.ts"
        job.live = {"end_timeout_s": 1.0, "max_chunk_s": 20.0, "stop": False, **live}
        return job.id


def test_no_audio_from_the_stream_fails_the_job_in_spanish_without_ffmpegs_words(
    service: Service,
) -> None:
    rt = _runtime(service)
    url = f"http://127.0.0.1:{free_port()}/pleno/live.ts"  # allowed here, and nothing listens
    job_id = _live_job(service, {"mode": "pull", "url": url})
    advance(rt, job_id, QUEUES, budget_s=120)
    job = service.job(job_id)
    assert job.state == "failed", job.error
    assert job.error.startswith("No llegó audio del directo."), job.error
    for leak in ("Connection refused", "ffmpeg", "Error", "127.0.0.1", str(service.root), "live/"):
        assert leak not in job.error, (leak, job.error)


def test_a_stored_url_to_an_internal_address_is_refused_by_the_worker(service: Service) -> None:
    rt = _runtime(service)
    job_id = _live_job(service, {"mode": "pull", "url": "http://10.0.0.5/pleno/live.ts"})
    advance(rt, job_id, QUEUES, budget_s=120)
    job = service.job(job_id)
    assert job.state == "failed", job.error
    assert "«10.0.0.5» tiene una dirección privada" in job.error, job.error
    assert "PLENARIA_LIVE_ALLOWED_HOSTS" in job.error and str(service.root) not in job.error
