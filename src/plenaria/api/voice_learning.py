"""Voices learned from the clerk's corrections, and a person's voice as personal data.

When a saved version gives a diarized voice (a speaker of the transcript) a person
of the roster, or another person than before, that voice's centroid, from the
diarization of the job the transcript came from, becomes a sample of the person's
voice profile (:mod:`plenaria.db.voice_samples`), so that the next pleno names them.
When the clerk takes the name away, the sample learned from that voice goes; given
to another person, it moves. Names the machine gave and the clerk left teach nothing.

A person's voice can be viewed (the samples, never the embeddings), reset (the
learned samples dropped) and deleted (every sample); each change is audited.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from plenaria.db import accounts as repo
from plenaria.db import civic, voice_samples
from plenaria.db.models import JobStep, PlenarySession, RosterMember, TranscriptVersion, User
from plenaria.db.transcripts import get_version
from plenaria.domain import Diarization
from plenaria.storage import LocalStorage, StorageKeyError

log = logging.getLogger(__name__)

People = dict[str, str | None]  # a transcript's speaker id -> the roster person given it


class VoiceSamplePublic(BaseModel):
    id: str
    source: str  # "enrolled" or "correction"
    session_id: str | None
    session_slug: str | None
    session_date: str | None
    speaker: str
    seconds: float
    model_id: str
    created_at: datetime


class VoicePublic(BaseModel):
    person_id: str
    seconds: float
    samples: list[VoiceSamplePublic]


# -- learning from a save ------------------------------------------------------------------


def people_of(content: dict[str, Any] | None) -> People:
    """Each speaker of a transcript's content and the person it is given (None: nobody)."""
    speakers = (content or {}).get("speakers") or []
    return {str(s["id"]): (s.get("person_id") or None) for s in speakers if "id" in s}


def people_before(
    db: Session, plenary: PlenarySession, parent: int | None, content: dict[str, Any] | None
) -> People:
    """Who the speakers of version ``parent`` are (``content``: its content, when at hand);
    read before a save replaces that version."""
    if parent is None:
        return {}
    return people_of(content if content is not None else get_version(db, plenary, parent).content)


def learn(
    db: Session,
    storage_root: Path,
    plenary: PlenarySession,
    user: User,
    before: People,
    content: dict[str, Any],
) -> None:
    """Follow the names the saved ``content`` gives, changed from ``before``: learn, move or
    drop each voice's sample (audited); in the caller's transaction."""
    after = people_of(content)
    changed = {
        label: after.get(label)
        for label in sorted(set(before) | set(after))
        if before.get(label) != after.get(label)
    }
    if not changed:
        return
    from plenaria.diarization.models import encoder_id

    named = any(person_id is not None for person_id in changed.values())
    diarization = _diarization(db, storage_root, plenary) if named else None
    for label, person_id in changed.items():
        person = _person(db, plenary.council_id, person_id)
        centroid = diarization.centroid(label) if diarization is not None else None
        if person is None or diarization is None or centroid is None:
            gone = voice_samples.drop_learned(db, plenary.council_id, plenary.id, label)
            if gone is not None:
                _audit(db, user, "voice.unlearn", gone, plenary, label)
            continue
        seconds = sum(t.segment.duration for t in diarization.turns if t.speaker == label)
        model = encoder_id(diarization.model_id)
        voice_samples.put_learned(db, person, plenary.id, label, centroid, model, seconds)
        _audit(db, user, "voice.learn", person.id, plenary, label, seconds)


def _person(db: Session, council_id: str, person_id: str | None) -> RosterMember | None:
    if person_id is None:
        return None
    person = db.get(RosterMember, person_id)
    return person if person is not None and person.council_id == council_id else None


def _diarization(db: Session, storage_root: Path, plenary: PlenarySession) -> Diarization | None:
    """The diarization of the job the session's transcript came from (its latest machine
    version's), with the voices' centroids; None when there is none (or it is gone)."""
    job_id = db.scalar(
        select(TranscriptVersion.job_id)
        .where(TranscriptVersion.session_id == plenary.id, TranscriptVersion.job_id.is_not(None))
        .order_by(TranscriptVersion.number.desc())
        .limit(1)
    )
    if job_id is None:
        return None
    key = db.scalar(
        select(JobStep.key).where(
            JobStep.job_id == job_id,
            JobStep.name == "diarize",
            JobStep.council_id == plenary.council_id,
            JobStep.state == "done",
        )
    )
    if not key:
        return None
    try:
        found = LocalStorage(storage_root).read_json(key)
        diarization = Diarization.from_dict(found) if found else None
    except (StorageKeyError, KeyError, TypeError, ValueError) as e:
        log.warning("session %s: the diarization %s cannot be read: %s", plenary.id, key, e)
        return None
    if diarization is None or not diarization.model_id or not diarization.centroids:
        return None
    return diarization


def _audit(
    db: Session,
    user: User,
    action: str,
    person_id: str,
    plenary: PlenarySession,
    speaker: str,
    seconds: float | None = None,
) -> None:
    detail: dict[str, Any] = {"session_id": plenary.id, "speaker": speaker}
    if seconds is not None:
        detail["seconds"] = round(seconds, 1)
    repo.audit(db, user.council_id, user.id, action, "person", person_id, detail)


# -- a person's voice: view, reset, delete -------------------------------------------------


def voice_of(db: Session, council_id: str, person_id: str) -> VoicePublic:
    """The samples of a person of the council (another council's: 404)."""
    person = civic.get_person_for_council(db, council_id, person_id)
    samples = [
        VoiceSamplePublic(
            id=row.id,
            source=row.source,
            session_id=row.session_id,
            session_slug=plenary.slug if plenary is not None else None,
            session_date=plenary.date if plenary is not None else None,
            speaker=row.speaker,
            seconds=round(row.seconds, 1),
            model_id=row.model_id,
            created_at=row.created_at,
        )
        for row, plenary in voice_samples.person_samples(db, person)
    ]
    total = round(sum(s.seconds for s in samples), 1)
    return VoicePublic(person_id=person.id, seconds=total, samples=samples)


def forget_voice(db: Session, user: User, person_id: str, learned_only: bool) -> int:
    """Delete a person's samples (``learned_only``: the reset), audited; how many."""
    person = civic.get_person_for_council(db, user.council_id, person_id)
    count = voice_samples.delete_samples(db, person, learned_only=learned_only)
    action = "voice.reset" if learned_only else "voice.delete"
    repo.audit(db, user.council_id, user.id, action, "person", person.id, {"samples": count})
    return count
