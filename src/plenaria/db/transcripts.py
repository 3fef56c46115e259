"""Transcript versions: the machine's first, then each editor's save, numbered 1, 2, ...

A save names the version it was edited from (``parent_number``); if someone
saved in between, the save is refused (ConflictError) instead of silently
overwriting their work.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plenaria.db.models import PlenarySession, TranscriptVersion, User
from plenaria.errors import ConflictError, NotFoundError


def latest_number(session: Session, session_id: str) -> int | None:
    query = select(func.max(TranscriptVersion.number)).where(
        TranscriptVersion.session_id == session_id
    )
    value = session.scalar(query)
    return int(value) if value is not None else None


def save_version(
    session: Session,
    plenary: PlenarySession,
    author: User | None,
    content: dict[str, Any],
    parent_number: int | None,
    job_id: str | None = None,
) -> TranscriptVersion:
    """Store a new version of ``plenary``'s transcript; ``author`` None: the machine.

    ``parent_number`` must be the latest version's number (None when there is
    none yet); anything else is a stale edit and raises ConflictError.
    """
    latest = latest_number(session, plenary.id)
    if parent_number != latest:
        raise ConflictError(
            f"La versión {parent_number} no es la última de esta sesión (la última: {latest}).",
            "Recargue la transcripción, vuelva a aplicar sus cambios y guarde otra vez.",
        )
    version = TranscriptVersion(
        council_id=plenary.council_id,
        session_id=plenary.id,
        job_id=job_id,
        number=(latest or 0) + 1,
        author_id=author.id if author is not None else None,
        parent_number=parent_number,
        content=content,
    )
    try:
        with session.begin_nested():
            session.add(version)
            session.flush()
    except IntegrityError as e:  # another save took this number between our read and write
        raise ConflictError(
            "Otra persona guardó la transcripción de esta sesión a la vez.",
            "Recargue la transcripción, vuelva a aplicar sus cambios y guarde otra vez.",
        ) from e
    return version


def get_version(
    session: Session, plenary: PlenarySession, number: int | None = None
) -> TranscriptVersion:
    """Version ``number`` of the session's transcript, or the latest one."""
    if number is None:
        number = latest_number(session, plenary.id)
    row = None
    if number is not None:
        row = session.scalar(
            select(TranscriptVersion).where(
                TranscriptVersion.session_id == plenary.id, TranscriptVersion.number == number
            )
        )
    if row is None:
        raise NotFoundError(
            f"La sesión {plenary.id} no tiene la versión {number} de la transcripción.",
            "Mire el historial de versiones.",
        )
    return row


def list_versions(session: Session, plenary: PlenarySession) -> list[TranscriptVersion]:
    query = select(TranscriptVersion).where(TranscriptVersion.session_id == plenary.id)
    return list(session.scalars(query.order_by(TranscriptVersion.number)))
