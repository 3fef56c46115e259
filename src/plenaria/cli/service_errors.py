"""The Plenaria service's refusals as the command line tells them: one line that names
the problem (server unreachable, token refused, the server's ``detail``) and what to do.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from plenaria.errors import PlenariaError

# Worth another try: the connection dropped or timed out, or a proxy/server hiccup.
RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class ServiceError(PlenariaError):
    """The server cannot be reached, or refused a request."""

    exit_code = 4


class JobFailedError(PlenariaError):
    """The job ended failed or cancelled."""

    exit_code = 5


def server_detail(response: httpx.Response) -> str:
    """The server's ``{"detail": ...}``, else the start of its body."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip().splitlines()
        return text[0][:200] if text else response.reason_phrase
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list):  # FastAPI's validation errors
        parts = []
        for item in detail:
            if isinstance(item, dict):
                where = ".".join(str(p) for p in item.get("loc", ()) if p != "body")
                parts.append(f"{where}: {item.get('msg', '')}" if where else str(item.get("msg")))
        return "; ".join(parts) or json.dumps(detail)
    return str(detail) if detail else response.reason_phrase


def refusal(response: httpx.Response, what: str) -> ServiceError:
    status = response.status_code
    if status == 401:
        return ServiceError(
            "El servidor rechazó el token (401).",
            "Revise --token; una persona administradora crea uno con "
            "plenaria admin create-token EMAIL --name NAME.",
        )
    if status == 403:
        return ServiceError(
            f"El token no permite {what} (403): {server_detail(response).rstrip('.')}.",
            "Pida a una persona administradora un token con la función adecuada.",
        )
    if status >= 500:
        return ServiceError(
            f"El servidor falló al {what} ({status}): {server_detail(response).rstrip('.')}.",
            "Vuelva a intentarlo más tarde; si sigue, avise a quien administra el servicio.",
        )
    return ServiceError(
        f"El servidor se negó a {what} ({status}): {server_detail(response).rstrip('.')}.",
        "Corrija lo que dice el servidor y vuelva a lanzar la orden.",
    )


def json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as e:
        raise ServiceError(
            f"El servidor envió un {what} que no es JSON.", "Avise a quien administra el servicio."
        ) from e
    if not isinstance(body, dict):
        raise ServiceError(
            f"El servidor envió un {what} que no es un objeto JSON.",
            "Avise a quien administra el servicio.",
        )
    return body
