"""The shipped migration creates exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from plenaria.config import Settings
from plenaria.db import models
from plenaria.db.base import Base
from plenaria.db.engine import make_engine
from plenaria.db.migrate import current_revision, upgrade, upgrade_engine

# The newest revision: the migrations form one line ending here.
HEAD = "0016"


def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": models.include_name}
            )
            return list(compare_metadata(ctx, Base.metadata))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    return str(request.getfixturevalue("pg_empty_database"))


def test_migration_creates_the_models_schema(empty_url: str) -> None:
    assert _diff(empty_url), "an empty database must differ from the models"
    engine = make_engine(empty_url)
    upgrade_engine(engine)
    names = inspect(engine).get_table_names()
    tables = {n for n in names if not n.startswith(models.FTS_TABLE_PREFIX)}
    engine.dispose()
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    assert _diff(empty_url) == []


def test_every_row_belongs_to_a_council() -> None:
    for table in Base.metadata.sorted_tables:
        if table.name == models.Council.__tablename__:
            continue
        column = table.c.get("council_id")
        assert column is not None, f"{table.name} has no council_id"
        assert any(fk.column.table.name == "councils" for fk in column.foreign_keys), table.name
        assert any(ix.columns.contains_column(column) for ix in table.indexes), table.name


def test_upgrade_from_settings_is_idempotent(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url="")
    shown = upgrade(settings)
    assert shown.endswith("plenaria.db")
    assert upgrade(settings) == shown
    engine = make_engine(settings.database)
    assert current_revision(engine) == HEAD
    mode = engine.connect().exec_driver_sql("PRAGMA journal_mode").scalar()
    engine.dispose()
    assert mode == "wal"


def test_upgrade_on_a_plain_postgresql_url(pg_empty_database: str) -> None:
    from dbfixtures import create_pg_database, drop_pg_database

    url = create_pg_database()
    try:
        plain = url.replace("postgresql+psycopg://", "postgresql://")
        shown = upgrade(Settings(database_url=plain))
        assert shown.startswith("postgresql+psycopg://")
        engine = make_engine(plain)
        assert engine.dialect.driver == "psycopg"
        assert current_revision(engine) == HEAD
        engine.dispose()
    finally:
        drop_pg_database(url)


def test_a_live_push_key_stored_plain_becomes_its_digest(tmp_path: Path) -> None:
    import hashlib
    import json

    from sqlalchemy.orm import Session

    from plenaria.db import accounts
    from plenaria.db import jobs as job_repo

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade_engine(engine, "0004")  # the schema is the same: the models write its rows
    live = {"mode": "push", "port": 1935, "key": "plain-Key-1", "push_url": "rtmp://h:1935/live"}
    with Session(engine) as s:
        council = accounts.create_council(s, "villa", "Villa")
        s.flush()
        recording = job_repo.create_recording(s, council.id, "", "x.ts", 0, "")
        job = job_repo.create_job(s, council.id, recording.id, {}, None, None)
        job.live = live
        s.commit()
    upgrade_engine(engine)
    with engine.connect() as conn:
        stored = json.loads(conn.exec_driver_sql("SELECT live FROM jobs").scalar_one())
    engine.dispose()
    assert "plain-Key-1" not in json.dumps(stored)
    assert stored == {
        "mode": "push",
        "port": 1935,
        "push_url": "rtmp://h:1935/live",
        "key_sha256": hashlib.sha256(b"plain-Key-1").hexdigest(),
    }


def test_learned_voices_migrate_up_and_down(empty_url: str) -> None:
    """0015: a voice sample stored before it stays an enrolled one; one learned sample per
    session and voice; a learned one goes with its session, and with the downgrade."""
    import sqlalchemy as sa
    from alembic import command
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm import Session

    from plenaria.db import accounts, civic
    from plenaria.db.base import UTCDateTime, utcnow
    from plenaria.db.migrate import alembic_config
    from plenaria.db.models import VoiceProfileRow

    engine = make_engine(empty_url)
    upgrade_engine(engine, "0014")  # these tables are the same there: the models write them
    with Session(engine) as s:
        council = accounts.create_council(s, "villa", "Villa")
        person = civic.create_person(s, council.id, {"name": "Ana Gómez"})
        plenary = civic.create_plenary_session(s, council.id, {"slug": "pleno-1"})
        s.commit()
        ids = (council.id, person.id, plenary.id)
    council_id, person_id, session_id = ids
    old = sa.table(
        "voice_profiles",
        *(sa.column(c) for c in ("id", "council_id", "person_id", "model_id", "seconds")),
        sa.column("embedding", sa.JSON()),
        sa.column("created_at", UTCDateTime()),
    )
    with engine.begin() as conn:
        conn.execute(
            old.insert().values(
                id="enrolled1", council_id=council_id, person_id=person_id, model_id="campplus",
                seconds=20.0, embedding=[0.6, 0.8], created_at=utcnow(),
            )
        )  # fmt: skip

    def learned(speaker: str) -> VoiceProfileRow:
        return VoiceProfileRow(
            council_id=council_id, person_id=person_id, embedding=[1.0, 0.0], model_id="campplus",
            seconds=9.5, source="correction", session_id=session_id, speaker=speaker,
        )  # fmt: skip

    def stored() -> dict[str, tuple[str, str | None, str]]:
        with Session(engine) as s:
            rows = s.scalars(sa.select(VoiceProfileRow))
            return {r.id: (r.source, r.session_id, r.speaker) for r in rows}

    upgrade_engine(engine)
    assert stored() == {"enrolled1": ("enrolled", None, "")}
    with Session(engine) as s:
        s.add(learned("SPEAKER_01"))
        s.commit()
        s.add(learned("SPEAKER_01"))
        try:
            s.commit()
            raise AssertionError("two learned samples of one session's voice")
        except IntegrityError:
            s.rollback()
    assert sorted(stored().values()) == [
        ("correction", session_id, "SPEAKER_01"),
        ("enrolled", None, ""),
    ]
    command.downgrade(alembic_config(engine), "0014")
    with engine.connect() as conn:
        rows = conn.execute(sa.select(old.c.id, old.c.embedding)).all()
        columns = {c["name"] for c in inspect(conn).get_columns("voice_profiles")}
    assert [tuple(r) for r in rows] == [("enrolled1", [0.6, 0.8])]
    assert not {"source", "session_id", "speaker"} & columns
    upgrade_engine(engine)
    with Session(engine) as s:
        s.add(learned("SPEAKER_00"))
        s.commit()
        plenary_row = civic.get_plenary_session_for_council(s, council_id, session_id)
        s.delete(plenary_row)
        s.commit()
    assert stored() == {"enrolled1": ("enrolled", None, "")}
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of this test's own (the session's PostgreSQL one is migrated)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    from dbfixtures import create_pg_database, drop_pg_database, pg_reachable

    from needs import missing

    why = pg_reachable()
    if why:
        missing(why)
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


def test_council_languages_migrate_up_and_down(fresh_url: str) -> None:
    """0016: a council made before it speaks any language ([]); its languages are kept
    as set, and go with the downgrade while the council stays."""
    import sqlalchemy as sa
    from alembic import command
    from sqlalchemy.orm import Session

    from plenaria.db import accounts
    from plenaria.db.migrate import alembic_config
    from plenaria.db.models import Council

    engine = make_engine(fresh_url)
    upgrade_engine(engine, "0015")  # the models write a council there (languages deferred)
    with Session(engine) as s:
        council_id = accounts.create_council(s, "villa", "Villa").id
        s.commit()
    upgrade_engine(engine)
    with Session(engine) as s:
        council = s.get(Council, council_id)
        assert council is not None and council.languages == []
        council.languages = ["ca", "es"]
        s.commit()
    with Session(engine) as s:
        assert s.scalars(sa.select(Council.languages)).all() == [["ca", "es"]]
    command.downgrade(alembic_config(engine), "0015")
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("councils")}
        slugs = conn.exec_driver_sql("SELECT slug FROM councils").scalars().all()
    assert "languages" not in columns and slugs == ["villa"]
    upgrade_engine(engine)
    with Session(engine) as s:
        council = s.get(Council, council_id)
        assert council is not None and council.languages == []
    engine.dispose()
