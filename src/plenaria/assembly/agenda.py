"""Agenda items found in the transcript: each item's start and end, each intervention's item.

An item is announced as "Punto segundo", "punto número tres", "pasamos al punto
tercero del orden del día", "Tercer punto", "punt segon", "3º punto". A mention is
*strong* when it opens a sentence or an intervention, follows "pasamos al" /
"passem al", or is followed by words of the item's title; items are looked for in
the agenda's order, each after the previous one, taking the first strong mention
(else the first one). A number the recogniser garbled ("Punto terreno, moción sobre
la limpieza de los parques") is read from the title: a "punto" that opens a sentence
followed at once by the words of exactly one item's title. An item's end is the next
found item's start, or the end of the last intervention. Pure functions: nothing given is changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from plenaria.assembly.spoken_numbers import Token, fold, read_number, read_ordinal
from plenaria.domain import AgendaItem, Intervention

_POINT = frozenset({"punto", "punt"})
_NUMBER_WORDS = frozenset({"numero", "num", "no", "n"})
_LEAD_VERBS = frozenset(
    {"pasamos", "pasemos", "passem", "passam", "seguimos", "continuamos", "seguim",
     "continuem", "siguiente", "seguent", "tratamos", "tractem", "entramos"}
)  # fmt: skip
_LEAD_LINKS = frozenset({"al", "a", "el", "con", "amb", "en", "ahora", "ara", "ya", "ja"})
_STOPWORDS = frozenset(
    {"de", "del", "la", "las", "los", "el", "els", "les", "y", "i", "en", "para", "per",
     "por", "sobre", "con", "amb", "una", "uno", "que", "dels", "al"}
)  # fmt: skip
# Titles of items that are not voted: reports, questions.
_NO_VOTE_TITLES = (
    "ruegos", "preguntas", "dacion de cuenta", "dar cuenta", "informes", "comunicaciones",
    "precs", "preguntes", "donar compte", "informacio",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Mention:
    """An item announced in speech: its number, where its phrase begins, how sure."""

    number: int
    first: int  # index of the first token of the phrase (lead-in included)
    start: float
    strong: bool


@dataclass(frozen=True, slots=True)
class ItemSpan:
    number: int
    title: str
    start: float | None
    end: float | None


def vote_expected(item: AgendaItem) -> bool:
    """Whether the item is put to the vote: as the session says, else everything but reports
    and questions."""
    if item.vote is not None:
        return item.vote
    title = fold(item.title)
    return not any(key in title for key in _NO_VOTE_TITLES)


def _title_words(title: str) -> set[str]:
    return {w for w in fold(title).replace(",", " ").split() if len(w) > 3 and w not in _STOPWORDS}


def find_mentions(
    tokens: Sequence[Token], titles: dict[int, str], window_s: float
) -> list[Mention]:
    """Every announcement of an agenda item number in ``tokens`` (numbers not on the agenda too)."""
    out: list[Mention] = []
    for i, tok in enumerate(tokens):
        number: int | None = None
        end = i
        if tok.text in _POINT:
            j = i + 1
            while j < len(tokens) and tokens[j].text in _NUMBER_WORDS and j - i < 3:
                j += 1
            read = read_ordinal(tokens, j) or read_number(tokens, j)
            if read is not None and j < len(tokens) and tokens[j].text not in ("un", "una"):
                number, end = read[0], j + read[1] - 1
            else:
                by_title = _titled_without_number(tokens, i, titles, window_s)
                if by_title is not None:
                    out.append(by_title)
                continue
        elif i + 1 < len(tokens) and not tok.stop:
            ordinal = read_ordinal(tokens, i)
            if (
                ordinal is not None
                and i + ordinal[1] < len(tokens)
                and tokens[i + ordinal[1]].text in _POINT
            ):
                number, end = ordinal[0], i + ordinal[1]
        if number is None:
            continue
        first = _lead_in(tokens, i)
        led = any(t.text in _LEAD_VERBS for t in tokens[first:i])
        opens = _opens(tokens, first)
        wanted = _title_words(titles.get(number, ""))
        ahead: set[str] = set()
        for t in tokens[end + 1 : end + 60]:  # up to the next "punto": its title is its own
            if t.text in _POINT or t.start > tokens[end].end + window_s:
                break
            ahead.add(t.text)
        titled = bool(wanted) and len(wanted & ahead) >= min(2, len(wanted))
        ordered = [t.text for t in tokens[end + 1 : end + 4]] == ["del", "orden", "del"]
        out.append(Mention(number, first, tokens[first].start, led or opens or titled or ordered))
    return out


def _lead_in(tokens: Sequence[Token], i: int) -> int:
    """The first token of the phrase that announces the item at ``tokens[i]`` ("pasamos al")."""
    first = i
    while (
        first > 0
        and tokens[first - 1].text in (_LEAD_VERBS | _LEAD_LINKS)
        and not tokens[first - 1].stop
        and tokens[first - 1].intervention == tokens[i].intervention
    ):
        first -= 1
    return first


def _opens(tokens: Sequence[Token], first: int) -> bool:
    return (
        first == 0
        or tokens[first - 1].stop
        or tokens[first - 1].intervention != tokens[first].intervention
    )


def _titled_without_number(
    tokens: Sequence[Token], i: int, titles: dict[int, str], window_s: float
) -> Mention | None:
    """ "Punto terreno, moción sobre la limpieza de los parques": the number misheard, the
    title said. A "punto" that opens a sentence or follows "pasamos al", a word or two the
    number should be, then
    the words of exactly one item's title (two of them, or all when it has fewer): that
    item, as a strong mention."""
    first = _lead_in(tokens, i)
    led = any(t.text in _LEAD_VERBS for t in tokens[first:i])
    if not (led or _opens(tokens, first)) or i + 2 >= len(tokens):
        return None
    if tokens[i + 1].text in _STOPWORDS or tokens[i].stop:
        return None
    ahead: set[str] = set()
    for t in tokens[i + 1 : i + 40]:
        if t.text in _POINT or t.start > tokens[i].end + window_s:
            break
        ahead.add(t.text)
    # The title must follow right after the misheard number: within its first three words.
    near = {t.text for t in tokens[i + 1 : i + 6]}
    found = []
    for number, title in titles.items():
        wanted = _title_words(title)
        if wanted and len(wanted & ahead) >= min(2, len(wanted)) and wanted & near:
            found.append(number)
    if len(found) != 1:
        return None
    return Mention(found[0], first, tokens[first].start, True)


def find_items(
    tokens: Sequence[Token],
    agenda: Sequence[AgendaItem],
    interventions: Sequence[Intervention],
    window_s: float = 20.0,
    fixed: Mapping[int, float] | None = None,
) -> tuple[tuple[ItemSpan, ...], tuple[int | None, ...]]:
    """Each agenda item's span (start/end None when not found) and each intervention's item.

    ``fixed``: where the clerk says an item starts (seconds); it wins over what is heard,
    and the items after it are looked for after it."""
    titles = {a.number: a.title for a in agenda}
    mentions = find_mentions(tokens, titles, window_s)
    starts: dict[int, float] = {}
    after = -1
    for item in sorted(agenda, key=lambda a: a.number):
        if fixed and item.number in fixed:
            starts[item.number] = fixed[item.number]
            at = [k for k, t in enumerate(tokens) if t.start >= fixed[item.number]]
            after = (at[0] if at else len(tokens)) - 1
            continue
        # an item is before the items the clerk placed after it in the agenda
        limit = min((s for n, s in (fixed or {}).items() if n > item.number), default=None)
        candidates = [
            m
            for m in mentions
            if m.number == item.number and m.first > after and (limit is None or m.start < limit)
        ]
        chosen = next((m for m in candidates if m.strong), candidates[0] if candidates else None)
        if chosen is not None:
            starts[item.number] = chosen.start
            after = chosen.first
    last_end = max((iv.segment.end for iv in interventions), default=None)
    found = sorted(starts.items(), key=lambda kv: kv[1])
    ends: dict[int, float | None] = {}
    for k, (number, _) in enumerate(found):
        ends[number] = found[k + 1][1] if k + 1 < len(found) else last_end
    spans = tuple(
        ItemSpan(a.number, a.title, starts.get(a.number), ends.get(a.number)) for a in agenda
    )
    return spans, assign_interventions(spans, interventions)


def assign_interventions(
    spans: Sequence[ItemSpan], interventions: Sequence[Intervention]
) -> tuple[int | None, ...]:
    """The item of each intervention: the found item its time overlaps most (None before any)."""
    out: list[int | None] = []
    for iv in interventions:
        best: tuple[float, int] | None = None
        for span in spans:
            if span.start is None or span.end is None:
                continue
            shared = min(iv.segment.end, span.end) - max(iv.segment.start, span.start)
            if iv.segment.duration == 0 and span.start <= iv.segment.start < span.end:
                shared = 0.001
            if shared > 0 and (best is None or shared > best[0]):
                best = (shared, span.number)
        out.append(None if best is None else best[1])
    return tuple(out)
