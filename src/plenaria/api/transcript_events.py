"""The editor's live stream on a session's transcript: who has it open, what was saved.

``GET /sessions/{id}/transcript/events`` sends

- ``presence``: ``{"you": user id, "users": [{"id", "name", "role"}]}``, everyone
  with this stream open on the session (the requester too), at the start and
  whenever that set changes;
- ``saved``: ``{"number", "author", "author_id", "saved_at", "changed"}`` for each
  version saved after the stream started, ``changed`` being the ids of the
  interventions that differ from its parent's.

The stream ends when the client goes away or the session is deleted. Presence
lives in the database (:mod:`plenaria.db.presence`), so the streams
of every API process see each other. The loop is the job events' one
(:func:`plenaria.api.event_stream.polled_events`).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request

from plenaria.api.event_stream import event, polled_events
from plenaria.assembly.edits import changed_ids
from plenaria.db import presence
from plenaria.db.engine import Database
from plenaria.db.models import PlenarySession, TranscriptVersion, User
from plenaria.domain import Transcript
from plenaria.errors import NotFoundError

HEARTBEAT_S = 5.0
MACHINE = "la máquina"


def author_name(db: Session, author_id: str | None) -> str:
    """How the editor names a version's author: the user's email, or the machine."""
    if author_id is None:
        return MACHINE
    user = db.get(User, author_id)
    return user.email if user is not None else "?"


@dataclass
class _Stream:
    database: Database
    council_id: str
    session_id: str
    user_id: str
    last_number: int
    connection: str = ""
    beat_at: float = 0.0
    users: list[dict[str, str]] | None = None
    seen: dict[int, Transcript] = field(default_factory=dict)

    def poll(self) -> tuple[list[str], bool]:
        events: list[str] = []
        with self.database.session() as db:
            if db.get(PlenarySession, self.session_id) is None:  # deleted: the stream ends
                raise NotFoundError(f"La sesión {self.session_id} ya no existe.")
        if not self.connection or time.monotonic() - self.beat_at >= HEARTBEAT_S:
            with self.database.transaction() as db:
                if not self.connection:
                    self.connection = presence.enter(
                        db, self.council_id, self.session_id, self.user_id
                    )
                else:
                    presence.heartbeat(
                        db, self.connection, self.council_id, self.session_id, self.user_id
                    )
            self.beat_at = time.monotonic()
        with self.database.session() as db:
            users = [p.to_dict() for p in presence.present(db, self.session_id)]
            if users != self.users:
                self.users = users
                data = {"you": self.user_id, "users": users}
                events.append(event("presence", json.dumps(data, ensure_ascii=False)))
            events += [event("saved", data, str(n)) for n, data in self._saved(db)]
        return events, False

    def _saved(self, db: Session) -> list[tuple[int, str]]:
        rows = db.scalars(
            select(TranscriptVersion)
            .where(
                TranscriptVersion.session_id == self.session_id,
                TranscriptVersion.number > self.last_number,
            )
            .order_by(TranscriptVersion.number)
        )
        out = []
        for row in rows:
            after = Transcript.from_dict(row.content)
            before = self._version(db, row.parent_number)
            data: dict[str, Any] = {
                "number": row.number,
                "author": author_name(db, row.author_id),
                "author_id": row.author_id,
                "saved_at": row.created_at.isoformat().replace("+00:00", "Z"),  # as the API
                "changed": list(changed_ids(before, after)),
            }
            out.append((row.number, json.dumps(data, ensure_ascii=False)))
            self.seen = {row.number: after}  # the next one's parent, most often
            self.last_number = row.number
        return out

    def _version(self, db: Session, number: int | None) -> Transcript | None:
        if number is None:
            return None
        if number in self.seen:
            return self.seen[number]
        row = db.scalar(
            select(TranscriptVersion).where(
                TranscriptVersion.session_id == self.session_id,
                TranscriptVersion.number == number,
            )
        )
        return Transcript.from_dict(row.content) if row is not None else None

    def close(self) -> None:
        if self.connection:
            with self.database.transaction() as db:
                presence.leave(db, self.connection)


def transcript_events(
    database: Database,
    council_id: str,
    session_id: str,
    user_id: str,
    since: int,
    poll_s: float,
    request: Request,
) -> AsyncIterator[str]:
    """The stream of one editor (``since``: the latest version when it connected)."""
    stream = _Stream(database, council_id, session_id, user_id, since)
    return polled_events(stream.poll, poll_s, request, close=stream.close)
