"""Errors a user can act on.

Every error carries a one-line ``message`` naming the problem and a ``hint``
saying what to do. Entry points (CLI, API) turn them into an exit code or an
HTTP status in one place; stages raise them with ``from`` to keep the cause.
"""

from __future__ import annotations


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
