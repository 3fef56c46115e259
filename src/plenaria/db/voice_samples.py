"""A person's voice samples (``voice_profiles`` rows): enrolled, or learned from a clerk's
correction; and the one profile per person that naming compares with.

A learned sample is the centroid of one diarized voice (``speaker``) of one session
that a clerk gave to a person: at most one per session and voice, moved to another
person or dropped when the clerk changes or removes the name, gone with the session.
Every query here is scoped to the council: a sample never crosses councils.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from plenaria.db import civic
from plenaria.db.models import PlenarySession, RosterMember, VoiceProfileRow

ENROLLED, LEARNED = "enrolled", "correction"


def person_samples(
    session: Session, person: RosterMember
) -> list[tuple[VoiceProfileRow, PlenarySession | None]]:
    """The person's samples, oldest first, each with the session it was learned from."""
    query = (
        select(VoiceProfileRow, PlenarySession)
        .outerjoin(PlenarySession, PlenarySession.id == VoiceProfileRow.session_id)
        .where(
            VoiceProfileRow.council_id == person.council_id,
            VoiceProfileRow.person_id == person.id,
        )
        .order_by(VoiceProfileRow.created_at, VoiceProfileRow.id)
    )
    return [(row, plenary) for row, plenary in session.execute(query)]


def learned_sample(
    session: Session, council_id: str, session_id: str, speaker: str
) -> VoiceProfileRow | None:
    """The sample learned from the voice ``speaker`` of the session, if any."""
    return session.scalar(
        select(VoiceProfileRow).where(
            VoiceProfileRow.council_id == council_id,
            VoiceProfileRow.session_id == session_id,
            VoiceProfileRow.speaker == speaker,
        )
    )


def put_learned(
    session: Session,
    person: RosterMember,
    session_id: str,
    speaker: str,
    embedding: Sequence[float],
    model_id: str,
    seconds: float,
) -> VoiceProfileRow:
    """The session's voice ``speaker`` as a sample of ``person``: the one learned from that
    voice before is replaced (whoever it was given to), never doubled."""
    row = learned_sample(session, person.council_id, session_id, speaker)
    if row is None:
        row = VoiceProfileRow(council_id=person.council_id, session_id=session_id, speaker=speaker)
        session.add(row)
    row.person_id = person.id
    row.embedding = [float(x) for x in embedding]
    row.model_id = model_id
    row.seconds = float(seconds)
    row.source = LEARNED
    session.flush()
    return row


def drop_learned(session: Session, council_id: str, session_id: str, speaker: str) -> str | None:
    """Forget the sample learned from the session's voice ``speaker``; whose it was."""
    row = learned_sample(session, council_id, session_id, speaker)
    if row is None:
        return None
    person_id = row.person_id
    session.delete(row)
    session.flush()
    return person_id


def delete_samples(session: Session, person: RosterMember, learned_only: bool = False) -> int:
    """Delete the person's samples (only the learned ones: ``learned_only``); how many."""
    query = delete(VoiceProfileRow).where(
        VoiceProfileRow.council_id == person.council_id,
        VoiceProfileRow.person_id == person.id,
    )
    if learned_only:
        query = query.where(VoiceProfileRow.source == LEARNED)
    result: Any = session.execute(query, execution_options={"synchronize_session": False})
    count = int(result.rowcount)
    session.expire_all()
    return count


def merged_profiles(session: Session, council_id: str) -> list[dict[str, Any]]:
    """One voice profile per active person and voice encoder, as the naming step reads them
    (:meth:`plenaria.diarization.profiles.VoiceProfile.from_dict`).

    Its embedding is the mean of the person's samples' unit directions weighted by their
    seconds: naming compares directions, and several samples of one person must not
    compete with each other (as two profiles, the margin between them would leave the
    person unnamed).
    """
    groups: dict[tuple[str, str], list[tuple[VoiceProfileRow, RosterMember]]] = {}
    for row, person in civic.active_voice_profiles(session, council_id):
        groups.setdefault((person.id, row.model_id), []).append((row, person))
    profiles = []
    for (_person_id, model_id), items in groups.items():
        first, person = items[0]
        size = len(first.embedding)
        usable = [(r, _unit(r.embedding)) for r, _ in items if len(r.embedding) == size]
        weighted = [(max(r.seconds, 1e-3), v) for r, v in usable if v is not None]
        if not weighted:
            continue
        total = sum(w for w, _ in weighted)
        mean = [sum(w * v[i] for w, v in weighted) / total for i in range(size)]
        profiles.append(
            {
                "id": first.id,
                "name": person.name,
                "role": person.role or None,
                "group": person.group or None,
                "person_id": person.id,
                "model_id": model_id,
                "embedding": mean,
                "seconds": sum(r.seconds for r, _ in usable),
                "samples": len(weighted),
            }
        )
    return profiles


def _unit(values: Sequence[Any]) -> list[float] | None:
    vector = [float(x) for x in values]
    norm = math.sqrt(sum(x * x for x in vector))
    if not math.isfinite(norm) or norm < 1e-9:
        return None
    return [x / norm for x in vector]
