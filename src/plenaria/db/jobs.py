"""Uploads, recordings, jobs, their steps and outputs.

The database is the source of truth for a job: its state, the state of every
step of its graph, its progress. Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from plenaria.db.base import utcnow
from plenaria.db.models import (
    JOB_FINAL_STATES,
    JOB_STATES,
    OUTPUT_KINDS,
    STEP_STATES,
    Job,
    JobStep,
    Output,
    Recording,
    TranscriptVersion,
    Upload,
)
from plenaria.db.scoped import get_owned
from plenaria.errors import ConflictError, InputError, NotFoundError, state_name

# Uploads


def create_upload(
    session: Session,
    council_id: str,
    upload_id: str,
    filename: str,
    sha256: str,
    size: int,
    created_by: str | None = None,
    storage_key: str = "",
) -> Upload:
    upload = Upload(
        id=upload_id,
        council_id=council_id,
        created_by=created_by,
        filename=filename,
        sha256=sha256.lower(),
        size=size,
        state="receiving",
        storage_key=storage_key,
    )
    session.add(upload)
    session.flush()
    return upload


def get_upload_for_council(session: Session, council_id: str, upload_id: str) -> Upload:
    return get_owned(session, Upload, council_id, upload_id, "la subida")


def set_upload_state(upload: Upload, state: str, storage_key: str | None = None) -> Upload:
    if state not in ("receiving", "complete", "rejected"):
        raise ValueError(f"unknown upload state {state!r}")
    upload.state = state
    if storage_key is not None:
        upload.storage_key = storage_key
    return upload


# Recordings


def create_recording(
    session: Session,
    council_id: str,
    storage_key: str,
    file_name: str,
    size: int,
    sha256: str,
    upload_id: str | None = None,
    probe: dict[str, Any] | None = None,
) -> Recording:
    recording = Recording(
        council_id=council_id,
        upload_id=upload_id,
        storage_key=storage_key,
        file_name=file_name,
        size=size,
        sha256=sha256.lower(),
        probe=probe,
    )
    session.add(recording)
    session.flush()
    return recording


def get_recording(session: Session, recording_id: str) -> Recording:
    recording = session.get(Recording, recording_id)
    if recording is None:
        raise NotFoundError(f"No existe la grabación {recording_id}.", "Revise el identificador.")
    return recording


def set_recording_probe(recording: Recording, probe: dict[str, Any]) -> Recording:
    recording.probe = probe
    return recording


# Jobs


def create_job(
    session: Session,
    council_id: str,
    recording_id: str,
    options: dict[str, Any],
    session_id: str | None = None,
    created_by: str | None = None,
) -> Job:
    """A new job in state ``queued`` (the caller then hands its id to the queue)."""
    job = Job(
        council_id=council_id,
        recording_id=recording_id,
        session_id=session_id,
        options=options,
        created_by=created_by,
        state="queued",
        step="",
        progress=0.0,
        attempts=0,
        error="",
    )
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, job_id: str) -> Job:
    """Any council's job (workers); the API uses :func:`get_job_for_council`."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFoundError(f"No existe el proceso {job_id}.", "Revise el identificador.")
    return job


def get_job_for_council(session: Session, council_id: str, job_id: str) -> Job:
    return get_owned(session, Job, council_id, job_id, "el proceso")


def list_jobs(
    session: Session,
    council_id: str,
    state: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Job]:
    query = select(Job).where(Job.council_id == council_id)
    if state is not None:
        if state not in JOB_STATES:
            raise InputError(
                f"Estado de proceso desconocido: {state!r}.",
                f"Estados: {', '.join(JOB_STATES)}.",
            )
        query = query.where(Job.state == state)
    query = query.order_by(Job.created_at.desc(), Job.id).limit(limit).offset(offset)
    return list(session.scalars(query))


def set_job_state(job: Job, state: str, error: str | None = None, step: str | None = None) -> Job:
    """Move a job to ``state``, stamping started_at and finished_at."""
    if state not in JOB_STATES:
        raise ValueError(f"unknown job state {state!r}")
    now = utcnow()
    job.state = state
    if step is not None:
        job.step = step
    if error is not None:
        job.error = error
    if state == "running" and job.started_at is None:
        job.started_at = now
    if state in JOB_FINAL_STATES:
        job.finished_at = now
        job.eta_s = None
        if state == "done":
            job.progress = 1.0
    else:
        job.finished_at = None
    job.updated_at = now
    return job


def cancel_job(job: Job) -> Job:
    """Cancel a queued or running job; a finished one is a conflict."""
    if job.state in JOB_FINAL_STATES:
        raise ConflictError(
            f"El proceso {job.id} ya está {state_name(job.state)}.",
            "Solo se cancela un proceso en cola o en curso.",
        )
    set_job_state(job, "cancelled")
    for step in job.steps:
        if step.state in ("pending", "queued", "running"):
            step.state = "pending"
    return job


def retry_job(job: Job) -> Job:
    """Queue a failed or cancelled job again; done steps stay done, the others restart."""
    if job.state not in ("failed", "cancelled"):
        raise ConflictError(
            f"El proceso {job.id} está {state_name(job.state)}.",
            "Solo se reintenta un proceso con error o cancelado.",
        )
    job.attempts += 1
    job.error = ""
    set_job_state(job, "queued")
    for step in job.steps:
        if step.state != "done":
            step.state = "pending"
            step.error = ""
    return job


# Steps


def ensure_step(
    session: Session,
    job: Job,
    name: str,
    key: str = "",
    queue: str = "default",
    weight: float = 1.0,
    total_s: float = 0.0,
) -> JobStep:
    """The job's step of this name, created ``pending`` if missing (idempotent)."""
    step = get_step(session, job.id, name)
    if step is not None:
        return step
    step = JobStep(
        council_id=job.council_id,
        job_id=job.id,
        name=name,
        key=key,
        queue=queue,
        weight=weight,
        total_s=total_s,
        state="pending",
        done_s=0.0,
        attempts=0,
        error="",
    )
    job.steps.append(step)
    session.flush()
    return step


def get_step(session: Session, job_id: str, name: str) -> JobStep | None:
    return session.scalar(select(JobStep).where(JobStep.job_id == job_id, JobStep.name == name))


def list_steps(session: Session, job_id: str) -> list[JobStep]:
    return list(
        session.scalars(select(JobStep).where(JobStep.job_id == job_id).order_by(JobStep.name))
    )


def set_step_state(step: JobStep, state: str, error: str | None = None) -> JobStep:
    """Move a step to ``state``, stamping queued_at, started_at, heartbeat_at, finished_at."""
    if state not in STEP_STATES:
        raise ValueError(f"unknown step state {state!r}")
    now = utcnow()
    step.state = state
    if error is not None:
        step.error = error
    if state == "queued":
        step.queued_at = now
    elif state == "running":
        step.started_at = now
        step.heartbeat_at = now
        step.finished_at = None
        step.attempts += 1
    elif state in ("done", "failed"):
        step.finished_at = now
        if state == "done":
            step.done_s = step.total_s
    return step


def report_step_progress(step: JobStep, done_s: float, total_s: float | None = None) -> JobStep:
    """A worker's heartbeat: seconds of recording done so far."""
    if total_s is not None:
        step.total_s = total_s
    step.done_s = max(0.0, min(done_s, step.total_s)) if step.total_s > 0 else max(0.0, done_s)
    step.heartbeat_at = utcnow()
    return step


def weighted_progress(steps: Iterable[JobStep]) -> float:
    """One number for the job: each step's fraction of seconds done, weighted."""
    total_weight = 0.0
    done = 0.0
    for step in steps:
        total_weight += step.weight
        if step.state == "done":
            done += step.weight
        elif step.total_s > 0:
            done += step.weight * min(1.0, step.done_s / step.total_s)
    return done / total_weight if total_weight > 0 else 0.0


def refresh_job_progress(job: Job, now: datetime | None = None) -> Job:
    """Recompute the job's progress and ETA from its steps (the running step names it)."""
    now = now or utcnow()
    progress = weighted_progress(job.steps)
    job.progress = progress
    running = [s.name for s in job.steps if s.state == "running"]
    if running:
        job.step = running[0]
    if "record" in running:  # a live session: its end is the session's, unknown
        job.eta_s = None
    elif job.started_at is not None and 0 < progress < 1:
        elapsed = (now - job.started_at).total_seconds()
        job.eta_s = max(0.0, elapsed * (1 - progress) / progress)
    job.updated_at = now
    return job


def stale_steps(session: Session, older_than: datetime) -> list[JobStep]:
    """Steps of unfinished jobs whose worker went quiet, or that no worker took, since then."""
    query = (
        select(JobStep)
        .join(Job, Job.id == JobStep.job_id)
        .where(
            Job.state.in_(("queued", "running")),
            or_(
                (JobStep.state == "running") & (JobStep.heartbeat_at < older_than),
                (JobStep.state == "queued") & (JobStep.queued_at < older_than),
            ),
        )
    )
    return list(session.scalars(query))


# Outputs


def add_output(session: Session, job: Job, kind: str, storage_key: str, size: int) -> Output:
    """Record (or replace) the job's output of this kind."""
    if kind not in OUTPUT_KINDS:
        raise ValueError(f"unknown output kind {kind!r}")
    output = get_output(session, job.id, kind)
    if output is None:
        output = Output(council_id=job.council_id, job_id=job.id, kind=kind, storage_key="", size=0)
        session.add(output)
    output.storage_key = storage_key
    output.size = size
    session.flush()
    return output


def get_output(session: Session, job_id: str, kind: str) -> Output | None:
    return session.scalar(select(Output).where(Output.job_id == job_id, Output.kind == kind))


def get_output_for_council(
    session: Session, council_id: str, job_id: str, kind: str
) -> Output | None:
    """The output of this kind of the council's job, in one query (None: no job or no output)."""
    query = select(Output).where(
        Output.job_id == job_id, Output.kind == kind, Output.council_id == council_id
    )
    return session.scalar(query)


def output_kinds(session: Session, job_id: str) -> list[str]:
    """The kinds of the job's outputs, sorted (what a job's status lists)."""
    query = select(Output.kind).where(Output.job_id == job_id).order_by(Output.kind)
    return list(session.scalars(query))


def output_kinds_of(session: Session, job_ids: Sequence[str]) -> dict[str, list[str]]:
    """The sorted output kinds of several jobs, in one query (a job without any: absent)."""
    if not job_ids:
        return {}
    query = (
        select(Output.job_id, Output.kind)
        .where(Output.job_id.in_(job_ids))
        .order_by(Output.job_id, Output.kind)
    )
    found: dict[str, list[str]] = {}
    for job_id, kind in session.execute(query):
        found.setdefault(job_id, []).append(kind)
    return found


def job_warnings_of(session: Session, job_ids: Sequence[str]) -> dict[str, list[str]]:
    """The warnings of several jobs' transcripts (their machine versions), in one query;
    a job without any: absent. Only the ``warnings`` key is read, not the transcript
    (a machine's version is always stored whole: :mod:`plenaria.db.version_store`)."""
    if not job_ids:
        return {}
    query = select(TranscriptVersion.job_id, TranscriptVersion.snapshot["warnings"]).where(
        TranscriptVersion.job_id.in_(job_ids), TranscriptVersion.author_id.is_(None)
    )
    found: dict[str, list[str]] = {}
    for job_id, warnings in session.execute(query):
        if job_id and isinstance(warnings, list) and warnings:
            found[job_id] = [str(w) for w in warnings]
    return found


def list_outputs(session: Session, job_id: str) -> list[Output]:
    return list(
        session.scalars(select(Output).where(Output.job_id == job_id).order_by(Output.kind))
    )


# Metrics


def count_jobs_by_state(session: Session) -> dict[str, int]:
    rows = session.execute(select(Job.state, func.count()).group_by(Job.state))
    counts = dict.fromkeys(JOB_STATES, 0)
    counts.update({state: int(n) for state, n in rows})
    return counts


@dataclass(frozen=True)
class StepDurations:
    """A histogram of the wall time of finished steps of one kind, counted in SQL."""

    count: int
    total_s: float
    at_most: dict[float, int]  # bucket bound (s) -> steps that took at most that long


def finished_step_histograms(session: Session, bounds: Sequence[float]) -> dict[str, StepDurations]:
    """By step kind (``transcribe:3`` -> ``transcribe``), over every finished step.

    One aggregate query: the database counts, whatever the number of steps stored.
    """
    started, finished = JobStep.started_at, JobStep.finished_at
    if session.get_bind().dialect.name == "postgresql":
        seconds: Any = func.extract("epoch", finished - started)
    else:  # SQLite stores the times as text; julianday reads them
        seconds = (func.julianday(finished) - func.julianday(started)) * 86400.0
    columns = [
        JobStep.name,
        func.count(),
        func.coalesce(func.sum(seconds), 0.0),
        *(func.sum(case((seconds <= b, 1), else_=0)) for b in bounds),
    ]
    query = (
        select(*columns)
        .where(JobStep.state == "done", started.is_not(None), finished.is_not(None))
        .group_by(JobStep.name)
    )
    out: dict[str, StepDurations] = {}
    for name, count, total, *within in session.execute(query):
        kind = name.split(":", 1)[0]
        before = out.get(kind, StepDurations(0, 0.0, dict.fromkeys(bounds, 0)))
        out[kind] = StepDurations(
            before.count + int(count),
            before.total_s + max(0.0, float(total)),
            {b: before.at_most[b] + int(n or 0) for b, n in zip(bounds, within, strict=True)},
        )
    return out


# Live sessions


def live_push_ports_in_use(session: Session) -> set[int]:
    """RTMP ports held by the live push sessions not yet finished (any council)."""
    query = select(Job).where(Job.live.is_not(None), Job.state.in_(("queued", "running")))
    return {
        int(job.live["port"])
        for job in session.scalars(query)
        if job.live and job.live.get("mode") == "push" and "port" in job.live
    }


def request_live_stop(job: Job) -> Job:
    """Ask a live job's recorder to end the session (it finishes what was recorded)."""
    if job.live is None:
        raise ConflictError(
            f"El proceso {job.id} no es una sesión en directo.", "Cancélelo en su lugar."
        )
    if job.state in JOB_FINAL_STATES:
        raise ConflictError(
            f"El proceso {job.id} ya está {state_name(job.state)}.", "No hay nada que parar."
        )
    job.live = {**job.live, "stop": True}
    job.updated_at = utcnow()
    return job
