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
import tempfile
import threading
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from plenaria.api.deps import CurrentUser, DbSession
from plenaria.assembly.realign import realign, tokens
from plenaria.db import accounts as repo
from plenaria.db import civic
from plenaria.db.models import PlenarySession, TranscriptVersion, User
from plenaria.db.transcripts import get_version, latest_number, save_version
from plenaria.domain import Intervention, Segment, Speaker, Transcript, Word
from plenaria.errors import ConflictError, InputError, NotFoundError

SessionOutputKind = Literal["json", "vtt", "srt", "docx"]
MEDIA_TYPES = {
    "json": "application/json",
    "vtt": "text/vtt; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class TranscriptSave(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parent: int | None = Field(description="The version these edits were made on.")
    transcript: dict[str, Any] = Field(description="The whole transcript, as GET returns it.")


class TranscriptPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parent: int = Field(description="The version these edits were made on.")
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


class RestoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parent: int | None = Field(default=None, description="The latest version, as you know it.")


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


class InterventionChange(BaseModel):
    id: str
    before: str | None
    after: str | None
    speaker_before: str | None
    speaker_after: str | None


class SpeakerChange(BaseModel):
    id: str
    before: str | None
    after: str | None


class VersionDiff(BaseModel):
    number: int
    against: int | None
    interventions: list[InterventionChange]
    speakers: list[SpeakerChange]


class VersionCache:
    """The content of the last few versions read or written, by (session id, number).

    Versions never change once stored, so a save can start from the parent's
    content without decoding megabytes of JSON again. Shared by the request
    threads of one app, behind a lock; contents are never mutated.
    """

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int]) -> dict[str, Any] | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[str, int], content: dict[str, Any]) -> None:
        with self._lock:
            self._items[key] = content
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


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
        .options(defer(TranscriptVersion.content))
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


def _invalid(what: str, e: Exception) -> InputError:
    return InputError(f"The transcript is not valid: {what} ({type(e).__name__}: {e}).")


def realign_edits(
    content: dict[str, Any], taken: set[str] | None = None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The transcript with every edited intervention's words re-aligned, and those interventions.

    An intervention is edited when its ``text`` is not its words' texts joined.
    ``taken``: word ids in use elsewhere in the transcript (new ids avoid them).
    """
    items = content.get("interventions")
    if not isinstance(items, list):
        raise InputError("The transcript is not valid: 'interventions' must be a list.")
    taken = set(taken or ())
    edited: list[int] = []
    for n, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("words", []), list):
            raise InputError(f"The transcript is not valid: intervention {n} is not an object.")
        words = item.get("words", [])
        taken.update(str(w.get("id", "")) for w in words if isinstance(w, dict))
        text = item.get("text")
        if text is not None and not isinstance(text, str):
            raise InputError(f"The transcript is not valid: intervention {n}'s text is not text.")
        if text is not None and tokens(text) != [
            str(w.get("text", "")).strip() for w in words if isinstance(w, dict)
        ]:
            edited.append(n)
    if not edited:
        return content, {}
    out_items = list(items)
    changed: dict[str, dict[str, Any]] = {}
    for n in edited:
        item = items[n]
        try:
            words = [Word.from_dict(w) for w in item.get("words", [])]
            segment = Segment.from_dict(item)
        except (KeyError, TypeError, ValueError) as e:
            raise _invalid(f"intervention {n}", e) from e
        anchor = str(item.get("id") or f"i{n}") + "w"
        new_words = realign(
            words, item["text"], start=segment.start, end=segment.end, taken=taken, anchor=anchor
        )
        start = min([segment.start, *(w.start for w in new_words)])
        end = max([segment.end, *(w.end for w in new_words)])
        new_item = {
            **item,
            "start": round(start, 3),
            "end": round(end, 3),
            "words": [w.to_dict() for w in new_words],
            "text": " ".join(w.text for w in new_words),
        }
        out_items[n] = new_item
        changed[str(item.get("id", n))] = new_item
    return {**content, "interventions": out_items}, changed


def validated(db: Session, council_id: str, content: dict[str, Any]) -> dict[str, Any]:
    """The canonical form of a transcript sent by the editor, or a 422 naming what is wrong."""
    try:
        transcript = Transcript.from_dict(content)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise _invalid("it does not have the transcript's shape", e) from e
    speakers = {s.id for s in transcript.speakers}
    if len(speakers) != len(transcript.speakers):
        raise InputError("The transcript is not valid: two speakers share an id.")
    ids = [i.id for i in transcript.interventions]
    if len(set(ids)) != len(ids):
        raise InputError("The transcript is not valid: two interventions share an id.")
    for item in transcript.interventions:
        if item.speaker not in speakers:
            raise InputError(
                f"The transcript is not valid: intervention {item.id} names speaker "
                f"{item.speaker!r}, which is not in 'speakers'."
            )
    roster = {p.id for p in civic.list_roster(db, council_id)}
    for s in transcript.speakers:
        if s.person_id is not None and s.person_id not in roster:
            raise InputError(
                f"Speaker {s.id} names person {s.person_id!r}, who is not in your council's roster."
            )
    return transcript.to_dict()


def _conflict(db: Session, plenary: PlenarySession, parent: int | None) -> JSONResponse:
    latest = _heads(db, plenary)[-1]
    author = _author(db, latest) or "the machine"
    return JSONResponse(
        {
            "detail": (
                f"Version {parent} is not the latest: {author} saved version {latest.number} "
                "meanwhile. Your changes were not saved; merge them onto the latest version."
            ),
            "latest": latest.number,
            "author": author,
            "saved_at": latest.created_at.isoformat(),
        },
        status_code=status.HTTP_409_CONFLICT,
    )


def _diff(before: dict[str, Any] | None, after: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    def items(d: dict[str, Any] | None) -> dict[str, tuple[str, str]]:
        if d is None:
            return {}
        return {
            str(i["id"]): (" ".join(str(w["text"]) for w in i["words"]), str(i["speaker"]))
            for i in d["interventions"]
        }

    def names(d: dict[str, Any] | None) -> dict[str, str | None]:
        if d is None:
            return {}
        return {str(s["id"]): s.get("name") for s in d["speakers"]}

    old, new = items(before), items(after)
    changes = [
        InterventionChange(
            id=k,
            before=old[k][0] if k in old else None,
            after=new[k][0] if k in new else None,
            speaker_before=old[k][1] if k in old else None,
            speaker_after=new[k][1] if k in new else None,
        )
        for k in dict.fromkeys([*old, *new])
        if old.get(k) != new.get(k)
    ]
    old_names, new_names = names(before), names(after)
    renames = [
        SpeakerChange(id=k, before=old_names.get(k), after=new_names.get(k))
        for k in dict.fromkeys([*old_names, *new_names])
        if old_names.get(k) != new_names.get(k)
    ]
    return changes, renames


def patched(
    db: Session, council_id: str, parent: dict[str, Any], body: TranscriptPatch
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``parent`` with the changed interventions and speakers put in, validated and re-aligned.

    Only the changed items are validated; the rest are the parent's, already valid.
    """
    items = _ordered(parent["interventions"], body)
    where = {str(item["id"]): n for n, item in enumerate(items)}
    for item in body.interventions:
        key = str(item.get("id", ""))
        if key not in where:
            raise InputError(
                f"The transcript is not valid: no intervention {key!r} in version {body.parent}.",
                "Send changed interventions with the id they were loaded with, and new ones "
                "with their place in 'order'.",
            )
    speakers = list(parent["speakers"])
    by_id = {str(s["id"]): n for n, s in enumerate(speakers)}
    for sp in body.speakers:
        try:
            canonical = Speaker.from_dict(sp).to_dict()
        except (KeyError, TypeError, ValueError) as e:
            raise _invalid("a speaker", e) from e
        if canonical["id"] in by_id:
            speakers[by_id[canonical["id"]]] = canonical
        else:
            by_id[canonical["id"]] = len(speakers)
            speakers.append(canonical)
    _check_people(db, council_id, body.speakers)
    taken = {str(w.get("id", "")) for item in items for w in item.get("words", ())}
    changed_in, realigned = realign_edits({"interventions": body.interventions}, taken)
    for item in changed_in["interventions"]:
        try:
            canonical = Intervention.from_dict(item).to_dict()
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise _invalid(f"intervention {item.get('id')!r}", e) from e
        if canonical["speaker"] not in by_id:
            raise InputError(
                f"The transcript is not valid: intervention {canonical['id']} names speaker "
                f"{canonical['speaker']!r}, which is not in 'speakers'."
            )
        items[where[canonical["id"]]] = canonical
    for n in (where[k] for k in realigned):
        realigned[items[n]["id"]] = items[n]
    return {**parent, "interventions": items, "speakers": speakers}, realigned


def _ordered(parent_items: list[dict[str, Any]], body: TranscriptPatch) -> list[dict[str, Any]]:
    """The parent's interventions in ``body.order`` (new ones as placeholders to fill)."""
    if body.order is None:
        return list(parent_items)
    if len(set(body.order)) != len(body.order):
        raise InputError("The transcript is not valid: an id appears twice in 'order'.")
    old = {str(item["id"]): item for item in parent_items}
    sent = {str(item.get("id", "")) for item in body.interventions}
    unknown = [k for k in body.order if k not in old and k not in sent]
    if unknown:
        raise InputError(
            f"The transcript is not valid: intervention {unknown[0]!r} is in 'order' but "
            "neither in the parent version nor in 'interventions'."
        )
    missing = sorted(sent - set(body.order))
    if missing:
        raise InputError(
            f"The transcript is not valid: intervention {missing[0]!r} is not in 'order'."
        )
    return [old.get(k, {"id": k}) for k in body.order]


def _check_people(db: Session, council_id: str, speakers: list[dict[str, Any]]) -> None:
    wanted = {str(s["person_id"]) for s in speakers if s.get("person_id") is not None}
    if not wanted:
        return
    missing = sorted(wanted - {p.id for p in civic.list_roster(db, council_id)})
    if missing:
        raise InputError(f"Person {missing[0]!r} is not in your council's roster.")


def render_output(transcript: Transcript, kind: str, url_template: str, lang: str) -> bytes:
    """One output file, made from ``transcript`` now."""
    from plenaria.formats.captions import to_srt, to_webvtt
    from plenaria.formats.jsonio import transcript_to_json

    if kind == "json":
        return transcript_to_json(transcript).encode("utf-8")
    if kind == "vtt":
        return to_webvtt(transcript).encode("utf-8")
    if kind == "srt":
        return to_srt(transcript).encode("utf-8")
    from plenaria.acts.draft import render_draft_acta

    with tempfile.TemporaryDirectory(prefix="plenaria-docx-") as folder:
        dest = Path(folder) / "acta.docx"
        render_draft_acta(transcript, dest, url_template=url_template, lang=lang)
        return dest.read_bytes()


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
                f"Session {plenary.id} has no transcript yet.", "Wait for its job to finish."
            )
        content = cache.get((plenary.id, number))
        if content is None:
            content = get_version(db, plenary, number).content
            cache.put((plenary.id, number), content)
        return number, content

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
        responses={409: {"description": "Someone saved a newer version meanwhile"}},
    )
    def patch_transcript(
        session_id: str, body: TranscriptPatch, user: CurrentUser, db: DbSession
    ) -> Any:
        """Save only what changed: whole interventions and speakers, by id, on version ``parent``.

        The new version is the parent with these put in; an intervention whose
        ``text`` differs from its words is re-aligned. 409 when ``parent`` is not
        the latest version.
        """
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        number, parent = latest_content(db, plenary)
        if body.parent != number:
            return _conflict(db, plenary, body.parent)
        content, changed = patched(db, user.council_id, parent, body)
        version = _save(db, plenary, user, content, body.parent, changed)
        if version is None:
            return _conflict(db, plenary, body.parent)
        cache.put((plenary.id, version.number), content)
        out = _version_public(db, version).model_dump(mode="json")
        return _fast_json({**out, "interventions": changed}, status_code=201)

    @api.put(
        "/sessions/{session_id}/transcript",
        response_model=SavedPublic,
        status_code=status.HTTP_201_CREATED,
        responses={409: {"description": "Someone saved a newer version meanwhile"}},
    )
    def save_transcript(
        session_id: str, body: TranscriptSave, user: CurrentUser, db: DbSession
    ) -> Any:
        """Save the edited transcript as a new version; edited interventions are re-aligned."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        if body.parent != latest_number(db, plenary.id):
            return _conflict(db, plenary, body.parent)
        content, changed = realign_edits(body.transcript)
        canonical = validated(db, user.council_id, content)
        version = _save(db, plenary, user, canonical, body.parent, changed)
        if version is None:
            return _conflict(db, plenary, body.parent)
        items = {str(i["id"]): i for i in canonical["interventions"]}
        return SavedPublic(
            **_version_public(db, version).model_dump(),
            interventions={k: items[k] for k in changed if k in items},
        )

    @api.get("/sessions/{session_id}/transcript/versions", response_model=list[VersionPublic])
    def versions(session_id: str, user: CurrentUser, db: DbSession) -> Any:
        """Every version, oldest first, with its author."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        return [_version_public(db, v) for v in _heads(db, plenary)]

    @api.get("/sessions/{session_id}/transcript/versions/{number}", response_model=TranscriptPublic)
    def version(session_id: str, number: int, user: CurrentUser, db: DbSession) -> Any:
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        return _transcript_public(db, plenary, get_version(db, plenary, number))

    @api.get("/sessions/{session_id}/transcript/versions/{number}/diff", response_model=VersionDiff)
    def version_diff(
        session_id: str,
        number: int,
        user: CurrentUser,
        db: DbSession,
        against: int | None = None,
    ) -> Any:
        """What changed in version ``number`` since ``against`` (default: its parent)."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        after = get_version(db, plenary, number)
        base_number = against if against is not None else after.parent_number
        before = get_version(db, plenary, base_number).content if base_number else None
        changes, renames = _diff(before, after.content)
        return VersionDiff(
            number=number, against=base_number, interventions=changes, speakers=renames
        )

    @api.post(
        "/sessions/{session_id}/transcript/versions/{number}/restore",
        response_model=VersionPublic,
        status_code=status.HTTP_201_CREATED,
        responses={409: {"description": "Someone saved a newer version meanwhile"}},
    )
    def restore(
        session_id: str,
        number: int,
        user: CurrentUser,
        db: DbSession,
        body: RestoreIn | None = None,
    ) -> Any:
        """Save an older version's content again as the newest version."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        old = get_version(db, plenary, number)
        latest = latest_number(db, plenary.id)
        parent = body.parent if body is not None and body.parent is not None else latest
        if parent != latest:
            return _conflict(db, plenary, parent)
        try:
            version = save_version(db, plenary, user, dict(old.content), parent)
        except ConflictError:
            db.rollback()
            return _conflict(db, plenary, parent)
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
        session_id: str, kind: SessionOutputKind, user: CurrentUser, db: DbSession
    ) -> Response:
        """JSON, WebVTT, SRT or the draft acta (DOCX), made now from the latest version."""
        plenary = civic.get_plenary_session_for_council(db, user.council_id, session_id)
        try:
            v = get_version(db, plenary)
        except NotFoundError as e:
            raise NotFoundError(
                f"Session {plenary.id} has no transcript yet.", "Wait for its job to finish."
            ) from e
        transcript = Transcript.from_dict(v.content)
        council = user.council
        data = render_output(transcript, kind, council.video_url_template, council.acta_lang)
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
) -> Any:
    """Store a new version and its audit entry, committed; None when a newer one won."""
    try:
        version = save_version(db, plenary, user, content, parent)
    except ConflictError:
        db.rollback()
        return None
    repo.audit(
        db,
        user.council_id,
        user.id,
        "transcript.save",
        "session",
        plenary.id,
        {"number": version.number, "realigned": sorted(changed)},
    )
    db.commit()
    return version
