"""A session's transcript for the editor: read it, save a version, follow others' saves.

Every save is a new transcript version with its author. A save names the
version it was edited from (``parent``); when someone saved in between, the
answer is 409 with the latest version's number and author, and nothing is
overwritten. An intervention whose ``text`` differs from its words is
re-aligned (:func:`plenaria.assembly.realign.realign`): untouched words keep
their times, changed and inserted words get times from their neighbours.
The history (versions, a diff, a restore) is :mod:`.transcript_history`; the
outputs, rendered on demand from the latest version, :mod:`.transcript_outputs`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from plenaria.api.deps import AppSettings, CurrentUser, DbSession
from plenaria.api.event_stream import event_response
from plenaria.api.schemas_transcripts import (
    SavedPublic,
    TranscriptPatch,
    TranscriptPublic,
    TranscriptSave,
)
from plenaria.api.transcript_edits import (
    ItemStartEdit,
    SummaryEdit,
    VersionCache,
    patched,
    saved,
    with_item_start,
    with_summary,
)
from plenaria.api.transcript_events import transcript_events
from plenaria.api.transcript_versions import (
    conflict,
    fast_json,
    heads,
    save_edit,
    source_job,
    version_public,
)
from plenaria.db import acta as acta_workflow
from plenaria.db import civic
from plenaria.db.models import PlenarySession, User
from plenaria.db.transcripts import get_version, latest_number
from plenaria.errors import NotFoundError


def router() -> APIRouter:
    api = APIRouter(tags=["transcripts"])
    cache = VersionCache()

    def latest_content(db: Session, plenary: PlenarySession) -> tuple[int, dict[str, Any]]:
        number = latest_number(db, plenary.id)
        if number is None:
            raise NotFoundError(
                f"La sesión {plenary.id} aún no tiene transcripción.",
                "Espere a que termine su proceso.",
            )
        content = cache.get((plenary.id, number))
        if content is None:
            content = get_version(db, plenary, number).content
            cache.put((plenary.id, number), content)
        return number, content

    def saved_answer(
        db: Session,
        plenary: PlenarySession,
        user: User,
        content: dict[str, Any],
        parent: int | None,
        changed: dict[str, dict[str, Any]],
        settings: Any,
        audit: tuple[str, dict[str, Any]] | None = None,
    ) -> Response:
        """The new version stored (201), the parent when nothing changed (200), or the 409."""
        latest = cache.get((plenary.id, parent)) if parent is not None else None
        version = save_edit(db, plenary, user, content, parent, changed, settings, latest, audit)
        if version is None:
            return conflict(db, plenary, parent)
        cache.put((plenary.id, version.number), content)
        out = version_public(db, version).model_dump(mode="json")
        created = version.number != parent  # else nothing changed: no new version
        return fast_json({**out, "interventions": changed}, status_code=201 if created else 200)

    def edit_latest(
        db: Session,
        user: User,
        session_id: str,
        parent_number: int,
        settings: Any,
        edit: Callable[[dict[str, Any]], tuple[dict[str, Any], dict[str, dict[str, Any]]]],
        audit: tuple[str, dict[str, Any]] | None = None,
    ) -> Response:
        """An edit of the latest version, made by ``edit`` from its content: the session's
        own, editable, and ``parent_number`` still the latest (else the 409)."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        acta_workflow.ensure_editable(db, plenary)
        number, parent = latest_content(db, plenary)
        if parent_number != number:
            return conflict(db, plenary, parent_number)
        content, changed = edit(parent)
        return saved_answer(db, plenary, user, content, parent_number, changed, settings, audit)

    @api.get("/sessions/{session_id}/transcript", response_model=TranscriptPublic)
    def get_transcript(session_id: str, user: CurrentUser, db: DbSession) -> Any:
        """The latest version of the transcript; its number is the next save's parent."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        number, content = latest_content(db, plenary)
        rows = heads(db, plenary)
        row = next(h for h in rows if h.number == number)
        head = version_public(db, row).model_dump(mode="json")
        return fast_json(
            {
                **head,
                "session_id": plenary.id,
                "source_job_id": source_job(rows),
                "transcript": content,
            }
        )

    @api.patch(
        "/sessions/{session_id}/transcript",
        response_model=SavedPublic,
        status_code=status.HTTP_201_CREATED,
        responses={409: {"description": "A newer version was saved, or the acta is approved"}},
    )
    def patch_transcript(
        session_id: str,
        body: TranscriptPatch,
        user: CurrentUser,
        db: DbSession,
        settings: AppSettings,
    ) -> Any:
        """Save only what changed: whole interventions and speakers, by id, on version ``parent``.

        The new version is the parent with these put in; an intervention whose
        ``text`` differs from its words is re-aligned. 409 when ``parent`` is not
        the latest version; 200 and the parent itself when nothing changed.
        """
        return edit_latest(
            db,
            user,
            session_id,
            body.parent,
            settings,
            lambda parent: patched(db, user.council_id, parent, body),
        )

    @api.put(
        "/sessions/{session_id}/transcript",
        response_model=SavedPublic,
        status_code=status.HTTP_201_CREATED,
        responses={409: {"description": "A newer version was saved, or the acta is approved"}},
    )
    def save_transcript(
        session_id: str,
        body: TranscriptSave,
        user: CurrentUser,
        db: DbSession,
        settings: AppSettings,
    ) -> Any:
        """Save the edited transcript as a new version; edited interventions are re-aligned.

        200 and the parent itself when nothing changed."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        acta_workflow.ensure_editable(db, plenary)
        if body.parent != latest_number(db, plenary.id):
            return conflict(db, plenary, body.parent)
        canonical, changed = saved(db, user.council_id, body.transcript)
        return saved_answer(db, plenary, user, canonical, body.parent, changed, settings)

    @api.put(
        "/sessions/{session_id}/transcript/interventions/{intervention_id}/summary",
        response_model=SavedPublic,
        status_code=status.HTTP_201_CREATED,
        responses={409: {"description": "A newer version was saved, or the acta is approved"}},
    )
    def edit_summary(
        session_id: str,
        intervention_id: Annotated[str, Path(max_length=200)],
        body: SummaryEdit,
        user: CurrentUser,
        db: DbSession,
        settings: AppSettings,
    ) -> Any:
        """A clerk's synthesis of one intervention (ROF 109.1.g), saved as a new version on
        version ``parent``; it stays as written when the words are corrected later. ``summary``
        null: the automatic summary again. The answer's ``interventions`` holds the
        intervention as saved. 409 when ``parent`` is not the latest version; 200 and the
        parent itself when nothing changed."""
        what = {"intervention": intervention_id, "automatic": body.summary is None}
        return edit_latest(
            db,
            user,
            session_id,
            body.parent,
            settings,
            lambda parent: with_summary(parent, intervention_id, body.summary),
            ("transcript.summary", what),
        )

    @api.put(
        "/sessions/{session_id}/transcript/items/{number}/start",
        response_model=SavedPublic,
        status_code=status.HTTP_201_CREATED,
        responses={409: {"description": "A newer version was saved, or the acta is approved"}},
    )
    def move_item_start(
        session_id: str,
        number: Annotated[int, Path(ge=1, le=10_000)],
        body: ItemStartEdit,
        user: CurrentUser,
        db: DbSession,
        settings: AppSettings,
    ) -> Any:
        """Where agenda item ``number`` starts, as the clerk says: at intervention
        ``intervention`` (null: where it is heard again). Saved as a new version on ``parent``,
        with the acta found again (the items after it follow); the answer's ``interventions``
        holds those whose item changed. 409 when ``parent`` is not the latest version."""
        what = {"item": number, "intervention": body.intervention}
        return edit_latest(
            db,
            user,
            session_id,
            body.parent,
            settings,
            lambda parent: with_item_start(parent, number, body.intervention),
            ("transcript.item_start", what),
        )

    @api.get(
        "/sessions/{session_id}/transcript/events",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    def transcript_events_stream(
        session_id: str, request: Request, user: CurrentUser, db: DbSession
    ) -> StreamingResponse:
        """Server-sent events: who has this transcript open (``presence``), and each version
        saved from now on (``saved``, with its author and the interventions it changed;
        after ``Last-Event-ID``, the version it names, when reconnecting)."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        latest = latest_number(db, plenary.id) or 0
        db.close()  # the stream polls with its own sessions
        seen = request.headers.get("last-event-id", "")  # a reconnection: what it last had
        since = int(seen) if seen.isdigit() and len(seen) < 10 and int(seen) <= latest else latest
        stream = transcript_events(
            request.app.state.db,
            user.council_id,
            plenary.id,
            user.id,
            since,
            request.app.state.events_poll_s,
            request,
        )
        return event_response(stream, request, user.id)

    return api
