"""Councils, users, API tokens, browser sessions and the audit log (logins: login_throttle).

Functions take an open :class:`~sqlalchemy.orm.Session`, flush, and leave the
commit to the caller. Bad input raises :mod:`plenaria.errors` with one line.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from plenaria import accounts
from plenaria.db.base import utcnow
from plenaria.db.models import ROLES, ApiToken, AuditEntry, Council, User, WebSession
from plenaria.errors import ConflictError, InputError, NotFoundError

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SESSION_TTL = timedelta(hours=12)
MIN_PASSWORD_CHARS = 12
TOKEN_USE_RESOLUTION = timedelta(minutes=1)  # a token's last use is written at most this often


# Councils


def create_council(session: Session, slug: str, name: str) -> Council:
    if not SLUG_RE.match(slug):
        raise InputError(
            f"Identificador de ayuntamiento no válido: {slug!r}.",
            "Use minúsculas, cifras y guiones (p. ej. villanueva-del-rio).",
        )
    if not name.strip():
        raise InputError("El nombre del ayuntamiento está vacío.", "Dé --name.")
    if session.scalar(select(Council.id).where(Council.slug == slug)) is not None:
        raise ConflictError(
            f"Ya existe un ayuntamiento con el identificador {slug!r}.", "Elija otro."
        )
    council = Council(slug=slug, name=name.strip(), vocabulary=[])
    session.add(council)
    session.flush()
    return council


def get_council_by_slug(session: Session, slug: str) -> Council:
    council = session.scalar(select(Council).where(Council.slug == slug))
    if council is None:
        raise NotFoundError(
            f"No existe el ayuntamiento {slug!r}.", "Créelo con plenaria admin create-council."
        )
    return council


# Users


def list_councils(session: Session) -> list[Council]:
    return list(session.scalars(select(Council).order_by(Council.slug)))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"Función desconocida: {role!r}.", f"Funciones: {', '.join(ROLES)}.")
    return role


def check_password(password: str) -> str:
    if not password.strip():
        raise InputError("La contraseña está vacía.", "Escriba una contraseña.")
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(
            f"La contraseña tiene menos de {MIN_PASSWORD_CHARS} caracteres.",
            "Use una más larga, p. ej. una frase de varias palabras.",
        )
    return password


def create_user(session: Session, council: Council, email: str, password: str, role: str) -> User:
    email = normalize_email(email)
    if not EMAIL_RE.match(email):
        raise InputError(f"Dirección de correo no válida: {email!r}.", "Use nombre@ejemplo.org.")
    check_role(role)
    check_password(password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        # The same answer whatever council has it: nothing tells that it exists elsewhere.
        raise ConflictError(
            f"No se puede crear una cuenta con el correo {email}.",
            "Use otro correo; si la persona ya tiene cuenta aquí, está en la lista de usuarios.",
        )
    user = User(
        council_id=council.id,
        email=email,
        password_hash=accounts.hash_password(password),
        role=role,
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def get_user_for_council(session: Session, council_id: str, user_id: str) -> User:
    user = session.scalar(select(User).where(User.id == user_id, User.council_id == council_id))
    if user is None:
        raise NotFoundError(f"No existe el usuario {user_id}.", "Revise el identificador.")
    return user


def list_users(session: Session, council_id: str) -> list[User]:
    return list(
        session.scalars(select(User).where(User.council_id == council_id).order_by(User.email))
    )


def set_password(user: User, password: str) -> None:
    user.password_hash = accounts.hash_password(check_password(password))


def revoke_credentials(
    session: Session, user: User, keep_session_secret: str = ""
) -> tuple[int, int]:
    """End ``user``'s browser sessions (but the one of ``keep_session_secret``) and revoke
    every one of their API tokens, after a password change. Returns (sessions, tokens)."""
    sessions = delete(WebSession).where(WebSession.user_id == user.id)
    if keep_session_secret:
        sessions = sessions.where(WebSession.token_hash != accounts.sha256_hex(keep_session_secret))
    closed = cast(CursorResult[Any], session.execute(sessions)).rowcount
    tokens = (
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    revoked = cast(CursorResult[Any], session.execute(tokens)).rowcount
    return int(closed or 0), int(revoked or 0)


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, else None (constant-ish time)."""
    user = get_user_by_email(session, email)
    if user is None:
        accounts.verify_password(accounts.dummy_password_hash(), password)
        return None
    if not accounts.verify_password(user.password_hash, password) or not user.active:
        return None
    if accounts.password_needs_rehash(user.password_hash):
        user.password_hash = accounts.hash_password(password)
    user.last_login_at = utcnow()
    return user


# API tokens


def create_token(
    session: Session, user: User, name: str, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user``: the row and the clear token (shown once, never stored).

    ``expires_in_days``: it stops working then (401); None: it works until revoked.
    """
    name = name.strip()
    if not name:
        raise InputError(
            "El nombre del token está vacío.", "Póngale el nombre de la integración que lo usa."
        )
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise InputError(
            f"Un token no puede caducar en {expires_in_days} días.", "Dé de 1 a 3650 días."
        )
    clear = accounts.new_api_token()
    token = ApiToken(
        council_id=user.council_id,
        user_id=user.id,
        name=name[:100],
        prefix=accounts.token_prefix(clear),
        token_hash=accounts.sha256_hex(clear),
        expires_at=None if expires_in_days is None else utcnow() + timedelta(days=expires_in_days),
    )
    session.add(token)
    session.flush()
    return token, clear


def verify_token(session: Session, clear: str) -> User | None:
    """The active user owning this unrevoked, unexpired token (its last use is recorded).

    One indexed query (the token's SHA-256 is unique) reads the token and its user.
    """
    if not clear.startswith(accounts.TOKEN_PREFIX):
        return None
    row = session.execute(
        select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == accounts.sha256_hex(clear),
            ApiToken.revoked_at.is_(None),
            User.active.is_(True),
        )
    ).first()
    if row is None:
        return None
    user, token = row
    now = utcnow()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_RESOLUTION:
        token.last_used_at = now
    return user


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    query = select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.council_id == user.council_id
    )
    return list(session.scalars(query.order_by(ApiToken.created_at)))


def revoke_token(session: Session, user: User, token_id: str) -> ApiToken:
    """Revoke one of ``user``'s tokens; another user's token is not found."""
    token = session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if token is None:
        raise NotFoundError(f"No existe el token {token_id}.", "Revise el identificador.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


# Browser sessions


def open_web_session(session: Session, user: User) -> str:
    """A new browser session; returns its secret (for the signed cookie)."""
    secret = accounts.new_session_secret()
    session.execute(delete(WebSession).where(WebSession.expires_at < utcnow()))
    session.add(
        WebSession(
            council_id=user.council_id,
            user_id=user.id,
            token_hash=accounts.sha256_hex(secret),
            expires_at=utcnow() + SESSION_TTL,
        )
    )
    session.flush()
    return secret


def web_session_user(session: Session, secret: str) -> User | None:
    row = session.scalar(
        select(WebSession).where(WebSession.token_hash == accounts.sha256_hex(secret))
    )
    if row is None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def close_web_session(session: Session, secret: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == accounts.sha256_hex(secret)))


# Audit log


def audit(
    session: Session,
    council_id: str,
    user_id: str | None,
    action: str,
    object_type: str = "",
    object_id: str = "",
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        council_id=council_id,
        user_id=user_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail or {},
        at=at or utcnow(),
    )
    session.add(entry)
    return entry


def list_audit(session: Session, council_id: str, limit: int = 100) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.council_id == council_id)
    return list(session.scalars(query.order_by(AuditEntry.at.desc()).limit(limit)))
