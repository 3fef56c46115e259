"""Transcript versions: the machine's first, then each editor's save, numbered 1, 2, ...

A save names the version it was edited from (``parent_number``); if someone
saved in between, the save is refused (ConflictError) instead of silently
overwriting their work.

Autosaves collapse: a save by the author of the latest version, on that
version, within ``collapse_window_s`` of it, takes its place (the new version
has the next number and the replaced one's parent; the replaced one is
deleted), so the history holds one version per clerk per few minutes. The
number still moves on, so a colleague who loaded the replaced version gets a
conflict, never a silent overwrite.

An editor's save never makes an empty version: content equal to the latest
version's (a restore of the same text, a save with nothing changed) stores
nothing and answers the latest version (``skip_unchanged``); an autosave that
would collapse into a version equal to its parent (a merge, then its undo) is
kept as a version of its own, after the one it undoes, instead of replacing it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from plenaria.db.base import utcnow
from plenaria.db.models import PlenarySession, Publication, TranscriptVersion, User
from plenaria.db.version_store import SNAPSHOT_EVERY, stored_form
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
    collapse_window_s: float = 0.0,
    skip_unchanged: bool = False,
    snapshot_every: int = SNAPSHOT_EVERY,
    latest_content: dict[str, Any] | None = None,
) -> TranscriptVersion:
    """Store a new version of ``plenary``'s transcript; ``author`` None: the machine.

    ``parent_number`` must be the latest version's number (None when there is
    none yet); anything else is a stale edit and raises ConflictError. With
    ``collapse_window_s`` > 0, the author's own latest version saved less than
    that many seconds ago is replaced (see the module's docstring). With
    ``skip_unchanged``, content equal to the latest version's is not stored: the
    answer is the latest version (an acta's correction stores it on purpose).
    The version is stored as its changes against its parent, or whole
    (:func:`plenaria.db.version_store.stored_form`, ``snapshot_every``);
    ``latest_content``: the latest version's content when the caller has it at hand
    (the API's cache), so that it is not read again.
    """
    latest = latest_number(session, plenary.id)
    if parent_number != latest:
        raise ConflictError(
            f"La versión {parent_number} no es la última de esta sesión (la última: {latest}).",
            "Recargue la transcripción, vuelva a aplicar sus cambios y guarde otra vez.",
        )
    replaced = None
    collapsing = author is not None and collapse_window_s > 0
    current = _head(session, plenary.id, latest) if latest is not None else None
    if current is not None and latest_content is not None:
        current.__dict__.setdefault("_content", latest_content)
    needed = current is not None and (author is not None or skip_unchanged)  # a machine's: whole
    parent_content = current.content if current is not None and needed else None
    if current is not None and (skip_unchanged or collapsing):
        if skip_unchanged and parent_content == content:
            return current
        if collapsing and author is not None:
            replaced = _collapsible(session, plenary, author, current, collapse_window_s)
        base = replaced.parent_number if replaced is not None else None
        base_content = get_version(session, plenary, base).content if base is not None else None
        if base is not None and base_content == content:
            replaced = None  # an undo back to the parent: a version of its own
        elif replaced is not None:  # stored against its own parent
            parent_content = base_content
    parent = replaced.parent_number if replaced is not None else parent_number
    snapshot, changes = stored_form(
        session, plenary.id, parent, parent_content, content, author is None, snapshot_every
    )
    version = TranscriptVersion(
        council_id=plenary.council_id,
        session_id=plenary.id,
        job_id=job_id,
        number=(latest or 0) + 1,
        author_id=author.id if author is not None else None,
        parent_number=parent,
        snapshot=snapshot,
        delta=changes,
    )
    version.__dict__["_content"] = content  # what it rebuilds to, without reading it back
    if replaced is not None:  # the window runs from the first save of the run
        version.created_at = replaced.created_at
    try:
        with session.begin_nested():
            if replaced is not None:
                session.delete(replaced)
                session.flush()
            session.add(version)
            session.flush()
    except IntegrityError as e:  # another save took this number between our read and write
        raise ConflictError(
            "Otra persona guardó la transcripción de esta sesión a la vez.",
            "Recargue la transcripción, vuelva a aplicar sus cambios y guarde otra vez.",
        ) from e
    return version


def collapses(
    latest_author_id: str | None,
    latest_age_s: float,
    author_id: str,
    window_s: float,
    published: bool,
) -> bool:
    """Whether a save by ``author_id`` replaces the latest version instead of adding one:
    the same author, saved less than ``window_s`` ago, not the machine's, not published."""
    return (
        window_s > 0
        and latest_author_id is not None
        and latest_author_id == author_id
        and 0 <= latest_age_s < window_s
        and not published
    )


def _collapsible(
    session: Session,
    plenary: PlenarySession,
    author: User,
    row: TranscriptVersion,
    window_s: float,
) -> TranscriptVersion | None:
    latest = row.number
    published = session.scalar(
        select(func.count())
        .select_from(Publication)
        .where(Publication.session_id == plenary.id, Publication.version_number == latest)
    )
    age_s = (utcnow() - row.created_at).total_seconds()
    if collapses(row.author_id, age_s, author.id, window_s, bool(published)):
        return row
    return None


def _head(session: Session, session_id: str, number: int) -> TranscriptVersion | None:
    """Version ``number``, its stored content read only when asked for."""
    query = (
        select(TranscriptVersion)
        .options(defer(TranscriptVersion.snapshot), defer(TranscriptVersion.delta))
        .where(TranscriptVersion.session_id == session_id, TranscriptVersion.number == number)
    )
    return session.scalar(query)


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
