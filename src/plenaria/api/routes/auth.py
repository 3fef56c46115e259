"""Logging in and out (browsers), one's own password, and API tokens (integrations).

A login (API or web form) goes: a free password-check slot or 503 at once
(:class:`~plenaria.api.login_guard.HashSlots`); the address's and the account's
counters, atomically (:mod:`plenaria.db.login_throttle`), or 429 with Retry-After;
the user read, and the transaction ended before the hash (on SQLite every
transaction holds the write lock); the Argon2 check; then the result written.
A password change ends the user's other browser sessions and revokes every one
of their API tokens (the one used for the change too).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response, status
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from plenaria import accounts
from plenaria.api import login_guard
from plenaria.api.deps import AppSettings, CurrentPrincipal, CurrentUser, DbSession, Principal
from plenaria.api.errors import describe_validation
from plenaria.api.schemas import (
    LoginIn,
    LoginOut,
    MePublic,
    PasswordChange,
    PasswordChanged,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    UserPublic,
)
from plenaria.config import Settings
from plenaria.db import accounts as repo
from plenaria.db import login_throttle
from plenaria.db.base import utcnow
from plenaria.db.engine import Database
from plenaria.db.models import ApiToken, User
from plenaria.errors import (
    AuthenticationError,
    InputError,
    PermissionDeniedError,
    RateLimitedError,
)

LOGIN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": LoginIn.model_json_schema()},
            "application/x-www-form-urlencoded": {"schema": LoginIn.model_json_schema()},
        },
    }
}


MAX_LOGIN_BODY_BYTES = 16 * 1024


async def _login_fields(request: Request) -> LoginIn:
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > MAX_LOGIN_BODY_BYTES:
        raise InputError(
            "Falta el cuerpo de la entrada o es demasiado grande.", "Envíe email y password."
        )
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    data: Any
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        data = {k: v for k, v in form.items() if isinstance(v, str)}
    else:
        try:
            data = json.loads(await request.body() or b"null")
        except ValueError as e:
            raise InputError(
                "El cuerpo de la entrada no es JSON válido.", "Envíe email y password."
            ) from e
    try:
        return LoginIn.model_validate(data)
    except ValidationError as e:
        raise InputError(f"Entrada: {describe_validation(e.errors())}.") from e


def router() -> APIRouter:
    api = APIRouter(tags=["accounts"])

    @api.post("/auth/login", response_model=LoginOut, openapi_extra=LOGIN_BODY)
    async def login(request: Request, response: Response, settings: AppSettings) -> LoginOut:
        """JSON or form fields ``email`` and ``password``; sets the session cookie.

        429 with Retry-After when the address or the account must wait; 503 with
        Retry-After when the server checks too many passwords at once; 403 when
        posted from another site's page.
        """
        login_guard.check_origin(request)
        fields = await _login_fields(request)
        secret, user_public = await run_in_threadpool(
            check_login,
            request.app.state.db,
            settings,
            login_guard.hash_slots(request),
            fields,
            login_guard.request_address(request),
        )
        login_guard.set_session_cookie(response, settings, secret)
        key = settings.secret_key.get_secret_value()
        return LoginOut(csrf_token=accounts.csrf_token(key, secret), user=user_public)

    @api.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
    def logout(
        principal: CurrentPrincipal, db: DbSession, response: Response, settings: AppSettings
    ) -> None:
        """End the browser session (a bearer token stays valid: revoke it instead)."""
        if principal.via == "cookie":
            repo.close_web_session(db, principal.session_secret)
            user = principal.user
            repo.audit(db, user.council_id, user.id, "auth.logout", "user", user.id)
            db.commit()
        response.delete_cookie(
            login_guard.session_cookie_name(settings), path="/", secure=settings.cookie_secure
        )

    @api.post("/auth/password", response_model=PasswordChanged)
    async def change_password(
        body: PasswordChange, principal: CurrentPrincipal, request: Request, settings: AppSettings
    ) -> PasswordChanged:
        """Change your own password (the current one is checked, and throttled like a login).

        Your other browser sessions end and every API token of yours is revoked,
        the one this request came with too; the browser session making the
        change stays open.
        """
        return await run_in_threadpool(
            change_own_password,
            request.app.state.db,
            settings,
            login_guard.hash_slots(request),
            principal,
            body,
            login_guard.request_address(request),
        )

    @api.get("/auth/me", response_model=MePublic)
    def me(principal: CurrentPrincipal, settings: AppSettings) -> MePublic:
        user = principal.user
        csrf = None
        if principal.via == "cookie":
            csrf = accounts.csrf_token(
                settings.secret_key.get_secret_value(), principal.session_secret
            )
        return MePublic(
            **UserPublic.model_validate(user).model_dump(),
            council_slug=user.council.slug,
            council_name=user.council.name,
            csrf_token=csrf,
        )

    @api.get("/tokens", response_model=list[TokenPublic])
    def list_tokens(user: CurrentUser, db: DbSession) -> list[TokenPublic]:
        """Your API tokens (revoked and expired ones too); never the tokens themselves."""
        return [TokenPublic.model_validate(t) for t in repo.list_tokens(db, user)]

    @api.post("/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
    def create_token(body: TokenCreate, user: CurrentUser, db: DbSession) -> TokenCreated:
        """A new token for you; the answer is the only time it is shown.

        ``expires_in_days``: after that it is refused (401); without it, it works
        until revoked (or until your password changes).
        """
        token, clear = new_token(db, user, body)
        db.commit()
        return TokenCreated(**TokenPublic.model_validate(token).model_dump(), token=clear)

    @api.delete("/tokens/{token_id}", response_model=TokenPublic)
    def revoke_token(token_id: str, user: CurrentUser, db: DbSession) -> TokenPublic:
        token = end_token(db, user, token_id)
        db.commit()
        return TokenPublic.model_validate(token)

    return api


def new_token(db: Session, user: User, body: TokenCreate) -> tuple[ApiToken, str]:
    """A new API token of ``user`` (the row and the clear token, shown once), audited."""
    token, clear = repo.create_token(db, user, body.name, body.expires_in_days)
    detail = {"name": token.name, "expires_in_days": body.expires_in_days}
    repo.audit(db, user.council_id, user.id, "token.create", "api_token", token.id, detail)
    return token, clear


def end_token(db: Session, user: User, token_id: str) -> ApiToken:
    """Revoke one of ``user``'s tokens, audited."""
    token = repo.revoke_token(db, user, token_id)
    repo.audit(db, user.council_id, user.id, "token.revoke", "api_token", token.id)
    return token


def _claim(database: Database, settings: Settings, email: str, address: str) -> None:
    """Count the attempt for the address, then the account; 429 when one must wait."""
    with database.session() as db:
        wait = login_throttle.claim_address(db, address, settings.login_attempts_per_minute)
        if not wait:
            wait = login_throttle.claim_account(
                db, email, settings.login_free_failures, settings.login_backoff_max_s
            )
        db.commit()
    if wait:
        raise RateLimitedError(
            "Demasiados intentos de entrada.",
            f"Espere {wait} segundos y vuelva a intentarlo.",
            retry_after_s=wait,
        )


def check_login(
    database: Database,
    settings: Settings,
    slots: login_guard.HashSlots,
    fields: LoginIn,
    address: str,
) -> tuple[str, UserPublic]:
    """The new session's secret and the user, or 401/429/503 (see the module)."""
    email = repo.normalize_email(fields.email)
    with slots:
        _claim(database, settings, email, address)
        with database.session() as db:
            user = repo.get_user_by_email(db, email)
            db.commit()  # SQLite: no write lock held during the hash
        stored = user.password_hash if user is not None else accounts.dummy_password_hash()
        ok = accounts.verify_password(stored, fields.password)
        ok = ok and user is not None and user.active
        rehashed = ""
        if ok and accounts.password_needs_rehash(stored):
            rehashed = accounts.hash_password(fields.password)
    with database.session() as db:
        if not ok or user is None:
            if user is not None:
                login_throttle.note_account(db, email, user.council_id)
                detail = {"ip": address}
                repo.audit(
                    db, user.council_id, user.id, "auth.login_failed", "user", user.id, detail
                )
            db.commit()
            raise AuthenticationError("Correo o contraseña incorrectos.")
        found = db.get(User, user.id)
        if found is None or not found.active:  # deleted or deactivated meanwhile
            raise AuthenticationError("Correo o contraseña incorrectos.")
        if rehashed:
            found.password_hash = rehashed
        found.last_login_at = utcnow()
        login_throttle.login_succeeded(db, email, address)
        secret = repo.open_web_session(db, found)
        repo.audit(db, found.council_id, found.id, "auth.login", "user", found.id, {"ip": address})
        db.commit()
        return secret, UserPublic.model_validate(found)


def change_own_password(
    database: Database,
    settings: Settings,
    slots: login_guard.HashSlots,
    principal: Principal,
    body: PasswordChange,
    address: str,
) -> PasswordChanged:
    repo.check_password(body.new_password)
    email = principal.user.email
    with slots:
        _claim(database, settings, email, address)
        with database.session() as db:
            user = db.get(User, principal.user.id)
            db.commit()
        if user is None or not accounts.verify_password(user.password_hash, body.current_password):
            raise PermissionDeniedError(
                "La contraseña actual no es correcta.", "Escriba la contraseña con la que entró."
            )
        new_hash = accounts.hash_password(body.new_password)
    with database.session() as db:
        found = db.get(User, user.id)
        if found is None:
            raise AuthenticationError("Su sesión ha terminado.", "Vuelva a entrar.")
        found.password_hash = new_hash
        keep = principal.session_secret if principal.via == "cookie" else ""
        closed, revoked = repo.revoke_credentials(db, found, keep_session_secret=keep)
        login_throttle.login_succeeded(db, email, address)
        detail = {"sessions_closed": closed, "tokens_revoked": revoked, "ip": address}
        repo.audit(db, found.council_id, found.id, "auth.password_change", "user", found.id, detail)
        db.commit()
    return PasswordChanged(sessions_closed=closed, tokens_revoked=revoked)
