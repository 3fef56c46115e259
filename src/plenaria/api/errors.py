"""One place where errors become HTTP answers: ``{"detail": "one line"}``."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from plenaria.errors import (
    AuthenticationError,
    ConfigError,
    ConflictError,
    DependencyError,
    DuplicateRecordingError,
    InputError,
    ModelNotFoundError,
    NotFoundError,
    PermissionDeniedError,
    PlenariaError,
    RateLimitedError,
    validation_message,
)

log = logging.getLogger(__name__)


class ServiceUnavailableError(PlenariaError):
    """A service the request needs (database, broker, queue) is down (503)."""


# Most specific first: NotFoundError and ConflictError are InputErrors.
STATUS: tuple[tuple[type[PlenariaError], int], ...] = (
    (NotFoundError, 404),
    (ConflictError, 409),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (RateLimitedError, 429),
    (InputError, 422),
    (ServiceUnavailableError, 503),
    (DependencyError, 503),
    (ModelNotFoundError, 503),
    (ConfigError, 500),
)


def status_of(error: PlenariaError) -> int:
    for cls, status in STATUS:
        if isinstance(error, cls):
            return status
    return 400


def _one_line(text: str) -> str:
    return " ".join(text.split())


def describe_validation(errors: Any, limit: int = 3) -> str:
    """Pydantic's error list as one Spanish line: ``body.options.vad: campo desconocido``."""
    parts = []
    for err in list(errors)[:limit]:
        where = ".".join(str(p) for p in err.get("loc", ()))
        message = validation_message(err)
        parts.append(f"{where}: {message}" if where else message)
    extra = len(list(errors)) - limit
    if extra > 0:
        parts.append(f"y {extra} más")
    return _one_line("; ".join(parts)) or "Petición no válida."


def _plenaria(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PlenariaError)
    status = status_of(exc)
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    retry_after_s = getattr(exc, "retry_after_s", None)
    if status == 429 or retry_after_s is not None:
        headers["Retry-After"] = str(retry_after_s or 60)
    if status >= 500:
        log.error("%s %s: %s", request.method, request.url.path, exc)
    body: dict[str, Any] = {"detail": _one_line(str(exc))}
    if isinstance(exc, DuplicateRecordingError):
        body["existing"] = exc.existing
    return JSONResponse(body, status_code=status, headers=headers)


def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": describe_validation(exc.errors())}, status_code=422)


def _pydantic(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ValidationError)
    return JSONResponse({"detail": describe_validation(exc.errors())}, status_code=422)


# Starlette's own answers (an unknown route, a wrong method) in Spanish.
HTTP_MESSAGES = {
    400: "Petición mal formada; revise lo que envía.",
    404: "No existe esa dirección; revise la URL.",
    405: "Esa dirección no admite este método HTTP; revise la documentación de la API.",
    413: "La petición es demasiado grande; envíe menos datos.",
    415: "Tipo de contenido no admitido; envíe JSON.",
}


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = str(exc.detail)
    if detail == HTTPStatus(exc.status_code).phrase:  # Starlette's English default
        detail = HTTP_MESSAGES.get(exc.status_code, f"Error HTTP {exc.status_code}.")
    return JSONResponse(
        {"detail": _one_line(detail)},
        status_code=exc.status_code,
        headers=dict(exc.headers or {}),
    )


def _data(request: Request, exc: Exception) -> JSONResponse:
    """The database refused a value of the request (a NUL in an id, a number out of range)."""
    cause = getattr(exc, "orig", None) or exc
    log.warning("%s %s: the database refused a value: %s", request.method, request.url.path, cause)
    return JSONResponse(
        {
            "detail": "Un valor de la petición no se puede guardar ni buscar (un NUL u otro "
            "carácter de control, o un número fuera de rango); corríjalo y vuelva a enviarla."
        },
        status_code=422,
    )


def _internal(request: Request, exc: Exception) -> JSONResponse:
    log.exception("%s %s failed", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        {"detail": "Error interno; el registro del servidor tiene los detalles."}, status_code=500
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(PlenariaError, _plenaria)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(ValidationError, _pydantic)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(DataError, _data)
    app.add_exception_handler(Exception, _internal)
