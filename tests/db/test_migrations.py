"""The shipped migration creates exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

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
HEAD = "0014"


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
