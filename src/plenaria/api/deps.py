"""Request dependencies: the database session, the caller, and the one permission check.

Credentials: ``Authorization: Bearer pln_...`` (integrations) or the signed
session cookie (browsers; ``__Host-plenaria_session`` when cookies are secure).
A cookie-authenticated unsafe request must carry ``X-CSRF-Token``; a bearer
request needs none (no browser sends it by itself).

Cost per request: dependencies that do no I/O are ``async def``, so FastAPI
calls them on the event loop instead of handing each to the thread pool; the
caller is read in one query, and its transaction goes on into the route (one
pooled connection, one ping) unless it wrote something or the database is
SQLite, whose ``BEGIN IMMEDIATE`` must not hold the write lock longer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from plenaria import accounts
from plenaria.api.errors import ServiceUnavailableError
from plenaria.api.jobs_port import JobQueue
from plenaria.api.login_guard import SESSION_COOKIE as SESSION_COOKIE
from plenaria.api.login_guard import session_cookie_name
from plenaria.config import Settings
from plenaria.db import accounts as repo
from plenaria.db.engine import Database
from plenaria.db.models import User
from plenaria.errors import AuthenticationError, PermissionDeniedError, role_name

CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A session per request; routes commit what they change, the rest is rolled back.

    Making a session does no I/O (it connects on first use), so it is made on the
    event loop; closing one that holds a connection (a rollback) goes to a thread.
    """
    database: Database = request.app.state.db
    session = database.session()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


async def get_job_queue(request: Request) -> JobQueue:
    queue: JobQueue | None = request.app.state.job_queue
    if queue is None:
        raise ServiceUnavailableError(
            "Este servidor no tiene cola de procesos.",
            "Arránquelo con plenaria api o plenaria serve.",
        )
    return queue


AppSettings = Annotated[Settings, Depends(get_settings)]
DbSession = Annotated[Session, Depends(get_db)]
Queue = Annotated[JobQueue, Depends(get_job_queue)]


@dataclass(frozen=True)
class Principal:
    """Who is calling, and how: ``via`` is "token" or "cookie" (then with its secret)."""

    user: User
    via: str
    session_secret: str = ""


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AuthenticationError(
            "La cabecera Authorization no es 'Bearer TOKEN'.",
            "Envíe Authorization: Bearer seguido del token.",
        )
    return value.strip()


def end_auth_read(db: Session) -> None:
    """Commit what authentication wrote; on SQLite, commit anyway to free the write lock.

    On PostgreSQL a read-only check keeps its transaction and connection for the
    route: no COMMIT, and no second checkout (with its ping and BEGIN) after it.
    """
    if db.new or db.dirty or db.deleted or is_sqlite(db):
        db.commit()


def is_sqlite(db: Session) -> bool:
    return db.get_bind().dialect.name == "sqlite"


def get_principal(request: Request, db: DbSession) -> Principal:
    return authenticate(request, db, request.headers.get(CSRF_HEADER))


def authenticate(request: Request, db: Session, csrf: str | None) -> Principal:
    """The caller; ``csrf`` is the token an unsafe cookie request carries.

    Scripts send it as the ``X-CSRF-Token`` header (:func:`get_principal`); a
    page's form, such as the logout button, as its ``csrf_token`` field.
    """
    token = _bearer(request)
    if token is not None:
        user = repo.verify_token(db, token)
        if user is None:
            raise AuthenticationError(
                "Token de API no válido, caducado o revocado.", "Cree un token nuevo."
            )
        end_auth_read(db)  # the token's last use, when it was written
        return Principal(user=user, via="token")
    settings: Settings = request.app.state.settings
    cookie = request.cookies.get(session_cookie_name(settings))
    if not cookie:
        raise AuthenticationError(
            "No ha entrado.", "Entre en /login o envíe Authorization: Bearer TOKEN."
        )
    secret_key = settings.secret_key.get_secret_value()
    secret = accounts.unsign_cookie(secret_key, cookie)
    user = repo.web_session_user(db, secret) if secret else None
    if secret is None or user is None:
        raise AuthenticationError("Su sesión ha terminado.", "Vuelva a entrar.")
    end_auth_read(db)
    if request.method not in SAFE_METHODS and not accounts.csrf_valid(secret_key, secret, csrf):
        raise PermissionDeniedError(
            f"Falta la cabecera {CSRF_HEADER} o no es correcta.",
            "Envíe con cada cambio el csrf_token que devolvió la entrada.",
        )
    return Principal(user=user, via="cookie", session_secret=secret)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_current_user(principal: CurrentPrincipal) -> User:
    return principal.user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require(*roles: str) -> Callable[[User], Awaitable[User]]:
    """A dependency allowing only these roles: ``Depends(require("admin"))``."""

    async def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise PermissionDeniedError(
                f"Su función ({role_name(user.role)}) no permite esta acción.",
                f"Pueden hacerla: {', '.join(role_name(r) for r in roles)}.",
            )
        return user

    return check


Admin = Annotated[User, Depends(require("admin"))]
Manager = Annotated[User, Depends(require("admin", "secretary"))]
