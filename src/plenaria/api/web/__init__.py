"""The web app for secretaries and clerks: server-rendered pages over the JSON API.

Pages: ``/login``, ``/`` (the council's sessions and jobs), ``/upload``,
``/jobs/{id}``, ``/sessions/{id}/editor``. Templates and static files are
package data (``plenaria/templates/web``); the pages call the JSON API under
``/api/v1`` with the session cookie and the ``X-CSRF-Token`` header, which
each page carries in a ``<meta name="csrf-token">``. Everything a user wrote
is escaped (Jinja2 autoescape; the scripts set ``textContent``).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from plenaria.api import i18n as web_i18n
from plenaria.api import login_guard
from plenaria.api.deps import (
    CSRF_HEADER,
    Principal,
    authenticate,
    get_principal,
)
from plenaria.api.errors import status_of
from plenaria.api.schemas import LoginIn
from plenaria.api.web.pages import STATIC_URL, Pages, safe_next, static_file
from plenaria.config import Settings
from plenaria.db import accounts as repo
from plenaria.db import civic
from plenaria.db import jobs as job_repo
from plenaria.db.engine import Database
from plenaria.db.models import Job, PlenarySession, Recording, User
from plenaria.errors import (
    AuthenticationError,
    PermissionDeniedError,
    PlenariaError,
    RateLimitedError,
    role_name,
)
from plenaria.live.pull_guard import mask_url

log = logging.getLogger(__name__)

ACTIVE = ("queued", "running")
MANAGERS = ("admin", "secretary")


class LoginRequired(Exception):
    """Raised by a page whose visitor is not logged in: answered with a redirect to /login."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def _principal(request: Request, db: Any) -> Principal:
    try:
        return get_principal(request, db)
    except AuthenticationError as e:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target) from e


def _job_rows(db: Any, council_id: str) -> list[dict[str, Any]]:
    sessions = {s.id: s for s in civic.list_plenary_sessions(db, council_id)}
    rows = []
    jobs = job_repo.list_jobs(db, council_id, None, 100, 0)
    outputs = job_repo.output_kinds_of(db, [j.id for j in jobs if j.state == "done"])
    for job in jobs:
        plenary = sessions.get(job.session_id or "")
        rows.append({"job": job, "session": plenary, "outputs": outputs.get(job.id, [])})
    return rows


def _live_pieces(request: Request, job: Job) -> list[dict[str, Any]]:
    """A live job's partial transcript so far (the page then follows its events)."""
    if job.live is None:
        return []
    from plenaria.api.routes.jobs import live_chunks
    from plenaria.live.partial import pieces

    return pieces(live_chunks(request.app.state.storage_path, job.id))


def _steps(db: Any, job: Job) -> list[dict[str, Any]]:
    out = []
    steps = job_repo.list_steps(db, job.id)

    def when(st: Any) -> float:
        moment = st.started_at or st.queued_at
        return moment.timestamp() if moment is not None else float("inf")

    steps.sort(key=lambda st: (when(st), st.name))
    for step in steps:
        fraction = 1.0 if step.state == "done" else 0.0
        if step.state != "done" and step.total_s > 0:
            fraction = min(1.0, step.done_s / step.total_s)
        out.append({"step": step, "percent": round(100 * fraction)})
    return out


def router(pages: Pages | None = None) -> APIRouter:
    """The HTML pages. Their assets are mounted by :func:`install`."""
    pages = pages or Pages()
    web = APIRouter(include_in_schema=False)

    def database(request: Request) -> Database:
        db: Database = request.app.state.db
        return db

    @web.get(STATIC_URL + "/{path:path}")
    def static(path: str) -> Response:
        """The pages' scripts, styles and vendored libraries (package data)."""
        return static_file(path)

    def login_page(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
        """The form, with a fresh CSRF token bound to a new login cookie (login CSRF)."""
        settings: Settings = request.app.state.settings
        nonce = login_guard.new_login_nonce()
        token = login_guard.login_form_token(settings, nonce)
        response = pages.render(
            request, "login.html", {**context, "login_csrf": token}, status_code=status_code
        )
        response.set_cookie(
            login_guard.login_cookie_name(settings),
            nonce,
            httponly=True,
            samesite="lax",
            secure=settings.cookie_secure,
            path="/",
        )
        return response

    @web.get("/favicon.ico")
    def favicon() -> Response:
        """The icon browsers ask for by themselves (an SVG; the pages link it too)."""
        return static_file("favicon.svg")

    @web.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/") -> Response:
        return login_page(request, {"next": safe_next(next), "error": ""})

    @web.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        from plenaria.api.routes.auth import check_login

        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        target = safe_next(fields.get("next"))
        t = web_i18n.strings(pages.lang(request))
        settings: Settings = request.app.state.settings
        context: dict[str, Any] = {"next": target, "email": fields.get("email")}
        nonce = request.cookies.get(login_guard.login_cookie_name(settings))
        try:
            login_guard.check_origin(request)
        except PermissionDeniedError:
            if not _wants_html(request):
                raise
            return login_page(request, {**context, "error": t["login_foreign"]}, 403)
        if not login_guard.login_form_token_valid(settings, nonce, fields.get("csrf_token")):
            if not _wants_html(request):
                raise PermissionDeniedError(
                    "El formulario de entrada ha caducado o no lleva su token (csrf_token).",
                    "Cargue /login y envíe el formulario desde allí.",
                )
            return login_page(request, {**context, "error": t["login_expired"]}, 403)
        try:
            login_in = LoginIn.model_validate(
                {"email": fields.get("email", ""), "password": fields.get("password", "")}
            )
            secret, _user = await run_in_threadpool(
                check_login,
                database(request),
                settings,
                login_guard.hash_slots(request),
                login_in,
                login_guard.request_address(request),
            )
        except RateLimitedError as e:
            error = t["login_limited"].format(seconds=e.retry_after_s)
            response = login_page(request, {**context, "error": error}, 429)
            response.headers["Retry-After"] = str(e.retry_after_s)
            return response
        except login_guard.HashesBusyError:
            response = login_page(request, {**context, "error": t["login_busy"]}, 503)
            response.headers["Retry-After"] = str(login_guard.BUSY_RETRY_S)
            return response
        except (PlenariaError, ValueError):
            return login_page(request, {**context, "error": t["login_failed"]}, 401)
        response = RedirectResponse(target, status_code=303)
        login_guard.set_session_cookie(response, settings, secret)
        response.delete_cookie(
            login_guard.login_cookie_name(settings), path="/", secure=settings.cookie_secure
        )
        return response

    @web.post("/logout")
    async def logout(request: Request) -> Response:
        """The "Salir" button: its form carries the CSRF token as the field ``csrf_token``."""
        form = await request.form()
        field = form.get("csrf_token")
        csrf = field if isinstance(field, str) else request.headers.get(CSRF_HEADER)
        await run_in_threadpool(_end_web_session, database(request), request, csrf)
        settings: Settings = request.app.state.settings
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(
            login_guard.session_cookie_name(settings), path="/", secure=settings.cookie_secure
        )
        return response

    @web.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        with database(request).session() as db:
            principal = _principal(request, db)
            council_id = principal.user.council_id
            sessions = civic.list_plenary_sessions(db, council_id)
            jobs = _job_rows(db, council_id)
            with_transcript = _sessions_with_transcript(db, council_id)
            context = {
                "sessions": sessions,
                "jobs": jobs,
                "with_transcript": with_transcript,
                "active": any(r["job"].state in ACTIVE for r in jobs),
            }
            return pages.render(request, "index.html", context, principal=principal)

    @web.get("/fragments/jobs", response_class=HTMLResponse)
    def jobs_fragment(request: Request) -> HTMLResponse:
        with database(request).session() as db:
            principal = _principal(request, db)
            jobs = _job_rows(db, principal.user.council_id)
            context = {"jobs": jobs, "active": any(r["job"].state in ACTIVE for r in jobs)}
            return pages.render(request, "_jobs.html", context, principal=principal)

    @web.get("/upload", response_class=HTMLResponse)
    def upload(request: Request) -> HTMLResponse:
        with database(request).session() as db:
            principal = _principal(request, db)
            if principal.user.role not in MANAGERS:
                raise PermissionDeniedError(
                    f"Su función ({role_name(principal.user.role)}) no permite subir grabaciones.",
                    "Pídalo a secretaría o a administración.",
                )
            roster = civic.list_roster(db, principal.user.council_id, active_only=True)
            return pages.render(request, "upload.html", {"roster": roster}, principal=principal)

    @web.get("/jobs/{job_id}", response_class=HTMLResponse)
    def job_page(job_id: str, request: Request) -> HTMLResponse:
        with database(request).session() as db:
            principal = _principal(request, db)
            job = job_repo.get_job_for_council(db, principal.user.council_id, job_id)
            plenary = db.get(PlenarySession, job.session_id) if job.session_id else None
            context = {
                "job": job,
                "title": _job_title(db, job, plenary, pages.lang(request)),
                "steps": _steps(db, job),
                "plenary": plenary,
                "can_retry": principal.user.role in ("admin", "secretary"),
                "live_pieces": _live_pieces(request, job),
                "live_url": mask_url(str((job.live or {}).get("url", ""))),
                "warnings": job_repo.job_warnings_of(db, [job.id]).get(job.id, []),
                "outputs": job_repo.output_kinds(db, job.id),
                "acta_pdf": _acta_approved(db, plenary),
            }
            return pages.render(request, "job.html", context, principal=principal)

    @web.get("/jobs/{job_id}/steps", response_class=HTMLResponse)
    def steps_fragment(job_id: str, request: Request) -> HTMLResponse:
        with database(request).session() as db:
            principal = _principal(request, db)
            job = job_repo.get_job_for_council(db, principal.user.council_id, job_id)
            context = {"job": job, "steps": _steps(db, job)}
            return pages.render(request, "_steps.html", context, principal=principal)

    @web.get("/sessions/{session_id}/editor", response_class=HTMLResponse)
    def editor(session_id: str, request: Request) -> HTMLResponse:
        with database(request).session() as db:
            principal = _principal(request, db)
            council_id = principal.user.council_id
            plenary = civic.get_plenary_session_for_council(db, council_id, session_id)
            roster = [
                {"id": p.id, "name": p.name, "role": p.role, "group": p.group}
                for p in civic.list_roster(db, council_id)
            ]
            lang = pages.lang(request)
            context = {
                "plenary": plenary,
                "roster": roster,
                "shortcuts": web_i18n.shortcuts(lang),
                "me": _user_label(principal.user),
            }
            return pages.render(request, "editor.html", context, principal=principal)

    from plenaria.api.web import settings as settings_pages  # settings pages (their module)

    web.include_router(settings_pages.router(pages))
    from plenaria.api.web import session_pages  # a session's page: edit, delete (its module)

    web.include_router(session_pages.router(pages))
    from plenaria.api.web import acta_pages  # the acta's page (its module)

    web.include_router(acta_pages.router(pages))
    from plenaria.api.web import voice_pages  # a person's voice: forget, delete (its module)

    web.include_router(voice_pages.router(pages))
    return web


def _end_web_session(database: Database, request: Request, csrf: str | None) -> None:
    """Close the caller's browser session; a wrong or missing token is a 403 (nothing ends)."""
    with database.session() as db:
        try:
            principal = authenticate(request, db, csrf)
        except AuthenticationError:
            return  # no session to end: on to /login
        if principal.via == "cookie":
            user = principal.user
            repo.close_web_session(db, principal.session_secret)
            repo.audit(db, user.council_id, user.id, "auth.logout", "user", user.id)
            db.commit()


def _job_title(db: Any, job: Job, plenary: PlenarySession | None, lang: str) -> str:
    """A job's page is named by its session (type and date), else by its recording's file."""
    if plenary is not None:
        try:
            day = date.fromisoformat(plenary.date)
        except ValueError:
            return plenary.slug or plenary.id
        return web_i18n.session_title(plenary.session_type, day, lang)
    recording = db.get(Recording, job.recording_id)
    name = recording.file_name if recording is not None else job.id
    return web_i18n.strings(lang)["job_of_file"].format(name=name)


def _acta_approved(db: Any, plenary: PlenarySession | None) -> bool:
    """Whether the session's acta has an approved version (its PDF/A is then linked)."""
    from sqlalchemy import select

    from plenaria.db.models import ActaRecord

    if plenary is None:
        return False
    query = select(ActaRecord.approved_number).where(ActaRecord.session_id == plenary.id)
    return db.scalar(query) is not None


def _user_label(user: User) -> str:
    return user.email


def _sessions_with_transcript(db: Any, council_id: str) -> set[str]:
    from sqlalchemy import select

    from plenaria.db.models import TranscriptVersion

    query = select(TranscriptVersion.session_id).where(TranscriptVersion.council_id == council_id)
    return set(db.scalars(query.distinct()))


def _wants_html(request: Request) -> bool:
    """A browser navigating (not an API client, not a script's fetch)."""
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def install(app: FastAPI) -> None:
    """Add the pages and their assets to ``app``.

    Errors on pages: a browser gets a page (and /login when not logged in); any
    other client the API's JSON ``{"detail": ...}`` with the same status.
    """
    from plenaria.api.errors import _http, _internal, _plenaria

    def database_of(request: Request) -> Database:
        db: Database = request.app.state.db
        return db

    pages = Pages()
    app.include_router(router(pages))

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        if _wants_html(request):
            target = f"/login?next={quote(exc.next_url, safe='/')}"
            return RedirectResponse(target, status_code=303)
        error = AuthenticationError("No ha entrado.", "Entre en /login.")
        return _plenaria(request, error)

    app.add_exception_handler(LoginRequired, login_required)

    def render_error(request: Request, status: int, message: str | None) -> Response:
        lang = pages.lang(request)
        t = web_i18n.strings(lang)
        title = t.get(f"error_{status}", t["error_title"])
        # The exception's own line is Spanish: a Catalan page shows the status's message.
        if message is None or lang != web_i18n.DEFAULT:
            message = t.get(f"error_msg_{status}", t["error_msg_500"])
        context = {"message": message, "title": title}
        try:  # the visitor, if logged in, so that the page keeps the navigation
            with database_of(request).session() as db:
                principal = get_principal(request, db)
                return pages.render(request, "error.html", context, status, principal)
        except Exception:  # not logged in, or the database is down: the page without a user
            return pages.render(request, "error.html", context, status_code=status)

    async def error_page(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PlenariaError)
        if not _wants_html(request):
            return _plenaria(request, exc)
        return render_error(request, status_of(exc), str(exc))

    app.add_exception_handler(PlenariaError, error_page)

    async def http_error_page(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if not _wants_html(request) or exc.status_code < 400:
            return _http(request, exc)
        return render_error(request, exc.status_code, None)

    app.add_exception_handler(StarletteHTTPException, http_error_page)

    async def internal_error_page(request: Request, exc: Exception) -> Response:
        if not _wants_html(request):
            return _internal(request, exc)
        log.exception("%s %s failed", request.method, request.url.path, exc_info=exc)
        return render_error(request, 500, None)

    app.add_exception_handler(Exception, internal_error_page)
