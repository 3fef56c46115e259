"""Who has a transcript open: rows per stream, shared by every API process, stale ones swept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from plenaria.db import accounts, civic, presence
from plenaria.db.base import utcnow
from plenaria.db.engine import Database
from plenaria.db.models import TranscriptPresence


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    yield db
    db.dispose()


def test_presence_lists_fresh_streams_once_per_user(database: Database) -> None:
    with database.transaction() as s:
        council = accounts.create_council(s, "villa", "Villa")
        s.flush()
        ana = accounts.create_user(s, council, "ana@villa.es", "password1234", "clerk")
        luis = accounts.create_user(s, council, "luis@villa.es", "password1234", "secretary")
        plenary = civic.create_plenary_session(s, council.id, {"slug": "pleno"})
        other = civic.create_plenary_session(s, council.id, {"slug": "otro"})
        ids = (council.id, plenary.id, ana.id, luis.id, other.id)
    cid, sid, ana_id, luis_id, other_id = ids
    with database.transaction() as s:  # Ana in two tabs, Luis in one, Ana on another session
        tab1 = presence.enter(s, cid, sid, ana_id)
        presence.enter(s, cid, sid, ana_id)
        luis_tab = presence.enter(s, cid, sid, luis_id)
        presence.enter(s, cid, other_id, ana_id)
    with database.session() as s:
        assert [p.to_dict() for p in presence.present(s, sid)] == [
            {"id": ana_id, "name": "ana@villa.es", "role": "clerk"},
            {"id": luis_id, "name": "luis@villa.es", "role": "secretary"},
        ]
    # Luis's process died 30 s ago: his row is ignored, then swept by Ana's heartbeat.
    with database.transaction() as s:
        old = utcnow() - timedelta(seconds=30)
        s.execute(
            update(TranscriptPresence).where(TranscriptPresence.id == luis_tab).values(seen_at=old)
        )
    with database.session() as s:
        assert [p.id for p in presence.present(s, sid)] == [ana_id]
    with database.transaction() as s:
        presence.heartbeat(s, tab1, cid, sid, ana_id)
    with database.session() as s:
        assert s.get(TranscriptPresence, luis_tab) is None
        assert s.scalar(select(func.count()).select_from(TranscriptPresence)) == 3
    # A stream swept while it was slow comes back at its next heartbeat; one that leaves goes.
    with database.transaction() as s:
        presence.leave(s, tab1)
        presence.heartbeat(s, tab1, cid, sid, ana_id)
    with database.transaction() as s:
        assert s.get(TranscriptPresence, tab1) is not None
        presence.leave(s, tab1)
    with database.session() as s:
        assert s.get(TranscriptPresence, tab1) is None
        assert [p.id for p in presence.present(s, sid)] == [ana_id]  # her other tab
