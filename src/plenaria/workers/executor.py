"""The distributed executor: the job graph walked by Celery tasks, the database as truth.

- :func:`advance` looks at a job's steps and queues those that are ready (a step
  moves pending → queued in one conditional UPDATE, so two callers never queue
  it twice); when every step is done it records the outputs and the transcript's
  first version.
- :func:`execute_step` claims a queued step (or one whose worker went silent),
  runs the pure step while a heartbeat thread stamps it, marks it done and
  advances the job in one transaction. A duplicate message finds the step done
  or claimed and returns: run twice, done once. A step made ready on a queue
  this worker serves is claimed in that same transaction and run next, in the
  same task (no message), within a time budget; the others are sent.
- :func:`reconcile` requeues the steps that a lost message or a dead worker left
  hanging; every worker runs it periodically.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from plenaria.config import Settings
from plenaria.db import civic
from plenaria.db import jobs as repo
from plenaria.db.base import utcnow
from plenaria.db.engine import Database
from plenaria.db.job_spec import job_spec
from plenaria.db.models import Job, JobStep, PlenarySession
from plenaria.db.transcripts import latest_number, save_version
from plenaria.errors import PlenariaError
from plenaria.graph.nodes import finished, ready
from plenaria.graph.options import JobSpec
from plenaria.graph.run import current_nodes, run_node
from plenaria.graph.steps import EngineSource, StepContext, output_files
from plenaria.storage import LocalStorage
from plenaria.workers.job_errors import user_message

log = logging.getLogger(__name__)

Send = Callable[[str, str, str], None]  # (job_id, step name, queue)

ACTIVE = ("queued", "running")


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    database: Database
    storage: LocalStorage
    engines: EngineSource
    send: Send


class _NoEngines:
    """Advancing the graph needs no model."""

    def vad(self) -> Any:
        raise RuntimeError("no models here")

    def transcriber(self, model: str = "") -> Any:
        raise RuntimeError("no models here")

    diarizer = transcriber


def _context(rt: Runtime, spec: JobSpec, engines: EngineSource | None = None) -> StepContext:
    return StepContext(spec, rt.storage, engines or _NoEngines())


# -- advancing -------------------------------------------------------------------------------


def advance(
    rt: Runtime, job_id: str, inline: Collection[str] = (), budget_s: float = 0.0
) -> list[str]:
    """Queue the job's ready steps; finish the job when all are done. Returns what was sent.

    ``inline``: the queues this process serves (a worker's task passes them). The
    first ready step routed to one of them is claimed here instead of sent, and run
    in this call, then its successors likewise, for at most ``budget_s`` seconds
    (see :func:`execute_step`). The reconciler passes none: it only queues.
    """
    deadline = time.monotonic() + budget_s
    here = inline if budget_s > 0 else ()
    with rt.database.transaction() as s:
        job = repo.get_job(s, job_id)
        if job.state not in ACTIVE:
            return []
        spec = job_spec(s, job, rt.settings)
        to_send, claimed = _queue_ready(s, rt, job, spec, here)
    _send(rt, job_id, to_send)
    if claimed is not None:
        _run_chain(rt, job_id, claimed, spec, here, deadline)
    return [name for name, _ in to_send]


def _queue_ready(
    s: Session, rt: Runtime, job: Job, spec: JobSpec, inline: Collection[str]
) -> tuple[list[tuple[str, str]], str | None]:
    """In the caller's transaction: create the known steps, queue the ready ones.

    Returns the (step, queue) messages to send once committed, and the step claimed
    for the caller (state running) when one is ready on a queue in ``inline``.
    Each pending → queued (or running) move is one conditional UPDATE, so two
    callers never queue or claim a step twice.
    """
    if job.state not in ACTIVE:
        return [], None
    nodes = current_nodes(_context(rt, spec))
    steps = {st.name: st for st in job.steps}
    for node in nodes:
        if node.name not in steps:
            steps[node.name] = repo.ensure_step(
                s, job, node.name, queue=node.queue, weight=node.weight, total_s=1.0
            )
        else:
            steps[node.name].weight = node.weight
    done = {name for name, st in steps.items() if st.state == "done"}
    if finished(nodes, done):
        _finish(s, rt, job, spec)
        return [], None
    to_send: list[tuple[str, str]] = []
    claimed: str | None = None
    now = utcnow()
    for node in ready(nodes, done):  # graph order: the critical path's step comes first
        queue = rt.settings.routes.get(node.kind, node.queue)
        pending = update(JobStep).where(
            JobStep.id == steps[node.name].id, JobStep.state == "pending"
        )
        if claimed is None and queue in inline:
            values: dict[str, Any] = {
                "state": "running",
                "queued_at": now,
                "started_at": now,
                "heartbeat_at": now,
                "attempts": JobStep.attempts + 1,
                "done_s": 0.0,
            }
            if _rowcount(s.execute(pending.values(**values))):
                claimed = node.name
                steps[node.name].queue = queue
                continue
        if _rowcount(s.execute(pending.values(state="queued", queued_at=now))):
            steps[node.name].queue = queue
            to_send.append((node.name, queue))
    if job.state == "queued" and (to_send or done or claimed):
        repo.set_job_state(job, "running")
    repo.refresh_job_progress(job)
    if claimed is not None:
        job.step = claimed
    return to_send, claimed


def _send(rt: Runtime, job_id: str, messages: list[tuple[str, str]]) -> None:
    for name, queue in messages:
        rt.send(job_id, name, queue)


def _finish(s: Session, rt: Runtime, job: Job, spec: JobSpec) -> None:
    ctx = _context(rt, spec)
    files = output_files(ctx)
    if spec.options.make_proxy:
        files["proxy"] = ctx.key_of("proxy")
    for kind, key in files.items():
        repo.add_output(s, job, kind, key, rt.storage.size(key))
    transcript: dict[str, Any] = ctx.artifact(ctx.key_of("assemble"))
    plenary = s.get(PlenarySession, job.session_id) if job.session_id else None
    if plenary is None:
        slug = str(transcript["session"]["id"])
        plenary = civic.create_plenary_session(s, job.council_id, {"slug": slug})
        job.session_id = plenary.id
    already = any(v.job_id == job.id for v in plenary_versions(s, plenary))
    if not already:
        save_version(s, plenary, None, transcript, latest_number(s, plenary.id), job_id=job.id)
    repo.set_job_state(job, "done", step="")
    log.info("job %s done", job.id)


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def plenary_versions(s: Session, plenary: PlenarySession) -> list[Any]:
    from plenaria.db.transcripts import list_versions

    return list(list_versions(s, plenary))


# -- running one step ------------------------------------------------------------------------


def execute_step(
    rt: Runtime, job_id: str, name: str, inline: Collection[str] = (), budget_s: float = 0.0
) -> None:
    """Claim and run one step of a job, then advance the job.

    With ``inline`` (the queues this worker serves), the step that becomes ready next
    on one of them runs here too, without a message, and so on while this call has
    run for less than ``budget_s`` seconds: a job's quick successive steps cost no
    broker round trip, no task start and no idle wait. Each of them is claimed in
    the database (state running, with a heartbeat) like a step taken from a
    message, so a worker killed meanwhile leaves it to the reconciler.
    """
    deadline = time.monotonic() + budget_s
    spec = _claim(rt, job_id, name)
    if spec is not None:
        _run_chain(rt, job_id, name, spec, inline, deadline)


def _claim(rt: Runtime, job_id: str, name: str) -> JobSpec | None:
    """Take a queued step (or one whose worker went silent); None when it is not ours."""
    stale = timedelta(seconds=rt.settings.stale_after_s)
    with rt.database.transaction() as s:
        job = repo.get_job(s, job_id)
        step = repo.get_step(s, job_id, name)
        if job.state not in ACTIVE or step is None or step.state in ("done", "failed"):
            return None
        now = utcnow()
        if step.state == "running" and step.heartbeat_at and now - step.heartbeat_at < stale:
            return None  # another worker has it and is alive
        claimed = _rowcount(
            s.execute(
                update(JobStep)
                .where(
                    JobStep.id == step.id,
                    JobStep.state == step.state,
                    JobStep.attempts == step.attempts,
                )
                .values(
                    state="running",
                    started_at=now,
                    heartbeat_at=now,
                    attempts=step.attempts + 1,
                    done_s=0.0,
                )
            )
        )
        if not claimed:
            return None
        if job.state == "queued":
            repo.set_job_state(job, "running")
        job.step = name
        return job_spec(s, job, rt.settings)


def _run_chain(
    rt: Runtime,
    job_id: str,
    name: str,
    spec: JobSpec,
    inline: Collection[str],
    deadline: float,
) -> None:
    """Run a claimed step; then, while time allows, the next one it makes ready here."""
    next_name: str | None = name
    while next_name is not None:
        pointer = _run(rt, job_id, next_name, spec)
        if pointer is None:
            return
        here = inline if time.monotonic() < deadline else ()
        next_name = _complete(rt, job_id, next_name, pointer, spec, here)


def _run(rt: Runtime, job_id: str, name: str, spec: JobSpec) -> dict[str, Any] | None:
    """Run one claimed step with its heartbeat; None when it failed (recorded on the job)."""
    log.info("job %s: step %s", job_id, name)
    beat = _Heartbeat(rt, job_id, name)
    ctx = StepContext(spec, rt.storage, rt.engines, beat.progress, rt.settings.cpu_threads)
    try:
        with beat:
            if name == "record":  # a live job's recorder: the whole session
                from plenaria.workers.live import record

                return record(rt, ctx)
            return run_node(name, ctx)
    except PlenariaError as e:
        log.warning("job %s: step %s failed: %s", job_id, name, e)
        # A live recorder's errors are written for users (plenaria.workers.live).
        _fail(rt, job_id, name, str(e) if name == "record" else user_message(name, e))
    except Exception as e:
        log.exception("job %s: step %s crashed", job_id, name)
        _fail(rt, job_id, name, user_message(name, e))
    return None


def _complete(
    rt: Runtime,
    job_id: str,
    name: str,
    pointer: dict[str, Any],
    spec: JobSpec,
    inline: Collection[str],
) -> str | None:
    """One transaction: the step is done, the job advances; returns the step claimed here."""
    with rt.database.transaction() as s:
        step = repo.get_step(s, job_id, name)
        if step is None:
            return None
        repo.set_step_state(step, "done")
        step.key = str(pointer.get("key", ""))
        job = repo.get_job(s, job_id)
        if job.state not in ACTIVE:  # cancelled meanwhile: the step counts, nothing follows
            repo.refresh_job_progress(job)
        to_send, claimed = _queue_ready(s, rt, job, spec, inline)
    _send(rt, job_id, to_send)
    return claimed


def _fail(rt: Runtime, job_id: str, name: str, message: str) -> None:
    with rt.database.transaction() as s:
        step = repo.get_step(s, job_id, name)
        if step is not None:
            repo.set_step_state(step, "failed", error=message)
        job = repo.get_job(s, job_id)
        if job.state in ACTIVE:
            repo.set_job_state(job, "failed", error=message, step=name)
    log.warning("job %s failed at %s: %s", job_id, name, message)


class _Heartbeat:
    """Stamps the step as alive while it runs, and records its progress (at most 1/s)."""

    def __init__(self, rt: Runtime, job_id: str, name: str) -> None:
        self.rt, self.job_id, self.name = rt, job_id, name
        self.every_s = max(0.5, min(10.0, rt.settings.stale_after_s / 4))
        self._done = 0.0
        self._total = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="heartbeat")
        self._last = 0.0

    def progress(self, stage: str, done: float, total: float) -> None:
        self._done, self._total = done, total
        now = time.monotonic()
        if now - self._last >= 1.0:
            self._last = now
            self._write()

    def _write(self) -> None:
        try:
            with self.rt.database.transaction() as s:
                step = repo.get_step(s, self.job_id, self.name)
                if step is None or step.state != "running":
                    return
                if self._total > 0:
                    repo.report_step_progress(step, self._done, self._total)
                else:
                    step.heartbeat_at = utcnow()
                repo.refresh_job_progress(repo.get_job(s, self.job_id))
        except Exception:  # a heartbeat missed is retried at the next beat
            log.warning("heartbeat of %s/%s failed", self.job_id, self.name, exc_info=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self._write()

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


# -- reconciling -----------------------------------------------------------------------------


def reconcile(rt: Runtime) -> list[tuple[str, str]]:
    """Requeue steps left hanging (lost message, dead worker); advance jobs left waiting.

    A running step whose heartbeat is older than ``stale_after_s`` lost its worker;
    a queued step no worker took within ``stale_after_s`` lost its message (or waits
    behind a long queue: a second message for it is harmless, the first to run wins).
    """
    older = utcnow() - timedelta(seconds=rt.settings.stale_after_s)
    resend: list[tuple[str, str, str]] = []
    with rt.database.transaction() as s:
        for step in repo.stale_steps(s, older):
            step.state = "queued"
            step.queued_at = utcnow()
            resend.append((step.job_id, step.name, step.queue))
        waiting = [
            j.id
            for j in s.query(Job).filter(Job.state.in_(ACTIVE), Job.updated_at < older).all()
            if not any(st.state in ("queued", "running") for st in j.steps)
        ]
    for job_id, name, queue in resend:
        log.warning("reconciler: requeue %s of job %s", name, job_id)
        rt.send(job_id, name, queue)
    for job_id in waiting:
        advance(rt, job_id)
    return [(j, n) for j, n, _ in resend]
