"""A session's transcript versions as the editor's API answers them, and a save.

Shared by the editor's routes (:mod:`plenaria.api.routes.transcripts`) and the
history's (:mod:`plenaria.api.routes.transcript_history`): a version's public
heading, the versions without their content, the 409 that names who saved in
between, plain JSON without the model round trip, and :func:`save_edit`, which
stores an edit with its audit entry and what it teaches the voice profiles.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Response, status
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from plenaria.api import voice_learning
from plenaria.api.schemas_transcripts import TranscriptPublic, VersionPublic
from plenaria.api.transcript_events import author_name
from plenaria.db import accounts as repo
from plenaria.db.models import PlenarySession, TranscriptVersion, User
from plenaria.db.transcripts import save_version
from plenaria.errors import ConflictError


def _author(db: Session, version: TranscriptVersion) -> str | None:
    if version.author_id is None:
        return None
    user = db.get(User, version.author_id)
    return user.email if user is not None else "?"


def version_public(db: Session, v: TranscriptVersion) -> VersionPublic:
    return VersionPublic(
        number=v.number,
        parent=v.parent_number,
        author=_author(db, v),
        job_id=v.job_id,
        created_at=v.created_at,
    )


def heads(db: Session, plenary: PlenarySession) -> list[TranscriptVersion]:
    """The session's versions, oldest first, without their (large) content."""
    query = (
        select(TranscriptVersion)
        .options(defer(TranscriptVersion.snapshot), defer(TranscriptVersion.delta))
        .where(TranscriptVersion.session_id == plenary.id)
        .order_by(TranscriptVersion.number)
    )
    return list(db.scalars(query))


def source_job(versions: list[TranscriptVersion]) -> str | None:
    jobs = [v.job_id for v in versions if v.job_id]
    return jobs[-1] if jobs else None


def transcript_public(db: Session, plenary: PlenarySession, v: TranscriptVersion) -> Any:
    base = version_public(db, v).model_dump()
    return TranscriptPublic(
        **base,
        session_id=plenary.id,
        source_job_id=source_job(heads(db, plenary)),
        transcript=v.content,
    )


def conflict(db: Session, plenary: PlenarySession, parent: int | None) -> JSONResponse:
    versions = heads(db, plenary)
    if not versions:  # a parent named where there is no version yet
        return JSONResponse(
            {
                "detail": (
                    f"La sesión {plenary.id} aún no tiene ninguna versión de la transcripción, "
                    f"así que no puede partir de la versión {parent}. Guarde sin versión de "
                    "partida (parent null) para crear la primera."
                ),
                "latest": None,
                "author": None,
                "saved_at": None,
            },
            status_code=status.HTTP_409_CONFLICT,
        )
    latest = versions[-1]
    author = author_name(db, latest.author_id)
    return JSONResponse(
        {
            "detail": (
                f"La versión {parent} ya no es la última: {author} guardó la versión "
                f"{latest.number} mientras tanto. Sus cambios no se han guardado; "
                "únalos a la última versión y guarde otra vez."
            ),
            "latest": latest.number,
            "author": author,
            "saved_at": latest.created_at.isoformat(),
        },
        status_code=status.HTTP_409_CONFLICT,
    )


def fast_json(value: Any, status_code: int = 200) -> Response:
    """JSON of plain data, without FastAPI's model round trip (40,000 words: milliseconds)."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return Response(body, status_code=status_code, media_type="application/json")


def save_edit(
    db: Any,
    plenary: Any,
    user: Any,
    content: dict[str, Any],
    parent: int | None,
    changed: Any,
    settings: Any,
    latest_content: dict[str, Any] | None = None,
    audit: tuple[str, dict[str, Any]] | None = None,
) -> Any:
    """Store a new version (or replace the user's own recent one: ``autosave_window_s``) and
    its audit entry (``audit``: its action and details; else a save's), committed; the
    parent itself when nothing changed; None when a newer one won. The voices it names
    anew teach the persons' voice profiles (:mod:`plenaria.api.voice_learning`)."""
    people = voice_learning.people_before(db, plenary, parent, latest_content)
    try:
        version = save_version(
            db,
            plenary,
            user,
            content,
            parent,
            collapse_window_s=settings.autosave_window_s,
            skip_unchanged=True,
            snapshot_every=settings.transcript_snapshot_every,
            latest_content=latest_content,
        )
    except ConflictError:
        db.rollback()
        return None
    if version.number == parent:  # nothing changed: no empty version
        return version
    voice_learning.learn(db, settings.storage_path, plenary, user, people, content)
    action, details = audit or ("transcript.save", {"realigned": sorted(changed)})
    repo.audit(
        db,
        user.council_id,
        user.id,
        action,
        "session",
        plenary.id,
        {"number": version.number, **details},
    )
    db.commit()
    return version
