"""The frame of the settings pages and a session's page: their sections, the notice
after a change, a refused field in the page's language, and :class:`SettingsPages`,
which shows a page to the roles that may see it and runs a form's change through
:func:`plenaria.api.web.forms.attempt` (the form again with its line, or a redirect).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from plenaria.api import i18n as web_i18n
from plenaria.api import i18n_messages
from plenaria.api.deps import Principal
from plenaria.api.i18n_voices import VOICE_NOTICES
from plenaria.api.web import MANAGERS, _principal
from plenaria.api.web.forms import Fields, Refused, allow, attempt, form_fields, form_user
from plenaria.api.web.pages import Pages
from plenaria.db.engine import Database

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
# A form field's label (catalogue key), for the lines that name a refused field.
LABELS = {
    "video_url_template": "set_video_template",
    "acta_lang": "set_acta_lang",
    "vocabulary": "set_vocabulary",
    "languages": "set_languages",
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

Change = Callable[[Session, Principal], str]
FormChange = Callable[[Session, Principal, Fields], str]
Context = Callable[[Session, Principal], dict[str, Any]]


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


class SettingsPages:
    """A settings page shown, and a form's change made, with the settings' frame."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages

    @staticmethod
    def database(request: Request) -> Database:
        db: Database = request.app.state.db
        return db

    def show(
        self,
        request: Request,
        db: Session,
        principal: Principal,
        template: str,
        context: dict[str, Any],
        status_code: int = 200,
    ) -> Response:
        notice = NOTICES.get(request.query_params.get("ok", ""))
        role = principal.user.role
        sections = [(name, url) for name, url, roles in SECTIONS if role in roles]
        base: dict[str, Any] = {"sections": sections, "notice": notice}
        base.update(error="", values={})
        return self.pages.render(
            request, template, {**base, **context}, status_code=status_code, principal=principal
        )

    def page(
        self, request: Request, roles: tuple[str, ...], template: str, context: Context
    ) -> Response:
        with self.database(request).session() as db:
            principal = _principal(request, db)
            allow(principal, roles)
            return self.show(request, db, principal, template, context(db, principal))

    async def submit(
        self,
        request: Request,
        roles: tuple[str, ...],
        template: str,
        context: Context,
        change: FormChange,
    ) -> Response:
        """The posted form's ``change``, made in a thread: :meth:`submit_now`."""
        fields = await form_fields(request)

        def apply(db: Session, principal: Principal) -> str:
            return change(db, principal, fields)

        return await run_in_threadpool(
            self.submit_now, request, fields, roles, template, context, apply
        )

    def submit_now(
        self,
        request: Request,
        fields: Fields,
        roles: tuple[str, ...],
        template: str,
        context: Context,
        change: Change,
    ) -> Response:
        """``change`` made: a redirect to the page it names; refused: the form again, with
        its line (422, or 409 for a conflict) and the values posted."""
        lang = self.pages.lang(request)
        t = web_i18n.strings(lang)
        with self.database(request).session() as db:
            principal = form_user(request, db, fields, roles)

            def run() -> str:
                try:
                    return change(db, principal)
                except ValidationError as e:
                    raise Refused(validation_line(e, t)) from e

            outcome = attempt(request, db, run, lambda e: i18n_messages.translate(str(e), lang))
            if not isinstance(outcome, Refused):
                return RedirectResponse(outcome, status_code=303)
            extra = {"error": outcome.line, "values": fields}
            context_now = {**context(db, principal), **extra}
            return self.show(request, db, principal, template, context_now, outcome.status)
