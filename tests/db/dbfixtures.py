"""Database fixtures shared by tests/db and tests/api (imported by their conftest.py).

``db_url`` is parametrized: a SQLite file, and a PostgreSQL database created
for this test run on 127.0.0.1:5432 (named ``dbapi_<random>``, dropped at the
end). Each test starts from empty tables on a migrated schema.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from needs import missing
from plenaria.db.base import Base
from plenaria.db.engine import make_engine
from plenaria.db.migrate import upgrade_engine

PG_SERVER = os.environ.get("PLENARIA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


def pg_admin_url() -> str:
    return f"{PG_SERVER}/postgres"


def pg_reachable() -> str:
    """'' when PostgreSQL answers, else why not."""
    try:
        engine = create_engine(pg_admin_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return ""
    except Exception as e:
        return f"PostgreSQL at {PG_SERVER} is unreachable: {type(e).__name__}: {e}".splitlines()[0]


def create_pg_database() -> str:
    name = f"dbapi_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{PG_SERVER}/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_empty_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this run (not migrated)."""
    why = pg_reachable()
    if why:
        missing(why)
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database migrated to head, once per backend for the whole run."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'plenaria.db'}"
        engine = make_engine(url)
        upgrade_engine(engine)
        engine.dispose()
        yield url
        return
    why = pg_reachable()
    if why:
        missing(why)
    url = create_pg_database()
    try:
        engine = make_engine(url)
        upgrade_engine(engine)
        engine.dispose()
        yield url
    finally:
        drop_pg_database(url)


def empty_tables(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    finally:
        engine.dispose()


@pytest.fixture
def db_url(migrated_url: str) -> Iterator[str]:
    """A migrated database (SQLite or PostgreSQL) whose tables are empty."""
    empty_tables(migrated_url)
    yield migrated_url
    empty_tables(migrated_url)
