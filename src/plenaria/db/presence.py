"""Who has a session's transcript open: one row per open editor stream.

The rows live in the database so that every API process sees the streams of
the others. A stream enters (a row with its own id), refreshes ``seen_at``
every few seconds (:func:`heartbeat`) and leaves (its row deleted) when it
ends. A process that dies leaves its rows behind: a row older than
``stale_s`` is ignored and swept by the next heartbeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from plenaria.db.base import new_id, utcnow
from plenaria.db.models import TranscriptPresence, User

STALE_S = 20.0


@dataclass(frozen=True)
class Present:
    """A user with the transcript open (``name``: how the app shows them)."""

    id: str
    name: str
    role: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "role": self.role}


def enter(db: Session, council_id: str, session_id: str, user_id: str) -> str:
    """A row for a new stream; its id names the connection."""
    row = TranscriptPresence(
        id=new_id(), council_id=council_id, session_id=session_id, user_id=user_id
    )
    db.add(row)
    db.flush()
    return row.id


def heartbeat(
    db: Session,
    connection_id: str,
    council_id: str,
    session_id: str,
    user_id: str,
    stale_s: float = STALE_S,
) -> None:
    """The stream is still open: refresh its row (again if it was swept), sweep stale rows."""
    now = utcnow()
    done = db.execute(
        update(TranscriptPresence).where(TranscriptPresence.id == connection_id).values(seen_at=now)
    )
    if not getattr(done, "rowcount", 0):  # swept while this process was too slow
        db.add(
            TranscriptPresence(
                id=connection_id,
                council_id=council_id,
                session_id=session_id,
                user_id=user_id,
                seen_at=now,
            )
        )
    db.execute(
        delete(TranscriptPresence).where(
            TranscriptPresence.seen_at < now - timedelta(seconds=stale_s)
        )
    )
    db.flush()


def leave(db: Session, connection_id: str) -> None:
    db.execute(delete(TranscriptPresence).where(TranscriptPresence.id == connection_id))
    db.flush()


def present(db: Session, session_id: str, stale_s: float = STALE_S) -> list[Present]:
    """Everyone with a fresh stream on the session, once each, by name."""
    since = utcnow() - timedelta(seconds=stale_s)
    rows = db.execute(
        select(User.id, User.email, User.role)
        .join(TranscriptPresence, TranscriptPresence.user_id == User.id)
        .where(TranscriptPresence.session_id == session_id, TranscriptPresence.seen_at >= since)
        .order_by(User.email)
    )
    seen: dict[str, Present] = {}
    for user_id, email, role in rows:
        seen.setdefault(user_id, Present(user_id, email, role))
    return list(seen.values())
