"""Errors a user can act on.

Every error carries a one-line ``message`` naming the problem and a ``hint``
saying what to do. Entry points (CLI, API) turn them into an exit code or an
HTTP status in one place; stages raise them with ``from`` to keep the cause.
"""

from __future__ import annotations

from typing import Any


class PlenariaError(Exception):
    """Base class: a problem the user can fix. ``exit_code`` is used by the CLI."""

    exit_code: int = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class InputError(PlenariaError):
    """The input the user gave is unusable (missing, empty, not a recording...)."""

    exit_code = 2


class MediaError(InputError):
    """ffmpeg or the probe could not read or convert the recording."""


class ModelNotFoundError(PlenariaError):
    """No model could be found in any of the places tried."""

    exit_code = 3


class ConfigError(PlenariaError):
    """Settings or options are invalid."""

    exit_code = 2


class DependencyError(PlenariaError):
    """An optional component (extra) is not installed."""

    exit_code = 3


# The service's errors; the API's one handler maps each to its HTTP status.


class NotFoundError(InputError):
    """No such object, or it belongs to another council (the same answer: 404)."""


class ConflictError(InputError):
    """The object's state forbids the change (a stale parent version, a finished job)."""


class DuplicateRecordingError(ConflictError):
    """The recording is already one of the council's: ``existing`` names its session and job."""

    def __init__(self, message: str, hint: str, existing: dict[str, str | None]) -> None:
        super().__init__(message, hint)
        self.existing = existing


class AuthenticationError(PlenariaError):
    """No credentials, or bad ones (401)."""

    exit_code = 2


class PermissionDeniedError(PlenariaError):
    """Authenticated, but the role does not allow this (403)."""

    exit_code = 2


class RateLimitedError(PlenariaError):
    """Too many attempts; try again in ``retry_after_s`` seconds (429 with Retry-After)."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "", retry_after_s: int = 60) -> None:
        super().__init__(message, hint)
        self.retry_after_s = retry_after_s


# Internal names that messages show, in the users' language (messages are Spanish).
ROLE_NAMES = {"admin": "administración", "secretary": "secretaría", "clerk": "auxiliar"}
STATE_NAMES = {
    "queued": "en cola",
    "running": "en curso",
    "done": "terminado",
    "failed": "con error",
    "cancelled": "cancelado",
    "pending": "pendiente",
    "receiving": "recibiéndose",
    "complete": "completa",
    "rejected": "rechazada",
}


def role_name(role: str) -> str:
    """``clerk`` as "auxiliar": how a message names a role."""
    return ROLE_NAMES.get(role, role)


def state_name(state: str) -> str:
    """``queued`` as "en cola": how a message names a job's or an upload's state."""
    return STATE_NAMES.get(state, state)


# Pydantic's error types in Spanish; ``{...}`` takes the error's context.
VALIDATION_MESSAGES = {
    "missing": "falta este campo",
    "extra_forbidden": "campo desconocido",
    "string_type": "tiene que ser texto",
    "string_too_short": "demasiado corto (mínimo {min_length} caracteres)",
    "string_too_long": "demasiado largo (máximo {max_length} caracteres)",
    "string_pattern_mismatch": "formato no válido",
    "too_short": "demasiado corto (mínimo {min_length} elementos)",
    "too_long": "demasiado largo (máximo {max_length} elementos)",
    "int_type": "tiene que ser un número entero",
    "int_parsing": "tiene que ser un número entero",
    "int_from_float": "tiene que ser un número entero",
    "float_type": "tiene que ser un número",
    "float_parsing": "tiene que ser un número",
    "bool_type": "tiene que ser true o false",
    "bool_parsing": "tiene que ser true o false",
    "greater_than": "tiene que ser mayor que {gt}",
    "greater_than_equal": "tiene que ser {ge} o más",
    "less_than": "tiene que ser menor que {lt}",
    "less_than_equal": "tiene que ser {le} o menos",
    "finite_number": "tiene que ser un número finito",
    "literal_error": "tiene que ser {expected}",
    "enum": "tiene que ser {expected}",
    "dict_type": "tiene que ser un objeto",
    "model_type": "tiene que ser un objeto",
    "model_attributes_type": "tiene que ser un objeto",
    "list_type": "tiene que ser una lista",
    "json_invalid": "JSON no válido",
    "json_type": "JSON no válido",
    "date_type": "tiene que ser una fecha AAAA-MM-DD",
    "date_parsing": "tiene que ser una fecha AAAA-MM-DD",
    "date_from_datetime_parsing": "tiene que ser una fecha AAAA-MM-DD",
    "time_type": "tiene que ser una hora HH:MM",
    "time_parsing": "tiene que ser una hora HH:MM",
    "datetime_type": "tiene que ser una fecha y hora ISO 8601",
    "datetime_parsing": "tiene que ser una fecha y hora ISO 8601",
    "datetime_from_date_parsing": "tiene que ser una fecha y hora ISO 8601",
    "url_parsing": "dirección (URL) no válida",
    "url_type": "dirección (URL) no válida",
    "url_scheme": "esquema de URL no admitido ({expected_schemes})",
    "uuid_parsing": "identificador (UUID) no válido",
    "value_error": "{error}",
    "assertion_error": "{error}",
}


def validation_message(err: Any) -> str:
    """One pydantic error in Spanish (our validators' messages are Spanish already)."""
    template = VALIDATION_MESSAGES.get(str(err.get("type", "")), "valor no válido")
    context = {k: str(v).removeprefix("Value error, ") for k, v in (err.get("ctx") or {}).items()}
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return "valor no válido"
