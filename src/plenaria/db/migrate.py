"""Alembic migrations shipped inside the package, run programmatically.

``upgrade(settings)`` brings the database to the newest revision; it is what
``plenaria db upgrade`` and ``plenaria serve`` call.
"""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from plenaria.config import Settings
from plenaria.db.engine import Database


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs on ``engine``'s connections (no alembic.ini)."""
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("plenaria.db").joinpath("migrations"))
    )
    config.attributes["engine"] = engine
    return config


def upgrade_engine(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def upgrade(settings: Settings, revision: str = "head") -> str:
    """Migrate the settings' database to ``revision``; returns the URL (password hidden)."""
    database = Database.from_settings(settings)
    try:
        upgrade_engine(database.engine, revision)
        return database.engine.url.render_as_string(hide_password=True)
    finally:
        database.dispose()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
