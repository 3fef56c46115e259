"""The civic side of the acta: roster, attendance, votes, items; what was found in the recording.

Kept apart from the transcript model (``plenaria.domain``) and linked to it by
agenda item numbers and intervention indices. Every class is a frozen dataclass
with explicit ``to_dict`` / ``from_dict``; ``Acta.to_dict()`` is the ``"acta"``
object of the transcript JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Result = Literal["approved", "rejected"]
VoteChoice = Literal["for", "against", "abstention"]

PRESIDENT_ROLES = frozenset({"alcalde", "alcaldesa", "presidente", "presidenta"})
SECRETARY_ROLES = frozenset({"secretario", "secretaria", "secretari", "secretaria general"})
NON_MEMBER_ROLES = frozenset({*SECRETARY_ROLES, "interventor", "interventora", "tesorero"})


@dataclass(frozen=True, slots=True)
class Member:
    """A person of the council's roster: a member, or the secretary or interventor."""

    name: str
    group: str = ""
    role: str = "concejal"  # alcalde/alcaldesa, concejal, secretario, interventor ...

    @property
    def is_president(self) -> bool:
        return self.role.strip().lower() in PRESIDENT_ROLES

    @property
    def is_secretary(self) -> bool:
        return self.role.strip().lower() in SECRETARY_ROLES

    @property
    def votes(self) -> bool:
        """Whether the person is one of the council's members (counts for quorum and votes)."""
        return self.role.strip().lower() not in NON_MEMBER_ROLES

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "group": self.group, "role": self.role}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Member:
        return cls(str(d["name"]), str(d.get("group") or ""), str(d.get("role") or "concejal"))


@dataclass(frozen=True, slots=True)
class Roster:
    """The council's people and the legal number of members (LBRL art. 179 LOREG)."""

    members: tuple[Member, ...] = ()
    legal_members: int | None = None

    @property
    def council_members(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if m.votes)

    @property
    def legal_count(self) -> int | None:
        """The legal number of members, else how many members the roster names (None if none)."""
        if self.legal_members:
            return self.legal_members
        return len(self.council_members) or None

    def to_dict(self) -> dict[str, Any]:
        return {
            "members": [m.to_dict() for m in self.members],
            "legal_members": self.legal_members,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Roster:
        legal = d.get("legal_members")
        return cls(
            tuple(Member.from_dict(m) for m in d.get("members", [])),
            None if legal is None else int(legal),
        )


@dataclass(frozen=True, slots=True)
class Attendance:
    """Who was there, as found in what was said; the clerk confirms it."""

    present: tuple[str, ...] = ()
    excused: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    count_present: int | None = None  # council members present (not the secretary)
    quorum: bool | None = None  # None: not enough known to say
    issues: tuple[str, ...] = ()  # Spanish, for the clerk

    def to_dict(self) -> dict[str, Any]:
        return {
            "present": list(self.present),
            "excused": list(self.excused),
            "absent": list(self.absent),
            "count_present": self.count_present,
            "quorum": self.quorum,
            "issues": list(self.issues),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Attendance:
        count = d.get("count_present")
        quorum = d.get("quorum")
        return cls(
            tuple(str(x) for x in d.get("present", [])),
            tuple(str(x) for x in d.get("excused", [])),
            tuple(str(x) for x in d.get("absent", [])),
            None if count is None else int(count),
            None if quorum is None else bool(quorum),
            tuple(str(x) for x in d.get("issues", [])),
        )


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass(frozen=True, slots=True)
class Vote:
    """A vote as said: counts, result, and what the clerk must check (never "fixed")."""

    for_: int | None = None
    against: int | None = None
    abstentions: int | None = None
    result: Result | None = None
    unanimous: bool = False
    checked: bool = False  # the counts are complete and agree with attendance and result
    by_group: tuple[tuple[str, VoteChoice], ...] = ()
    by_name: tuple[tuple[str, VoteChoice], ...] = ()
    issues: tuple[str, ...] = ()  # Spanish, for the clerk

    def to_dict(self) -> dict[str, Any]:
        return {
            "for": self.for_,
            "against": self.against,
            "abstentions": self.abstentions,
            "result": self.result,
            "unanimous": self.unanimous,
            "checked": self.checked,
            "by_group": dict(self.by_group),
            "by_name": dict(self.by_name),
            "issues": list(self.issues),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Vote:
        result = d.get("result")
        if result not in (None, "approved", "rejected"):
            raise ValueError(f"Unknown vote result {result!r}")
        return cls(
            _opt_int(d.get("for")),
            _opt_int(d.get("against")),
            _opt_int(d.get("abstentions")),
            result,
            bool(d.get("unanimous", False)),
            bool(d.get("checked", False)),
            tuple((str(k), _choice(v)) for k, v in (d.get("by_group") or {}).items()),
            tuple((str(k), _choice(v)) for k, v in (d.get("by_name") or {}).items()),
            tuple(str(x) for x in d.get("issues", [])),
        )


def _choice(value: Any) -> VoteChoice:
    if value == "for":
        return "for"
    if value == "against":
        return "against"
    if value == "abstention":
        return "abstention"
    raise ValueError(f"Unknown vote choice {value!r}")


@dataclass(frozen=True, slots=True)
class ActaItem:
    """An agenda item as a chapter of the recording, with its vote (None: no vote said)."""

    number: int
    title: str
    start: float | None = None
    end: float | None = None
    vote: Vote | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "start": None if self.start is None else round(self.start, 3),
            "end": None if self.end is None else round(self.end, 3),
            "vote": None if self.vote is None else self.vote.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ActaItem:
        start, end, vote = d.get("start"), d.get("end"), d.get("vote")
        return cls(
            int(d["number"]),
            str(d.get("title", "")),
            None if start is None else float(start),
            None if end is None else float(end),
            None if vote is None else Vote.from_dict(vote),
        )


@dataclass(frozen=True, slots=True)
class Acta:
    """What the recording says for the acta (ROF art. 109), and what it still lacks."""

    start_time: str | None = None  # "HH:MM"
    end_time: str | None = None
    attendance: Attendance = Attendance()
    items: tuple[ActaItem, ...] = ()
    missing: tuple[str, ...] = ()  # keys of plenaria.assembly.acta.MISSING_KEYS (":N" per item)
    intervention_items: tuple[int | None, ...] = ()  # the item of each intervention, by index
    call: str | None = None  # ROF 109.1.c: "primera" | "segunda" convocatoria, as said
    # Where the clerk says an item starts: (item number, id of the intervention it starts at).
    fixed_starts: tuple[tuple[int, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "start_time": self.start_time,
            "call": self.call,
            "fixed_starts": {str(n): iid for n, iid in self.fixed_starts},
            "end_time": self.end_time,
            "attendance": self.attendance.to_dict(),
            "items": [i.to_dict() for i in self.items],
            "missing": list(self.missing),
            "intervention_items": list(self.intervention_items),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Acta:
        start, end = d.get("start_time"), d.get("end_time")
        return cls(
            None if start is None else str(start),
            None if end is None else str(end),
            Attendance.from_dict(d.get("attendance") or {}),
            tuple(ActaItem.from_dict(i) for i in d.get("items", [])),
            tuple(str(x) for x in d.get("missing", [])),
            tuple(_opt_int(x) for x in d.get("intervention_items", [])),
            None if d.get("call") in (None, "") else str(d["call"]),
            tuple(sorted((int(n), str(i)) for n, i in (d.get("fixed_starts") or {}).items())),
        )
