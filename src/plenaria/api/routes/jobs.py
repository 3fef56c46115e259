"""Jobs: create one from a complete upload, follow it, cancel or retry it, fetch its outputs."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import ValidationError
from sqlalchemy import select

from plenaria.api.deps import CurrentUser, DbSession, Manager, Queue
from plenaria.api.errors import ServiceUnavailableError, describe_validation
from plenaria.api.event_stream import event, event_response, polled_events
from plenaria.api.jobs_port import JobQueue
from plenaria.api.schemas import MAX_INT
from plenaria.api.schemas_jobs import JobCreate, JobPublic, JobState, OutputKind
from plenaria.api.upload_records import keep_original
from plenaria.db import accounts as repo
from plenaria.db import civic
from plenaria.db import jobs as job_repo
from plenaria.db.engine import Database
from plenaria.db.job_spec import freeze_spec
from plenaria.db.models import JOB_FINAL_STATES, Job, PlenarySession, Recording
from plenaria.errors import ConflictError, InputError, NotFoundError, state_name
from plenaria.workers.job_errors import QUEUE_FAILED

log = logging.getLogger(__name__)

MEDIA_TYPES = {
    "json": ("application/json", "json"),
    "vtt": ("text/vtt; charset=utf-8", "vtt"),
    "srt": ("application/x-subrip; charset=utf-8", "srt"),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    "proxy": ("video/mp4", "mp4"),
}


def job_public(
    db: Any, job: Job, kinds: list[str] | None = None, warnings: list[str] | None = None
) -> JobPublic:
    if kinds is None:
        kinds = job_repo.output_kinds(db, job.id)
    if warnings is None:
        warnings = (
            job_repo.job_warnings_of(db, [job.id]).get(job.id, []) if job.state == "done" else []
        )
    update = {"outputs": kinds, "warnings": warnings or []}
    return JobPublic.model_validate(job).model_copy(update=update)


def plenary_session_id(
    db: Any, council_id: str, session: dict[str, Any] | None, session_id: str | None
) -> str | None:
    """The job's session: a stored one (session_id), one made from its data, or none."""
    if session is not None and session_id is not None:
        raise InputError("Ha dado session y session_id.", "Dé solo uno de los dos.")
    if session_id is not None:
        return civic.get_plenary_session_for_council(db, council_id, session_id).id
    if session is not None:
        values = civic.plenary_session_from_file_fields(session)
        return civic.create_plenary_session(db, council_id, values).id
    return None


def submit(db: Any, queue: JobQueue, job: Job) -> None:
    """Hand a committed job to the queue; a broker that is down fails the job, answering 503."""
    try:
        queue.submit(job.id)
    except Exception as e:
        log.exception("job %s: the queue refused it", job.id)
        job_repo.set_job_state(job, "failed", error=QUEUE_FAILED)
        db.commit()
        raise ServiceUnavailableError(
            f"El proceso {job.id} no se pudo poner en cola: el servicio de colas no responde.",
            "Reinténtelo más tarde con POST /api/v1/jobs/{id}/retry.",
        ) from e


def job_options(raw: dict[str, Any]) -> dict[str, Any]:
    from plenaria.pipeline import ProcessOptions

    try:
        options = ProcessOptions.model_validate(raw)
    except ValidationError as e:
        raise InputError(
            f"Opciones del proceso no válidas: {describe_validation(e.errors())}.",
            "Corríjalas y vuelva a enviar.",
        ) from e
    # What the caller set, normalized; the rest follows the council's and the defaults.
    return options.model_dump(mode="json", exclude_unset=True)


def storage_file(storage_root: Path, key: str) -> Path:
    """The file of a storage key, which must stay inside the storage folder."""
    return stored_file(storage_root, key)[0]


def stored_file(storage_root: Path, key: str) -> tuple[Path, os.stat_result]:
    """The file of a storage key (inside the storage folder) and its ``stat``."""
    root = storage_root.resolve()
    path = (root / key).resolve()
    try:
        found = os.stat(path) if key and path.is_relative_to(root) else None
    except OSError:
        found = None
    if found is None or not stat.S_ISREG(found.st_mode):
        raise NotFoundError(
            "El archivo de este resultado ya no está guardado.", "Reintente el proceso."
        )
    return path, found


class StoredFileResponse(FileResponse):
    """A file sent in 1 MiB reads: a JSON output or a 64 KB range is one read, one thread hop."""

    chunk_size = 1024 * 1024


def router() -> APIRouter:
    api = APIRouter(tags=["jobs"])

    @api.post("/jobs", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED)
    def create_job(
        body: JobCreate,
        user: Manager,
        db: DbSession,
        queue: Queue,
        request: Request,
        response: Response,
    ) -> JobPublic:
        """Queue the processing of a complete upload, with the session's data and options."""
        options = job_options(body.options)
        upload = job_repo.get_upload_for_council(db, user.council_id, body.upload_id)
        if upload.state != "complete":
            raise ConflictError(
                f"La subida {upload.id} no está completa (estado: {state_name(upload.state)}).",
                "Termine antes la subida; se reanuda donde se paró.",
            )
        keep_original(request.app.state.storage_path, db, upload)  # before the spec names it
        try:
            storage_file(request.app.state.storage_path, upload.storage_key)
        except NotFoundError as e:
            raise NotFoundError(
                f"La subida {upload.id} ya no está guardada.", "Vuelva a subir el archivo."
            ) from e
        session_id = plenary_session_id(db, user.council_id, body.session, body.session_id)
        recording = db.scalar(
            select(Recording).where(
                Recording.upload_id == upload.id, Recording.council_id == user.council_id
            )
        ) or job_repo.create_recording(
            db,
            user.council_id,
            upload.storage_key,
            upload.filename,
            upload.size,
            upload.sha256,
            upload_id=upload.id,
        )
        job = job_repo.create_job(db, user.council_id, recording.id, options, session_id, user.id)
        freeze_spec(db, job, request.app.state.settings)
        repo.audit(
            db, user.council_id, user.id, "job.create", "job", job.id, {"upload_id": upload.id}
        )
        db.commit()
        submit(db, queue, job)
        response.headers["Location"] = f"/api/v1/jobs/{job.id}"
        return job_public(db, job)

    @api.get("/jobs", response_model=list[JobPublic])
    def list_jobs(
        user: CurrentUser,
        db: DbSession,
        state: JobState | None = None,
        limit: int = Query(default=50, ge=1, le=500),
        offset: int = Query(default=0, ge=0, le=MAX_INT),
    ) -> list[JobPublic]:
        """Your council's jobs, newest first."""
        rows = job_repo.list_jobs(db, user.council_id, state, limit, offset)
        kinds = job_repo.output_kinds_of(db, [j.id for j in rows])  # one query for the page
        warnings = job_repo.job_warnings_of(db, [j.id for j in rows if j.state == "done"])
        db.close()  # see get_job
        return [job_public(db, j, kinds.get(j.id, []), warnings.get(j.id, [])) for j in rows]

    @api.get("/jobs/{job_id}", response_model=JobPublic)
    def get_job(job_id: str, user: CurrentUser, db: DbSession) -> JobPublic:
        public = job_public(db, job_repo.get_job_for_council(db, user.council_id, job_id))
        # End the read here, in this worker thread: the session's cleanup then has no
        # connection to give back and needs no second trip to the thread pool.
        db.close()
        return public

    @api.get(
        "/jobs/{job_id}/events",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    def job_events(
        job_id: str, request: Request, user: CurrentUser, db: DbSession
    ) -> StreamingResponse:
        """Server-sent events: the job's JSON each time it changes; ends when the job ends.

        A live job's stream also carries its partial transcript as it grows: an event
        ``partial`` with the new pieces (as in GET /jobs/{id}/partial) for each chunk.
        """
        job_repo.get_job_for_council(db, user.council_id, job_id)
        db.close()  # end the request's transaction: the stream polls with its own sessions
        database: Database = request.app.state.db
        poll_s: float = request.app.state.events_poll_s
        storage_root: Path = request.app.state.storage_path
        stream = _events(database, storage_root, user.council_id, job_id, poll_s, request)
        return event_response(stream, request, user.id)

    @api.delete("/jobs/{job_id}", response_model=JobPublic)
    def cancel_job(job_id: str, user: Manager, db: DbSession, queue: Queue) -> JobPublic:
        """Cancel a queued or running job (409 when it already ended)."""
        job = job_repo.get_job_for_council(db, user.council_id, job_id)
        job_repo.cancel_job(job)
        repo.audit(db, user.council_id, user.id, "job.cancel", "job", job.id)
        db.commit()
        try:
            queue.cancel(job.id)
        except Exception:  # the row says cancelled: workers stop at their next check
            log.exception("job %s: the queue could not revoke its tasks", job.id)
        return job_public(db, job)

    @api.post(
        "/jobs/{job_id}/retry", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED
    )
    def retry_job(job_id: str, user: Manager, db: DbSession, queue: Queue) -> JobPublic:
        """Resume a failed or cancelled job from its unfinished steps."""
        job = job_repo.get_job_for_council(db, user.council_id, job_id)
        job_repo.retry_job(job)
        repo.audit(
            db, user.council_id, user.id, "job.retry", "job", job.id, {"attempt": job.attempts}
        )
        db.commit()
        try:
            queue.retry(job.id)
        except Exception as e:
            log.exception("job %s: the queue refused its retry", job.id)
            job_repo.set_job_state(job, "failed", error=QUEUE_FAILED)
            db.commit()
            raise ServiceUnavailableError(
                f"El proceso {job.id} no se pudo poner en cola: el servicio de colas no responde.",
                "Reinténtelo más tarde.",
            ) from e
        return job_public(db, job)

    @api.get(
        "/jobs/{job_id}/outputs/{kind}",
        response_class=StoredFileResponse,
        responses={206: {"description": "Part of the file (Range request)"}},
    )
    def get_output(
        job_id: str, kind: OutputKind, request: Request, user: CurrentUser, db: DbSession
    ) -> FileResponse:
        """An output file; the proxy video answers Range requests (206) so players can seek."""
        output = job_repo.get_output_for_council(db, user.council_id, job_id, kind)
        if output is None:
            job = job_repo.get_job_for_council(db, user.council_id, job_id)
            raise NotFoundError(
                f"El proceso {job.id} no tiene resultado {kind} (estado: {state_name(job.state)}).",
                "Espere a que termine o reinténtelo.",
            )
        path, found = stored_file(request.app.state.storage_path, output.storage_key)
        stem = _file_stem(db, job_id)
        db.close()  # no transaction held open while the file is sent
        media_type, ext = MEDIA_TYPES[kind]
        return StoredFileResponse(
            path,
            media_type=media_type,
            filename=f"{stem}.{ext}",
            stat_result=found,
            content_disposition_type="inline" if kind == "proxy" else "attachment",
        )

    return api


def _file_stem(db: Any, job_id: str) -> str:
    """A download's name: its session's slug ("2026-11-24-ordinaria.docx"), else the job's id."""
    job = db.get(Job, job_id)
    plenary = db.get(PlenarySession, job.session_id) if job and job.session_id else None
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", plenary.slug if plenary else "").strip("-.")
    return stem or job_id


def live_chunks(storage_root: Path, job_id: str) -> list[dict[str, Any]]:
    """The chunks of a live job's partial transcript written so far, in order."""
    from plenaria.live.partial import partial_key
    from plenaria.storage import LocalStorage

    found = LocalStorage(storage_root).read_json(partial_key(job_id)) or {}
    return sorted(found.get("chunks", []), key=lambda c: int(c["index"]))


def _snapshot(
    database: Database, storage_root: Path, council_id: str, job_id: str
) -> tuple[str, bool, list[dict[str, Any]]]:
    with database.session() as db:
        job = job_repo.get_job_for_council(db, council_id, job_id)
        data, final, live = (
            job_public(db, job).model_dump_json(),
            job.state in JOB_FINAL_STATES,
            job.live is not None,
        )
    return data, final, live_chunks(storage_root, job_id) if live else []


def _events(
    database: Database,
    storage_root: Path,
    council_id: str,
    job_id: str,
    poll_s: float,
    request: Request,
) -> AsyncIterator[str]:
    from plenaria.live.partial import pieces

    last = ""
    sent = 0  # chunks of a live job's partial transcript sent

    def poll() -> tuple[list[str], bool]:
        nonlocal last, sent
        data, final, chunks = _snapshot(database, storage_root, council_id, job_id)
        events = []
        if len(chunks) > sent:
            new = json.dumps({"pieces": pieces(chunks[sent:])}, ensure_ascii=False)
            events.append(event("partial", new))
            sent = len(chunks)
        if data != last:
            events.append(event("job", data))
            last = data
        return events, final

    return polled_events(poll, poll_s, request)
