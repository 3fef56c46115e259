"""Alembic environment: runs on the engine given in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from plenaria.db import models
from plenaria.db.base import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine: Engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=models.include_name,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("Offline (SQL) migrations are not supported: run plenaria db upgrade.")
run_migrations_online()
