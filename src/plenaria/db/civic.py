"""A council's civic data: settings, roster (persons), plenary sessions, voice profiles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plenaria.db.models import Council, PlenarySession, RosterMember, VoiceProfileRow
from plenaria.db.scoped import get_owned
from plenaria.domain import AgendaItem, SessionInfo
from plenaria.session import session_from_mapping

SESSION_FIELDS = (
    "slug",
    "date",
    "session_type",
    "place",
    "start_time",
    "president",
    "secretary",
    "agenda",
    "vocabulary",
    "members",
    "legal_members",
    "call",
)
PERSON_FIELDS = ("name", "role", "group", "active")
COUNCIL_SETTINGS = ("video_url_template", "acta_lang", "vocabulary", "languages")


def update_council_settings(council: Council, values: Mapping[str, Any]) -> Council:
    for name in COUNCIL_SETTINGS:
        if name in values:
            setattr(council, name, values[name])
    return council


# Roster


def create_person(session: Session, council_id: str, values: Mapping[str, Any]) -> RosterMember:
    person = RosterMember(council_id=council_id, role="", group="", active=True)
    update_person(person, values)
    session.add(person)
    session.flush()
    return person


def update_person(person: RosterMember, values: Mapping[str, Any]) -> RosterMember:
    for name in PERSON_FIELDS:
        if name in values:
            setattr(person, name, values[name])
    return person


def get_person_for_council(session: Session, council_id: str, person_id: str) -> RosterMember:
    return get_owned(session, RosterMember, council_id, person_id, "el miembro de la corporación")


def list_roster(session: Session, council_id: str, active_only: bool = False) -> list[RosterMember]:
    query = select(RosterMember).where(RosterMember.council_id == council_id)
    if active_only:
        query = query.where(RosterMember.active.is_(True))
    return list(session.scalars(query.order_by(RosterMember.name, RosterMember.id)))


# Plenary sessions


def create_plenary_session(
    session: Session, council_id: str, values: Mapping[str, Any]
) -> PlenarySession:
    plenary = PlenarySession(
        council_id=council_id,
        slug="",
        date="",
        session_type="ordinaria",
        place="",
        start_time="",
        president="",
        secretary="",
        agenda=[],
        vocabulary=[],
        members=[],
        legal_members=None,
    )
    update_plenary_session(plenary, values)
    session.add(plenary)
    session.flush()
    return plenary


def update_plenary_session(plenary: PlenarySession, values: Mapping[str, Any]) -> PlenarySession:
    for name in SESSION_FIELDS:
        if name in values:
            setattr(plenary, name, values[name])
    if "agenda" in values:  # canonical: majority and vote only where set
        plenary.agenda = [AgendaItem.from_dict(dict(a)).to_dict() for a in values["agenda"]]
    return plenary


def plenary_session_from_file_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """A session file's mapping (``id``, ``agenda``...) as column values; bad input: InputError."""
    info = session_from_mapping(dict(data), source="session")
    values = info.to_dict()
    values["slug"] = values.pop("id")
    values.pop("council")
    return values


def get_plenary_session_for_council(
    session: Session, council_id: str, session_id: str
) -> PlenarySession:
    return get_owned(session, PlenarySession, council_id, session_id, "la sesión")


def list_plenary_sessions(session: Session, council_id: str) -> list[PlenarySession]:
    query = select(PlenarySession).where(PlenarySession.council_id == council_id)
    return list(session.scalars(query.order_by(PlenarySession.date.desc(), PlenarySession.id)))


def session_info(
    plenary: PlenarySession, council: Council, roster: Sequence[RosterMember] = ()
) -> SessionInfo:
    """The domain object the acta's heading is rendered from.

    Its members are the session's own roster if it has one, else ``roster`` (the
    council's active persons).
    """
    members = list(plenary.members or []) or [
        {"name": p.name, "group": p.group or "", "role": p.role or "concejal"} for p in roster
    ]
    return SessionInfo.from_dict(
        {
            "id": plenary.slug or plenary.id,
            "council": council.name,
            "date": plenary.date,
            "session_type": plenary.session_type,
            "place": plenary.place,
            "start_time": plenary.start_time,
            "president": plenary.president,
            "secretary": plenary.secretary,
            "agenda": list(plenary.agenda),
            "vocabulary": [*council.vocabulary, *plenary.vocabulary],
            "members": members,
            "legal_members": plenary.legal_members,
            "call": plenary.call,
        }
    )


# Voice profiles


def add_voice_profile(
    session: Session,
    person: RosterMember,
    embedding: list[float],
    model_id: str,
    seconds: float,
) -> VoiceProfileRow:
    row = VoiceProfileRow(
        council_id=person.council_id,
        person_id=person.id,
        embedding=[float(x) for x in embedding],
        model_id=model_id,
        seconds=seconds,
    )
    session.add(row)
    session.flush()
    return row


def active_voice_profiles(
    session: Session, council_id: str
) -> list[tuple[VoiceProfileRow, RosterMember]]:
    """The council's voice profiles of active persons, each with its person (one query)."""
    query = (
        select(VoiceProfileRow, RosterMember)
        .join(RosterMember, RosterMember.id == VoiceProfileRow.person_id)
        .where(VoiceProfileRow.council_id == council_id, RosterMember.active.is_(True))
        .order_by(VoiceProfileRow.created_at)
    )
    return [(row, person) for row, person in session.execute(query)]


def list_voice_profiles(
    session: Session, council_id: str, model_id: str | None = None
) -> list[VoiceProfileRow]:
    """The council's voice profiles (of one encoder model when given), for naming speakers."""
    query = select(VoiceProfileRow).where(VoiceProfileRow.council_id == council_id)
    if model_id is not None:
        query = query.where(VoiceProfileRow.model_id == model_id)
    return list(session.scalars(query.order_by(VoiceProfileRow.created_at)))
