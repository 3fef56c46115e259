"""What every form of the clerk's pages shares: the poster checked (logged in, the
form's CSRF token, the role), the posted fields, and :func:`attempt`, which makes a
change and turns a refusal into one line for the page (or, for a script, the API's
JSON answer). Used by the settings, session, acta and voice pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from sqlalchemy.orm import Session

from plenaria.api.deps import CSRF_HEADER, Principal, authenticate
from plenaria.api.web import LoginRequired, _wants_html
from plenaria.errors import (
    AuthenticationError,
    ConflictError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    role_name,
)

Fields = dict[str, str]
T = TypeVar("T")


class Refused(Exception):
    """A value the form cannot take: the form is shown again with ``line``."""

    def __init__(self, line: str, status: int = 422) -> None:
        super().__init__(line)
        self.line = line
        self.status = status


def allow(principal: Principal, roles: tuple[str, ...]) -> None:
    role = principal.user.role
    if role not in roles:
        raise PermissionDeniedError(
            f"Su función ({role_name(role)}) no permite ver esta página.",
            f"Pueden verla: {', '.join(role_name(r) for r in roles)}.",
        )


def form_user(request: Request, db: Session, fields: Fields, roles: tuple[str, ...]) -> Principal:
    """The poster, checked: logged in, the form's CSRF token, the role."""
    csrf = fields.get("csrf_token") or request.headers.get(CSRF_HEADER)
    try:
        principal = authenticate(request, db, csrf)
    except AuthenticationError as e:
        raise LoginRequired(request.url.path) from e
    allow(principal, roles)
    return principal


async def form_fields(request: Request) -> Fields:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def attempt(
    request: Request,
    db: Session,
    change: Callable[[], T],
    line_of: Callable[[InputError], str],
) -> T | Refused:
    """``change``'s result, committed; or, rolled back, the :class:`Refused` it raised or
    an :class:`InputError` as ``line_of`` words it (409 for a conflict, else 422).

    A script or an integration (no HTML wanted) gets the API's JSON answer instead: the
    refusal raised as the error. :class:`NotFoundError` passes: the page's object is gone
    or another council's, the 404 page.
    """
    try:
        done = change()
        db.commit()
    except Refused as e:
        refused = e
    except NotFoundError:
        raise
    except InputError as e:
        status = 409 if isinstance(e, ConflictError) else 422
        refused = Refused(line_of(e), status)
    else:
        return done
    db.rollback()
    if not _wants_html(request):
        raise (ConflictError if refused.status == 409 else InputError)(refused.line)
    return refused
