"""Logging in and out (browsers) and API tokens (integrations)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response, status
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from plenaria import accounts
from plenaria.api.deps import (
    SESSION_COOKIE,
    AppSettings,
    CurrentPrincipal,
    CurrentUser,
    DbSession,
)
from plenaria.api.errors import describe_validation
from plenaria.api.schemas import (
    LoginIn,
    LoginOut,
    MePublic,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    UserPublic,
)
from plenaria.db import accounts as repo
from plenaria.db.engine import Database
from plenaria.errors import AuthenticationError, InputError, RateLimitedError

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
        raise InputError("The login body is missing or too large.", "Send email and password.")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    data: Any
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        data = {k: v for k, v in form.items() if isinstance(v, str)}
    else:
        try:
            data = json.loads(await request.body() or b"null")
        except ValueError as e:
            raise InputError("The login body is not valid JSON.", "Send email and password.") from e
    try:
        return LoginIn.model_validate(data)
    except ValidationError as e:
        raise InputError(f"Login: {describe_validation(e.errors())}.") from e


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def router() -> APIRouter:
    api = APIRouter(tags=["accounts"])

    @api.post("/auth/login", response_model=LoginOut, openapi_extra=LOGIN_BODY)
    async def login(request: Request, response: Response, settings: AppSettings) -> LoginOut:
        """JSON or form fields ``email`` and ``password``; sets the session cookie."""
        fields = await _login_fields(request)
        database = request.app.state.db
        secret, user_public = await run_in_threadpool(
            _check_login, database, settings.login_attempts_per_minute, fields, _client_ip(request)
        )
        key = settings.secret_key.get_secret_value()
        response.set_cookie(
            SESSION_COOKIE,
            accounts.sign_cookie(key, secret),
            max_age=int(repo.SESSION_TTL.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=settings.cookie_secure,
            path="/",
        )
        return LoginOut(csrf_token=accounts.csrf_token(key, secret), user=user_public)

    @api.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
    def logout(principal: CurrentPrincipal, db: DbSession, response: Response) -> None:
        """End the browser session (a bearer token stays valid: revoke it instead)."""
        if principal.via == "cookie":
            repo.close_web_session(db, principal.session_secret)
            user = principal.user
            repo.audit(db, user.council_id, user.id, "auth.logout", "user", user.id)
            db.commit()
        response.delete_cookie(SESSION_COOKIE, path="/")

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
        """Your API tokens (revoked ones too); never the tokens themselves."""
        return [TokenPublic.model_validate(t) for t in repo.list_tokens(db, user)]

    @api.post("/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
    def create_token(body: TokenCreate, user: CurrentUser, db: DbSession) -> TokenCreated:
        """A new token for you; the answer is the only time it is shown."""
        token, clear = repo.create_token(db, user, body.name)
        repo.audit(
            db,
            user.council_id,
            user.id,
            "token.create",
            "api_token",
            token.id,
            {"name": token.name},
        )
        db.commit()
        return TokenCreated(**TokenPublic.model_validate(token).model_dump(), token=clear)

    @api.delete("/tokens/{token_id}", response_model=TokenPublic)
    def revoke_token(token_id: str, user: CurrentUser, db: DbSession) -> TokenPublic:
        token = repo.revoke_token(db, user, token_id)
        repo.audit(db, user.council_id, user.id, "token.revoke", "api_token", token.id)
        db.commit()
        return TokenPublic.model_validate(token)

    return api


def _check_login(
    database: Database, limit: int, fields: LoginIn, ip: str
) -> tuple[str, UserPublic]:
    with database.session() as db:
        if repo.recent_failures(db, fields.email, ip) >= limit:
            raise RateLimitedError(
                "Too many failed logins for this account from your address.",
                "Wait a minute and try again.",
            )
        user = repo.authenticate(db, fields.email, fields.password)
        if user is None:
            known = repo.get_user_by_email(db, fields.email)
            council_id = known.council_id if known is not None else None
            repo.record_login_attempt(db, fields.email, ip, False, council_id)
            if known is not None:
                repo.audit(
                    db,
                    known.council_id,
                    known.id,
                    "auth.login_failed",
                    "user",
                    known.id,
                    {"ip": ip},
                )
            db.commit()
            raise AuthenticationError("Wrong email or password.")
        repo.record_login_attempt(db, fields.email, ip, True, user.council_id)
        secret = repo.open_web_session(db, user)
        repo.audit(db, user.council_id, user.id, "auth.login", "user", user.id, {"ip": ip})
        db.commit()
        return secret, UserPublic.model_validate(user)
