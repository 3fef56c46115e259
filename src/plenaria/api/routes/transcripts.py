"""A session's transcript for the editor: read, save a version, history, restore, outputs.

Every save is a new transcript version with its author. A save names the
version it was edited from (``parent``); when someone saved in between, the
answer is 409 with the latest version's number and author, and nothing is
overwritten. An intervention whose ``text`` differs from its words is
re-aligned (:func:`plenaria.assembly.realign.realign`): untouched words keep
their times, changed and inserted words get times from their neighbours.
Outputs are rendered on demand from the latest version.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from plenaria.acts.links import acta_link_template
from plenaria.api import voice_learning
from plenaria.api.deps import AppSettings, CurrentUser, DbSession
from plenaria.api.event_stream import event_response
from plenaria.api.schemas import (
    MAX_INT,
    RestoreIn,
    SavedPublic,
    TranscriptPatch,
    TranscriptPublic,
    TranscriptSave,
    VersionDiff,
    VersionPublic,
)
from plenaria.api.transcript_edits import (
    ItemStartEdit,
    SummaryEdit,
    VersionCache,
    diff,
    patched,
    render_output,
    saved,
    with_item_start,
    with_summary,
)
from plenaria.api.transcript_events import author_name, transcript_events
from plenaria.db import accounts as repo
from plenaria.db import acta as acta_workflow
from plenaria.db import civic
from plenaria.db.models import PlenarySession, TranscriptVersion, User
from plenaria.db.transcripts import get_version, latest_number, save_version
from plenaria.domain import Transcript
from plenaria.errors import ConflictError, NotFoundError

SessionOutputKind = Literal["json", "vtt", "srt", "docx"]
VersionInPath = Annotated[int, Path(ge=1, le=MAX_INT, description="The version's number.")]
MEDIA_TYPES = {
    "json": "application/json",
    "vtt": "text/vtt; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _author(db: Session, version: TranscriptVersion) -> str | None:
    if version.author_id is None:
        return None
    user = db.get(User, version.author_id)
    return user.email if user is not None else "?"


def _version_public(db: Session, v: TranscriptVersion) -> VersionPublic:
    return VersionPublic(
        number=v.number,
        parent=v.parent_number,
        author=_author(db, v),
        job_id=v.job_id,
        created_at=v.created_at,
    )


def _heads(db: Session, plenary: PlenarySession) -> list[TranscriptVersion]:
    """The session's versions, oldest first, without their (large) content."""
    query = (
        select(TranscriptVersion)
        .options(defer(TranscriptVersion.snapshot), defer(TranscriptVersion.delta))
        .where(TranscriptVersion.session_id == plenary.id)
        .order_by(TranscriptVersion.number)
    )
    return list(db.scalars(query))


def _source_job(heads: list[TranscriptVersion]) -> str | None:
    jobs = [v.job_id for v in heads if v.job_id]
    return jobs[-1] if jobs else None


def _transcript_public(db: Session, plenary: PlenarySession, v: TranscriptVersion) -> Any:
    base = _version_public(db, v).model_dump()
    return TranscriptPublic(
        **base,
        session_id=plenary.id,
        source_job_id=_source_job(_heads(db, plenary)),
        transcript=v.content,
    )


def _conflict(db: Session, plenary: PlenarySession, parent: int | None) -> JSONResponse:
    heads = _heads(db, plenary)
    if not heads:  # a parent named where there is no version yet
        return JSONResponse(
            {
                "detail": (
                    f"La sesión {plenary.id} aún no tiene ninguna versión de la transcripción, "
                    f"así que no puede partir de la versión {parent}. Guarde sin versión de "
                    "partida (parent null) para crear la primera."
                ),
                "latest": None,
                "author": None,
                "saved_at": None,
            },
            status_code=status.HTTP_409_CONFLICT,
        )
    latest = heads[-1]
    author = author_name(db, latest.author_id)
    return JSONResponse(
        {
            "detail": (
                f"La versión {parent} ya no es la última: {author} guardó la versión "
                f"{latest.number} mientras tanto. Sus cambios no se han guardado; "
                "únalos a la última versión y guarde otra vez."
            ),
            "latest": latest.number,
            "author": author,
            "saved_at": latest.created_at.isoformat(),
        },
        status_code=status.HTTP_409_CONFLICT,
    )


def _fast_json(value: Any, status_code: int = 200) -> Response:
    """JSON of plain data, without FastAPI's model round trip (40,000 words: milliseconds)."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return Response(body, status_code=status_code, media_type="application/json")


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
        version = _save(db, plenary, user, content, parent, changed, settings, latest, audit)
        if version is None:
            return _conflict(db, plenary, parent)
        cache.put((plenary.id, version.number), content)
        out = _version_public(db, version).model_dump(mode="json")
        created = version.number != parent  # else nothing changed: no new version
        return _fast_json({**out, "interventions": changed}, status_code=201 if created else 200)

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
            return _conflict(db, plenary, parent_number)
        content, changed = edit(parent)
        return saved_answer(db, plenary, user, content, parent_number, changed, settings, audit)

    @api.get("/sessions/{session_id}/transcript", response_model=TranscriptPublic)
    def get_transcript(session_id: str, user: CurrentUser, db: DbSession) -> Any:
        """The latest version of the transcript; its number is the next save's parent."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        number, content = latest_content(db, plenary)
        heads = _heads(db, plenary)
        row = next(h for h in heads if h.number == number)
        head = _version_public(db, row).model_dump(mode="json")
        return _fast_json(
            {
                **head,
                "session_id": plenary.id,
                "source_job_id": _source_job(heads),
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
            return _conflict(db, plenary, body.parent)
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

    @api.get("/sessions/{session_id}/transcript/versions", response_model=list[VersionPublic])
    def versions(session_id: str, user: CurrentUser, db: DbSession) -> Any:
        """Every version, oldest first, with its author."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        return [_version_public(db, v) for v in _heads(db, plenary)]

    @api.get("/sessions/{session_id}/transcript/versions/{number}", response_model=TranscriptPublic)
    def version(session_id: str, number: VersionInPath, user: CurrentUser, db: DbSession) -> Any:
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        return _transcript_public(db, plenary, get_version(db, plenary, number))

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
        return _fast_json(
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
            return _conflict(db, plenary, parent)
        people = voice_learning.people_before(db, plenary, latest, None)
        try:
            version = save_version(
                db, plenary, user, dict(old.content), parent, skip_unchanged=True
            )
        except ConflictError:
            db.rollback()
            return _conflict(db, plenary, parent)
        if version.number == parent:  # the same content: no empty version
            return _fast_json(_version_public(db, version).model_dump(mode="json"))
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
        return _version_public(db, version)

    @api.get(
        "/sessions/{session_id}/outputs/{kind}",
        response_class=Response,
        responses={200: {"content": {t.split(";")[0]: {} for t in MEDIA_TYPES.values()}}},
    )
    def session_output(
        session_id: str,
        kind: SessionOutputKind,
        user: CurrentUser,
        db: DbSession,
        settings: AppSettings,
    ) -> Response:
        """JSON, WebVTT, SRT or the draft acta (DOCX), made now from the latest version."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        try:
            v = get_version(db, plenary)
        except NotFoundError as e:
            raise NotFoundError(
                f"La sesión {plenary.id} aún no tiene transcripción.",
                "Espere a que termine su proceso.",
            ) from e
        transcript = Transcript.from_dict(v.content)
        council = user.council
        template = acta_link_template(
            council.video_url_template,
            settings.public_base_url,
            council.slug,
            plenary.id,
            settings.video_url_template,
        )
        data = render_output(transcript, kind, template, council.acta_lang)
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", plenary.slug or plenary.id).strip("-.")
        name = f"{stem or plenary.id}.v{v.number}.{kind}"
        return Response(
            data,
            media_type=MEDIA_TYPES[kind],
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return api


def _save(
    db: Any,
    plenary: Any,
    user: Any,
    content: dict[str, Any],
    parent: int | None,
    changed: Any,
    settings: Any,
    latest_content: dict[str, Any] | None = None,
    audit: tuple[str, dict[str, Any]] | None = None,
) -> Any:
    """Store a new version (or replace the user's own recent one: ``autosave_window_s``) and
    its audit entry (``audit``: its action and details; else a save's), committed; the
    parent itself when nothing changed; None when a newer one won. The voices it names
    anew teach the persons' voice profiles (:mod:`plenaria.api.voice_learning`)."""
    people = voice_learning.people_before(db, plenary, parent, latest_content)
    try:
        version = save_version(
            db,
            plenary,
            user,
            content,
            parent,
            collapse_window_s=settings.autosave_window_s,
            skip_unchanged=True,
            snapshot_every=settings.transcript_snapshot_every,
            latest_content=latest_content,
        )
    except ConflictError:
        db.rollback()
        return None
    if version.number == parent:  # nothing changed: no empty version
        return version
    voice_learning.learn(db, settings.storage_path, plenary, user, people, content)
    action, details = audit or ("transcript.save", {"realigned": sorted(changed)})
    repo.audit(
        db,
        user.council_id,
        user.id,
        action,
        "session",
        plenary.id,
        {"number": version.number, **details},
    )
    db.commit()
    return version
