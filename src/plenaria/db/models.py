"""The service's tables. Every row belongs to one council (``council_id``, indexed).

Primary keys are 32-hex-character strings (:func:`plenaria.db.base.new_id`); times
are timezone-aware UTC. Enumerations are plain strings checked by the code that
writes them (the tuples below), so adding a state needs no migration.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plenaria.db.base import Base, CouncilMixin, CreatedMixin, IdMixin, utcnow

ROLES = ("admin", "secretary", "clerk")
JOB_STATES = ("queued", "running", "done", "failed", "cancelled")
JOB_FINAL_STATES = ("done", "failed", "cancelled")
STEP_STATES = ("pending", "queued", "running", "done", "failed")
UPLOAD_STATES = ("receiving", "complete", "rejected")
OUTPUT_KINDS = ("json", "vtt", "srt", "docx", "proxy")
VOICE_SOURCES = ("enrolled", "correction")
# The full-text index of public_segments, made by the migration 0007, not by
# these models: on SQLite an FTS5 table and its shadow tables, on PostgreSQL GIN indexes.
FTS_TABLE_PREFIX = "public_segments_fts"
FTS_INDEX_PREFIX = "ix_public_segments_fts"
FTS_COLUMN_PREFIX = "fts_"  # PostgreSQL: public_segments.fts_vector (migration 0012)


def include_name(name: str | None, type_: str, _parent: object = None) -> bool:
    """Alembic's filter: the full-text index is not the models' to compare."""
    prefixes = {"table": FTS_TABLE_PREFIX, "index": FTS_INDEX_PREFIX, "column": FTS_COLUMN_PREFIX}
    prefix = prefixes.get(type_)
    return not (prefix and (name or "").startswith(prefix))


def _fk(table: str, nullable: bool = False, ondelete: str = "CASCADE") -> Mapped[Any]:
    return mapped_column(
        String(32), ForeignKey(f"{table}.id", ondelete=ondelete), index=True, nullable=nullable
    )


class Council(IdMixin, CreatedMixin, Base):
    """A tenant: one town council and its settings."""

    __tablename__ = "councils"
    __mapper_args__ = {"eager_defaults": False}  # noqa: RUF012 (SQLAlchemy reads it)

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    video_url_template: Mapped[str] = mapped_column(Text, default="")
    acta_lang: Mapped[str] = mapped_column(String(8), default="es")
    vocabulary: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # The portal's look: the logo's storage key and two colours ("": the portal's own).
    # Server defaults only, not fetched back on INSERT (read when first used): a council
    # written on an older schema (tests/db/test_migrations.py) leaves them out.
    logo_key: Mapped[str] = mapped_column(String(200), server_default="")
    accent_color: Mapped[str] = mapped_column(String(7), server_default="")
    header_color: Mapped[str] = mapped_column(String(7), server_default="")
    # The languages spoken in its plenos (["ca", "es"]): each turn is transcribed in its own
    # among them; empty: any. Deferred, server default only, for the same older schemas.
    languages: Mapped[list[Any]] = mapped_column(JSON, server_default="[]", deferred=True)

    @property
    def has_logo(self) -> bool:
        return bool(self.logo_key)


class User(IdMixin, CouncilMixin, CreatedMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)

    council: Mapped[Council] = relationship(lazy="joined")


class ApiToken(IdMixin, CouncilMixin, CreatedMixin, Base):
    """An integration's bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    user_id: Mapped[str] = _fk("users")
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)


class WebSession(IdMixin, CouncilMixin, CreatedMixin, Base):
    """A browser's login: the cookie carries a secret whose SHA-256 is stored here."""

    __tablename__ = "web_sessions"

    user_id: Mapped[str] = _fk("users")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column()


class LoginThrottle(Base):
    """A login counter, changed by one atomic statement: one row per account, one per address.

    ``key_hash`` is the SHA-256 of ``account:<email>`` or ``ip:<address>``. For an
    account, ``hits`` counts the attempts since its last successful login and
    ``window_start`` is the last attempt; for an address, ``hits`` counts the
    attempts of the minute that began at ``window_start``. ``blocked_until``: the
    account's back-off. ``council_id`` is the account's council once a failure
    showed the email exists, else null (an address belongs to no council).
    """

    __tablename__ = "login_throttles"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    council_id: Mapped[str | None] = _fk("councils", nullable=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(default=None)


class PlenarySession(IdMixin, CouncilMixin, CreatedMixin, Base):
    """A plenary session: the acta's heading and agenda."""

    __tablename__ = "plenary_sessions"
    # A column added later (call) has its default in the database and is not read back
    # after an insert, so that code written against an older schema still inserts.
    __mapper_args__ = {"eager_defaults": False}  # noqa: RUF012 (SQLAlchemy reads it)

    slug: Mapped[str] = mapped_column(String(100), default="")
    date: Mapped[str] = mapped_column(String(10), default="")
    session_type: Mapped[str] = mapped_column(String(40), default="ordinaria")
    place: Mapped[str] = mapped_column(String(200), default="")
    start_time: Mapped[str] = mapped_column(String(5), default="")
    president: Mapped[str] = mapped_column(String(200), default="")
    secretary: Mapped[str] = mapped_column(String(200), default="")
    agenda: Mapped[list[Any]] = mapped_column(JSON, default=list)
    vocabulary: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # The session's own roster ({name, group, role}); empty: the council's roster.
    members: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    legal_members: Mapped[int | None] = mapped_column(Integer, nullable=True, default=None)
    call: Mapped[str] = mapped_column(String(20), server_default="", deferred=True)  # 109.1.c


class RosterMember(IdMixin, CouncilMixin, CreatedMixin, Base):
    """A person of the council: a speaker points at one of these."""

    __tablename__ = "roster_members"

    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(100), default="")
    group: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class VoiceProfileRow(IdMixin, CouncilMixin, CreatedMixin, Base):
    """One sample of a person's voice: an embedding (never audio) and its seconds of speech.

    ``source`` "enrolled": given to enrol the person; "correction": learned when a clerk
    gave the diarized voice ``speaker`` of the session ``session_id`` this person (one
    such sample per session and voice, gone with the session). A person's samples of
    one encoder are merged into one profile for naming (:mod:`plenaria.db.voice_samples`).
    """

    __tablename__ = "voice_profiles"
    __table_args__ = (UniqueConstraint("session_id", "speaker"),)

    person_id: Mapped[str] = _fk("roster_members")
    embedding: Mapped[list[Any]] = mapped_column(JSON)
    model_id: Mapped[str] = mapped_column(String(200))
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    source: Mapped[str] = mapped_column(String(16), default="enrolled", server_default="enrolled")
    session_id: Mapped[str | None] = _fk("plenary_sessions", nullable=True)
    speaker: Mapped[str] = mapped_column(String(64), default="", server_default="")


class Upload(CouncilMixin, CreatedMixin, Base):
    """A tus upload; its id is the tus id."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_by: Mapped[str | None] = _fk("users", nullable=True, ondelete="SET NULL")
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), default="receiving")
    storage_key: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Recording(IdMixin, CouncilMixin, CreatedMixin, Base):
    __tablename__ = "recordings"

    upload_id: Mapped[str | None] = _fk("uploads", nullable=True, ondelete="SET NULL")
    storage_key: Mapped[str] = mapped_column(String(500))
    file_name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    probe: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class Job(IdMixin, CouncilMixin, CreatedMixin, Base):
    __tablename__ = "jobs"

    session_id: Mapped[str | None] = _fk("plenary_sessions", nullable=True, ondelete="SET NULL")
    recording_id: Mapped[str] = _fk("recordings")
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    step: Mapped[str] = mapped_column(String(64), default="")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    eta_s: Mapped[float | None] = mapped_column(Float, default=None)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A live session's source, stop request and, once it ended, its certificate data
    # (plenaria.workers.live); None for a job on an uploaded file.
    live: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # What the job runs on (graph.options.JobSpec), frozen when it is created (db.job_spec).
    spec: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_by: Mapped[str | None] = _fk("users", nullable=True, ondelete="SET NULL")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    steps: Mapped[list[JobStep]] = relationship(
        back_populates="job", cascade="all, delete-orphan", order_by="JobStep.queued_at"
    )


class JobStep(IdMixin, CouncilMixin, Base):
    """One step of a job's graph, e.g. ``probe`` or ``transcribe:3``."""

    __tablename__ = "job_steps"
    __table_args__ = (UniqueConstraint("job_id", "name"),)

    job_id: Mapped[str] = _fk("jobs")
    name: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(500), default="")
    queue: Mapped[str] = mapped_column(String(32), default="default")
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    done_s: Mapped[float] = mapped_column(Float, default=0.0)
    total_s: Mapped[float] = mapped_column(Float, default=0.0)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    queued_at: Mapped[datetime | None] = mapped_column(default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    job: Mapped[Job] = relationship(back_populates="steps")


class TranscriptVersion(IdMixin, CouncilMixin, CreatedMixin, Base):
    """One saved state of a session's transcript; ``author_id`` null: the machine.

    Stored as a whole ``snapshot`` or as a ``delta`` against the version
    ``parent_number`` (:mod:`plenaria.db.version_changes`; which one:
    :mod:`plenaria.db.version_store`). ``content`` is the whole transcript
    either way, rebuilt once per object from the nearest snapshot before it;
    assigning ``content`` stores it as a snapshot. Never mutate it.
    """

    __tablename__ = "transcript_versions"
    __table_args__ = (UniqueConstraint("session_id", "number"),)

    session_id: Mapped[str] = _fk("plenary_sessions")
    job_id: Mapped[str | None] = _fk("jobs", nullable=True, ondelete="SET NULL")
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[str | None] = _fk("users", nullable=True, ondelete="SET NULL")
    parent_number: Mapped[int | None] = mapped_column(Integer, default=None)
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), default=None)
    delta: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), default=None)

    @property
    def content(self) -> dict[str, Any]:
        cached: dict[str, Any] | None = self.__dict__.get("_content")
        if cached is None:
            from plenaria.db.version_store import rebuild  # the store reads these rows

            cached = rebuild(self)
            self.__dict__["_content"] = cached
        return cached

    @content.setter
    def content(self, value: dict[str, Any]) -> None:
        self.snapshot, self.delta = value, None
        self.__dict__["_content"] = value


class TranscriptPresence(IdMixin, CouncilMixin, Base):
    """One open editor stream on a session's transcript (``id``: the connection's).

    The stream refreshes ``seen_at`` every few seconds and deletes its row when it
    ends; a row not refreshed for a while is a process that died, ignored and swept.
    """

    __tablename__ = "transcript_presence"

    session_id: Mapped[str] = _fk("plenary_sessions")
    user_id: Mapped[str] = _fk("users")
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Output(IdMixin, CouncilMixin, CreatedMixin, Base):
    __tablename__ = "outputs"
    __table_args__ = (UniqueConstraint("job_id", "kind"),)

    job_id: Mapped[str] = _fk("jobs")
    kind: Mapped[str] = mapped_column(String(16))
    storage_key: Mapped[str] = mapped_column(String(500))
    size: Mapped[int] = mapped_column(BigInteger, default=0)


class AuditEntry(IdMixin, CouncilMixin, Base):
    __tablename__ = "audit_log"

    user_id: Mapped[str | None] = _fk("users", nullable=True, ondelete="SET NULL")
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Publication(IdMixin, CouncilMixin, CreatedMixin, Base):
    """A session on the citizens' portal: which transcript version and which public video.

    ``withdrawn_at`` set: no longer public (the row stays, with its history).
    ``video_key``: the copy made for publication (the proxy with the redactions
    burned in), the only video the public routes serve.
    """

    __tablename__ = "publications"

    session_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("plenary_sessions.id", ondelete="CASCADE"), unique=True
    )
    version_number: Mapped[int] = mapped_column(Integer)
    job_id: Mapped[str | None] = _fk("jobs", nullable=True, ondelete="SET NULL")
    video_key: Mapped[str] = mapped_column(String(500), default="")
    language: Mapped[str] = mapped_column(String(8), default="es")
    published_by: Mapped[str | None] = _fk("users", nullable=True, ondelete="SET NULL")
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)


class Redaction(IdMixin, CouncilMixin, CreatedMixin, Base):
    """An interval of a session kept off the portal (LBRL art. 70.1, personal data)."""

    __tablename__ = "redactions"

    session_id: Mapped[str] = _fk("plenary_sessions")
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str | None] = _fk("users", nullable=True, ondelete="SET NULL")


class PublicSegment(IdMixin, CouncilMixin, Base):
    """A piece (about 20 words) of a published, redacted transcript: what search finds.

    The full-text index over ``text`` is made by the migration: an FTS5 table kept
    in step by triggers on SQLite, GIN expression indexes on PostgreSQL
    (:mod:`plenaria.db.portal`).
    """

    __tablename__ = "public_segments"

    session_id: Mapped[str] = _fk("plenary_sessions")
    start: Mapped[float] = mapped_column(Float)
    speaker: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(8), default="es")
    text: Mapped[str] = mapped_column(Text)


ACTA_STATES = ("draft", "in_review", "approved", "signed", "published")


class ActaRecord(IdMixin, CouncilMixin, CreatedMixin, Base):
    """A session's acta in the service workflow (:mod:`plenaria.db.acta`).

    ``approved_number``: the transcript version last approved (kept when a
    correction reopens the acta); ``not_applicable``: ROF 109 keys marked not
    applicable, each ``{"reason", "by", "at"}``; ``corrections``: the diligencias,
    each citing the approved version it corrects.
    """

    __tablename__ = "acta_records"

    session_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("plenary_sessions.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[str] = mapped_column(String(16), default="draft")
    approved_number: Mapped[int | None] = mapped_column(Integer, default=None)
    not_applicable: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    corrections: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ActaCertificate(IdMixin, CouncilMixin, CreatedMixin, Base):
    """The certificate of an approved version (Ley 40/2015 art. 18.1) and its DOCX.

    ``csv``: the verification code without separators; ``acta_sha256``: the
    stored DOCX's hash; ``data``: the certificate as shown (JSON); ``signed_pdf_key``
    and ``signed_sha256``: the signed PDF/A of this version, once signed.
    """

    __tablename__ = "acta_certificates"
    __table_args__ = (UniqueConstraint("session_id", "version_number"),)

    session_id: Mapped[str] = _fk("plenary_sessions")
    version_number: Mapped[int] = mapped_column(Integer)
    csv: Mapped[str] = mapped_column(String(32), unique=True)
    acta_sha256: Mapped[str] = mapped_column(String(64), index=True)
    docx_key: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    approved_by: Mapped[str | None] = _fk("users", nullable=True, ondelete="SET NULL")
    signed_pdf_key: Mapped[str | None] = mapped_column(String(500), default=None)
    signed_sha256: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
