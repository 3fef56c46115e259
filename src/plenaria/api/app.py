"""The FastAPI application factory. Nothing is built at import: call :func:`create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from plenaria.api import errors, public, security, verify, web
from plenaria.api.jobs_port import JobQueue
from plenaria.api.metrics import make_registry
from plenaria.api.routes import (
    acta,
    acta_package,
    acta_sign,
    auth,
    council,
    health,
    jobs,
    live,
    portal,
    transcript_history,
    transcript_outputs,
    transcripts,
    users,
)
from plenaria.api.upload_records import include_uploads
from plenaria.api.web.pages import STATIC_URL
from plenaria.config import Settings
from plenaria.db.engine import Database

API_PREFIX = "/api/v1"


def create_app(
    settings: Settings,
    *,
    job_queue: JobQueue | None = None,
    database: Database | None = None,
    storage_path: Path | None = None,
    broker_check: Callable[[], None] | None = None,
    events_poll_s: float = 1.0,
) -> FastAPI:
    """The web app for ``settings``.

    ``job_queue`` receives the ids of jobs to start, cancel or retry (the
    workers' Celery queue; without one, creating a job answers 503).
    ``database`` defaults to ``settings.database``; ``storage_path`` (where
    output storage keys are files) to ``settings.storage_path``;
    ``broker_check`` (raises when the broker is down; /ready calls it) to one
    kombu connection to ``settings.broker``. The schema is not migrated here:
    run :func:`plenaria.db.upgrade` first.
    """
    database = database or Database.from_settings(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        database.dispose()

    app = FastAPI(
        title="Plenaria",
        summary="Council plenary recordings into transcripts and draft actas.",
        version="1",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served below from package data: no CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.job_queue = job_queue
    app.state.storage_path = storage_path or settings.storage_path
    app.state.events_poll_s = events_poll_s
    app.state.broker_check = broker_check or (lambda: health.kombu_broker_check(settings.broker))
    app.state.metrics = make_registry(database, settings.broker)

    errors.install(app)
    security.install(app, settings)
    for make in (
        health.router,
        auth.router,
        council.router,
        users.router,
        jobs.router,
        live.router,
    ):
        app.include_router(make(), prefix=API_PREFIX)
    include_uploads(app, settings, database, API_PREFIX)
    app.include_router(health.metrics_router(settings))
    app.include_router(health.router(), include_in_schema=False)  # /health, /ready at the root
    app.include_router(transcripts.router(), prefix=API_PREFIX)
    app.include_router(transcript_history.router(), prefix=API_PREFIX)
    app.include_router(transcript_outputs.router(), prefix=API_PREFIX)
    app.include_router(portal.router(), prefix=API_PREFIX)
    app.include_router(acta.router(), prefix=API_PREFIX)
    app.include_router(acta_sign.router(), prefix=API_PREFIX)
    app.include_router(acta_package.router(), prefix=API_PREFIX)
    public.install(app)
    verify.install(app)
    web.install(app)
    _docs(app)
    return app


def _docs(app: FastAPI) -> None:
    """Swagger UI at /api/v1/docs, its files from the package (a council may be offline).

    FastAPI's page starts Swagger UI with an inline script, which the
    Content-Security-Policy forbids: here a packaged script does it.
    """
    from html import escape

    from fastapi.responses import HTMLResponse

    static = STATIC_URL
    vendor = f"{static}/vendor/swagger-ui"
    page = f"""<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Plenaria API</title>
<link rel="stylesheet" href="{vendor}/swagger-ui.css">
<link rel="icon" href="{vendor}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi="{escape(f"{API_PREFIX}/openapi.json")}"></div>
<script src="{vendor}/swagger-ui-bundle.js"></script>
<script src="{static}/swagger-init.js"></script>
</body>
</html>
"""

    @app.get(f"{API_PREFIX}/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page)
