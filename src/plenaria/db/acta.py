"""The acta's workflow: draft → in_review → approved → signed → published.

One :class:`ActaRecord` per plenary session holds its state, the ROF 109
fields marked not applicable and the corrections (diligencias). Every change
of state writes the audit log (who, when, from, to). From ``approved`` on, the
approved transcript version is immutable (:func:`ensure_editable`); a
correction opens a new version, back in draft, that cites the approved one.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from plenaria.assembly.acta import MISSING_KEYS
from plenaria.db import accounts as repo
from plenaria.db.base import utcnow
from plenaria.db.models import (
    ACTA_STATES,
    ActaCertificate,
    ActaRecord,
    AuditEntry,
    PlenarySession,
    User,
)
from plenaria.errors import ConflictError, InputError, NotFoundError

STATE_NAMES = {
    "draft": "borrador",
    "in_review": "en revisión",
    "approved": "aprobada",
    "signed": "firmada",
    "published": "publicada",
}
# Approved and after: the approved version may no longer change.
LOCKED = ("approved", "signed", "published")
TRANSITIONS = {
    "draft": ("in_review",),
    "in_review": ("draft", "approved"),
    "approved": ("signed", "published", "draft"),
    "signed": ("published", "draft"),
    "published": ("draft",),
}
_ITEM_KEY = re.compile(r"^(item_start|item_vote):([1-9][0-9]{0,5})$")


def state_name(state: str) -> str:
    return STATE_NAMES.get(state, state)


def describe(key: str) -> str:
    """A ``missing`` key in Spanish: ``item_vote:3`` → "la votación del punto 3 ..."."""
    base, _, number = key.partition(":")
    text = MISSING_KEYS.get(base, key)
    text = re.sub(r"\s*\([a-z_]+:N\)", "", text)
    return text.replace("punto N", f"punto {number}") if number else text


def valid_key(key: str) -> bool:
    """A ROF 109 key as ``missing`` writes it (per-item ones with their number)."""
    if _ITEM_KEY.match(key):
        return True
    return key in MISSING_KEYS and not key.startswith("item_")


def missing_of(content: dict[str, Any]) -> list[str]:
    """What the version's acta still lacks; a transcript without acta data lacks nothing known."""
    acta = content.get("acta") or {}
    return [str(k) for k in acta.get("missing") or []]


def record_for(db: Session, plenary: PlenarySession) -> ActaRecord:
    """The session's acta record; a session without one is a draft (made now)."""
    row = db.scalar(select(ActaRecord).where(ActaRecord.session_id == plenary.id))
    if row is None:
        row = ActaRecord(
            council_id=plenary.council_id,
            session_id=plenary.id,
            state="draft",
            not_applicable={},
            corrections=[],
        )
        with db.begin_nested():
            db.add(row)
            db.flush()
    return row


def outstanding(record: ActaRecord, content: dict[str, Any]) -> list[str]:
    """The missing keys neither filled in nor marked not applicable."""
    marked = record.not_applicable or {}
    return [k for k in missing_of(content) if k not in marked]


def transition(
    db: Session,
    record: ActaRecord,
    user: User | None,
    to: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Move the acta to ``to`` if the workflow allows it, with its audit entry."""
    if to not in ACTA_STATES:
        raise InputError(f"«{to}» no es un estado del acta.", "Use uno de los del flujo.")
    now = record.state
    if to not in TRANSITIONS.get(now, ()):
        raise ConflictError(
            f"El acta está {state_name(now)} y no puede pasar a {state_name(to)}.",
            _hint(now),
        )
    record.state = to
    record.updated_at = utcnow()
    repo.audit(
        db,
        record.council_id,
        user.id if user is not None else None,
        "acta.transition",
        "session",
        record.session_id,
        {"from": now, "to": to, **(detail or {})},
    )


def require(record: ActaRecord, states: tuple[str, ...], to: str) -> None:
    """ConflictError unless the acta is in one of ``states`` (the step towards ``to``)."""
    if record.state not in states:
        raise ConflictError(
            f"El acta está {state_name(record.state)} y no puede pasar a {state_name(to)}.",
            _hint(record.state),
        )


def _hint(state: str) -> str:
    if state == "draft":
        return "Envíela antes a revisión."
    if state == "in_review":
        return "Apruébela o devuélvala a borrador."
    return "Para cambiar un acta aprobada, abra una corrección (diligencia)."


def ensure_editable(db: Session, plenary: PlenarySession) -> None:
    """ConflictError when the session's acta is approved (or signed, or published)."""
    row = db.scalar(select(ActaRecord).where(ActaRecord.session_id == plenary.id))
    if row is not None and row.state in LOCKED:
        raise ConflictError(
            f"El acta de esta sesión está {state_name(row.state)} "
            f"(versión {row.approved_number}) y no se puede modificar.",
            "Abra una corrección (diligencia) con POST .../acta/corrections y un motivo.",
        )


def mark_not_applicable(
    db: Session,
    record: ActaRecord,
    user: User,
    key: str,
    reason: str,
    content: dict[str, Any],
) -> None:
    if not valid_key(key):
        raise InputError(
            f"«{key}» no es un campo del acta (art. 109 del ROF).",
            "Use una de las claves de «missing», p. ej. end_time o item_vote:3.",
        )
    if key not in missing_of(content):
        raise ConflictError(
            f"No falta {describe(key)} en la última versión del acta.",
            "Solo se marcan como no aplicables los campos que faltan.",
        )
    if record.state in LOCKED:
        raise ConflictError(
            f"El acta está {state_name(record.state)}.",
            "Abra una corrección (diligencia) para cambiarla.",
        )
    marks = dict(record.not_applicable or {})
    marks[key] = {"reason": reason, "by": user.email, "at": utcnow().isoformat()}
    record.not_applicable = marks
    repo.audit(
        db,
        record.council_id,
        user.id,
        "acta.not_applicable",
        "session",
        record.session_id,
        {"field": key, "reason": reason},
    )


def refuse_incomplete(missing: list[str]) -> None:
    if missing:
        listed = "; ".join(f"{describe(k)} ({k})" for k in missing)
        raise ConflictError(
            f"No se puede aprobar el acta: falta {listed}.",
            "Rellénelo en el editor o márquelo como no aplicable con un motivo.",
        )


def certificates(db: Session, plenary: PlenarySession) -> list[ActaCertificate]:
    query = select(ActaCertificate).where(ActaCertificate.session_id == plenary.id)
    return list(db.scalars(query.order_by(ActaCertificate.version_number)))


def certificate_of(db: Session, plenary: PlenarySession, number: int | None) -> ActaCertificate:
    rows = certificates(db, plenary)
    if number is not None:
        rows = [c for c in rows if c.version_number == number]
    if not rows:
        raise NotFoundError(
            "Esta sesión no tiene ningún acta aprobada"
            + (f" en la versión {number}." if number is not None else "."),
            "El certificado se genera al aprobar el acta.",
        )
    return rows[-1]


def certificate_by_code(db: Session, code: str) -> ActaCertificate | None:
    return db.scalar(select(ActaCertificate).where(ActaCertificate.csv == code))


def certificate_by_hash(db: Session, sha256: str) -> ActaCertificate | None:
    """The certificate of the approved DOCX or of the signed PDF/A whose hash is ``sha256``."""
    query = select(ActaCertificate).where(
        or_(ActaCertificate.acta_sha256 == sha256, ActaCertificate.signed_sha256 == sha256)
    )
    return db.scalar(query.order_by(ActaCertificate.created_at.desc()).limit(1))


def history(db: Session, plenary: PlenarySession) -> list[AuditEntry]:
    """The acta's audit entries, oldest first."""
    query = select(AuditEntry).where(
        AuditEntry.council_id == plenary.council_id,
        AuditEntry.object_type == "session",
        AuditEntry.object_id == plenary.id,
        AuditEntry.action.startswith("acta."),
    )
    return list(db.scalars(query.order_by(AuditEntry.at, AuditEntry.id)))
