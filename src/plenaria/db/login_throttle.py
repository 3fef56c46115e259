"""Login throttling: counters per account and per client address, counted atomically.

Each claim is one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` (SQLite 3.35+ and
PostgreSQL alike): the row lock (PostgreSQL) or the write lock that every transaction
takes at its start (SQLite, ``BEGIN IMMEDIATE``) orders concurrent logins, so two
processes never both read "under the limit" and then both count. A claim is made
before the password is checked and counts the attempt; a successful login then
forgets the account's failures and gives the address its attempt back.

- An account (its email, known or not, so that the answer tells nothing): the first
  ``free`` attempts since its last successful login are free; each further one makes
  the account wait 1, 2, 4 ... seconds (up to ``cap_s``) before the next. A wait
  ends by itself: an attacker cannot lock an account for longer than ``cap_s`` with
  one failure, and a refused attempt does not lengthen it.
- An address: at most ``limit`` attempts per minute, whatever the accounts.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, case, delete, literal, or_, select, update
from sqlalchemy.orm import Session

from plenaria import accounts
from plenaria.db.base import UTCDateTime, utcnow
from plenaria.db.models import LoginThrottle
from plenaria.errors import ConfigError

ACCOUNT_MEMORY = timedelta(days=1)  # an account's failures older than this are forgotten
ADDRESS_WINDOW = timedelta(minutes=1)


def account_key(email: str) -> str:
    return accounts.sha256_hex(f"account:{email.strip().lower()}")


def address_key(address: str) -> str:
    return accounts.sha256_hex(f"ip:{address}")


def _table() -> Table:
    table: Table = LoginThrottle.__table__  # type: ignore[assignment]
    return table


def _upsert(session: Session, values: dict[str, Any]) -> Any:
    """An INSERT with ``on_conflict_do_update`` in the session's dialect."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(_table()).values(**values)
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(_table()).values(**values)
    raise ConfigError(  # pragma: no cover - the engine accepts only these two
        f"La base de datos {dialect} no está soportada.", "Use SQLite o PostgreSQL."
    )


def _at(moment: datetime) -> Any:
    return literal(moment, UTCDateTime())


def _wait_s(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def claim_address(session: Session, address: str, limit: int, now: datetime | None = None) -> int:
    """Count one attempt from ``address``: 0 when allowed, else the seconds to wait."""
    now = now or utcnow()
    t = _table()
    expired = t.c.window_start <= now - ADDRESS_WINDOW
    stmt = (
        _upsert(session, {"key_hash": address_key(address), "hits": 1, "window_start": now})
        .on_conflict_do_update(
            index_elements=[t.c.key_hash],
            set_={
                "hits": case((expired, 1), else_=t.c.hits + 1),
                "window_start": case((expired, _at(now)), else_=t.c.window_start),
            },
        )
        .returning(t.c.hits, t.c.window_start)
    )
    hits, start = session.execute(stmt).one()
    return 0 if hits <= limit else _wait_s(start + ADDRESS_WINDOW, now)


def claim_account(
    session: Session, email: str, free: int, cap_s: int, now: datetime | None = None
) -> int:
    """Count one attempt on the account ``email``: 0 when allowed, else the seconds to wait.

    A refused attempt changes nothing; an allowed one beyond the first ``free`` sets
    the account's next wait, 2 ** (attempts - free) seconds, at most ``cap_s``.
    """
    now = now or utcnow()
    t = _table()
    key = account_key(email)
    forgotten = t.c.window_start <= now - ACCOUNT_MEMORY
    stmt = (
        _upsert(session, {"key_hash": key, "hits": 1, "window_start": now})
        .on_conflict_do_update(
            index_elements=[t.c.key_hash],
            set_={"hits": case((forgotten, 1), else_=t.c.hits + 1), "window_start": _at(now)},
            where=or_(t.c.blocked_until.is_(None), t.c.blocked_until <= now),
        )
        .returning(t.c.hits)
    )
    row = session.execute(stmt).first()
    if row is None:  # waiting: the row is locked until this transaction ends
        until = session.scalar(select(t.c.blocked_until).where(t.c.key_hash == key))
        return _wait_s(until, now) if until is not None else 1
    hits = int(row[0])
    if hits >= free:
        wait = min(2 ** min(hits - free, 32), cap_s)
        until = now + timedelta(seconds=wait)
        session.execute(update(t).where(t.c.key_hash == key).values(blocked_until=until))
    return 0


def note_account(session: Session, email: str, council_id: str) -> None:
    """The account exists: its counter belongs to its council."""
    t = _table()
    session.execute(
        update(t)
        .where(t.c.key_hash == account_key(email), t.c.council_id.is_(None))
        .values(council_id=council_id)
    )


def login_succeeded(
    session: Session, email: str, address: str, now: datetime | None = None
) -> None:
    """Forget the account's failures, give the address its attempt back, drop old rows."""
    now = now or utcnow()
    t = _table()
    session.execute(
        update(t).where(t.c.key_hash == account_key(email)).values(hits=0, blocked_until=None)
    )
    session.execute(
        update(t)
        .where(t.c.key_hash == address_key(address), t.c.hits > 0)
        .values(hits=t.c.hits - 1)
    )
    session.execute(
        delete(t).where(
            t.c.window_start < now - ACCOUNT_MEMORY,
            or_(t.c.blocked_until.is_(None), t.c.blocked_until < now),
        )
    )
