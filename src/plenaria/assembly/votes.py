"""Votes found in what is said within an agenda item (pure functions).

Reads "votos a favor, nueve; en contra, cinco; abstenciones, dos", "nueve votos a
favor, cinco en contra y dos abstenciones", "¿Votos a favor? Siete. ¿En contra?
Cuatro.", "por unanimidad", "queda aprobada por mayoría", "queda rechazada" and the
Catalan "vots a favor, nou; en contra, cinc; abstencions, dues", "per unanimitat",
"queda aprovada". A count is a keyword ("a favor", "en contra", "abstenciones") paired
with a number said right after it or right before it; the pairing that explains the
most numbers wins. An item without vote words has no vote: nothing is invented.

The counts are then checked against attendance, never corrected: a unanimous vote is
everyone present, for + against + abstentions is the number present, an item that
needs an absolute majority has more votes for than half the legal members. What does
not fit is written in ``Vote.issues`` (Spanish, for the clerk) and ``checked`` is False.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import Literal

from plenaria.assembly.spoken_numbers import Token, fold, read_number
from plenaria.domain_acta import Result, Vote, VoteChoice

Category = Literal["for", "against", "abstention"]

_ANCHORS = frozenset(
    {"voto", "votos", "vot", "vots", "votacion", "votacio", "votamos", "votem", "votan",
     "voten", "abstenciones", "abstencion", "abstencions", "abstencio", "unanimidad",
     "unanimitat", "unanime", "unanim", "afirmativos", "afirmatius", "negativos", "negatius"}
)  # fmt: skip
_SINGLE_KEYS: dict[str, Category] = {
    "afirmativos": "for", "afirmatius": "for", "afirmativo": "for",
    "negativos": "against", "negatius": "against", "negativo": "against",
    "abstenciones": "abstention", "abstencion": "abstention",
    "abstencions": "abstention", "abstencio": "abstention",
}  # fmt: skip
_AFTER_KEY_FILLERS = frozenset({"votos", "voto", "vots", "vot", "son", "han", "sido", "hay", "hi"})
_BEFORE_KEY_FILLERS = frozenset({"votos", "voto", "vots", "vot"})
_VOTE_ZERO = frozenset({"sin", "sense"})
_APPROVED = frozenset(
    {"aprobada", "aprobado", "aprobadas", "aprobados", "aprueba", "aprueban",
     "aprovada", "aprovat", "aprovades", "aprovats", "aprova", "aproven"}
)  # fmt: skip
_REJECTED = frozenset(
    {"rechazada", "rechazado", "rechazadas", "rechazados", "rechaza", "rechazan",
     "desestimada", "desestimado", "desestima", "rebutjada", "rebutjat", "rebutjades",
     "rebutjats", "rebutja", "rebutgen", "desestimat"}
)  # fmt: skip
_RESULT_LEADS = frozenset(
    {"queda", "quedan", "quedando", "resulta", "resultan", "resta", "queden", "se", "s", "es",
     "sido", "estat", "fue", "declara", "cual", "tant", "tanto", "consecuencia"}
)  # fmt: skip
_ABSTAIN_VERBS = frozenset({"abstiene", "abstienen", "abste", "abstenen"})
_GENERIC_GROUP_WORDS = frozenset(
    {"grupo", "grupos", "grup", "grups", "municipal", "partido", "partit", "de", "del", "la",
     "el", "los", "las", "els", "en", "y", "i", "per", "por"}
)  # fmt: skip


_NOT_VOTES = frozenset({"otros", "otras", "fotos", "todos", "notas", "votar", "botes"})


def _is_abstention(text: str) -> bool:
    """ "abstenciones" as said, or as the recogniser mishears it ("ancensiones", "atenciones")."""
    if text in _SINGLE_KEYS:
        return _SINGLE_KEYS[text] == "abstention"
    return (
        text.startswith("a")
        and text.endswith(("ones", "ions", "on", "o"))
        and len(text) >= 8
        and SequenceMatcher(None, text, "abstenciones").ratio() >= 0.7
    )


def _is_anchor(text: str) -> bool:
    """A word that says a vote is being taken ("votos", or "otos"/"notos" misheard)."""
    if text in _ANCHORS or text in _APPROVED or text in _REJECTED or _is_abstention(text):
        return True
    return (
        text not in _NOT_VOTES
        and len(text) >= 4
        and SequenceMatcher(None, text, "votos").ratio() >= 0.8
    )


@dataclass(frozen=True, slots=True)
class _Event:
    kind: Literal["key", "num"]
    first: int  # token index
    last: int
    category: Category | None = None
    value: int = 0


def _events(tokens: Sequence[Token]) -> list[_Event]:
    out: list[_Event] = []
    i = 0
    while i < len(tokens):
        text = tokens[i].text
        nxt = tokens[i + 1].text if i + 1 < len(tokens) else ""
        if text == "a" and nxt == "favor":
            out.append(_Event("key", i, i + 1, "for"))
            i += 2
        elif text == "afavor":  # run together by the recogniser
            out.append(_Event("key", i, i, "for"))
            i += 1
        elif text == "en" and nxt == "contra":
            out.append(_Event("key", i, i + 1, "against"))
            i += 2
        elif text in _SINGLE_KEYS or _is_abstention(text):
            out.append(_Event("key", i, i, _SINGLE_KEYS.get(text, "abstention")))
            i += 1
        elif text in _VOTE_ZERO and nxt in ("votos", "vots", "abstenciones", "abstencions"):
            out.append(_Event("num", i, i, value=0))
            i += 1
        else:
            number = read_number(tokens, i, zero_words=True)
            if number is not None:
                out.append(_Event("num", i, i + number[1] - 1, value=number[0]))
                i += number[1]
            else:
                i += 1
    return out


def _pair_cost(tokens: Sequence[Token], a: _Event, b: _Event) -> int | None:
    """The cost of reading consecutive events ``a`` then ``b`` as one count (None: they are not)."""
    if {a.kind, b.kind} != {"key", "num"}:
        return None
    between = tokens[a.last + 1 : b.first]
    crossing = any(t.stop for t in tokens[a.last : b.first])
    if a.kind == "key":  # "a favor, nueve" / "¿Abstenciones? Ninguna."
        if between and tokens[a.last + 1].text in ("de", "del", "d"):
            return None
        if any(t.text not in _AFTER_KEY_FILLERS for t in between):
            return None
        return len(between) + (1 if crossing else 0)
    # "nueve votos a favor" / "ninguna abstención": never across a sentence's end.
    if crossing or any(t.text not in _BEFORE_KEY_FILLERS for t in between):
        return None
    return len(between)


def _pairs(tokens: Sequence[Token], events: Sequence[_Event]) -> list[tuple[Category, int]]:
    """The most (then cheapest) non-overlapping key/number pairs, in order of speech."""
    n = len(events)
    # best[i]: (pairs, -cost, chosen pairs) using events[i:]
    best: list[tuple[int, int, tuple[tuple[Category, int], ...]]] = [(0, 0, ())] * (n + 1)
    for i in range(n - 1, -1, -1):
        options = [best[i + 1]]
        if i + 1 < n:
            cost = _pair_cost(tokens, events[i], events[i + 1])
            if cost is not None:
                key, num = (
                    (events[i], events[i + 1])
                    if events[i].kind == "key"
                    else (events[i + 1], events[i])
                )
                assert key.category is not None
                rest = best[i + 2]
                options.append((rest[0] + 1, rest[1] - cost, ((key.category, num.value), *rest[2])))
        best[i] = max(options, key=lambda o: (o[0], o[1]))
    return list(best[0][2])


def _result_said(tokens: Sequence[Token]) -> tuple[list[Result], bool]:
    """Each result said in order, and whether unanimity was said."""
    results: list[Result] = []
    unanimous = False
    for i, tok in enumerate(tokens):
        if tok.text in ("unanimidad", "unanimitat", "unanime", "unanim"):
            unanimous = True
        if tok.text not in _APPROVED and tok.text not in _REJECTED:
            continue
        before = [t.text for t in tokens[max(0, i - 3) : i]]
        after = [t.text for t in tokens[i + 1 : i + 3]]
        led = bool(before) and before[-1] in _RESULT_LEADS
        backed = bool(after) and after[0] in ("por", "per") and len(after) > 1
        if not (led or backed) or "si" in before[-2:]:
            continue
        negated = "no" in before
        approved = (tok.text in _APPROVED) != negated
        results.append("approved" if approved else "rejected")
    return results, unanimous


def _groups_said(
    tokens: Sequence[Token], groups: Sequence[str]
) -> tuple[tuple[str, VoteChoice], ...]:
    """Groups named after "a favor" / "en contra" / "se abstienen": "a favor el PSOE y el PP"."""
    names = {g: {w for w in fold(g).split() if w not in _GENERIC_GROUP_WORDS} for g in groups}
    found: dict[str, VoteChoice] = {}
    for ev in _events(tokens):
        if ev.kind != "key" or ev.category is None:
            continue
        _collect(tokens, ev.last + 1, ev.category, names, found)
    for i, tok in enumerate(tokens):
        if tok.text in _ABSTAIN_VERBS:
            _collect(tokens, i + 1, "abstention", names, found)
    return tuple(sorted(found.items()))


def _collect(
    tokens: Sequence[Token],
    start: int,
    choice: VoteChoice,
    names: dict[str, set[str]],
    found: dict[str, VoteChoice],
) -> None:
    for tok in tokens[start : start + 12]:
        if tok.text in ("a", "en", "abstenciones", "abstencions") and tok is not tokens[start]:
            break
        for group, words in names.items():
            if words and tok.text in words:
                found.setdefault(group, choice)
        if tok.stop:
            break


def find_vote(
    tokens: Sequence[Token],
    present: int | None,
    legal_members: int | None = None,
    absolute_majority: bool = False,
    groups: Sequence[str] = (),
) -> Vote | None:
    """The vote said in ``tokens`` (one item's words), checked; None when no vote was said."""
    if not any(_is_anchor(t.text) for t in tokens):
        return None
    counts: dict[Category, list[int]] = {"for": [], "against": [], "abstention": []}
    for category, value in _pairs(tokens, _events(tokens)):
        counts[category].append(value)
    results, unanimous = _result_said(tokens)
    if not any(counts.values()) and not results and not unanimous:
        return None
    issues: list[str] = []
    names = {"for": "a favor", "against": "en contra", "abstention": "abstenciones"}
    chosen: dict[Category, int | None] = {}
    for category, values in counts.items():
        chosen[category] = values[-1] if values else None
        if len(set(values)) > 1:
            said = " y ".join(str(v) for v in dict.fromkeys(values))
            issues.append(
                f"Se han dicho recuentos distintos de votos {names[category]} ({said}); "
                f"se anota el último, compruébelo."
            )
    if len(set(results)) > 1:
        issues.append("Se han dicho resultados distintos en este punto; se anota el último.")
    vote = Vote(
        for_=chosen["for"],
        against=chosen["against"],
        abstentions=chosen["abstention"],
        result=results[-1] if results else None,
        unanimous=unanimous,
        by_group=_groups_said(tokens, groups),
    )
    return check_vote(vote, present, legal_members, absolute_majority, tuple(issues))


def check_vote(
    vote: Vote,
    present: int | None,
    legal_members: int | None = None,
    absolute_majority: bool = False,
    issues: tuple[str, ...] = (),
) -> Vote:
    """``vote`` with the counts checked against attendance; what does not fit goes to issues.

    Nothing said is changed. Two things follow from what was said and are filled in:
    a unanimous vote with no count said is everyone present for (when the number present
    is known), and a count not said is 0 when the counts said already add up to the
    number present. A result not said follows from the counts (more for than against).
    """
    notes = list(issues)
    for_, against, abst = vote.for_, vote.against, vote.abstentions
    result = vote.result
    if vote.unanimous:
        if for_ is None and against is None and abst is None and present is not None:
            for_, against, abst = present, 0, 0
        elif present is not None and for_ is not None and for_ != present:
            notes.append(
                f"Se dice «por unanimidad», pero los votos a favor ({for_}) no son los "
                f"{present} asistentes."
            )
        if against:
            notes.append(f"Se dice «por unanimidad», pero hay {against} votos en contra.")
        if result is None:
            result = "approved"
    said = [c for c in (for_, against, abst) if c is not None]
    if said and len(said) < 3 and present is not None and sum(said) == present:
        for_, against, abst = for_ or 0, against or 0, abst or 0
    missing = [
        name
        for name, value in (("a favor", for_), ("en contra", against), ("abstenciones", abst))
        if value is None
    ]
    if missing:
        notes.append(
            "No se ha dicho el número de votos " + ", ".join(missing) + "; complete el recuento."
        )
    elif present is not None and for_ is not None and against is not None and abst is not None:
        total = for_ + against + abst
        if total != present:
            notes.append(
                f"Los votos ({for_} a favor + {against} en contra + {abst} abstenciones = "
                f"{total}) no suman los {present} asistentes; compruebe el recuento."
            )
    if for_ is not None and against is not None:
        counted: Result | None = (
            "approved" if for_ > against else "rejected" if for_ < against else None
        )
        if counted is None and result is None:
            notes.append("Empate de votos: indique el resultado (voto de calidad del presidente).")
        elif result is None:
            result = counted
        elif counted is not None and counted != result:
            word = "aprobado" if result == "approved" else "rechazado"
            notes.append(f"Se dice {word}, pero hay {for_} votos a favor y {against} en contra.")
    if absolute_majority:
        if legal_members is None:
            notes.append("Este punto requiere mayoría absoluta: falta el número legal de miembros.")
        elif for_ is None:
            notes.append("Este punto requiere mayoría absoluta: falta el número de votos a favor.")
        elif for_ <= legal_members / 2:
            notes.append(
                f"Este punto requiere mayoría absoluta ({legal_members // 2 + 1} de "
                f"{legal_members}) y tiene {for_} votos a favor."
            )
    return replace(
        vote,
        for_=for_,
        against=against,
        abstentions=abst,
        result=result,
        checked=not notes,
        issues=tuple(notes),
    )
