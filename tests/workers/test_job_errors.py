"""A failed step tells the job's users what failed in Spanish; paths and tool output go to the log.

The executor runs in this process on PostgreSQL, as a Celery task calls it; the
broker is a list of the messages sent. The probe needs no model.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from servicekit import Service, drop_pg, pg_database

from plenaria.errors import MediaError, ModelNotFoundError
from plenaria.workers import runtime
from plenaria.workers.executor import Runtime, advance
from plenaria.workers.job_errors import step_label, user_message


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


def test_a_damaged_recording_fails_with_a_spanish_line_and_no_paths(
    service: Service, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "pleno.wav"
    broken.write_bytes(b"RIFF\xff\xff\xff\x7fWAVEfmt " + b"\x00" * 200)  # a header, no audio
    runtime.use_settings(service.settings)
    sent: list[tuple[str, str, str]] = []
    rt = Runtime(
        settings=runtime.settings(),
        database=runtime.database(),
        storage=runtime.storage(),
        engines=runtime.engines(),
        send=lambda job_id, step, queue: sent.append((job_id, step, queue)),
    )
    job_id = service.add_job(broken, {"make_proxy": False, "diarize": False})
    with caplog.at_level(logging.WARNING, logger="plenaria.workers.executor"):
        advance(rt, job_id, ("media",), budget_s=60)
    job = service.job(job_id)
    assert job.state == "failed" and job.step == "probe"
    assert job.error.startswith("Falló la comprobación de la grabación: la grabación no se pudo")
    storage = str(service.root / "storage")
    for leak in (storage, "uploads/", "/tmp", "ffmpeg", "Errno", "original"):
        assert leak not in job.error, leak
    step = service.steps(job_id)["probe"]
    assert step.error == job.error
    assert any("probe failed" in r.getMessage() for r in caplog.records)  # details: the log


def test_messages_by_kind_of_error() -> None:
    assert step_label("transcribe:3") == "la transcripción (fragmento 3)"
    secret = "/srv/plenaria/storage/uploads/ab/ab: Invalid data found when processing input"
    for error in (
        MediaError(secret),
        ModelNotFoundError(secret),
        OSError(secret),
        KeyError(secret),
    ):
        line = user_message("audio", error)
        assert line.startswith("Falló la extracción del audio") or line.startswith(
            "Error interno en la extracción del audio"
        )
        assert "/srv" not in line and "Invalid data" not in line and "\n" not in line
    assert "administrador" in user_message("transcribe:0", ModelNotFoundError("x"))
