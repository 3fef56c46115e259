"""Liveness and readiness (no credentials), metrics (a token, or an internal address).

``/health`` and ``/ready`` answer at the root (for load balancers) and under
``/api/v1``. ``/ready`` says only which service is down; the cause goes to the
log. ``/metrics`` needs ``Authorization: Bearer <PLENARIA_METRICS_TOKEN>``, or
a client address inside ``PLENARIA_METRICS_NETWORKS``.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from plenaria.api.errors import ServiceUnavailableError
from plenaria.api.schemas import Health
from plenaria.config import Settings
from plenaria.errors import AuthenticationError, ConfigError, PermissionDeniedError

log = logging.getLogger(__name__)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


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
            log.warning("/ready: the database does not answer: %s", e)
            down.append("la base de datos")
        try:
            request.app.state.broker_check()
        except Exception as e:
            log.warning("/ready: the broker does not answer: %s", e)
            down.append("el broker")
        if down:
            raise ServiceUnavailableError(
                f"No está listo: no responde {' ni '.join(down)}.",
                "El registro del servidor tiene el detalle.",
            )
        return Health(status="ok")

    return api


def metrics_networks(settings: Settings) -> tuple[Network, ...]:
    """``PLENARIA_METRICS_NETWORKS`` parsed; a ConfigError naming a bad entry."""
    out = []
    for item in (x.strip() for x in settings.metrics_networks.split(",") if x.strip()):
        try:
            out.append(ipaddress.ip_network(item, strict=False))
        except ValueError as e:
            raise ConfigError(
                f"PLENARIA_METRICS_NETWORKS tiene {item!r}, que no es una dirección ni una red.",
                "Escriba direcciones o redes CIDR separadas por comas, p. ej. 10.0.0.0/8.",
            ) from e
    return tuple(out)


def metrics_router(settings: Settings) -> APIRouter:
    api = APIRouter(tags=["health"])
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    networks = metrics_networks(settings)

    def allowed(request: Request) -> None:
        host = request.client.host if request.client else ""
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = None
        if address is not None and any(address in net for net in networks):
            return
        if not token:
            raise PermissionDeniedError(
                "Las métricas solo se sirven a las direcciones de PLENARIA_METRICS_NETWORKS "
                "o con PLENARIA_METRICS_TOKEN.",
                "Configure uno de los dos en el servidor.",
            )
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            raise AuthenticationError(
                "Las métricas necesitan Authorization: Bearer con PLENARIA_METRICS_TOKEN."
            )

    @api.get("/metrics", response_class=Response)
    def metrics(request: Request) -> Response:
        """Prometheus text format: jobs by state, step durations, queue depth."""
        allowed(request)
        return Response(generate_latest(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)

    return api
