"""The settings pages: the council's settings, its members (roster), users and roles,
API tokens; and a session's own page, where its data is edited and it is deleted.

Each form posts its session's CSRF token as the field ``csrf_token``. A change
goes through the same function as the JSON API (validated by the API's
schemas, audited); a refused value shows the form again with one line in the
page's language (422, or 409 for a conflict), never a traceback. Who may do
what: :data:`SECTIONS`; a page a role may not see is the 403 page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from plenaria.api import council_look, i18n_messages, voice_learning
from plenaria.api import i18n as web_i18n
from plenaria.api.deps import CSRF_HEADER, Principal, authenticate
from plenaria.api.i18n_voices import VOICE_NOTICES
from plenaria.api.routes import auth as auth_routes
from plenaria.api.routes import council as council_routes
from plenaria.api.routes import users as user_routes
from plenaria.api.schemas import (
    CouncilUpdate,
    PersonCreate,
    PersonUpdate,
    SessionUpdate,
    TokenCreate,
    UserCreate,
    UserUpdate,
)
from plenaria.api.session_removal import remove_files, remove_session
from plenaria.api.web import MANAGERS, LoginRequired, _principal, _wants_html
from plenaria.api.web.pages import Pages
from plenaria.db import accounts as repo
from plenaria.db import civic
from plenaria.db.base import utcnow
from plenaria.db.engine import Database
from plenaria.db.models import ROLES, Job, TranscriptVersion
from plenaria.errors import (
    AuthenticationError,
    ConflictError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    role_name,
)

ADMINS = ("admin",)
# (section, its page, the roles that see it)
SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("council", "/settings/council", MANAGERS),
    ("roster", "/settings/roster", MANAGERS),
    ("users", "/settings/users", ADMINS),
    ("tokens", "/settings/tokens", MANAGERS),
)
NOTICES = {
    "saved": "set_saved",
    "added": "set_added",
    "revoked": "set_revoked",
    "logo": "look_saved",
    "nologo": "look_removed",
    **VOICE_NOTICES,  # a person's voice: plenaria.api.web.voice_pages
}
SESSION_TYPES = ("ordinaria", "extraordinaria", "extraordinaria urgente")
# A session's heading, edited on its page (slug to secretary; the agenda stays as uploaded).
SESSION_FORM = (*civic.SESSION_FIELDS[: civic.SESSION_FIELDS.index("agenda")], "call")
# A form field's label (catalogue key), for the lines that name a refused field.
LABELS = {
    "video_url_template": "set_video_template",
    "acta_lang": "set_acta_lang",
    "vocabulary": "set_vocabulary",
    "accent_color": "look_accent",
    "header_color": "look_header",
    "name": "set_person_name",
    "role": "set_person_role",
    "group": "set_person_group",
    "email": "set_user_email",
    "password": "set_user_password",
    "expires_in_days": "set_token_days",
    "slug": "session_id",
    "call": "session_call",
    "date": "session_date",
    "session_type": "session_type",
    "place": "session_place",
    "start_time": "session_start",
    "president": "president",
    "secretary": "secretary",
    # The same name in another form (the schema's name first).
    "TokenCreate.name": "set_token_name",
    "UserCreate.role": "set_user_role",
    "UserUpdate.role": "set_user_role",
}

Fields = dict[str, str]
Change = Callable[[Session, Principal], str]
FormChange = Callable[[Session, Principal, Fields], str]
Context = Callable[[Session, Principal], dict[str, Any]]


class Refused(Exception):
    """A value the form cannot take: the form is shown again with ``line``."""

    def __init__(self, line: str, status: int = 422) -> None:
        super().__init__(line)
        self.line = line
        self.status = status


def _allow(principal: Principal, roles: tuple[str, ...]) -> None:
    role = principal.user.role
    if role not in roles:
        raise PermissionDeniedError(
            f"Su función ({role_name(role)}) no permite ver esta página.",
            f"Pueden verla: {', '.join(role_name(r) for r in roles)}.",
        )


def _form_user(request: Request, db: Session, fields: Fields, roles: tuple[str, ...]) -> Principal:
    """The poster, checked: logged in, the form's CSRF token, the role."""
    csrf = fields.get("csrf_token") or request.headers.get(CSRF_HEADER)
    try:
        principal = authenticate(request, db, csrf)
    except AuthenticationError as e:
        raise LoginRequired(request.url.path) from e
    _allow(principal, roles)
    return principal


def validation_line(error: ValidationError, t: Mapping[str, str]) -> str:
    """The first refused field of a form as one line in the page's language."""
    err = error.errors()[0]
    loc = [str(p) for p in err.get("loc", ()) if not isinstance(p, int)]
    name = loc[0] if loc else ""
    field = t.get(LABELS.get(f"{error.title}.{name}") or LABELS.get(name, ""), name)
    kind = str(err.get("type", ""))
    if name == "vocabulary":
        return t["set_err_terms"]
    if kind in ("string_too_short", "missing"):
        return t["set_err_empty"].format(field=field)
    if kind == "string_too_long":
        limit = (err.get("ctx") or {}).get("max_length", "")
        return t["set_err_long"].format(field=field, n=limit)
    if kind == "string_pattern_mismatch":
        return t["set_err_format"].format(field=field)
    if kind in ("literal_error", "enum"):
        return t["set_err_choice"].format(field=field)
    if name == "expires_in_days":
        return t["set_err_number"].format(field=field)
    return t["set_err_invalid"].format(field=field)


async def form_fields(request: Request) -> Fields:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _optional_int(text: str) -> str | None:
    return text.strip() or None


def router(pages: Pages) -> APIRouter:
    web = APIRouter(include_in_schema=False)

    def database(request: Request) -> Database:
        db: Database = request.app.state.db
        return db

    def sections(principal: Principal) -> list[tuple[str, str]]:
        return [(name, url) for name, url, roles in SECTIONS if principal.user.role in roles]

    def show(
        request: Request,
        db: Session,
        principal: Principal,
        template: str,
        context: dict[str, Any],
        status_code: int = 200,
    ) -> Response:
        notice = NOTICES.get(request.query_params.get("ok", ""))
        base: dict[str, Any] = {"sections": sections(principal), "notice": notice}
        base.update(error="", values={})
        return pages.render(
            request, template, {**base, **context}, status_code=status_code, principal=principal
        )

    def page(request: Request, roles: tuple[str, ...], template: str, context: Context) -> Response:
        with database(request).session() as db:
            principal = _principal(request, db)
            _allow(principal, roles)
            return show(request, db, principal, template, context(db, principal))

    async def submit(
        request: Request,
        roles: tuple[str, ...],
        template: str,
        context: Context,
        change: FormChange,
    ) -> Response:
        fields = await form_fields(request)

        def apply(db: Session, principal: Principal) -> str:
            return change(db, principal, fields)

        return await run_in_threadpool(_submit, request, fields, roles, template, context, apply)

    def _submit(
        request: Request,
        fields: Fields,
        roles: tuple[str, ...],
        template: str,
        context: Context,
        change: Change,
    ) -> Response:
        t = web_i18n.strings(pages.lang(request))
        with database(request).session() as db:
            principal = _form_user(request, db, fields, roles)
            try:
                target = change(db, principal)
                db.commit()
            except ValidationError as e:
                refused = Refused(validation_line(e, t))
            except Refused as e:
                refused = e
            except NotFoundError:
                raise  # the page's object is gone or another council's: the 404 page
            except InputError as e:
                status = 409 if isinstance(e, ConflictError) else 422
                refused = Refused(i18n_messages.translate(str(e), pages.lang(request)), status)
            else:
                return RedirectResponse(target, status_code=303)
            db.rollback()
            if not _wants_html(request):  # a script or an integration: the API's JSON answer
                raise (ConflictError if refused.status == 409 else InputError)(refused.line)
            extra = {"error": refused.line, "values": fields}
            return show(
                request,
                db,
                principal,
                template,
                {**context(db, principal), **extra},
                refused.status,
            )

    # The hub and the council's settings

    @web.get("/settings", response_class=HTMLResponse)
    def settings_home(request: Request) -> Response:
        return page(request, MANAGERS, "settings/index.html", lambda db, p: {})

    def council_context(db: Session, principal: Principal) -> dict[str, Any]:
        return {"council": principal.user.council, "can_edit": principal.user.role == "admin"}

    @web.get("/settings/council", response_class=HTMLResponse)
    def council_page(request: Request) -> Response:
        return page(request, MANAGERS, "settings/council.html", council_context)

    def look_refused(request: Request, error: council_look.LookError) -> Refused:
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
        body = CouncilUpdate.model_validate(values)
        council_routes.change_council(db, principal.user, body)
        return "/settings/council?ok=saved"

    @web.post("/settings/council")
    async def council_save(request: Request) -> Response:
        def apply(db: Session, principal: Principal, fields: Fields) -> str:
            try:
                return council_change(db, principal, fields)
            except council_look.LookError as e:
                raise look_refused(request, e) from e

        return await submit(request, ADMINS, "settings/council.html", council_context, apply)

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
            _submit, request, fields, ADMINS, "settings/council.html", council_context, change
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

        response = await submit(request, ADMINS, "settings/council.html", council_context, change)
        if removed and response.status_code == 303:
            council_look.remove_file(storage, removed[0])
        return response

    # The roster

    def roster_context(db: Session, principal: Principal) -> dict[str, Any]:
        return {"roster": civic.list_roster(db, principal.user.council_id)}

    @web.get("/settings/roster", response_class=HTMLResponse)
    def roster_page(request: Request) -> Response:
        return page(request, MANAGERS, "settings/roster.html", roster_context)

    def person_add(db: Session, principal: Principal, fields: Fields) -> str:
        values = {k: fields.get(k, "").strip() for k in ("name", "role", "group")}
        council_routes.add_person(db, principal.user, PersonCreate.model_validate(values))
        return "/settings/roster?ok=added"

    @web.post("/settings/roster")
    async def roster_add(request: Request) -> Response:
        return await submit(request, MANAGERS, "settings/roster.html", roster_context, person_add)

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
        return page(request, MANAGERS, "settings/person.html", person_context(person_id))

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
        return await submit(request, MANAGERS, "settings/person.html", context, change)

    def person_activity(person_id: str) -> FormChange:
        def change(db: Session, principal: Principal, fields: Fields) -> str:
            body = PersonUpdate(active=fields.get("active") == "1")
            council_routes.change_person(db, principal.user, person_id, body)
            return "/settings/roster?ok=saved"

        return change

    @web.post("/settings/roster/{person_id}/active")
    async def person_active(person_id: str, request: Request) -> Response:
        change = person_activity(person_id)
        return await submit(request, MANAGERS, "settings/roster.html", roster_context, change)

    # Users and roles

    def users_context(db: Session, principal: Principal) -> dict[str, Any]:
        return {"users": repo.list_users(db, principal.user.council_id), "roles": ROLES}

    @web.get("/settings/users", response_class=HTMLResponse)
    def users_page(request: Request) -> Response:
        return page(request, ADMINS, "settings/users.html", users_context)

    def user_add(db: Session, principal: Principal, fields: Fields) -> str:
        values = {k: fields.get(k, "") for k in ("email", "password", "role")}
        user_routes.add_user(db, principal.user, UserCreate.model_validate(values))
        return "/settings/users?ok=added"

    @web.post("/settings/users")
    async def users_add(request: Request) -> Response:
        return await submit(request, ADMINS, "settings/users.html", users_context, user_add)

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
        return await submit(request, ADMINS, "settings/users.html", users_context, change)

    # API tokens (the visitor's own)

    def tokens_context(db: Session, principal: Principal) -> dict[str, Any]:
        return {"tokens": repo.list_tokens(db, principal.user), "now": utcnow()}

    @web.get("/settings/tokens", response_class=HTMLResponse)
    def tokens_page(request: Request) -> Response:
        return page(request, MANAGERS, "settings/tokens.html", tokens_context)

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

        response = _submit(
            request, fields, MANAGERS, "settings/tokens.html", tokens_context, change
        )
        if not created:
            return response
        with database(request).session() as db:
            principal = _form_user(request, db, fields, MANAGERS)
            context = {**tokens_context(db, principal), "new_token": created[0]}
            shown = show(request, db, principal, "settings/tokens.html", context, 201)
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
        return await submit(request, MANAGERS, "settings/tokens.html", tokens_context, change)

    # A session's page: its data, edited; its deletion

    def session_context(session_id: str) -> Context:
        def context(db: Session, principal: Principal) -> dict[str, Any]:
            council_id = principal.user.council_id
            plenary = civic.get_plenary_session_for_council(db, council_id, session_id)
            count = select(func.count()).where(TranscriptVersion.session_id == plenary.id)
            jobs = select(func.count()).where(Job.session_id == plenary.id)
            return {
                "plenary": plenary,
                "types": SESSION_TYPES,
                "fields": SESSION_FORM,
                "roster": civic.list_roster(db, council_id, active_only=True),
                "can_edit": principal.user.role in MANAGERS,
                "can_delete": principal.user.role == "admin",
                "versions": int(db.scalar(count) or 0),
                "jobs": int(db.scalar(jobs) or 0),
            }

        return context

    @web.get("/sessions/{session_id}", response_class=HTMLResponse)
    def session_page(session_id: str, request: Request) -> Response:
        return page(request, ROLES, "settings/session.html", session_context(session_id))

    def session_change(session_id: str) -> FormChange:
        def change(db: Session, principal: Principal, fields: Fields) -> str:
            values = {k: fields.get(k, "").strip() for k in SESSION_FORM}
            council_routes.change_session(
                db, principal.user, session_id, SessionUpdate.model_validate(values)
            )
            return f"/sessions/{session_id}?ok=saved"

        return change

    @web.post("/sessions/{session_id}")
    async def session_save(session_id: str, request: Request) -> Response:
        context, change = session_context(session_id), session_change(session_id)
        return await submit(request, MANAGERS, "settings/session.html", context, change)

    @web.get("/sessions/{session_id}/delete", response_class=HTMLResponse)
    def session_delete_page(session_id: str, request: Request) -> Response:
        return page(request, ADMINS, "settings/delete.html", session_context(session_id))

    @web.post("/sessions/{session_id}/delete")
    async def session_delete(session_id: str, request: Request) -> Response:
        fields = await form_fields(request)
        return await run_in_threadpool(_session_delete, request, fields, session_id)

    def _session_delete(request: Request, fields: Fields, session_id: str) -> Response:
        t = web_i18n.strings(pages.lang(request))
        storage: Path = request.app.state.storage_path
        removed: list[list[str]] = []
        names: list[str] = []

        def change(db: Session, principal: Principal) -> str:
            if fields.get("confirm") != "yes":
                raise Refused(t["set_delete_unconfirmed"])
            plenary = civic.get_plenary_session_for_council(
                db, principal.user.council_id, session_id
            )
            names.append(plenary.slug or plenary.date or plenary.id)
            removed.append(remove_session(db, storage, principal.user, session_id))
            return "/"

        context = session_context(session_id)
        response = _submit(request, fields, ADMINS, "settings/delete.html", context, change)
        if not removed:
            return response
        remove_files(storage, removed[0])
        with database(request).session() as db:
            principal = _form_user(request, db, fields, ADMINS)
            done = t["set_deleted"].format(name=names[0])
            return show(request, db, principal, "settings/deleted.html", {"done": done})

    return web
