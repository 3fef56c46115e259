"""The caller's council: its settings, its roster and its plenary sessions.

Everyone in the council reads; admins and secretaries change the roster and
sessions, and reset or delete a person's voice; only admins change the council's
settings.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from fastapi import APIRouter, Request, UploadFile, status
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from plenaria.acts.links import check_template
from plenaria.api import council_look, voice_learning
from plenaria.api.council_languages import check_languages
from plenaria.api.deps import Admin, CurrentUser, DbSession, Manager
from plenaria.api.schemas import (
    CouncilPublic,
    CouncilUpdate,
    PersonCreate,
    PersonPublic,
    PersonUpdate,
    SessionCreate,
    SessionPublic,
    SessionUpdate,
)
from plenaria.api.session_removal import remove_files, remove_session
from plenaria.assembly.acta import with_acta
from plenaria.db import accounts as repo
from plenaria.db import acta as acta_workflow
from plenaria.db import civic
from plenaria.db.models import Council, PlenarySession, RosterMember, User
from plenaria.db.transcripts import get_version, latest_number, save_version
from plenaria.domain import Transcript
from plenaria.errors import ConfigError, InputError


def change_council(db: Session, user: User, body: CouncilUpdate) -> Council:
    """Change the council's settings (fields left out keep their value), audited."""
    council = user.council
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    try:
        check_template(changes.get("video_url_template", ""))
    except ConfigError as e:
        raise InputError(
            "La plantilla del enlace al vídeo no es válida: solo se rellenan {session} y "
            "{seconds}, y una llave literal se escribe {{ o }}.",
            "Corríjala y vuelva a guardar.",
        ) from e
    if "languages" in changes:
        changes["languages"] = check_languages(changes["languages"])
    civic.update_council_settings(council, changes)
    for name, value in council_look.check_colors(changes).items():
        setattr(council, name, value)
    repo.audit(db, council.id, user.id, "council.update", "council", council.id, changes)
    return council


def change_logo(db: Session, storage: Path, user: User, data: bytes | None) -> str | None:
    """Store the council's new logo (``None``: remove it), audited; the key of the file
    to remove once the change is committed."""
    council = user.council
    if data is None:
        old = council_look.drop_logo(council)
        repo.audit(db, council.id, user.id, "council.logo_remove", "council", council.id)
        return old
    old = council_look.store_logo(storage, council, data)
    detail = {"key": council.logo_key, "bytes": len(data)}
    repo.audit(db, council.id, user.id, "council.logo", "council", council.id, detail)
    return old


def add_person(db: Session, user: User, body: PersonCreate) -> RosterMember:
    person = civic.create_person(db, user.council_id, body.model_dump())
    detail = {"name": person.name}
    repo.audit(db, user.council_id, user.id, "roster.create", "person", person.id, detail)
    return person


def change_person(db: Session, user: User, person_id: str, body: PersonUpdate) -> RosterMember:
    person = civic.get_person_for_council(db, user.council_id, person_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    civic.update_person(person, changes)
    repo.audit(db, user.council_id, user.id, "roster.update", "person", person.id, changes)
    return person


def change_session(db: Session, user: User, session_id: str, body: SessionUpdate) -> PlenarySession:
    """Change the session's data; its latest transcript takes them at once (a new version
    whose acta is found again: what ROF 109 still lacks follows the page). Once the acta
    is approved, only its address (slug) may change: the rest is a correction's."""
    plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if set(changes) - {"slug"}:
        acta_workflow.ensure_editable(db, plenary)
    civic.update_plenary_session(plenary, changes)
    detail = {"fields": sorted(changes)}
    repo.audit(db, user.council_id, user.id, "session.update", "session", plenary.id, detail)
    if set(changes) - {"slug"}:
        refresh_transcript(db, user, plenary)
    return plenary


def refresh_transcript(db: Session, user: User, plenary: PlenarySession) -> None:
    """The latest version again with the session's data as they are now, and its acta found
    again; nothing stored when that changes nothing (or there is no transcript yet)."""
    number = latest_number(db, plenary.id)
    if number is None:
        return
    content = get_version(db, plenary).content
    transcript = Transcript.from_dict(content)
    roster = civic.list_roster(db, user.council_id, active_only=True)
    info = civic.session_info(plenary, user.council, roster)
    fresh = with_acta(replace(transcript, session=info)).to_dict()
    save_version(db, plenary, user, fresh, number, skip_unchanged=True, latest_content=content)


def router() -> APIRouter:
    api = APIRouter(tags=["council"])

    @api.get("/council", response_model=CouncilPublic)
    def get_council(user: CurrentUser) -> CouncilPublic:
        return CouncilPublic.model_validate(user.council)

    @api.put("/council", response_model=CouncilPublic)
    def update_council(body: CouncilUpdate, user: Admin, db: DbSession) -> CouncilPublic:
        """Change the council's settings; fields left out keep their value."""
        council = change_council(db, user, body)
        db.commit()
        return CouncilPublic.model_validate(council)

    @api.put("/council/logo", response_model=CouncilPublic)
    async def upload_logo(
        file: UploadFile, request: Request, user: Admin, db: DbSession
    ) -> CouncilPublic:
        """The portal's logo: a PNG, JPEG or SVG of at most 500 kB (multipart ``file``)."""
        data = await file.read(council_look.MAX_LOGO_BYTES + 1)
        storage: Path = request.app.state.storage_path

        def save() -> CouncilPublic:
            old = change_logo(db, storage, user, data)
            db.commit()
            council_look.remove_file(storage, old)
            return CouncilPublic.model_validate(user.council)

        return await run_in_threadpool(save)

    @api.delete("/council/logo", status_code=status.HTTP_204_NO_CONTENT)
    def remove_logo(request: Request, user: Admin, db: DbSession) -> None:
        """Remove the portal's logo (none: nothing to do)."""
        storage: Path = request.app.state.storage_path
        old = change_logo(db, storage, user, None)
        db.commit()
        council_look.remove_file(storage, old)

    # Roster

    @api.get("/roster", response_model=list[PersonPublic])
    def list_roster(user: CurrentUser, db: DbSession) -> list[PersonPublic]:
        return [PersonPublic.model_validate(p) for p in civic.list_roster(db, user.council_id)]

    @api.post("/roster", response_model=PersonPublic, status_code=status.HTTP_201_CREATED)
    def create_person(body: PersonCreate, user: Manager, db: DbSession) -> PersonPublic:
        person = add_person(db, user, body)
        db.commit()
        return PersonPublic.model_validate(person)

    @api.get("/roster/{person_id}", response_model=PersonPublic)
    def get_person(person_id: str, user: CurrentUser, db: DbSession) -> PersonPublic:
        return PersonPublic.model_validate(
            civic.get_person_for_council(db, user.council_id, person_id)
        )

    @api.patch("/roster/{person_id}", response_model=PersonPublic)
    def update_person(
        person_id: str, body: PersonUpdate, user: Manager, db: DbSession
    ) -> PersonPublic:
        person = change_person(db, user, person_id, body)
        db.commit()
        return PersonPublic.model_validate(person)

    @api.delete("/roster/{person_id}", status_code=status.HTTP_204_NO_CONTENT)
    def delete_person(person_id: str, user: Manager, db: DbSession) -> None:
        person = civic.get_person_for_council(db, user.council_id, person_id)
        repo.audit(
            db,
            user.council_id,
            user.id,
            "roster.delete",
            "person",
            person.id,
            {"name": person.name},
        )
        db.delete(person)
        db.commit()

    # A person's voice (personal data: viewed by all, reset and deleted by managers)

    @api.get("/roster/{person_id}/voice", response_model=voice_learning.VoicePublic)
    def get_voice(person_id: str, user: CurrentUser, db: DbSession) -> voice_learning.VoicePublic:
        """The person's voice samples (enrolled, learned from corrections), no embeddings."""
        return voice_learning.voice_of(db, user.council_id, person_id)

    @api.post("/roster/{person_id}/voice/reset", response_model=voice_learning.VoicePublic)
    def reset_voice(person_id: str, user: Manager, db: DbSession) -> voice_learning.VoicePublic:
        """Forget what was learned from corrections; the enrolled samples stay."""
        voice_learning.forget_voice(db, user, person_id, learned_only=True)
        db.commit()
        return voice_learning.voice_of(db, user.council_id, person_id)

    @api.delete("/roster/{person_id}/voice", status_code=status.HTTP_204_NO_CONTENT)
    def delete_voice(person_id: str, user: Manager, db: DbSession) -> None:
        """Delete every sample of the person's voice: nothing names them until they are
        enrolled or named by a clerk again."""
        voice_learning.forget_voice(db, user, person_id, learned_only=False)
        db.commit()

    # Plenary sessions

    @api.get("/sessions", response_model=list[SessionPublic])
    def list_sessions(user: CurrentUser, db: DbSession) -> list[SessionPublic]:
        rows = civic.list_plenary_sessions(db, user.council_id)
        return [SessionPublic.model_validate(s) for s in rows]

    @api.post("/sessions", response_model=SessionPublic, status_code=status.HTTP_201_CREATED)
    def create_session(body: SessionCreate, user: Manager, db: DbSession) -> SessionPublic:
        plenary = civic.create_plenary_session(db, user.council_id, body.model_dump())
        repo.audit(db, user.council_id, user.id, "session.create", "session", plenary.id)
        db.commit()
        return SessionPublic.model_validate(plenary)

    @api.get("/sessions/{session_id}", response_model=SessionPublic)
    def get_session(session_id: str, user: CurrentUser, db: DbSession) -> SessionPublic:
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        return SessionPublic.model_validate(plenary)

    @api.patch("/sessions/{session_id}", response_model=SessionPublic)
    def update_session(
        session_id: str, body: SessionUpdate, user: Manager, db: DbSession
    ) -> SessionPublic:
        plenary = change_session(db, user, session_id, body)
        db.commit()
        return SessionPublic.model_validate(plenary)

    @api.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
    def delete_session(session_id: str, request: Request, user: Admin, db: DbSession) -> None:
        """Delete the session with its jobs, recordings, outputs, transcript versions and
        their files (personal data); 409 while one of its jobs runs."""
        storage: Path = request.app.state.storage_path
        files = remove_session(db, storage, user, session_id)
        db.commit()
        remove_files(storage, files)

    return api
