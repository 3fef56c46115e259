"""Transcript versions stored as changes: every version reads back exactly as it was saved,
on SQLite and PostgreSQL, a one-word edit stores a few hundred bytes, and the migration
keeps the versions stored before it (and its downgrade those stored after it)."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import select
from sqlalchemy.orm import Session

from plenaria.db import accounts, civic, transcripts
from plenaria.db.engine import Database, make_engine
from plenaria.db.migrate import alembic_config, upgrade_engine
from plenaria.db.models import Council, TranscriptVersion
from plenaria.db.version_store import depth

K = 4  # a snapshot every K versions


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    yield db
    db.dispose()


def _transcript(n_items: int, words: int, rng: random.Random) -> dict[str, Any]:
    def item(n: int) -> dict[str, Any]:
        ws = [
            {"text": f"palabra{rng.randrange(900)}", "start": n + k / 10, "id": f"w{n}-{k}"}
            for k in range(words)
        ]
        return {"id": f"i{n:04d}", "speaker": f"S{n % 3}", "words": ws}

    return {
        "schema_version": "1.1",
        "session": {"date": "2024-05-30"},
        "speakers": [{"id": f"S{k}", "name": None} for k in range(3)],
        "interventions": [item(n) for n in range(n_items)],
        "acta": None,
        "warnings": [],
    }


def _edit(content: dict[str, Any], rng: random.Random, n: int) -> dict[str, Any]:
    """A new content: one random change of the kinds the editor makes (never in place)."""
    out = copy.deepcopy(content)
    items = out["interventions"]
    kind = rng.choice(["word", "word", "split", "remove", "move", "speakers", "acta", "key"])
    if kind == "word" or (kind in ("remove", "move") and len(items) < 3):
        words = rng.choice(items)["words"]
        rng.choice(words)["text"] = f"cambio{n}"
    elif kind == "split":
        at = rng.randrange(len(items))
        new = {"id": f"n{n}", "speaker": "S1", "words": items[at]["words"][1:]}
        items[at]["words"] = items[at]["words"][:1]
        items.insert(at + 1, new)
    elif kind == "remove":
        items.pop(rng.randrange(len(items)))
    elif kind == "move":
        items.insert(rng.randrange(len(items)), items.pop(rng.randrange(len(items))))
    elif kind == "speakers":
        rng.choice(out["speakers"])["name"] = f"Concejal {n}"
    elif kind == "acta":
        out["acta"] = {"items": [n]} if out["acta"] is None else None
    elif "extra" in out:
        del out["extra"]
    else:
        out = {"extra": n, **out}  # a new key, first: the key order changes too
    return out


def _plenary(s: Session) -> Any:
    council = accounts.create_council(s, "villa", "Villa")
    s.flush()
    return civic.create_plenary_session(s, council.id, {"date": "2024-05-30", "agenda": []})


def test_every_version_reads_back_as_saved(database: Database) -> None:
    rng = random.Random(17)
    with database.transaction() as s:
        plenary = _plenary(s)
        council = s.get(Council, plenary.council_id)
        assert council is not None
        ana = accounts.create_user(s, council, "ana@example.org", "password1234", "clerk")
        bea = accounts.create_user(s, council, "bea@example.org", "password1234", "clerk")
        content = _transcript(12, 6, rng)
        kept = {transcripts.save_version(s, plenary, None, content, None).number: content}
        for n in range(60):
            content = _edit(content, rng, n)
            author = rng.choice([ana, bea])  # the same clerk twice running: an autosave
            latest = transcripts.latest_number(s, plenary.id)
            window = 3600.0 if n % 3 else 0.0
            v = transcripts.save_version(
                s, plenary, author, content, latest, collapse_window_s=window, snapshot_every=K
            )
            kept[v.number] = content
        plenary_id = plenary.id
    with database.session() as s:
        rows = list(
            s.scalars(select(TranscriptVersion).where(TranscriptVersion.session_id == plenary_id))
        )
        assert len(rows) < 61, "some autosaves must have replaced the clerk's own version"
        assert sum(r.delta is not None for r in rows) > len(rows) // 2
        for row in rows:
            assert (row.snapshot is None) == (row.delta is not None)
            assert depth(s, plenary_id, row.number) < K
    for number in sorted({r.number for r in rows}, reverse=True):  # each in a fresh session
        with database.session() as s:
            plenary = civic.get_plenary_session_for_council(s, rows[0].council_id, plenary_id)
            got = transcripts.get_version(s, plenary, number).content
            assert got == kept[number]
            assert json.dumps(got) == json.dumps(kept[number]), "the key order too"


def test_a_one_word_edit_stores_its_intervention_only(database: Database) -> None:
    content = _transcript(200, 50, random.Random(3))  # 10,000 words
    edited = copy.deepcopy(content)
    edited["interventions"][150]["words"][7]["text"] = "medida"
    with database.transaction() as s:
        plenary = _plenary(s)
        council = s.get(Council, plenary.council_id)
        assert council is not None
        ana = accounts.create_user(s, council, "ana@example.org", "password1234", "clerk")
        transcripts.save_version(s, plenary, None, content, None)
        transcripts.save_version(s, plenary, ana, edited, 1)
        plenary_id = plenary.id
    with database.session() as s:
        query = select(TranscriptVersion.snapshot, TranscriptVersion.delta).where(
            TranscriptVersion.session_id == plenary_id
        )
        sizes = {
            "snapshot" if snap is not None else "delta": len(json.dumps(snap or delta))
            for snap, delta in s.execute(query.order_by(TranscriptVersion.number))
        }
    assert sizes["snapshot"] > 400_000
    assert sizes["delta"] < 4_000, sizes  # the one intervention of 50 words, whole


def test_an_autosave_that_replaces_a_version_is_stored_against_its_parent(
    database: Database,
) -> None:
    rng = random.Random(8)
    first = _transcript(20, 5, rng)
    second = _edit(first, rng, 1)
    third = copy.deepcopy(second)
    third["interventions"][3]["words"][0]["text"] = "medida"
    with database.transaction() as s:
        plenary = _plenary(s)
        council = s.get(Council, plenary.council_id)
        assert council is not None
        ana = accounts.create_user(s, council, "ana@example.org", "password1234", "clerk")
        transcripts.save_version(s, plenary, None, first, None)
        transcripts.save_version(s, plenary, ana, second, 1, collapse_window_s=300)
        v3 = transcripts.save_version(
            s, plenary, ana, third, 2, collapse_window_s=300, latest_content=second
        )
        assert (v3.number, v3.parent_number, v3.snapshot) == (3, 1, None)
        edited_id = third["interventions"][3]["id"]
        assert v3.delta is not None and edited_id in v3.delta["interventions"]
        plenary_id, council_id = plenary.id, plenary.council_id
    with database.session() as s:
        plenary = civic.get_plenary_session_for_council(s, council_id, plenary_id)
        assert [v.number for v in transcripts.list_versions(s, plenary)] == [1, 3]
        assert transcripts.get_version(s, plenary, 3).content == third


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    request.getfixturevalue("pg_empty_database")  # skips when PostgreSQL is not there
    from dbfixtures import create_pg_database, drop_pg_database

    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


def test_the_migration_keeps_versions_both_ways(fresh_url: str) -> None:
    engine = make_engine(fresh_url)
    upgrade_engine(engine, "0010")
    rng = random.Random(5)
    first = _transcript(5, 4, rng)
    second = _edit(first, rng, 1)
    old = sa.table(
        "transcript_versions",
        *(sa.column(c) for c in ("id", "council_id", "session_id", "number", "created_at")),
        sa.column("parent_number"),
        sa.column("content", sa.JSON()),
    )
    with Session(engine) as s:
        plenary = _plenary(s)
        s.flush()
        for number, content in ((1, first), (2, second)):
            s.execute(
                old.insert().values(
                    id=f"v{number}",
                    council_id=plenary.council_id,
                    session_id=plenary.id,
                    number=number,
                    created_at=plenary.created_at,
                    parent_number=number - 1 or None,
                    content=content,
                )
            )
        s.commit()
        plenary_id, council_id = plenary.id, plenary.council_id
    upgrade_engine(engine)
    third = _edit(second, rng, 2)
    with Session(engine) as s:
        plenary = civic.get_plenary_session_for_council(s, council_id, plenary_id)
        assert transcripts.get_version(s, plenary, 1).content == first
        assert transcripts.get_version(s, plenary, 2).content == second
        v3 = transcripts.save_version(s, plenary, None, third, 2)
        v3.snapshot, v3.delta = None, {"set": {"warnings": ["x"]}}  # as a clerk's delta
        s.commit()
    command.downgrade(alembic_config(engine), "0010")
    with engine.connect() as conn:
        query = sa.select(old.c.number, old.c.content).select_from(old).order_by(old.c.number)
        stored = dict(conn.execute(query).all())
    assert stored == {1: first, 2: second, 3: {**second, "warnings": ["x"]}}
    upgrade_engine(engine)
    with Session(engine) as s:
        plenary = civic.get_plenary_session_for_council(s, council_id, plenary_id)
        assert transcripts.get_version(s, plenary, 3).content["warnings"] == ["x"]
    engine.dispose()
