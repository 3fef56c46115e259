"""The settings pages: the council's settings, its members (roster), users and roles,
API tokens. A session's own page, where its data is edited and it is deleted, is
:mod:`plenaria.api.web.session_pages`.

Each form posts its session's CSRF token as the field ``csrf_token``. A change
goes through the same function as the JSON API (validated by the API's
schemas, audited); a refused value shows the form again with one line in the
page's language (422, or 409 for a conflict), never a traceback. Who may do
what: :data:`~plenaria.api.web.settings_forms.SECTIONS`; a page a role may not
see is the 403 page. The frame they share: :mod:`plenaria.api.web.settings_forms`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from plenaria.api import council_look, voice_learning
from plenaria.api import i18n as web_i18n
from plenaria.api.council_languages import LanguagesError, split_languages
from plenaria.api.deps import Principal
from plenaria.api.routes import auth as auth_routes
from plenaria.api.routes import council as council_routes
from plenaria.api.routes import users as user_routes
from plenaria.api.schemas import (
    CouncilUpdate,
    PersonCreate,
    PersonUpdate,
    TokenCreate,
    UserCreate,
    UserUpdate,
)
from plenaria.api.web import MANAGERS
from plenaria.api.web.forms import Fields, Refused, form_fields, form_user
from plenaria.api.web.pages import Pages
from plenaria.api.web.settings_forms import ADMINS, Context, FormChange, SettingsPages
from plenaria.db import accounts as repo
from plenaria.db import civic
from plenaria.db.base import utcnow
from plenaria.db.models import ROLES


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _optional_int(text: str) -> str | None:
    return text.strip() or None


def router(pages: Pages) -> APIRouter:
    web = APIRouter(include_in_schema=False)
    frame = SettingsPages(pages)

    # The hub and the council's settings

    @web.get("/settings", response_class=HTMLResponse)
    def settings_home(request: Request) -> Response:
        return frame.page(request, MANAGERS, "settings/index.html", lambda db, p: {})

    def council_context(db: Session, principal: Principal) -> dict[str, Any]:
        return {"council": principal.user.council, "can_edit": principal.user.role == "admin"}

    @web.get("/settings/council", response_class=HTMLResponse)
    def council_page(request: Request) -> Response:
        return frame.page(request, MANAGERS, "settings/council.html", council_context)

    def look_refused(request: Request, error: council_look.LookError | LanguagesError) -> Refused:
        return Refused(error.line(web_i18n.LANGUAGES.index(pages.lang(request))))

    def council_change(db: Session, principal: Principal, fields: Fields) -> str:
        values: dict[str, Any] = {
            "video_url_template": fields.get("video_url_template", "").strip(),
            "acta_lang": fields.get("acta_lang", ""),
            "vocabulary": _lines(fields.get("vocabulary", "")),
        }
        for name in council_look.COLOR_NAMES:
            if name in fields:  # a form without them keeps the colours
                values[name] = fields[name].strip()
        if "languages" in fields:
            values["languages"] = split_languages(fields["languages"])
        body = CouncilUpdate.model_validate(values)
        council_routes.change_council(db, principal.user, body)
        return "/settings/council?ok=saved"

    @web.post("/settings/council")
    async def council_save(request: Request) -> Response:
        def apply(db: Session, principal: Principal, fields: Fields) -> str:
            try:
                return council_change(db, principal, fields)
            except (council_look.LookError, LanguagesError) as e:
                raise look_refused(request, e) from e

        return await frame.submit(request, ADMINS, "settings/council.html", council_context, apply)

    @web.post("/settings/council/logo")
    async def council_logo(request: Request) -> Response:
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        upload = form.get("logo")
        data = (
            b""
            if upload is None or isinstance(upload, str)
            else await upload.read(council_look.MAX_LOGO_BYTES + 1)
        )
        storage: Path = request.app.state.storage_path
        replaced: list[str | None] = []

        def change(db: Session, principal: Principal) -> str:
            try:
                replaced.append(council_routes.change_logo(db, storage, principal.user, data))
            except council_look.LookError as e:
                raise look_refused(request, e) from e
            return "/settings/council?ok=logo"

        response = await run_in_threadpool(
            frame.submit_now,
            request,
            fields,
            ADMINS,
            "settings/council.html",
            council_context,
            change,
        )
        if replaced and response.status_code == 303:
            council_look.remove_file(storage, replaced[0])
        return response

    @web.post("/settings/council/logo/remove")
    async def council_logo_remove(request: Request) -> Response:
        storage: Path = request.app.state.storage_path
        removed: list[str | None] = []

        def change(db: Session, principal: Principal, fields: Fields) -> str:
            removed.append(council_routes.change_logo(db, storage, principal.user, None))
            return "/settings/council?ok=nologo"

        response = await frame.submit(
            request, ADMINS, "settings/council.html", council_context, change
        )
        if removed and response.status_code == 303:
            council_look.remove_file(storage, removed[0])
        return response

    # The roster

    def roster_context(db: Session, principal: Principal) -> dict[str, Any]:
        return {"roster": civic.list_roster(db, principal.user.council_id)}

    @web.get("/settings/roster", response_class=HTMLResponse)
    def roster_page(request: Request) -> Response:
        return frame.page(request, MANAGERS, "settings/roster.html", roster_context)

    def person_add(db: Session, principal: Principal, fields: Fields) -> str:
        values = {k: fields.get(k, "").strip() for k in ("name", "role", "group")}
        council_routes.add_person(db, principal.user, PersonCreate.model_validate(values))
        return "/settings/roster?ok=added"

    @web.post("/settings/roster")
    async def roster_add(request: Request) -> Response:
        return await frame.submit(
            request, MANAGERS, "settings/roster.html", roster_context, person_add
        )

    def person_context(person_id: str) -> Context:
        def context(db: Session, principal: Principal) -> dict[str, Any]:
            council_id = principal.user.council_id
            return {
                "person": civic.get_person_for_council(db, council_id, person_id),
                "voice": voice_learning.voice_of(db, council_id, person_id),
            }

        return context

    @web.get("/settings/roster/{person_id}", response_class=HTMLResponse)
    def person_page(person_id: str, request: Request) -> Response:
        return frame.page(request, MANAGERS, "settings/person.html", person_context(person_id))

    def person_change(person_id: str) -> FormChange:
        def change(db: Session, principal: Principal, fields: Fields) -> str:
            values: dict[str, Any] = {
                k: fields.get(k, "").strip() for k in ("name", "role", "group")
            }
            values["active"] = fields.get("active") == "1"
            body = PersonUpdate.model_validate(values)
            council_routes.change_person(db, principal.user, person_id, body)
            return "/settings/roster?ok=saved"

        return change

    @web.post("/settings/roster/{person_id}")
    async def person_save(person_id: str, request: Request) -> Response:
        context, change = person_context(person_id), person_change(person_id)
        return await frame.submit(request, MANAGERS, "settings/person.html", context, change)

    def person_activity(person_id: str) -> FormChange:
        def change(db: Session, principal: Principal, fields: Fields) -> str:
            body = PersonUpdate(active=fields.get("active") == "1")
            council_routes.change_person(db, principal.user, person_id, body)
            return "/settings/roster?ok=saved"

        return change

    @web.post("/settings/roster/{person_id}/active")
    async def person_active(person_id: str, request: Request) -> Response:
        change = person_activity(person_id)
        return await frame.submit(request, MANAGERS, "settings/roster.html", roster_context, change)

    # Users and roles

    def users_context(db: Session, principal: Principal) -> dict[str, Any]:
        return {"users": repo.list_users(db, principal.user.council_id), "roles": ROLES}

    @web.get("/settings/users", response_class=HTMLResponse)
    def users_page(request: Request) -> Response:
        return frame.page(request, ADMINS, "settings/users.html", users_context)

    def user_add(db: Session, principal: Principal, fields: Fields) -> str:
        values = {k: fields.get(k, "") for k in ("email", "password", "role")}
        user_routes.add_user(db, principal.user, UserCreate.model_validate(values))
        return "/settings/users?ok=added"

    @web.post("/settings/users")
    async def users_add(request: Request) -> Response:
        return await frame.submit(request, ADMINS, "settings/users.html", users_context, user_add)

    def user_change(user_id: str) -> FormChange:
        def change(db: Session, principal: Principal, fields: Fields) -> str:
            values: dict[str, Any] = {}
            if "role" in fields:
                values["role"] = fields["role"]
            if "active" in fields:
                values["active"] = fields["active"] == "1"
            user_routes.change_user(db, principal.user, user_id, UserUpdate.model_validate(values))
            return "/settings/users?ok=saved"

        return change

    @web.post("/settings/users/{user_id}")
    async def users_change(user_id: str, request: Request) -> Response:
        change = user_change(user_id)
        return await frame.submit(request, ADMINS, "settings/users.html", users_context, change)

    # API tokens (the visitor's own)

    def tokens_context(db: Session, principal: Principal) -> dict[str, Any]:
        return {"tokens": repo.list_tokens(db, principal.user), "now": utcnow()}

    @web.get("/settings/tokens", response_class=HTMLResponse)
    def tokens_page(request: Request) -> Response:
        return frame.page(request, MANAGERS, "settings/tokens.html", tokens_context)

    @web.post("/settings/tokens")
    async def tokens_create(request: Request) -> Response:
        return await run_in_threadpool(_token_create, request, await form_fields(request))

    def _token_create(request: Request, fields: Fields) -> Response:
        """The new token is shown on this answer only (no redirect: it is never stored)."""
        created: list[str] = []

        def change(db: Session, principal: Principal) -> str:
            days = _optional_int(fields.get("expires_in_days", ""))
            body = TokenCreate.model_validate(
                {"name": fields.get("name", ""), "expires_in_days": days}
            )
            created.append(auth_routes.new_token(db, principal.user, body)[1])
            return ""

        response = frame.submit_now(
            request, fields, MANAGERS, "settings/tokens.html", tokens_context, change
        )
        if not created:
            return response
        with frame.database(request).session() as db:
            principal = form_user(request, db, fields, MANAGERS)
            context = {**tokens_context(db, principal), "new_token": created[0]}
            shown = frame.show(request, db, principal, "settings/tokens.html", context, 201)
            shown.headers["Cache-Control"] = "no-store"
            return shown

    def token_revoke(token_id: str) -> FormChange:
        def change(db: Session, principal: Principal, fields: Fields) -> str:
            auth_routes.end_token(db, principal.user, token_id)
            return "/settings/tokens?ok=revoked"

        return change

    @web.post("/settings/tokens/{token_id}/revoke")
    async def tokens_revoke(token_id: str, request: Request) -> Response:
        change = token_revoke(token_id)
        return await frame.submit(request, MANAGERS, "settings/tokens.html", tokens_context, change)

    return web
