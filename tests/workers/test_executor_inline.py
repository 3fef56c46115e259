"""The executor runs a job's next steps in the same task when this worker serves their queue.

The executor's functions are called in this process, as a Celery task calls them,
on PostgreSQL and real models; the broker is a list of the messages sent (what
matters here is which steps needed one).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from servicekit import Service, drop_pg, pg_database

from plenaria.cli.samples import SCRIPT, render_script, write_wav
from plenaria.workers import runtime
from plenaria.workers.executor import Runtime, advance, execute_step

pytestmark = pytest.mark.integration

ALL = ("media", "asr", "diarization", "default")
CHUNKED = {"make_proxy": False, "diarize": False, "chunking": {"chunk_max_s": 12.0}}


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    audio, _ = render_script(SCRIPT[:8], pause_s=0.8)
    return write_wav(tmp_path_factory.mktemp("speech") / "pleno.wav", audio)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    url = pg_database()
    service = Service(tmp_path, url, "memory://")
    service.migrate()
    try:
        yield service
    finally:
        runtime.database().dispose()  # this test's pool, before its database is dropped
        service.database().dispose()
        drop_pg(url)


def _runtime(service: Service, sent: list[tuple[str, str, str]]) -> Runtime:
    runtime.use_settings(service.settings.model_copy(update={"cpu_threads": 1}))
    return Runtime(
        settings=runtime.settings(),
        database=runtime.database(),
        storage=runtime.storage(),
        engines=runtime.engines(),
        send=lambda job_id, step, queue: sent.append((job_id, step, queue)),
    )


def _drain(rt: Runtime, sent: list[tuple[str, str, str]], inline: tuple[str, ...]) -> list[str]:
    """Deliver every message (in order, as one worker would); the steps they named."""
    delivered = []
    while sent:
        job_id, step, _queue = sent.pop(0)
        delivered.append(step)
        execute_step(rt, job_id, step, inline, budget_s=600)
    return delivered


def test_a_worker_serving_every_queue_needs_a_message_only_for_parallel_steps(
    service: Service, speech: Path
) -> None:
    sent: list[tuple[str, str, str]] = []
    rt = _runtime(service, sent)
    job_id = service.add_job(speech, CHUNKED)

    advance(rt, job_id, ALL, budget_s=600)
    # probe → audio → speech → plan → transcribe:0 ran here; the other chunks were sent.
    steps = service.steps(job_id)
    chunks = sorted(n for n in steps if n.startswith("transcribe:"))
    assert len(chunks) >= 3
    for name in ("probe", "audio", "speech", "plan", "transcribe:0"):
        assert steps[name].state == "done", name
    assert [step for _, step, _ in sent] == chunks[1:]
    assert {queue for _, _, queue in sent} == {"asr"}
    assert all(steps[n].state == "queued" for n in chunks[1:])

    delivered = _drain(rt, sent, ALL)
    assert delivered == chunks[1:]  # assemble and outputs followed the last chunk inline
    job = service.job(job_id)
    assert job.state == "done", job.error
    assert job.progress == pytest.approx(1.0)
    steps = service.steps(job_id)
    assert all(s.state == "done" and s.attempts == 1 for s in steps.values())

    # A duplicate message (a redelivery) finds its step done: nothing runs again.
    finished_at = steps["transcribe:1"].finished_at
    execute_step(rt, job_id, "transcribe:1", ALL, budget_s=600)
    again = service.steps(job_id)["transcribe:1"]
    assert (again.attempts, again.finished_at) == (1, finished_at)
    assert sent == []


def test_steps_of_a_queue_the_worker_does_not_serve_are_sent(
    service: Service, speech: Path
) -> None:
    sent: list[tuple[str, str, str]] = []
    rt = _runtime(service, sent)
    job_id = service.add_job(speech, CHUNKED)

    advance(rt, job_id, ("media", "default"), budget_s=600)
    steps = service.steps(job_id)
    chunks = sorted(n for n in steps if n.startswith("transcribe:"))
    assert [step for _, step, _ in sent] == chunks  # every chunk is the asr workers'
    assert all(steps[n].state == "queued" for n in chunks)
    assert steps["plan"].state == "done"

    # Without a budget nothing runs inline: each ready step is a message.
    execute_step(rt, job_id, sent.pop(0)[1], ALL, budget_s=0)
    assert service.steps(job_id)[chunks[0]].state == "done"
    assert len(sent) == len(chunks) - 1
    assert _drain(rt, sent, ()) == [*chunks[1:], "assemble", "outputs"]
    assert service.job(job_id).state == "done"
