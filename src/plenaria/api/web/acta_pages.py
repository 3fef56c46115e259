"""The acta's page, ``/sessions/{id}/acta``: its state, the ROF 109 check list, and the
forms that move it on: a clerk sends it to review; a secretary or admin returns it,
marks a missing field not applicable (with a reason), approves it (refused, naming
each missing field, while one is left), signs it (the server's certificate, their own
PKCS#12 and its password, or a PDF signed outside), publishes and withdraws it, and
opens a correction (diligencia). The downloads, the approved versions, the diligencias
and the audit log (who, when, what) are on it too.

Each form posts the page's CSRF token as ``csrf_token`` and goes through the same
functions as the JSON API (:mod:`plenaria.api.routes.acta`, ``acta_sign``, ``portal``).
A refusal shows the page again with one line in its language (409 or 422); a form a
role may not post is the 403 page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from plenaria.api import i18n as web_i18n
from plenaria.api import i18n_messages, publishing
from plenaria.api.deps import Principal
from plenaria.api.i18n_acta import FIELDS
from plenaria.api.routes import acta as acta_routes
from plenaria.api.routes import acta_sign, portal
from plenaria.api.web import MANAGERS, _principal
from plenaria.api.web.forms import Fields, Refused, attempt, form_user
from plenaria.api.web.pages import Pages
from plenaria.config import Settings
from plenaria.db import acta as workflow
from plenaria.db import portal as portal_repo
from plenaria.db.engine import Database
from plenaria.db.models import ROLES, ActaRecord, PlenarySession, User
from plenaria.db.transcripts import get_version, latest_number
from plenaria.errors import InputError

# The fields kept on the session's page (its form's ids); the rest are filled in the editor.
SESSION_FIELDS = {
    "date": "s-date",
    "place": "s-place",
    "session_type": "s-type",
    "start_time": "s-start",
    "president": "s-president",
    "secretary": "s-secretary",
}
STATE_KEYS = {name: key for key, name in workflow.STATE_NAMES.items()}
_STATE_LINE = re.compile(r"^El acta está (.+?) y no puede pasar a (.+?)\.")
# A refusal of the signing steps (Spanish, where it is raised) → its line on the page.
_PREFIXES = (
    ("La contraseña del certificado PKCS#12", "acta_err_password"),
    ("No hay certificado para firmar", "acta_err_no_cert"),
    ("El PDF subido no lleva firma", "acta_err_not_signed"),
    ("La firma del PDF subido no es válida", "acta_err_invalid"),
    ("El PDF firmado no es el acta aprobada", "acta_err_not_ours"),
)

Action = Callable[[Session, PlenarySession, ActaRecord, User, Fields, dict[str, Any]], None]


def field_label(key: str, lang: str) -> str:
    """A ``missing`` key in the page's language: ``item_vote:3`` → "la votación del punto 3…"."""
    if lang != "ca":
        return workflow.describe(key)
    base, _, number = key.partition(":")
    text = FIELDS.get(base)
    return text.format(n=number) if text is not None else workflow.describe(key)


def state_label(state: str, t: dict[str, str]) -> str:
    return t.get(f"acta_state_{state}", state)


def refusal_line(error: InputError, lang: str, t: dict[str, str]) -> str:
    """A refusal of the workflow as one line in the page's language."""
    text = str(error)
    found = _STATE_LINE.match(text)
    if found:
        now, to = (STATE_KEYS.get(s, s) for s in found.groups())
        return t["acta_err_state"].format(now=state_label(now, t), to=state_label(to, t))
    for prefix, key in _PREFIXES:
        if text.startswith(prefix):
            return t[key]
    return i18n_messages.translate(text, lang)


def _moment(value: Any, lang: str) -> str:
    """An ISO moment (as the audit's details keep it) in words in the page's language."""
    if isinstance(value, str):
        try:
            return web_i18n.format_datetime(datetime.fromisoformat(value), lang)
        except ValueError:
            return value
    return web_i18n.format_datetime(value, lang) if isinstance(value, datetime) else ""


def _event(action: str, detail: dict[str, Any], lang: str, t: dict[str, str]) -> str:
    if action == "acta.transition":
        old = state_label(str(detail.get("from", "")), t)
        text = t["acta_ev_transition"].format(old=old, new=state_label(str(detail.get("to")), t))
        if detail.get("signer"):
            text += ". " + t["acta_ev_signed"].format(signer=detail["signer"])
        return text
    if action == "acta.not_applicable":
        field = field_label(str(detail.get("field", "")), lang)
        return t["acta_ev_na"].format(field=field, reason=detail.get("reason", ""))
    if action == "acta.correction":
        old, reason = detail.get("corrects", ""), detail.get("reason", "")
        return t["acta_ev_correction"].format(old=old, reason=reason)
    return action


def _email(db: Session, user_id: str | None) -> str:
    user = db.get(User, user_id) if user_id else None
    return user.email if user is not None else ""


def acta_context(
    db: Session, principal: Principal, session_id: str, settings: Settings, lang: str
) -> dict[str, Any]:
    """What the acta's page shows to ``principal``."""
    t = web_i18n.strings(lang)
    user = principal.user
    plenary, record = acta_routes.load(db, user, session_id)
    number = latest_number(db, plenary.id)
    content = get_version(db, plenary).content if number is not None else {}
    marks = dict(record.not_applicable or {})
    missing = []
    for n, key in enumerate(workflow.missing_of(content), 1):
        anchor = SESSION_FIELDS.get(key)
        href = f"/sessions/{plenary.id}" + (f"#{anchor}" if anchor else "/editor")
        mark = marks.get(key)
        missing.append(
            {
                "n": n,
                "key": key,
                "label": field_label(key, lang),
                "href": href,
                "in_session": anchor is not None,
                "mark": mark and {**mark, "at": _moment(mark.get("at"), lang)},
            }
        )
    certificates = workflow.certificates(db, plenary)
    current = next((c for c in certificates if c.version_number == record.approved_number), None)
    manager = user.role in MANAGERS
    state = record.state
    publication = portal_repo.live_publication(db, plenary)
    history = [
        {
            "at": e.at,
            "by": _email(db, e.user_id) or t["acta_nobody"],
            "what": _event(e.action, e.detail or {}, lang, t),
        }
        for e in workflow.history(db, plenary)
    ]
    return {
        "plenary": plenary,
        "record": record,
        "state": state,
        "state_text": state_label(state, t),
        "version": number,
        "missing": missing,
        "outstanding": workflow.outstanding(record, content),
        "manager": manager,
        "can_submit": state == "draft" and number is not None,
        "can_review": manager and state == "in_review",
        "can_mark": manager and state in ("draft", "in_review"),
        "can_sign": manager and state == "approved",
        "server_cert": settings.sign_pkcs12 is not None,
        "can_publish": manager and state in ("signed", "published"),  # after the signature
        "can_withdraw": manager and publication is not None,
        "can_correct": manager and state in workflow.LOCKED,
        "publication": publication,
        "public_url": publishing.public_url(user.council, plenary) if publication else "",
        "current": current,
        "signed": current is not None and bool(current.signed_pdf_key),
        "certificates": [
            {
                "n": c.version_number,
                "csv": c.data.get("csv", ""),
                "at": _moment(c.data["acta"]["approved_at"], lang),
            }
            for c in certificates
        ],
        "corrections": [{**c, "at": _moment(c.get("at"), lang)} for c in record.corrections or []],
        "history": history,
        "notice": "",
        "error": "",
    }


def router(pages: Pages) -> APIRouter:
    web = APIRouter(include_in_schema=False)

    def database(request: Request) -> Database:
        db: Database = request.app.state.db
        return db

    def storage(request: Request) -> Path:
        path: Path = request.app.state.storage_path
        return path

    def show(
        request: Request,
        db: Session,
        principal: Principal,
        session_id: str,
        extra: dict[str, Any],
        status_code: int = 200,
    ) -> Response:
        lang = pages.lang(request)
        settings: Settings = request.app.state.settings
        context = acta_context(db, principal, session_id, settings, lang)
        if request.query_params.get("ok") == "1":
            t = web_i18n.strings(lang)
            context["notice"] = t["acta_done"].format(state=context["state_text"])
        context.update(extra)
        db.commit()  # a session's first visit makes its acta record (a draft)
        return pages.render(request, "acta.html", context, status_code, principal)

    @web.get("/sessions/{session_id}/acta", response_class=HTMLResponse)
    def acta_page(session_id: str, request: Request) -> Response:
        with database(request).session() as db:
            principal = _principal(request, db)
            return show(request, db, principal, session_id, {})

    async def post(
        request: Request, session_id: str, roles: tuple[str, ...], action: Action
    ) -> Response:
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        files = {k: v for k, v in form.items() if not isinstance(v, str)}
        return await run_in_threadpool(_post, request, session_id, roles, action, fields, files)

    def _post(
        request: Request,
        session_id: str,
        roles: tuple[str, ...],
        action: Action,
        fields: Fields,
        files: dict[str, Any],
    ) -> Response:
        lang = pages.lang(request)
        t = web_i18n.strings(lang)
        with database(request).session() as db:
            principal = form_user(request, db, fields, roles)
            plenary, record = acta_routes.load(db, principal.user, session_id)
            outcome = attempt(
                request,
                db,
                lambda: action(db, plenary, record, principal.user, fields, files),
                lambda e: refusal_line(e, lang, t),
            )
            if not isinstance(outcome, Refused):
                return RedirectResponse(f"/sessions/{session_id}/acta?ok=1", status_code=303)
            return show(request, db, principal, session_id, {"error": outcome.line}, outcome.status)

    def reason_of(fields: Fields, t: dict[str, str]) -> str:
        reason = fields.get("reason", "").strip()
        if not 3 <= len(reason) <= 500:
            raise Refused(t["acta_err_reason"])
        return reason

    @web.post("/sessions/{session_id}/acta/submit")
    async def submit(session_id: str, request: Request) -> Response:
        def action(db: Session, plenary: Any, record: Any, user: User, f: Fields, _: Any) -> None:
            acta_routes.submit_acta(db, plenary, record, user)

        return await post(request, session_id, ROLES, action)

    @web.post("/sessions/{session_id}/acta/return")
    async def return_to_draft(session_id: str, request: Request) -> Response:
        def action(db: Session, plenary: Any, record: Any, user: User, f: Fields, _: Any) -> None:
            acta_routes.return_acta(db, record, user)

        return await post(request, session_id, MANAGERS, action)

    @web.post("/sessions/{session_id}/acta/not-applicable")
    async def not_applicable(session_id: str, request: Request) -> Response:
        t = web_i18n.strings(pages.lang(request))

        def action(db: Session, plenary: Any, record: Any, user: User, f: Fields, _: Any) -> None:
            field = f.get("field", "")
            acta_routes.mark_not_applicable(db, plenary, record, user, field, reason_of(f, t))

        return await post(request, session_id, MANAGERS, action)

    @web.post("/sessions/{session_id}/acta/approve")
    async def approve(session_id: str, request: Request) -> Response:
        lang = pages.lang(request)
        t = web_i18n.strings(lang)
        settings: Settings = request.app.state.settings

        def action(db: Session, plenary: Any, record: Any, user: User, f: Fields, _: Any) -> None:
            if record.state == "in_review" and latest_number(db, plenary.id) is not None:
                content = get_version(db, plenary).content
                left = workflow.outstanding(record, content)
                if left:
                    listed = "; ".join(field_label(k, lang) for k in left)
                    raise Refused(t["acta_err_missing"].format(fields=listed), 409)
            acta_routes.approve_acta(db, storage(request), settings, plenary, record, user)

        return await post(request, session_id, MANAGERS, action)

    @web.post("/sessions/{session_id}/acta/sign")
    async def sign(session_id: str, request: Request) -> Response:
        settings: Settings = request.app.state.settings
        stamper = getattr(request.app.state, "sign_timestamper", None)  # a test's own TSA

        def action(db: Session, plenary: Any, record: Any, user: User, f: Fields, up: Any) -> None:
            acta_sign.to_sign(db, plenary)
            uploaded = acta_sign.read_pkcs12(up.get("pkcs12"))
            password = f.get("password", "")[:200]
            acta_sign.sign_acta(
                db, storage(request), settings, stamper, plenary, user, uploaded, password
            )

        return await post(request, session_id, MANAGERS, action)

    @web.post("/sessions/{session_id}/acta/signed-pdf")
    async def signed_pdf(session_id: str, request: Request) -> Response:
        settings: Settings = request.app.state.settings
        t = web_i18n.strings(pages.lang(request))

        def action(db: Session, plenary: Any, record: Any, user: User, f: Fields, up: Any) -> None:
            acta_sign.to_sign(db, plenary)
            upload = up.get("file")
            if upload is None or not getattr(upload, "filename", ""):
                raise Refused(t["acta_err_no_file"])
            data = upload.file.read(settings.verify_max_bytes + 1)
            acta_sign.accept_signed(db, storage(request), settings, plenary, user, data)

        return await post(request, session_id, MANAGERS, action)

    @web.post("/sessions/{session_id}/acta/publish")
    async def publish(session_id: str, request: Request) -> Response:
        def action(db: Session, plenary: Any, record: Any, user: User, f: Fields, _: Any) -> None:
            portal.publish_session(db, storage(request), plenary, user)

        return await post(request, session_id, MANAGERS, action)

    @web.post("/sessions/{session_id}/acta/withdraw")
    async def withdraw(session_id: str, request: Request) -> Response:
        def action(db: Session, plenary: Any, record: Any, user: User, f: Fields, _: Any) -> None:
            portal.withdraw_session(db, plenary, user)

        return await post(request, session_id, MANAGERS, action)

    @web.post("/sessions/{session_id}/acta/correction")
    async def correction(session_id: str, request: Request) -> Response:
        t = web_i18n.strings(pages.lang(request))

        def action(db: Session, plenary: Any, record: Any, user: User, f: Fields, _: Any) -> None:
            acta_routes.open_correction(db, plenary, record, user, reason_of(f, t))

        return await post(request, session_id, MANAGERS, action)

    return web
