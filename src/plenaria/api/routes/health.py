"""Liveness, readiness and metrics: no credentials needed."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from plenaria.api.errors import ServiceUnavailableError
from plenaria.api.schemas import Health


def kombu_broker_check(broker_url: str) -> None:
    """Raise when the Celery broker cannot be reached (one try, a few seconds)."""
    from kombu.connection import Connection

    with Connection(broker_url, connect_timeout=3) as conn:  # type: ignore[no-untyped-call]
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=5)


def router() -> APIRouter:
    api = APIRouter(tags=["health"])

    @api.get("/health", response_model=Health)
    def health() -> Health:
        """The process answers (no dependency checked)."""
        return Health(status="ok")

    @api.get("/ready", response_model=Health, responses={503: {"description": "Not ready"}})
    def ready(request: Request) -> Health:
        """The database and the broker are reachable."""
        down: list[str] = []
        try:
            with request.app.state.db.session() as session:
                session.execute(text("SELECT 1"))
        except Exception as e:
            down.append(f"database ({type(e).__name__})")
        try:
            request.app.state.broker_check()
        except Exception as e:
            down.append(f"broker ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})")
        if down:
            raise ServiceUnavailableError(f"Not ready: {', '.join(down)} unreachable.")
        return Health(status="ok")

    return api


def metrics_router() -> APIRouter:
    api = APIRouter(tags=["health"])

    @api.get("/metrics", response_class=Response)
    def metrics(request: Request) -> Response:
        """Prometheus text format: jobs by state, step durations, queue depth."""
        return Response(generate_latest(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)

    return api
