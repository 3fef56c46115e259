"""Request and response bodies, by role: Create / Update / Public.

A Public model lists the fields a caller may see; internal ones (password and
token hashes, storage keys) never appear. Here: the bounds and base classes every
body shares, accounts, the council and its sessions; jobs and live sessions are in
:mod:`plenaria.api.schemas_jobs`, the editor's transcript in
:mod:`plenaria.api.schemas_transcripts`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

Role = Literal["admin", "secretary", "clerk"]
ActaLang = Literal["es", "ca", "gl", "eu"]

DATE_PATTERN = r"^(\d{4}-\d{2}-\d{2})?$"
TIME_PATTERN = r"^(\d{2}:\d{2})?$"

# Every integer a caller sends is bounded: the database's INTEGER is 32-bit (PostgreSQL)
# and a driver refuses a Python int past 64 bits; out of bounds is a 422, never a 5xx.
MAX_INT = 2**31 - 1
Term = Annotated[str, StringConstraints(max_length=200)]  # a vocabulary entry
LanguageCode = Annotated[str, StringConstraints(max_length=50)]  # then checked: es, ca...
VersionNumber = Annotated[
    int, Field(ge=1, le=MAX_INT, strict=True, description="A transcript version's number.")
]


# NUL (which PostgreSQL cannot store), the other control characters XML (the DOCX acta)
# refuses, and lone surrogates (not UTF-8); tab, line feed and carriage return are text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def has_control_character(value: Any) -> bool:
    """Whether a string in ``value`` (JSON-like: dicts, lists, strings) holds one of those."""
    stack = [value]
    search = _CONTROL.search
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if search(item):
                return True
        elif isinstance(item, dict):
            if any(isinstance(k, str) and search(k) for k in item):
                return True
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


class Strict(BaseModel):
    """A request body: unknown fields and control characters in any string are a 422."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _no_control_characters(self) -> Self:
        for name in type(self).model_fields:
            if has_control_character(getattr(self, name)):
                raise ValueError(
                    f"{name} tiene un carácter que no se puede guardar (NUL, otro carácter de "
                    "control o un sustituto suelto); quítelo y vuelva a enviar"
                )
        return self


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# Accounts


class LoginIn(Strict):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class UserPublic(Public):
    id: str
    email: str
    role: Role
    active: bool
    created_at: datetime
    last_login_at: datetime | None


class MePublic(UserPublic):
    council_slug: str
    council_name: str
    csrf_token: str | None = Field(
        default=None, description="For a cookie session: send it as X-CSRF-Token."
    )


class LoginOut(BaseModel):
    csrf_token: str
    user: UserPublic


PASSWORD_DOC = "At least 12 characters (a shorter one is 422)."


class UserCreate(Strict):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(max_length=1024, description=PASSWORD_DOC)
    role: Role


class UserUpdate(Strict):
    role: Role | None = None
    active: bool | None = None
    password: str | None = Field(
        default=None,
        max_length=1024,
        description=PASSWORD_DOC + " Ends the user's browser sessions and revokes their tokens.",
    )


class PasswordChange(Strict):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(max_length=1024, description=PASSWORD_DOC)


class PasswordChanged(BaseModel):
    sessions_closed: int = Field(description="Your other browser sessions, now ended.")
    tokens_revoked: int = Field(description="Your API tokens, now revoked (all of them).")


class TokenCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    expires_in_days: int | None = Field(
        default=None, ge=1, le=3650, description="Days until it stops working; null: never."
    )


class TokenPublic(Public):
    id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None


class TokenCreated(TokenPublic):
    token: str = Field(description="The token itself: shown once, never again.")


# The council


class CouncilPublic(Public):
    id: str
    slug: str
    name: str
    video_url_template: str
    acta_lang: ActaLang
    vocabulary: list[str]
    languages: list[str] = Field(
        description='The languages spoken in its plenos (["ca", "es"]): a job that forces no '
        "language nor names those to choose among transcribes each turn in its own among "
        "these. Empty: any language."
    )
    accent_color: str = Field(description='The portal\'s links, "#rrggbb" ("": its own).')
    header_color: str = Field(description='The portal\'s header background ("": its own).')
    has_logo: bool = Field(description="Served at /p/{slug}/logo; PUT /council/logo.")


Color = Annotated[str, Field(pattern=r"^(#[0-9a-fA-F]{6})?$")]


class CouncilUpdate(Strict):
    video_url_template: str | None = Field(default=None, max_length=2000)
    acta_lang: ActaLang | None = None
    vocabulary: list[Term] | None = Field(default=None, max_length=5000)
    languages: list[LanguageCode] | None = Field(
        default=None,
        max_length=100,
        description='Language codes ("ca", "es"...), each once; []: any language.',
    )
    accent_color: Color | None = Field(
        default=None, description='"#rrggbb", at least 4.5:1 against white; "": the portal\'s.'
    )
    header_color: Color | None = Field(
        default=None, description='"#rrggbb", at least 4.5:1 against white; "": the portal\'s.'
    )


class PersonCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    role: str = Field(default="", max_length=100)
    group: str = Field(default="", max_length=100)
    active: bool = True


class PersonUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: str | None = Field(default=None, max_length=100)
    group: str | None = Field(default=None, max_length=100)
    active: bool | None = None


class PersonPublic(Public):
    id: str
    name: str
    role: str
    group: str
    active: bool


class AgendaItemIn(Strict):
    number: int = Field(ge=0, le=MAX_INT)
    title: str = Field(max_length=2000)
    majority: Literal["", "absolute"] = Field(
        default="", description='"absolute": the item needs an absolute majority.'
    )
    vote: bool | None = Field(default=None, description="False: the item is not put to the vote.")


class MemberIn(Strict):
    """A person of the session's own roster (empty roster: the council's is used)."""

    name: str = Field(min_length=1, max_length=200)
    group: str = Field(default="", max_length=100)
    role: str = Field(default="concejal", max_length=100)


Call = Literal["", "primera", "segunda"]  # ROF 109.1.c: the session's call


class SessionCreate(Strict):
    slug: str = Field(default="", max_length=100)
    date: str = Field(default="", pattern=DATE_PATTERN, description="YYYY-MM-DD")
    session_type: str = Field(default="ordinaria", max_length=40)
    place: str = Field(default="", max_length=200)
    start_time: str = Field(default="", pattern=TIME_PATTERN, description="HH:MM")
    president: str = Field(default="", max_length=200)
    secretary: str = Field(default="", max_length=200)
    agenda: list[AgendaItemIn] = Field(default_factory=list, max_length=500)
    vocabulary: list[Term] = Field(default_factory=list, max_length=5000)
    members: list[MemberIn] = Field(default_factory=list, max_length=500)
    legal_members: int | None = Field(default=None, ge=1, le=MAX_INT)
    call: Call = ""


class SessionUpdate(Strict):
    slug: str | None = Field(default=None, max_length=100)
    date: str | None = Field(default=None, pattern=DATE_PATTERN)
    session_type: str | None = Field(default=None, max_length=40)
    place: str | None = Field(default=None, max_length=200)
    start_time: str | None = Field(default=None, pattern=TIME_PATTERN)
    president: str | None = Field(default=None, max_length=200)
    secretary: str | None = Field(default=None, max_length=200)
    agenda: list[AgendaItemIn] | None = Field(default=None, max_length=500)
    vocabulary: list[Term] | None = Field(default=None, max_length=5000)
    members: list[MemberIn] | None = Field(default=None, max_length=500)
    legal_members: int | None = Field(default=None, ge=1, le=MAX_INT)
    call: Call | None = None


class SessionPublic(Public):
    id: str
    slug: str
    date: str
    session_type: str
    place: str
    start_time: str
    president: str
    secretary: str
    agenda: list[dict[str, Any]]
    vocabulary: list[str]
    members: list[dict[str, Any]] = []
    legal_members: int | None = None
    call: str = ""
    created_at: datetime


# The service


class Health(BaseModel):
    status: str
