"""Attendance and quorum, from the roll call, the president's words and who spoke.

Reads "Asisten quince concejales", "asisten once de los trece", "Excusa su asistencia
el concejal don Luis Pardo", "excusan su asistencia ...", "no asiste ...", a roll call
("Luis Pardo: presente") and the Catalan "assisteixen quinze regidors", "excusa la
seva assistència", "no assisteix". Names are matched to the roster without accents or
case, by name and surname or by a surname no one else on the roster has. The clerk
confirms the result; here nothing is guessed beyond what the words and the roster say.

Quorum (LBRL art. 46.2.c): a third of the legal number of members, never fewer than
three, with the president and the secretary present.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from plenaria.assembly.spoken_numbers import Token, fold, read_number
from plenaria.domain_acta import Attendance, Member, Roster

_HONORIFICS = frozenset(
    {"don", "dona", "senor", "senora", "sr", "sra", "en", "na", "la", "el", "de", "del", "y",
     "i", "concejal", "concejala", "regidor", "regidora", "d", "dna", "sres", "els", "les"}
)  # fmt: skip
_EXCUSE = frozenset(
    {"excusa", "excusan", "excusado", "excusada", "excusen", "excusat", "excusats",
     "excusados", "excusadas"}
)  # fmt: skip
_ABSENT_AFTER_NO = frozenset({"asiste", "asisten", "assisteix", "assisteixen", "comparece"})
_ABSENT = frozenset({"ausente", "ausentes", "absent", "absents"})
_COUNT_VERBS = frozenset({"asisten", "assisteixen", "presentes", "presents", "asistentes"})
_ALL = frozenset({"todos", "todas", "tots", "totes"})
_ROLL = frozenset({"presente", "present"})


def _words(name: str) -> list[str]:
    return [w for w in fold(name).replace("-", " ").split() if w not in _HONORIFICS]


def match_members(texts: Iterable[str], roster: Roster) -> list[Member]:
    """The roster members named in ``texts`` (folded tokens), in roster order.

    A member is named by two of their words (name and surname, two surnames) or by a
    surname that no other member of the roster has.
    """
    seen = set(texts)
    counts: dict[str, int] = {}
    for m in roster.members:
        for w in set(_words(m.name)):
            counts[w] = counts.get(w, 0) + 1
    out = []
    for m in roster.members:
        words = _words(m.name)
        hits = [w for w in dict.fromkeys(words) if w in seen]
        surnames = words[1:]
        if len(hits) >= 2 or any(counts[w] == 1 and w in surnames for w in hits):
            out.append(m)
    return out


def _sentence(tokens: Sequence[Token], i: int, back: int, ahead: int) -> list[str]:
    """Folded tokens around ``i`` within its sentence: up to ``back`` before, ``ahead`` after."""
    lo = i
    while lo > 0 and i - lo < back and not tokens[lo - 1].stop:
        lo -= 1
    hi = i
    while hi + 1 < len(tokens) and hi - i < ahead and not tokens[hi].stop:
        hi += 1
    return [t.text for t in tokens[lo : hi + 1]]


def find_attendance(
    tokens: Sequence[Token], roster: Roster, speaker_names: Sequence[str] = ()
) -> Attendance:
    """Who attended, from what is said and who spoke; count and quorum when they can be known."""
    heard: list[Member] = [m for name in speaker_names for m in match_members(_words(name), roster)]
    excused: list[Member] = []
    absent: list[Member] = []
    count_said: int | None = None
    everyone = False
    stated = False
    rolled = False  # someone was said present by name: the names can be counted
    for i, tok in enumerate(tokens):
        text = tok.text
        nxt = tokens[i + 1].text if i + 1 < len(tokens) else ""
        if text in _EXCUSE or (text in ("exclusa", "exclusan", "escusa", "escusan")):
            excused += match_members(_sentence(tokens, i, 8, 20), roster)
            stated = True
        elif text in _ABSENT or (text == "no" and nxt in _ABSENT_AFTER_NO):
            absent += match_members(_sentence(tokens, i, 8, 20), roster)
            stated = True
        elif text in _ROLL and i > 0:
            named = match_members(_sentence(tokens, i, 6, 0), roster)
            heard += named
            stated, rolled = True, rolled or bool(named)
        if text in _COUNT_VERBS:
            after = [t.text for t in tokens[i + 1 : i + 3]]
            if any(w in _ALL for w in after) and not tok.stop:
                everyone, stated = True, True
            for j in range(i + 1, min(i + 4, len(tokens))):
                number = read_number(tokens, j)
                if number is not None and tokens[j].text not in ("un", "una"):
                    count_said, stated = number[0], True
                    break
                if tokens[j - 1].stop:
                    break
    return _settle(roster, heard, excused, absent, count_said, everyone, stated, rolled)


def _settle(
    roster: Roster,
    heard: list[Member],
    excused: list[Member],
    absent: list[Member],
    count_said: int | None,
    everyone: bool,
    stated: bool,
    rolled: bool = False,
) -> Attendance:
    issues: list[str] = []
    excused_set = set(excused)
    absent_set = set(absent) - excused_set
    present = [m for m in dict.fromkeys(heard) if m not in excused_set and m not in absent_set]
    rest = [
        m
        for m in roster.members
        if m not in present and m not in excused_set and m not in absent_set
    ]
    council_present = [m for m in present if m.votes]
    council_rest = [m for m in rest if m.votes]
    if everyone:
        present += rest
    elif count_said is not None and len(council_present) + len(council_rest) == count_said:
        present += council_rest  # the count is of members: the secretary must be heard
        absent_set |= {m for m in rest if not m.votes}
    else:
        absent_set |= set(rest)
        if count_said is not None and count_said != len(council_present) and roster.members:
            issues.append(
                f"Se han dicho {count_said} asistentes y se identifican {len(council_present)} "
                "por su nombre; confirme la asistencia."
            )
    count: int | None = count_said
    if count is None and (rolled or everyone):
        # Only a roll call (or "asisten todos") is a count by names: who is excused or
        # absent, or who spoke, says nothing of how many others are there.
        count = sum(1 for m in present if m.votes)
    if not stated:
        issues.append("No se ha dicho la asistencia en la sesión; confírmela.")
    quorum = _quorum(roster, present, count, issues)
    return Attendance(
        present=tuple(m.name for m in roster.members if m in present),
        excused=tuple(m.name for m in roster.members if m in excused_set),
        absent=tuple(m.name for m in roster.members if m in absent_set),
        count_present=count,
        quorum=quorum,
        issues=tuple(issues),
    )


def quorum_needed(legal_members: int) -> int:
    """Members needed for a quorum: a third of the legal number, never fewer than 3."""
    return max(3, math.ceil(legal_members / 3))


def _quorum(
    roster: Roster, present: Sequence[Member], count: int | None, issues: list[str]
) -> bool | None:
    legal = roster.legal_count
    if count is None or legal is None:
        return None
    ok = True
    needed = quorum_needed(legal)
    if count < needed:
        issues.append(
            f"Sin quórum: asisten {count} miembros y hacen falta {needed} "
            f"(un tercio de {legal}, nunca menos de 3)."
        )
        ok = False
    for label, people in (
        ("el presidente", [m for m in roster.members if m.is_president]),
        ("el secretario", [m for m in roster.members if m.is_secretary]),
    ):
        if not people:
            issues.append(f"La lista de miembros no dice quién es {label}; indíquelo.")
        elif not any(m in present for m in people):
            issues.append(
                f"No consta la asistencia {'del' + label[2:]} ({people[0].name}) ni de quien le "
                "sustituya; el quórum exige su presencia."
            )
            ok = False
    return ok
