"""Publishing on the citizens' portal and redacting before (or after) it.

``POST /sessions/{id}/publish`` (secretary or admin) makes the session public
from its latest transcript version and answers its ``public_url``; publishing
again after a correction updates the public copy, and marks a signed (or approved) acta
published; ``DELETE`` withdraws it.
Redactions (``/sessions/{id}/redactions``): every role of the council reads
them; secretaries and admins add and remove them, and a published session's
public copy (text, captions, JSON, video, search index) is made again at once.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Self

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy.orm import Session

from plenaria.api import publishing
from plenaria.api.deps import CurrentUser, DbSession, Manager
from plenaria.api.schemas import Strict
from plenaria.db import accounts as repo
from plenaria.db import acta as acta_workflow
from plenaria.db import civic, portal
from plenaria.db.models import PlenarySession, Publication, User

MAX_SECONDS = 7 * 24 * 3600.0  # a week: longer than any recording
Seconds = Annotated[float, Field(ge=0, le=MAX_SECONDS, allow_inf_nan=False)]


class RedactionIn(Strict):
    start: Seconds
    end: Seconds
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start >= self.end:
            raise ValueError(
                "start debe ser menor que end (segundos desde el inicio de la grabación)"
            )
        return self


class RedactionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    start: float
    end: float
    reason: str
    created_at: datetime


class PublicationPublic(BaseModel):
    session_id: str
    public_url: str
    version: int
    video: bool
    published_at: datetime


def _storage(request: Request) -> Path:
    path: Path = request.app.state.storage_path
    return path


def publish_session(db: Session, storage: Path, plenary: PlenarySession, user: User) -> Publication:
    """Publish (or update) the session on the portal; a signed (or approved) acta becomes
    published. Shared by the API and the acta's web page; the caller commits."""
    row = publishing.publish(db, storage, user.council, plenary, user)
    detail = {"version": row.version_number}
    repo.audit(db, user.council_id, user.id, "session.publish", "session", plenary.id, detail)
    record = acta_workflow.record_for(db, plenary)
    if record.state in ("approved", "signed"):
        acta_workflow.transition(db, record, user, "published", detail)
    return row


def withdraw_session(db: Session, plenary: PlenarySession, user: User) -> None:
    """Take the session off the portal; the caller commits."""
    portal.withdraw(db, plenary)
    repo.audit(db, user.council_id, user.id, "session.withdraw", "session", plenary.id)


def router() -> APIRouter:
    api = APIRouter(tags=["portal"])

    @api.post("/sessions/{session_id}/publish", response_model=PublicationPublic)
    def publish(session_id: str, request: Request, user: Manager, db: DbSession) -> Any:
        """Publish the latest transcript version with the web video (redactions burnt in)."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        row = publish_session(db, _storage(request), plenary, user)
        db.commit()
        return PublicationPublic(
            session_id=plenary.id,
            public_url=publishing.public_url(user.council, plenary),
            version=row.version_number,
            video=bool(row.video_key),
            published_at=row.published_at,
        )

    @api.delete("/sessions/{session_id}/publish", status_code=status.HTTP_204_NO_CONTENT)
    def withdraw(session_id: str, user: Manager, db: DbSession) -> Response:
        """Take the session off the portal (its pages and files answer 404 from now on)."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        withdraw_session(db, plenary, user)
        db.commit()
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @api.get("/sessions/{session_id}/redactions", response_model=list[RedactionPublic])
    def list_redactions(session_id: str, user: CurrentUser, db: DbSession) -> Any:
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        return [RedactionPublic.model_validate(r) for r in portal.list_redactions(db, plenary)]

    @api.post(
        "/sessions/{session_id}/redactions",
        response_model=RedactionPublic,
        status_code=status.HTTP_201_CREATED,
    )
    def add_redaction(
        session_id: str, body: RedactionIn, request: Request, user: Manager, db: DbSession
    ) -> Any:
        """Keep ``start``–``end`` (seconds) off the public copy: silent, black, without words."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        row = portal.add_redaction(db, plenary, body.start, body.end, body.reason, user)
        publishing.refresh(db, _storage(request), user.council, plenary, user)
        detail = {"start": body.start, "end": body.end}
        repo.audit(db, user.council_id, user.id, "redaction.add", "session", plenary.id, detail)
        db.commit()
        return RedactionPublic.model_validate(row)

    @api.delete(
        "/sessions/{session_id}/redactions/{redaction_id}",
        status_code=status.HTTP_204_NO_CONTENT,
    )
    def delete_redaction(
        session_id: str, redaction_id: str, request: Request, user: Manager, db: DbSession
    ) -> Response:
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        row = portal.get_redaction(db, plenary, redaction_id)
        detail = {"start": row.start, "end": row.end}
        db.delete(row)
        db.flush()
        publishing.refresh(db, _storage(request), user.council, plenary, user)
        repo.audit(db, user.council_id, user.id, "redaction.delete", "session", plenary.id, detail)
        db.commit()
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return api
