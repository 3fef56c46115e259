"""Engines and sessions, built on demand from :class:`plenaria.config.Settings`.

Nothing connects at import. SQLite runs with WAL, foreign keys and a busy
timeout; ``postgresql://`` URLs use psycopg 3.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from plenaria.config import Settings
from plenaria.errors import ConfigError

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalize_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` → ``postgresql+psycopg://``; others unchanged."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created when missing."""
    try:
        parsed = make_url(normalize_url(url))
    except Exception as e:  # sqlalchemy.exc.ArgumentError and friends
        raise ConfigError(
            f"PLENARIA_DATABASE_URL no es una URL de base de datos: {url!r}.",
            "Use sqlite:////ruta/plenaria.db o postgresql://usuario:contraseña@servidor/bd.",
        ) from e
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_serializer=json_dumps,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own BEGIN handling defers locks badly: take the write lock at BEGIN.
        event.listen(engine, "connect", _no_pysqlite_begin)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    connect_args = {"connect_timeout": 10} if parsed.get_backend_name() == "postgresql" else {}
    return create_engine(
        parsed, pool_pre_ping=True, connect_args=connect_args, json_serializer=json_dumps
    )


def json_dumps(value: Any) -> str:
    """JSON columns with orjson when installed (a 40,000-word transcript: ~15 ms, not ~200)."""
    try:
        import orjson
    except ImportError:
        return json.dumps(value)
    try:
        return orjson.dumps(value).decode("utf-8")
    except TypeError:  # what orjson refuses (non-str keys, huge ints), json.dumps may write
        return json.dumps(value)


def _no_pysqlite_begin(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def _begin_immediate(conn: Any) -> None:
    # Writers wait for each other here (busy timeout) instead of failing when a read
    # transaction later tries to write; readers still never block in WAL mode.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One engine and its session factory, made on first use."""

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self._engine: Engine | None = None
        self._factory: sessionmaker[Session] | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(settings.database)

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = make_engine(self.url)
            return self._engine

    @property
    def sessionmaker(self) -> sessionmaker[Session]:
        engine = self.engine
        with self._lock:
            if self._factory is None:
                self._factory = sessionmaker(engine, expire_on_commit=False)
            return self._factory

    def session(self) -> Session:
        return self.sessionmaker()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits at the end of the block, or rolls back on error."""
        with self.session() as session, session.begin():
            yield session

    def forget_after_fork(self) -> None:
        """In a forked child: drop the parent's pool without touching its sockets or locks.

        The parent may have held ``_lock`` (or a pool lock) in another thread at the
        moment of the fork; the child's copy would stay locked forever.
        """
        self._lock = threading.Lock()
        engine, self._engine, self._factory = self._engine, None, None
        if engine is not None:
            engine.dispose(close=False)

    def dispose(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
            self._engine = None
            self._factory = None
