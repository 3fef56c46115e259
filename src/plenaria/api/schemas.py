"""Request and response bodies, by role: Create / Update / Public.

A Public model lists the fields a caller may see; internal ones (password and
token hashes, storage keys) never appear.
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
    field_validator,
    model_validator,
)

Role = Literal["admin", "secretary", "clerk"]
ActaLang = Literal["es", "ca", "gl", "eu"]
JobState = Literal["queued", "running", "done", "failed", "cancelled"]
OutputKind = Literal["json", "vtt", "srt", "docx", "proxy"]

DATE_PATTERN = r"^(\d{4}-\d{2}-\d{2})?$"
TIME_PATTERN = r"^(\d{2}:\d{2})?$"

# Every integer a caller sends is bounded: the database's INTEGER is 32-bit (PostgreSQL)
# and a driver refuses a Python int past 64 bits; out of bounds is a 422, never a 5xx.
MAX_INT = 2**31 - 1
Term = Annotated[str, StringConstraints(max_length=200)]  # a vocabulary entry
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
    accent_color: str = Field(description='The portal\'s links, "#rrggbb" ("": its own).')
    header_color: str = Field(description='The portal\'s header background ("": its own).')
    has_logo: bool = Field(description="Served at /p/{slug}/logo; PUT /council/logo.")


Color = Annotated[str, Field(pattern=r"^(#[0-9a-fA-F]{6})?$")]


class CouncilUpdate(Strict):
    video_url_template: str | None = Field(default=None, max_length=2000)
    acta_lang: ActaLang | None = None
    vocabulary: list[Term] | None = Field(default=None, max_length=5000)
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


# Jobs


class JobCreate(Strict):
    upload_id: str = Field(min_length=1, max_length=64)
    session: dict[str, Any] | None = Field(
        default=None,
        description="The session's data, as in a session file (id, date, agenda...); "
        "or give session_id of a stored session.",
    )
    session_id: str | None = Field(default=None, max_length=32)
    options: dict[str, Any] = Field(
        default_factory=dict, description="plenaria.pipeline.ProcessOptions; unknown keys: 422."
    )


class LiveCreate(Strict):
    url: str | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        description="The stream to pull: http(s)://...(.ts|.m3u8), rtmp://, srt://, udp://, "
        "tcp://. Or leave it out and set push.",
    )
    push: bool = Field(
        default=False,
        description="Instead of url: the council's encoder pushes by RTMP to an address with "
        "a secret stream key, both in the answer (a push with another key is refused).",
    )
    name: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$",
        description="Name of the recording (default: live-<UTC time>).",
    )
    session: dict[str, Any] | None = Field(
        default=None, description="The session's data, as in a session file; or session_id."
    )
    session_id: str | None = Field(default=None, max_length=32)
    options: dict[str, Any] = Field(
        default_factory=dict, description="plenaria.pipeline.ProcessOptions; unknown keys: 422."
    )
    live: dict[str, Any] = Field(
        default_factory=dict,
        description="plenaria.live.segmenter.LiveOptions: max_chunk_s (latency bound), "
        "end_timeout_s (reconnecting after the stream drops); unknown keys: 422.",
    )


class LiveGap(Public):
    start_s: float
    length_s: float
    at: str


class LiveCertificate(Public):
    """What the acta's certificate states about the recorded original."""

    original: str
    sha256: str
    size_bytes: int
    duration_s: float
    started_at: str
    ended_at: str
    connections: int
    gaps: list[LiveGap]
    lag_median_s: float | None
    lag_max_s: float | None


class LiveInfo(Public):
    mode: Literal["pull", "push"]
    url: str = Field(default="", description="pull: the stream.")
    push_url: str = Field(
        default="", description="push: the RTMP server address, without the stream key."
    )
    stream_key: str | None = Field(
        default=None, description="push: the secret stream key, only in POST /live's answer."
    )
    publish_url: str | None = Field(
        default=None, description="push: push_url/stream_key, only in POST /live's answer."
    )
    stop: bool = Field(default=False, description="A stop was asked; the recorder is ending.")
    certificate: LiveCertificate | None = Field(
        default=None, description="Once the recording ended: its SHA-256, size and gaps."
    )

    @field_validator("url")
    @classmethod
    def _masked(cls, url: str) -> str:
        """Nobody reads a pull URL's user-info or query back (they may hold credentials)."""
        from plenaria.live.pull_guard import mask_url

        return mask_url(url) if url else url


class JobPublic(Public):
    id: str
    state: JobState
    step: str
    progress: float
    eta_s: float | None
    error: str
    attempts: int
    session_id: str | None
    recording_id: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    outputs: list[OutputKind] = Field(default_factory=list)
    live: LiveInfo | None = Field(default=None, description="A live session's source and end.")
    warnings: list[str] = Field(
        default_factory=list,
        description="What the clerk must know about the finished transcript (e.g. no speech "
        "was detected), one Spanish line each; the job did not fail.",
    )


class LivePiece(BaseModel):
    chunk: int
    start_s: float
    at: str = Field(description="start_s as H:MM:SS")
    speaker: str = Field(description="Provisional: diarization over the whole session decides.")
    text: str


class LiveChunkTiming(BaseModel):
    index: int
    start_s: float
    end_s: float
    audio_end_at: float = Field(description="Unix time its last sample arrived.")
    text_at: float = Field(description="Unix time its text was written.")


class LivePartial(BaseModel):
    job_id: str
    recording: bool = Field(description="The session is still being recorded.")
    pieces: list[LivePiece]
    chunks: list[LiveChunkTiming]


class Health(BaseModel):
    status: str


# Transcripts (the editor)


class TranscriptSave(Strict):
    parent: VersionNumber | None = Field(description="The version these edits were made on.")
    transcript: dict[str, Any] = Field(description="The whole transcript, as GET returns it.")


class TranscriptPatch(Strict):
    parent: VersionNumber = Field(description="The version these edits were made on.")
    interventions: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Changed interventions, each whole, replacing the one with its id.",
    )
    speakers: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Changed speakers, replacing the one with their id; a new id is added.",
    )
    order: list[str] | None = Field(
        default=None,
        description=(
            "Every intervention id in the new order, when interventions were split, merged "
            "or removed: an id of the parent left out is removed; a new id must come with "
            "its intervention in 'interventions'."
        ),
    )


class RestoreIn(Strict):
    parent: VersionNumber | None = Field(
        default=None, description="The latest version, as you know it."
    )


class VersionPublic(BaseModel):
    number: int
    parent: int | None
    author: str | None = Field(description="The author's email; null: the machine.")
    job_id: str | None
    created_at: datetime


class TranscriptPublic(VersionPublic):
    session_id: str
    source_job_id: str | None = Field(description="The job whose proxy video this is edited on.")
    transcript: dict[str, Any]


class SavedPublic(VersionPublic):
    interventions: dict[str, dict[str, Any]] = Field(
        description="The interventions whose words were re-aligned, by id."
    )


class WordOpPublic(BaseModel):
    op: Literal["equal", "insert", "delete", "replace"]
    before: str = Field(description="The words before, joined by spaces ('' for an insert).")
    after: str = Field(description="The words after, joined by spaces ('' for a delete).")


class InterventionChange(BaseModel):
    id: str
    before: str | None
    after: str | None
    speaker_before: str | None = Field(description="The speaker's name or label, before.")
    speaker_after: str | None = Field(description="The speaker's name or label, after.")
    ops: list[WordOpPublic] = Field(description="The word runs, in order, before to after.")


class SpeakerChange(BaseModel):
    id: str
    before: str | None = Field(description="The speaker's name or label before; null: absent.")
    after: str | None = Field(description="The speaker's name or label after; null: absent.")


class VersionDiff(BaseModel):
    number: int
    against: int | None
    interventions: list[InterventionChange]
    speakers: list[SpeakerChange]
