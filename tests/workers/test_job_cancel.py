"""Cancelling a running job through the API, on a real Celery worker, Redis and PostgreSQL:
the step in hand finishes, no other step is queued or run, the broker holds nothing for it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from servicekit import REDIS, Service, drop_pg, pg_database

from plenaria.api.app import create_app
from plenaria.cli.samples import SCRIPT, render_script, write_wav
from plenaria.db import accounts
from plenaria.db.models import Council, Job
from plenaria.workers.queue import CeleryJobQueue

pytestmark = pytest.mark.integration

# Four chunks of at most 12 s, one worker for every queue: a step always follows another.
CHUNKED = {"make_proxy": False, "diarize": False, "chunking": {"chunk_max_s": 12.0}}


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    audio, _ = render_script(SCRIPT[:8], pause_s=0.8)
    return write_wav(tmp_path_factory.mktemp("speech") / "pleno.wav", audio)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    url = pg_database()
    svc = Service(tmp_path, url, f"{REDIS}/10")
    redis.Redis.from_url(svc.broker_url).flushdb()
    svc.migrate()
    try:
        yield svc
    finally:
        svc.stop()
        svc.database().dispose()
        drop_pg(url)
        redis.Redis.from_url(svc.broker_url).flushdb()


def _admin_token(service: Service, job_id: str) -> str:
    with service.database().transaction() as s:
        job = s.get(Job, job_id)
        assert job is not None
        council = s.get(Council, job.council_id)
        assert council is not None
        user = accounts.create_user(s, council, "admin@villa.example.org", "x" * 16, "admin")
        return accounts.create_token(s, user, "test")[1]


def _messages(url: str) -> dict[str, int]:
    """Messages the broker holds: each queue's list, and those delivered but not acked."""
    r = redis.Redis.from_url(url)
    held = {}
    for key in r.scan_iter():
        name = key.decode()
        if r.type(key) == b"list" and r.llen(key):
            held[name] = int(r.llen(key))
        elif name == "unacked" and r.hlen(key):
            held[name] = int(r.hlen(key))
    return held


def test_a_job_cancelled_between_steps_runs_and_queues_nothing_more(
    service: Service, speech: Path
) -> None:
    job_id = service.add_job(speech, CHUNKED)
    token = _admin_token(service, job_id)
    worker = service.start_worker("media,asr,diarization,default", "w")
    assert worker.poll() is None
    service.submit(job_id)
    service.wait_steps(job_id, "transcribe:", 1, timeout_s=240)

    app = create_app(service.settings, job_queue=CeleryJobQueue(service.settings))
    with TestClient(app) as client:
        reply = client.delete(
            f"/api/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {token}"}
        )
    assert reply.status_code == 200, reply.text
    assert reply.json()["state"] == "cancelled"
    steps = service.steps(job_id)
    started = {n for n, s in steps.items() if s.started_at is not None}
    never = {n for n in steps if n not in started}
    transcribe = {n for n in steps if n.startswith("transcribe:")}
    states = {n: s.state for n, s in steps.items()}
    assert len(transcribe) >= 4 and transcribe & never, states  # cancelled between steps

    # The step in hand finishes (it counts); then the reconciler (every 2 s, stale after
    # 8 s) has time to requeue what it wrongly would.
    deadline = time.monotonic() + 120
    while (
        any(s.state != "done" and n in started for n, s in service.steps(job_id).items())
        and time.monotonic() < deadline
    ):
        time.sleep(0.5)
    time.sleep(15)

    assert service.job(job_id).state == "cancelled"
    after = service.steps(job_id)
    states = {n: s.state for n, s in after.items()}
    assert {n for n, s in after.items() if s.started_at is not None} == started, states
    for name in never:
        assert after[name].state == "pending", (name, after[name].state)
        assert after[name].queued_at is None or after[name].queued_at == steps[name].queued_at
    ran = set(re.findall(rf"job {job_id}: step (\S+)", service.log("w")))
    assert ran <= started, (ran - started, service.log("w")[-2000:])
    assert not any(n in ran for n in never)
    assert _messages(service.broker_url) == {}
    assert worker.poll() is None  # the worker is alive and idle, not stuck
