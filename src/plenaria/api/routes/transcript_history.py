"""A session's transcript history for the editor: the versions, one version, what changed
in it, and an older version restored as the newest (a new version with its author)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from plenaria.api import voice_learning
from plenaria.api.deps import AppSettings, CurrentUser, DbSession
from plenaria.api.schemas import MAX_INT
from plenaria.api.schemas_transcripts import (
    RestoreIn,
    TranscriptPublic,
    VersionDiff,
    VersionPublic,
)
from plenaria.api.transcript_edits import diff
from plenaria.api.transcript_versions import (
    conflict,
    fast_json,
    heads,
    transcript_public,
    version_public,
)
from plenaria.db import accounts as repo
from plenaria.db import acta as acta_workflow
from plenaria.db import civic
from plenaria.db.transcripts import get_version, latest_number, save_version
from plenaria.errors import ConflictError

VersionInPath = Annotated[int, Path(ge=1, le=MAX_INT, description="The version's number.")]


def router() -> APIRouter:
    api = APIRouter(tags=["transcripts"])

    @api.get("/sessions/{session_id}/transcript/versions", response_model=list[VersionPublic])
    def versions(session_id: str, user: CurrentUser, db: DbSession) -> Any:
        """Every version, oldest first, with its author."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        return [version_public(db, v) for v in heads(db, plenary)]

    @api.get("/sessions/{session_id}/transcript/versions/{number}", response_model=TranscriptPublic)
    def version(session_id: str, number: VersionInPath, user: CurrentUser, db: DbSession) -> Any:
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        return transcript_public(db, plenary, get_version(db, plenary, number))

    @api.get("/sessions/{session_id}/transcript/versions/{number}/diff", response_model=VersionDiff)
    def version_diff(
        session_id: str,
        number: VersionInPath,
        user: CurrentUser,
        db: DbSession,
        against: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    ) -> Any:
        """What changed in version ``number`` since ``against`` (default: its parent)."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        after = get_version(db, plenary, number)
        base_number = against if against is not None else after.parent_number
        before = get_version(db, plenary, base_number).content if base_number else None
        changes, renames = diff(before, after.content)
        return fast_json(
            {
                "number": number,
                "against": base_number,
                "interventions": changes,
                "speakers": renames,
            }
        )

    @api.post(
        "/sessions/{session_id}/transcript/versions/{number}/restore",
        response_model=VersionPublic,
        status_code=status.HTTP_201_CREATED,
        responses={409: {"description": "A newer version was saved, or the acta is approved"}},
    )
    def restore(
        session_id: str,
        number: VersionInPath,
        user: CurrentUser,
        db: DbSession,
        settings: AppSettings,
        body: RestoreIn | None = None,
    ) -> Any:
        """Save an older version's content again as the newest version.

        When it is the latest version's content already, nothing is saved: the answer
        is the latest version, with status 200.
        """
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        acta_workflow.ensure_editable(db, plenary)
        old = get_version(db, plenary, number)
        latest = latest_number(db, plenary.id)
        parent = body.parent if body is not None and body.parent is not None else latest
        if parent != latest:
            return conflict(db, plenary, parent)
        people = voice_learning.people_before(db, plenary, latest, None)
        try:
            version = save_version(
                db, plenary, user, dict(old.content), parent, skip_unchanged=True
            )
        except ConflictError:
            db.rollback()
            return conflict(db, plenary, parent)
        if version.number == parent:  # the same content: no empty version
            return fast_json(version_public(db, version).model_dump(mode="json"))
        voice_learning.learn(db, settings.storage_path, plenary, user, people, old.content)
        repo.audit(
            db,
            user.council_id,
            user.id,
            "transcript.restore",
            "session",
            plenary.id,
            {"number": version.number, "restored": number},
        )
        db.commit()
        return version_public(db, version)

    return api
