"""The job graph on real Celery workers, Redis and PostgreSQL: faults included.

Each test deploys its own service (database, broker, storage) and starts worker
processes with ``python -m plenaria worker``, as production does.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from servicekit import REDIS, RedisServer, Service, drop_pg, pg_database, shared_models_dir

from plenaria.cli.samples import SCRIPT, render_script, write_wav
from plenaria.config import Settings
from plenaria.domain import Transcript
from plenaria.pipeline import ProcessOptions, load_engines, process_recording

pytestmark = pytest.mark.integration

# Four chunks of at most 12 s: enough steps to kill a worker between two of them.
CHUNKED = {"make_proxy": False, "diarize": False, "chunking": {"chunk_max_s": 12.0}}


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    audio, _ = render_script(SCRIPT[:8], pause_s=0.8)
    return write_wav(tmp_path_factory.mktemp("speech") / "pleno corto ñ.wav", audio)


@pytest.fixture
def redis_pg(tmp_path: Path) -> Iterator[Service]:
    """Production's pair: PostgreSQL and Redis (a database number of our own)."""
    url = pg_database()
    service = Service(tmp_path, url, f"{REDIS}/9")
    _flush(service.broker_url)
    service.migrate()
    try:
        yield service
    finally:
        service.stop()
        service.database().dispose()
        drop_pg(url)
        _flush(service.broker_url)


def _flush(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def test_two_workers_on_redis_and_postgresql_equal_the_in_process_run(
    redis_pg: Service, speech: Path, tmp_path: Path
) -> None:
    service = redis_pg
    options = {"make_proxy": True, "chunking": {"chunk_max_s": 12.0}}
    job_id = service.add_job(speech, options)
    service.start_worker("media,default,diarization", "cpu")
    service.start_worker("asr", "asr")
    service.submit(job_id)
    job = service.wait(job_id, ("done", "failed"), timeout_s=300)
    assert job.state == "done", (job.error, service.log("cpu"), service.log("asr"))
    assert job.progress == pytest.approx(1.0)
    steps = service.steps(job_id)
    assert {n for n in steps if n.startswith("transcribe:")} == {
        f"transcribe:{i}" for i in range(len([n for n in steps if n.startswith("transcribe")]))
    }
    assert len([n for n in steps if n.startswith("transcribe:")]) >= 3
    assert all(s.state == "done" for s in steps.values())
    # Each queue's steps ran on the worker that serves it.
    assert "step transcribe:0" in service.log("asr")
    assert "step transcribe:0" not in service.log("cpu")
    assert "step probe" in service.log("cpu")

    stored = _outputs(service, job_id)
    assert set(stored) == {"json", "vtt", "srt", "docx", "proxy"}
    served = Transcript.from_dict(__import__("json").loads(stored["json"].read_text("utf-8")))

    # The same file and options in one process, with the same models.
    settings = Settings(
        cache_dir=tmp_path / "local-cache",
        data_dir=tmp_path / "local-data",
        models_dir=shared_models_dir(),
    )
    local = process_recording(
        speech,
        tmp_path / "local-out",
        load_engines(settings),
        settings,
        options=ProcessOptions.model_validate(options),
    )
    assert served.to_dict()["interventions"] == local.transcript.to_dict()["interventions"]
    assert served.speakers == local.transcript.speakers
    assert served.recording == local.transcript.recording
    assert served.text.strip()


def _outputs(service: Service, job_id: str) -> dict[str, Path]:
    from plenaria.db import jobs as repo

    with service.database().session() as s:
        return {
            o.kind: service.root / "storage" / o.storage_key for o in repo.list_outputs(s, job_id)
        }


def test_a_worker_killed_mid_job_leaves_its_finished_chunks_done(
    redis_pg: Service, speech: Path
) -> None:
    service = redis_pg
    job_id = service.add_job(speech, CHUNKED)
    first = service.start_worker("media,asr,diarization,default", "first")
    service.submit(job_id)
    service.wait_steps(job_id, "transcribe:", 1, timeout_s=240)
    before = {
        n: s.finished_at
        for n, s in service.steps(job_id).items()
        if n.startswith("transcribe:") and s.state == "done"
    }
    service.kill_worker(first)  # the whole process group: main process and pool child
    assert before
    assert service.job(job_id).state == "running"

    service.start_worker("media,asr,diarization,default", "second")
    job = service.wait(job_id, ("done", "failed"), timeout_s=300)
    assert job.state == "done", job.error
    after = service.steps(job_id)
    for name, finished_at in before.items():
        assert after[name].finished_at == finished_at, name  # not redone
        assert after[name].attempts == 1, name
        assert f"step {name}\n" not in service.log("second")
    # What the killed worker had in hand was done by the second one.
    assert any("step transcribe:" in line for line in service.log("second").splitlines())


def test_the_broker_restarted_with_its_queue_lost_the_job_completes(
    tmp_path: Path, speech: Path
) -> None:
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    url = pg_database()
    service = Service(tmp_path, url, redis_server.url)
    service.migrate()
    try:
        job_id = service.add_job(speech, CHUNKED)
        service.start_worker("media,asr,diarization,default", "w")
        service.submit(job_id)
        service.wait_steps(job_id, "transcribe:", 1, timeout_s=240)
        redis_server.kill()  # every queued message is gone with it
        time.sleep(1.0)
        redis_server.start()  # empty: no persistence
        job = service.wait(job_id, ("done", "failed"), timeout_s=300)
        assert job.state == "done", (job.error, service.log("w"))
        assert all(s.state == "done" for s in service.steps(job_id).values())
        assert "reconciler: requeue" in service.log("w")
    finally:
        service.stop()
        redis_server.kill()
        service.database().dispose()
        drop_pg(url)
