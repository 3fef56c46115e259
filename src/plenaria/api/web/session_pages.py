"""A session's own page: its data (the heading: slug to secretary, and its call) edited
by a secretary or admin, seen by every role; and its deletion by an admin, confirmed
with a tick, with its files. The frame is the settings pages'
(:mod:`plenaria.api.web.settings_forms`): a refused value shows the form again with
one line in the page's language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from plenaria.api import i18n as web_i18n
from plenaria.api.deps import Principal
from plenaria.api.routes import council as council_routes
from plenaria.api.schemas import SessionUpdate
from plenaria.api.session_removal import remove_files, remove_session
from plenaria.api.web import MANAGERS
from plenaria.api.web.forms import Fields, Refused, form_fields, form_user
from plenaria.api.web.pages import Pages
from plenaria.api.web.settings_forms import ADMINS, Context, FormChange, SettingsPages
from plenaria.db import civic
from plenaria.db.models import ROLES, Job, TranscriptVersion

SESSION_TYPES = ("ordinaria", "extraordinaria", "extraordinaria urgente")
# A session's heading, edited on its page (slug to secretary; the agenda stays as uploaded).
SESSION_FORM = (*civic.SESSION_FIELDS[: civic.SESSION_FIELDS.index("agenda")], "call")


def router(pages: Pages) -> APIRouter:
    web = APIRouter(include_in_schema=False)
    frame = SettingsPages(pages)

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
        return frame.page(request, ROLES, "settings/session.html", session_context(session_id))

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
        return await frame.submit(request, MANAGERS, "settings/session.html", context, change)

    @web.get("/sessions/{session_id}/delete", response_class=HTMLResponse)
    def session_delete_page(session_id: str, request: Request) -> Response:
        return frame.page(request, ADMINS, "settings/delete.html", session_context(session_id))

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
        response = frame.submit_now(
            request, fields, ADMINS, "settings/delete.html", context, change
        )
        if not removed:
            return response
        remove_files(storage, removed[0])
        with frame.database(request).session() as db:
            principal = form_user(request, db, fields, ADMINS)
            done = t["set_deleted"].format(name=names[0])
            return frame.show(request, db, principal, "settings/deleted.html", {"done": done})

    return web
