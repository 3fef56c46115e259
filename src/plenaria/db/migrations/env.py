"""Alembic environment: runs on the engine given in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from plenaria.db import models
from plenaria.db.base import Base

config = context.config
target_metadata = Base.metadata


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    """On the driver's connection itself: SQLAlchemy would open a transaction first (the
    engine begins with BEGIN IMMEDIATE), where SQLite ignores this pragma."""
    raw = connection.connection.dbapi_connection
    assert raw is not None
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def run_migrations_online() -> None:
    engine: Engine = config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration copies a table and drops the old one; with foreign keys on,
            # SQLite's DROP TABLE deletes the rows that point at it (ON DELETE CASCADE).
            # The pragma only takes effect outside a transaction: set before, restored after.
            _foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
                compare_type=True,
                include_name=models.include_name,
            )
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if sqlite:
                _foreign_keys(connection, on=True)


if context.is_offline_mode():
    raise RuntimeError("Offline (SQL) migrations are not supported: run plenaria db upgrade.")
run_migrations_online()
