"""The citizens' portal's rows: publications, redactions, and the search index.

:func:`search` is one function with two implementations, chosen by the
engine's dialect: SQLite FTS5 (``plenaria serve``) and PostgreSQL full-text
search (``to_tsvector('spanish', ...)`` for Spanish, ``'simple'`` for
Catalan, which PostgreSQL has no dictionary for), over the vectors stored in
``public_segments.fts_vector``. Only segments of sessions
that are published now are found, and only those of the council asked about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from plenaria.assembly.redaction import SearchPiece
from plenaria.db.base import utcnow
from plenaria.db.models import PlenarySession, Publication, PublicSegment, Redaction, User
from plenaria.db.scoped import get_owned
from plenaria.domain import Segment
from plenaria.errors import NotFoundError

SEARCH_LIMIT = 30
RANK_CANDIDATES = 1000  # PostgreSQL: matches ranked at most (see _search_postgresql)
_TOKEN = re.compile(r"\w+", re.UNICODE)


# Redactions


def list_redactions(db: Session, plenary: PlenarySession) -> list[Redaction]:
    query = select(Redaction).where(Redaction.session_id == plenary.id)
    return list(db.scalars(query.order_by(Redaction.start, Redaction.id)))


def redaction_intervals(db: Session, plenary: PlenarySession) -> list[Segment]:
    return [Segment(r.start, r.end) for r in list_redactions(db, plenary)]


def add_redaction(
    db: Session, plenary: PlenarySession, start: float, end: float, reason: str, user: User
) -> Redaction:
    row = Redaction(
        council_id=plenary.council_id,
        session_id=plenary.id,
        start=start,
        end=end,
        reason=reason,
        created_by=user.id,
    )
    db.add(row)
    db.flush()
    return row


def get_redaction(db: Session, plenary: PlenarySession, redaction_id: str) -> Redaction:
    row = get_owned(db, Redaction, plenary.council_id, redaction_id, "redaction")
    if row.session_id != plenary.id:
        raise NotFoundError(f"La sesión {plenary.id} no tiene la censura {redaction_id}.")
    return row


# Publications


def get_publication(db: Session, plenary: PlenarySession) -> Publication | None:
    return db.scalar(select(Publication).where(Publication.session_id == plenary.id))


def live_publication(db: Session, plenary: PlenarySession) -> Publication | None:
    """The session's publication when it is public now (not withdrawn)."""
    row = get_publication(db, plenary)
    return row if row is not None and row.withdrawn_at is None else None


def save_publication(
    db: Session,
    plenary: PlenarySession,
    user: User,
    version_number: int,
    job_id: str | None,
    video_key: str,
    language: str,
) -> Publication:
    """Publish (or publish again) ``plenary`` at transcript version ``version_number``."""
    row = get_publication(db, plenary)
    if row is None:
        row = Publication(council_id=plenary.council_id, session_id=plenary.id)
        db.add(row)
    row.version_number = version_number
    row.job_id = job_id
    row.video_key = video_key
    row.language = language
    row.published_by = user.id
    row.published_at = utcnow()
    row.withdrawn_at = None
    db.flush()
    return row


def withdraw(db: Session, plenary: PlenarySession) -> Publication | None:
    """Take the session off the portal and out of the search index; None: it was not public."""
    row = live_publication(db, plenary)
    if row is not None:
        row.withdrawn_at = utcnow()
    clear_index(db, plenary)
    db.flush()
    return row


def published_sessions(db: Session, council_id: str) -> list[tuple[PlenarySession, Publication]]:
    """The council's public sessions, newest first."""
    query = (
        select(PlenarySession, Publication)
        .join(Publication, Publication.session_id == PlenarySession.id)
        .where(Publication.council_id == council_id, Publication.withdrawn_at.is_(None))
        .order_by(PlenarySession.date.desc(), Publication.published_at.desc())
    )
    return [(s, p) for s, p in db.execute(query)]


# The search index


def clear_index(db: Session, plenary: PlenarySession) -> None:
    db.execute(delete(PublicSegment).where(PublicSegment.session_id == plenary.id))


def replace_index(db: Session, plenary: PlenarySession, pieces: Sequence[SearchPiece]) -> int:
    """The session's indexed segments become ``pieces`` (give only redacted text)."""
    clear_index(db, plenary)
    db.add_all(
        PublicSegment(
            council_id=plenary.council_id,
            session_id=plenary.id,
            start=p.start,
            speaker=p.speaker[:200],
            language=p.language[:8] or "es",
            text=p.text,
        )
        for p in pieces
    )
    db.flush()
    return len(pieces)


@dataclass(frozen=True, slots=True)
class Hit:
    session_id: str
    start: float
    speaker: str
    text: str


def query_terms(query: str) -> list[str]:
    """The words of a visitor's query (punctuation and operators dropped), at most 12."""
    return _TOKEN.findall(query)[:12]


def search(db: Session, council_id: str, query: str, limit: int = SEARCH_LIMIT) -> list[Hit]:
    """Segments of the council's published sessions that contain every word of ``query``."""
    terms = query_terms(query)
    if not terms:
        return []
    if db.get_bind().dialect.name == "sqlite":
        rows = _search_sqlite(db, council_id, terms, limit)
    else:
        rows = _search_postgresql(db, council_id, terms, limit)
    return [Hit(str(r[0]), float(r[1]), str(r[2]), str(r[3])) for r in rows]


_PUBLISHED = (
    "JOIN publications p ON p.session_id = s.session_id AND p.withdrawn_at IS NULL "
    "AND p.council_id = s.council_id"
)


def _search_sqlite(db: Session, council_id: str, terms: list[str], limit: int) -> list[Any]:
    match = " ".join('"' + t.replace('"', "") + '"' for t in terms)
    sql = text(
        "SELECT s.session_id, s.start, s.speaker, s.text FROM public_segments_fts f "
        "JOIN public_segments s ON s.rowid = f.rowid "
        f"{_PUBLISHED} "
        "WHERE public_segments_fts MATCH :match AND s.council_id = :council "
        "ORDER BY f.rank, s.start LIMIT :limit"
    )
    return list(db.execute(sql, {"match": match, "council": council_id, "limit": limit}))


def _search_postgresql(db: Session, council_id: str, terms: list[str], limit: int) -> list[Any]:
    """Matches found by the GIN index on the stored ``fts_vector`` (migration 0012); the
    first ``RANK_CANDIDATES`` of them are ranked, so a word said everywhere costs no more
    than a rarer one (the pieces are about 20 words: ts_rank hardly tells them apart)."""
    words = " ".join(terms)
    sql = text(
        "WITH found AS (SELECT s.session_id, s.start, s.speaker, s.text, s.language, "
        "s.fts_vector FROM public_segments s "
        f"{_PUBLISHED} "
        "WHERE s.council_id = :council AND ("
        "(s.language = 'es' AND s.fts_vector @@ plainto_tsquery('spanish', :q)) OR "
        "(s.language <> 'es' AND s.fts_vector @@ plainto_tsquery('simple', :q))) "
        "LIMIT :candidates) "
        "SELECT session_id, start, speaker, text FROM found ORDER BY ts_rank(fts_vector, "
        "CASE WHEN language = 'es' THEN plainto_tsquery('spanish', :q) "
        "ELSE plainto_tsquery('simple', :q) END) DESC, start LIMIT :limit"
    )
    values = {"q": words, "council": council_id, "limit": limit, "candidates": RANK_CANDIDATES}
    return list(db.execute(sql, values))
