"""Live sessions: start one (pull a stream, or receive an RTMP push), stop it, read its text.

A live session is a job: its ``record`` step runs on a ``live`` worker for the
whole session (:mod:`plenaria.workers.live`); everything else about it (state,
progress, events, outputs, cancel, retry) is the jobs API's.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response, status
from pydantic import ValidationError

from plenaria.api.deps import CurrentUser, DbSession, Manager, Queue
from plenaria.api.errors import describe_validation
from plenaria.api.routes.jobs import (
    job_options,
    job_public,
    live_chunks,
    plenary_session_id,
    submit,
)
from plenaria.api.schemas_jobs import JobPublic, LiveCreate, LivePartial
from plenaria.config import Settings
from plenaria.db import accounts as repo
from plenaria.db import jobs as job_repo
from plenaria.db.job_spec import freeze_spec
from plenaria.db.models import JOB_FINAL_STATES
from plenaria.errors import ConflictError, InputError, NotFoundError

RTMP_APP = "live"


def _live_options(raw: dict[str, Any]) -> dict[str, Any]:
    from plenaria.live.segmenter import LiveOptions

    try:
        return LiveOptions.model_validate(raw).model_dump(mode="json")
    except ValidationError as e:
        raise InputError(
            f"Opciones del directo no válidas: {describe_validation(e.errors())}."
        ) from e


def _source(
    body: LiveCreate, db: Any, settings: Settings, api_host: str
) -> tuple[dict[str, Any], str]:
    """What the recorder reads (the URL to pull, or the push address and the key's digest),
    and the push session's secret key, said once in the answer and stored nowhere."""
    from plenaria.live.pull_guard import AllowedHosts, check_pull_url
    from plenaria.live.rtmp_gate import hash_key

    if (body.url is None) == (not body.push):
        raise InputError("Indique url (una emisión que leer) o push: true, no las dos cosas.")
    if body.url is not None:
        url = check_pull_url(body.url, AllowedHosts.parse(settings.live_allowed_hosts))
        return {"mode": "pull", "url": url}, ""
    used = job_repo.live_push_ports_in_use(db)
    free = [p for p in settings.rtmp_ports if p not in used]
    if not free:
        raise ConflictError(
            f"Los {len(settings.rtmp_ports)} puertos RTMP de envío están ocupados "
            "por otros directos.",
            "Termine uno, o amplíe PLENARIA_LIVE_RTMP_PORTS.",
        )
    host = settings.live_rtmp_public_host or settings.live_rtmp_host
    if host in ("0.0.0.0", "::"):  # every interface: the encoder reaches the API's host
        host = api_host
    key = secrets.token_urlsafe(24)
    source = {
        "mode": "push",
        "port": free[0],
        "key_sha256": hash_key(key),
        "push_url": f"rtmp://{host}:{free[0]}/{RTMP_APP}",
    }
    return source, key


def router() -> APIRouter:
    api = APIRouter(tags=["live"])

    @api.post("/live", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED)
    def start_live(
        body: LiveCreate,
        user: Manager,
        db: DbSession,
        queue: Queue,
        request: Request,
        response: Response,
    ) -> JobPublic:
        """Record and transcribe a live session; a push session's answer holds its secret key."""
        from plenaria.live.partial import live_keys

        settings: Settings = request.app.state.settings
        options = job_options(body.options)
        live = _live_options(body.live)
        source, key = _source(body, db, settings, request.url.hostname or "127.0.0.1")
        session_id = plenary_session_id(db, user.council_id, body.session, body.session_id)
        name = body.name or datetime.now(UTC).strftime("live-%Y%m%d-%H%M%S")
        recording = job_repo.create_recording(db, user.council_id, "", f"{name}.ts", 0, "")
        job = job_repo.create_job(db, user.council_id, recording.id, options, session_id, user.id)
        recording.storage_key = live_keys(job.id)["original"]
        job.live = {**source, **live, "stop": False}
        freeze_spec(db, job, settings)
        repo.audit(
            db, user.council_id, user.id, "live.create", "job", job.id, {"mode": source["mode"]}
        )
        db.commit()
        submit(db, queue, job)
        response.headers["Location"] = f"/api/v1/jobs/{job.id}"
        public = job_public(db, job)
        if public.live is not None and key:
            secret = {"stream_key": key, "publish_url": f"{source['push_url']}/{key}"}
            public = public.model_copy(update={"live": public.live.model_copy(update=secret)})
        return public

    @api.post("/live/{job_id}/stop", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED)
    def stop_live(job_id: str, user: Manager, db: DbSession) -> JobPublic:
        """End the session now: what was recorded is finished (diarization, acta, outputs)."""
        job = job_repo.get_job_for_council(db, user.council_id, job_id)
        job_repo.request_live_stop(job)
        repo.audit(db, user.council_id, user.id, "live.stop", "job", job.id)
        db.commit()
        return job_public(db, job)

    @api.get("/jobs/{job_id}/partial", response_model=LivePartial)
    def partial(job_id: str, user: CurrentUser, db: DbSession, request: Request) -> LivePartial:
        """A live job's transcript so far: one piece per line, provisional speakers."""
        from plenaria.live.partial import pieces

        job = job_repo.get_job_for_council(db, user.council_id, job_id)
        if job.live is None:
            raise NotFoundError(
                f"El trabajo {job.id} no es un directo.", "Su transcripción está en sus resultados."
            )
        step = job_repo.get_step(db, job.id, "record")
        recording = job.state not in JOB_FINAL_STATES and (step is None or step.state != "done")
        db.close()
        chunks = live_chunks(request.app.state.storage_path, job_id)
        return LivePartial.model_validate(
            {
                "job_id": job_id,
                "recording": recording,
                "pieces": pieces(chunks),
                "chunks": chunks,
            }
        )

    return api
