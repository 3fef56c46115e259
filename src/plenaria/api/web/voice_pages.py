"""A person's voice on the roster's person page: forget what was learned, or delete it all.

The page itself (``/settings/roster/{id}``, :mod:`plenaria.api.web.settings`) lists the
samples (:func:`plenaria.api.voice_learning.voice_of`); these are its two forms. Each
posts its session's CSRF token; managers only, as the roster; another council's person
is the 404 page. The deletion must be confirmed with a tick (else nothing is deleted).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from plenaria.api import voice_learning
from plenaria.api.web import MANAGERS, _wants_html
from plenaria.api.web.forms import Fields, form_fields, form_user
from plenaria.api.web.pages import Pages
from plenaria.db import civic
from plenaria.db.engine import Database
from plenaria.errors import InputError


def router(pages: Pages) -> APIRouter:
    del pages  # the page is the settings' person page; these forms answer with a redirect
    web = APIRouter(include_in_schema=False)

    def forget(request: Request, fields: Fields, person_id: str, learned_only: bool) -> Response:
        database: Database = request.app.state.db
        with database.session() as db:
            principal = form_user(request, db, fields, MANAGERS)
            civic.get_person_for_council(db, principal.user.council_id, person_id)
            if learned_only or fields.get("confirm") == "1":
                voice_learning.forget_voice(db, principal.user, person_id, learned_only)
                db.commit()
                done = "voice_reset" if learned_only else "voice_deleted"
            elif _wants_html(request):
                done = "voice_unconfirmed"  # the page says so; nothing is deleted
            else:
                raise InputError(
                    "No se ha confirmado el borrado de la voz (confirm=1).",
                    "Marque la casilla de confirmación y vuelva a enviar el formulario.",
                )
        return RedirectResponse(f"/settings/roster/{person_id}?ok={done}#voice", status_code=303)

    @web.post("/settings/roster/{person_id}/voice/reset")
    async def voice_reset(person_id: str, request: Request) -> Response:
        fields = await form_fields(request)
        return await run_in_threadpool(forget, request, fields, person_id, True)

    @web.post("/settings/roster/{person_id}/voice/delete")
    async def voice_delete(person_id: str, request: Request) -> Response:
        fields = await form_fields(request)
        return await run_in_threadpool(forget, request, fields, person_id, False)

    return web
