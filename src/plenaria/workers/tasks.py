"""Thin Celery tasks: ids in, the executor re-reads everything from the database."""

from __future__ import annotations

import logging

from celery.signals import worker_process_init
from sqlalchemy.exc import OperationalError

from plenaria.workers import runtime
from plenaria.workers.app import app
from plenaria.workers.executor import Runtime, advance, execute_step

log = logging.getLogger(__name__)

# Retried with back-off: the database restarting or a lock held too long.
TRANSIENT = (OperationalError, ConnectionError)
INLINE_SHARE = 0.25


def send(job_id: str, step: str, queue: str) -> None:
    limits: dict[str, float] = {}
    if step == "record":  # lasts the whole session, then makes the working copy
        longest = runtime.settings().live_max_s
        limits = {"time_limit": longest + 1800, "soft_time_limit": longest + 1500}
    run_step.apply_async((job_id, step), queue=queue, routing_key=queue, **limits)


def served_queues() -> frozenset[str]:
    """The queues this worker process consumes (``plenaria worker --queues``)."""
    return frozenset(app.conf.get("plenaria_queues") or ())


def inline_budget_s(rt: Runtime) -> float:
    """How long one task may go on running a job's next steps itself.

    A share of the task's time limit (and of Redis's visibility timeout): the task
    ends well before either, whatever its last step takes.
    """
    limits = (rt.settings.task_time_limit_s, rt.settings.visibility_timeout_s)
    return min(limits) * INLINE_SHARE


def current_runtime() -> Runtime:
    return Runtime(
        settings=runtime.settings(),
        database=runtime.database(),
        storage=runtime.storage(),
        engines=runtime.engines(),
        send=send,
    )


@app.task(
    name="plenaria.step",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=8,
)
def run_step(job_id: str, step: str) -> None:
    rt = current_runtime()
    execute_step(rt, job_id, step, served_queues(), inline_budget_s(rt))


@app.task(
    name="plenaria.advance",
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=8,
)
def advance_job(job_id: str) -> None:
    rt = current_runtime()
    advance(rt, job_id, served_queues(), inline_budget_s(rt))


@worker_process_init.connect
def _init_process(**_: object) -> None:
    """Each worker process loads its models once (its connections are its own: runtime)."""
    queues = set(app.conf.get("plenaria_queues") or ())
    try:
        runtime.engines().preload(queues)
    except Exception:  # the task that needs the model will report the problem to the job
        log.exception("preloading models failed")
