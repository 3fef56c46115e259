"""The acta's workflow by API: state, check list, review, approval, corrections, certificate.

``GET /sessions/{id}/acta``: state, latest version, what ROF 109 still lacks (in
Spanish) and what is marked not applicable. A clerk or secretary submits the
draft for review; a secretary or admin approves it (409 while a field is
missing and not marked), returns it to draft, marks a field not applicable,
and opens a correction (diligencia) of an approved acta. Approval renders the
approved version's DOCX (same bytes every time), stores it and makes the
certificate of authenticity and integrity (:mod:`plenaria.acts.certificate`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plenaria.acts import certificate as cert
from plenaria.acts.links import acta_link_template
from plenaria.api.deps import AppSettings, CurrentUser, DbSession, Manager
from plenaria.api.schemas import MAX_INT
from plenaria.config import Settings
from plenaria.db import accounts as repo
from plenaria.db import acta as workflow
from plenaria.db import civic
from plenaria.db.base import utcnow
from plenaria.db.models import (
    ActaCertificate,
    ActaRecord,
    Council,
    Job,
    PlenarySession,
    TranscriptVersion,
    User,
)
from plenaria.db.transcripts import get_version, latest_number, save_version
from plenaria.domain import Transcript
from plenaria.errors import ConflictError, NotFoundError
from plenaria.formats.timefmt import format_clock

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
VERIFY_PATH = "/verificar"
VersionQuery = Annotated[int | None, Query(ge=1, le=MAX_INT, description="Versión aprobada.")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NotApplicableIn(_In):
    field: str = Field(min_length=1, max_length=40, description="Clave de «missing».")
    reason: str = Field(min_length=3, max_length=500, description="Por qué no se aplica.")


class CorrectionIn(_In):
    reason: str = Field(min_length=3, max_length=500, description="Motivo de la diligencia.")


class MissingField(BaseModel):
    key: str
    description: str
    not_applicable: dict[str, str] | None = None


class ActaEvent(BaseModel):
    action: str
    by: str | None
    at: datetime
    detail: dict[str, Any]


class ActaPublic(BaseModel):
    session_id: str
    state: str
    state_name: str
    version: int | None
    approved_version: int | None
    missing: list[MissingField]
    outstanding: list[str]
    not_applicable: dict[str, dict[str, str]]
    corrections: list[dict[str, Any]]
    certificates: list[dict[str, Any]]
    history: list[ActaEvent]


def _latest(db: Session, plenary: PlenarySession) -> tuple[int, dict[str, Any]]:
    if latest_number(db, plenary.id) is None:
        raise NotFoundError(
            f"La sesión {plenary.id} aún no tiene transcripción ni acta.",
            "Espere a que termine su proceso.",
        )
    version = get_version(db, plenary)
    return version.number, version.content


def _email(db: Session, user_id: str | None) -> str | None:
    if user_id is None:
        return None
    user = db.get(User, user_id)
    return user.email if user is not None else None


def _public(db: Session, plenary: PlenarySession, record: ActaRecord) -> ActaPublic:
    number = latest_number(db, plenary.id)
    content = get_version(db, plenary).content if number is not None else {}
    marks = dict(record.not_applicable or {})
    missing = [
        MissingField(key=k, description=workflow.describe(k), not_applicable=marks.get(k))
        for k in workflow.missing_of(content)
    ]
    return ActaPublic(
        session_id=plenary.id,
        state=record.state,
        state_name=workflow.state_name(record.state),
        version=number,
        approved_version=record.approved_number,
        missing=missing,
        outstanding=workflow.outstanding(record, content),
        not_applicable=marks,
        corrections=list(record.corrections or []),
        certificates=[
            {
                "version": c.version_number,
                "csv": cert.format_code(c.csv),
                "sha256": c.acta_sha256,
                "approved_at": c.data["acta"]["approved_at"],
            }
            for c in workflow.certificates(db, plenary)
        ],
        history=[
            ActaEvent(action=e.action, by=_email(db, e.user_id), at=e.at, detail=e.detail)
            for e in workflow.history(db, plenary)
        ],
    )


def _recording(db: Session, plenary: PlenarySession, content: dict[str, Any]) -> dict[str, Any]:
    """The recording as certified: the live certificate's data where there is one."""
    rec = content.get("recording") or {}
    out: dict[str, Any] = {
        "file_name": rec.get("file_name", ""),
        "sha256": rec.get("sha256", ""),
        "duration_s": rec.get("duration_s"),
        "live": False,
        "gaps": [
            {"at": format_clock(float(g["start"])), "duration_s": round(g["end"] - g["start"], 3)}
            for g in rec.get("gaps") or []
        ],
    }
    job_id = db.scalar(
        select(TranscriptVersion.job_id)
        .where(TranscriptVersion.session_id == plenary.id, TranscriptVersion.job_id.is_not(None))
        .order_by(TranscriptVersion.number.desc())
        .limit(1)
    )
    job = db.get(Job, job_id) if job_id else None
    live = (job.live or {}).get("certificate") if job is not None else None
    if live:
        out.update(
            sha256=live.get("sha256", out["sha256"]),
            duration_s=live.get("duration_s", out["duration_s"]),
            live=True,
            started_at=live.get("started_at"),
            ended_at=live.get("ended_at"),
            gaps=[
                {"at": g.get("at") or format_clock(g["start_s"]), "duration_s": g["length_s"]}
                for g in live.get("gaps") or []
            ],
        )
    return out


def _diligencia(record: ActaRecord, number: int) -> str:
    """The note of the correction that led to ``number`` (since the last approval), if any."""
    opened = [
        c
        for c in record.corrections or []
        if c.get("corrects") == record.approved_number and c.get("number", 0) <= number
    ]
    if not opened:
        return ""
    c = opened[-1]
    return (
        f"Esta versión {number} del acta corrige la versión {c['corrects']}, aprobada "
        f"con el resumen SHA-256 {c['sha256']} (CSV {c['csv']}). Motivo: {c['reason']}"
    )


def _approve(
    db: Session,
    storage: Path,
    settings: Settings,
    plenary: PlenarySession,
    record: ActaRecord,
    user: User,
) -> ActaCertificate:
    secret = settings.secret_key.get_secret_value()
    number, content = _latest(db, plenary)
    workflow.refuse_incomplete(workflow.outstanding(record, content))
    council: Council = user.council
    moment = utcnow().replace(microsecond=0)
    data = cert.approved_docx(
        Transcript.from_dict(content),
        moment,
        url_template=acta_link_template(
            council.video_url_template,
            settings.public_base_url,
            council.slug,
            plenary.id,
            settings.video_url_template,
        ),
        lang=council.acta_lang,
        diligencia=_diligencia(record, number),
        document_id=f"{plenary.id}/v{number}",
    )
    sha = cert.sha256_hex(data)
    code = cert.verification_code(secret, sha, f"{plenary.id}/v{number}")
    key = f"actas/{plenary.id}/v{number}.docx"
    path = storage / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    name = f"acta-{plenary.slug or plenary.id}-v{number}.docx"
    certificate = {
        "council": council.name,
        "session": {
            "id": plenary.slug or plenary.id,
            "title": f"Sesión {plenary.session_type} del Pleno, {plenary.date}".strip(", "),
            "date": plenary.date,
        },
        "acta": {
            "version": number,
            "file_name": name,
            "sha256": sha,
            "approved_at": moment.isoformat(),
            "approved_by": user.email,
        },
        "recording": _recording(db, plenary, content),
        "csv": cert.format_code(code),
        "verify_path": f"{VERIFY_PATH}/{cert.format_code(code)}",
        "law": cert.LAW,
    }
    row = ActaCertificate(
        council_id=plenary.council_id,
        session_id=plenary.id,
        version_number=number,
        csv=code,
        acta_sha256=sha,
        docx_key=key,
        data=certificate,
        approved_by=user.id,
    )
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError as e:  # another approval of this version won the race
        raise ConflictError(
            f"La versión {number} del acta ya se aprobó a la vez desde otra sesión.",
            "Recargue el acta.",
        ) from e
    record.approved_number = number
    detail = {"version": number, "sha256": sha, "csv": certificate["csv"]}
    workflow.transition(db, record, user, "approved", detail)
    return row


# The workflow's steps, shared by the API's routes and the acta's web page
# (plenaria.api.web.acta_pages); the caller commits.


def load(db: Session, user: User, session_id: str) -> tuple[PlenarySession, ActaRecord]:
    """The council's session (404 for another council's) and its acta record."""
    plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
    return plenary, workflow.record_for(db, plenary)


def submit_acta(db: Session, plenary: PlenarySession, record: ActaRecord, user: User) -> None:
    """Draft → in review (anyone who prepares it)."""
    number, _content = _latest(db, plenary)
    workflow.transition(db, record, user, "in_review", {"version": number})


def return_acta(db: Session, record: ActaRecord, user: User) -> None:
    """In review → draft, for more work."""
    workflow.require(record, ("in_review",), "draft")
    workflow.transition(db, record, user, "draft")


def approve_acta(
    db: Session,
    storage: Path,
    settings: Settings,
    plenary: PlenarySession,
    record: ActaRecord,
    user: User,
) -> ActaCertificate:
    """In review → approved; ConflictError naming each field still missing."""
    workflow.require(record, ("in_review",), "approved")
    return _approve(db, storage, settings, plenary, record, user)


def mark_not_applicable(
    db: Session, plenary: PlenarySession, record: ActaRecord, user: User, field: str, reason: str
) -> None:
    """Mark a missing ROF 109 field as not applicable, with the reason."""
    _number, content = _latest(db, plenary)
    workflow.mark_not_applicable(db, record, user, field, reason, content)


def open_correction(
    db: Session, plenary: PlenarySession, record: ActaRecord, user: User, reason: str
) -> None:
    """A new version (diligencia) of an approved acta, in draft, citing the approved one."""
    workflow.require(record, workflow.LOCKED, "draft")
    approved = workflow.certificate_of(db, plenary, record.approved_number)
    old = get_version(db, plenary, approved.version_number)
    version = save_version(db, plenary, user, dict(old.content), latest_number(db, plenary.id))
    note = {
        "number": version.number,
        "corrects": approved.version_number,
        "sha256": approved.acta_sha256,
        "csv": cert.format_code(approved.csv),
        "reason": reason,
        "by": user.email,
        "at": utcnow().isoformat(),
    }
    record.corrections = [*(record.corrections or []), note]
    record.not_applicable = {}
    repo.audit(db, user.council_id, user.id, "acta.correction", "session", plenary.id, note)
    workflow.transition(db, record, user, "draft", {"version": version.number})


def approved_docx_path(storage: Path, row: ActaCertificate) -> Path:
    """The approved DOCX as certified; NotFoundError when the store lost it."""
    path = storage / row.docx_key
    if not path.is_file():
        raise NotFoundError("El fichero del acta aprobada ya no está en el almacén.")
    return path


def router() -> APIRouter:
    api = APIRouter(tags=["acta"])
    base = "/sessions/{session_id}/acta"

    @api.get(base, response_model=ActaPublic)
    def get_acta(session_id: str, user: CurrentUser, db: DbSession) -> ActaPublic:
        """The acta's state, its version and what ROF 109 still lacks."""
        plenary, record = load(db, user, session_id)
        db.commit()
        return _public(db, plenary, record)

    @api.post(base + "/submit", response_model=ActaPublic)
    def submit(session_id: str, user: CurrentUser, db: DbSession) -> ActaPublic:
        """Draft → in review (anyone who prepares it)."""
        plenary, record = load(db, user, session_id)
        submit_acta(db, plenary, record, user)
        db.commit()
        return _public(db, plenary, record)

    @api.post(base + "/return", response_model=ActaPublic)
    def return_to_draft(session_id: str, user: Manager, db: DbSession) -> ActaPublic:
        """In review → draft, for more work."""
        plenary, record = load(db, user, session_id)
        return_acta(db, record, user)
        db.commit()
        return _public(db, plenary, record)

    @api.post(base + "/approve", response_model=ActaPublic, responses={409: {}})
    def approve(
        session_id: str, request: Request, settings: AppSettings, user: Manager, db: DbSession
    ) -> ActaPublic:
        """In review → approved: 409 while a ROF 109 field is missing and not marked."""
        plenary, record = load(db, user, session_id)
        approve_acta(db, request.app.state.storage_path, settings, plenary, record, user)
        db.commit()
        return _public(db, plenary, record)

    @api.post(base + "/not-applicable", response_model=ActaPublic)
    def not_applicable(
        session_id: str, body: NotApplicableIn, user: Manager, db: DbSession
    ) -> ActaPublic:
        """Mark a missing ROF 109 field as not applicable, with the reason."""
        plenary, record = load(db, user, session_id)
        mark_not_applicable(db, plenary, record, user, body.field, body.reason)
        db.commit()
        return _public(db, plenary, record)

    @api.post(base + "/corrections", response_model=ActaPublic, status_code=201)
    def correction(session_id: str, body: CorrectionIn, user: Manager, db: DbSession) -> ActaPublic:
        """A new version (diligencia) of an approved acta, in draft, citing the approved one."""
        plenary, record = load(db, user, session_id)
        open_correction(db, plenary, record, user, body.reason)
        db.commit()
        return _public(db, plenary, record)

    @api.get(
        base + "/certificate",
        responses={200: {"content": {"application/json": {}, "text/plain": {}, DOCX: {}}}},
    )
    def certificate(
        session_id: str,
        user: CurrentUser,
        db: DbSession,
        version: VersionQuery = None,
        format: Literal["json", "txt", "docx"] = "json",
    ) -> Any:
        """The certificate of an approved version (default: the last one): JSON, text or DOCX."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        row = workflow.certificate_of(db, plenary, version)
        if format == "json":
            return row.data
        stem = f"certificado-{plenary.slug or plenary.id}-v{row.version_number}"
        if format == "txt":
            return Response(
                cert.certificate_text(row.data),
                media_type="text/plain; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{stem}.txt"'},
            )
        return Response(
            cert.certificate_docx(row.data),
            media_type=DOCX,
            headers={"Content-Disposition": f'attachment; filename="{stem}.docx"'},
        )

    @api.get(base + "/docx", response_class=Response, responses={200: {"content": {DOCX: {}}}})
    def approved_docx(
        session_id: str,
        request: Request,
        user: CurrentUser,
        db: DbSession,
        version: VersionQuery = None,
    ) -> Response:
        """The approved acta's DOCX as certified (its SHA-256 is the certificate's)."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        row = workflow.certificate_of(db, plenary, version)
        path = approved_docx_path(request.app.state.storage_path, row)
        return Response(
            path.read_bytes(),
            media_type=DOCX,
            headers={
                "Content-Disposition": f'attachment; filename="{row.data["acta"]["file_name"]}"'
            },
        )

    return api
