"""What is found in the recording for the acta (ROF art. 109): one entry point, ``find_acta``.

From a transcript, the session's data and the council's roster: the start and end
times said ("siendo las diez horas", "se levanta la sesión a las doce y cuarto",
"s'aixeca la sessió a les dotze"; else the session file's), the attendance and
quorum, each agenda item's start and end and each intervention's item, each item's
vote, and the ROF 109 fields still missing. Deterministic and pure.

``Acta.missing`` holds keys of :data:`MISSING_KEYS`; the per-item ones end in
``:N``, the agenda item's number ("item_vote:3").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from pydantic import BaseModel, ConfigDict, Field

from plenaria.assembly.agenda import find_items, vote_expected
from plenaria.assembly.attendance import find_attendance
from plenaria.assembly.spoken_numbers import Token, read_clock, tokenize
from plenaria.assembly.summary import with_summaries
from plenaria.assembly.votes import find_vote
from plenaria.domain import SCHEMA_VERSION, SessionInfo, Transcript
from plenaria.domain_acta import Acta, ActaItem, Roster

MISSING_KEYS: dict[str, str] = {
    "date": "la fecha de la sesión",
    "place": "el lugar de la sesión",
    "session_type": "el carácter de la sesión (ordinaria o extraordinaria)",
    "start_time": "la hora de comienzo",
    "end_time": "la hora en que se levanta la sesión",
    "president": "quién preside",
    "secretary": "el secretario que da fe",
    "attendance": "los miembros asistentes, excusados y ausentes",
    "quorum": "si hubo quórum",
    "item_start": "dónde empieza el punto N del orden del día (item_start:N)",
    "item_vote": "la votación del punto N, que se somete a votación (item_vote:N)",
}

_START_WORDS = frozenset(
    {"siendo", "essent", "abre", "inicia", "comienza", "empieza", "obre", "comenca", "iniciada",
     "abierta", "oberta", "convocada", "convocats", "convocados", "reunidos", "reunits"}
)  # fmt: skip
_END_WORDS = frozenset(
    {"levanta", "levantada", "aixeca", "aixecada", "finaliza", "termina", "concluye", "acaba",
     "clausura", "conclou", "finalitza", "acabada", "finalizada", "terminada"}
)  # fmt: skip


# "Siendo las nueve, se abre la sesión" is also heard "Haciendo las nueve, se abre la sesión":
# a start word this close after the time, in its sentence, marks it too.
_AFTER_TOKENS = 5


class ActaOptions(BaseModel):
    """How the acta's facts are looked for in the transcript."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item_match_window_s: float = Field(
        default=20.0,
        ge=0,
        le=600.0,
        description="Words of an item's title said this soon after its number make the "
        'announcement sure ("punto tercero: moción sobre ...").',
    )
    time_context_tokens: int = Field(
        default=10,
        ge=1,
        le=40,
        description='How many words before "las diez" are searched for "siendo", "se '
        'abre" or "se levanta la sesión".',
    )
    absolute_majority_items: frozenset[int] = Field(
        default=frozenset(),
        description="Numbers of the agenda items that need an absolute majority.",
    )
    vote_items: frozenset[int] | None = Field(
        default=None,
        description="Numbers of the agenda items put to the vote; None: every item but "
        'reports and questions ("Ruegos y preguntas", "Dación de cuenta").',
    )


def find_times(tokens: Sequence[Token], context_tokens: int = 10) -> tuple[str | None, str | None]:
    """The start time said first and the end time said last ("HH:MM"), None when not said."""
    start: str | None = None
    end: str | None = None
    for i, tok in enumerate(tokens):
        if tok.text not in ("las", "les", "la") or tok.stop:
            continue
        clock = read_clock(tokens, i + 1)
        if clock is None:
            continue
        before = {t.text for t in tokens[max(0, i - context_tokens) : i]}
        if before & _END_WORDS:
            end = clock[0]
        elif start is None and (before | _said_after(tokens, i + clock[1])) & _START_WORDS:
            start = clock[0]
    return start, end


def _said_after(tokens: Sequence[Token], last: int, limit: int = _AFTER_TOKENS) -> set[str]:
    """The words of the same sentence right after a time whose last token is ``tokens[last]``:
    "a las nueve, se abre la sesión"."""
    words: set[str] = set()
    if tokens[last].stop:
        return words
    for tok in tokens[last + 1 : last + 1 + limit]:
        words.add(tok.text)
        if tok.stop:
            break
    return words


def find_acta(
    transcript: Transcript,
    session: SessionInfo,
    roster: Roster,
    options: ActaOptions | None = None,
    fixed_starts: Sequence[tuple[int, str]] = (),
) -> Acta:
    """Everything the recording says for the acta, checked; what is still missing listed.

    ``fixed_starts``: (item, intervention id) where the clerk says an item starts; an id no
    longer in the transcript (merged away) is dropped."""
    opts = options or ActaOptions()
    first_word = {iv.id: iv.words[0].start for iv in transcript.interventions if iv.words}
    fixed = tuple((n, iid) for n, iid in fixed_starts if iid in first_word)
    tokens = [t for k, iv in enumerate(transcript.interventions) for t in tokenize(iv.words, k)]
    said_start, said_end = find_times(tokens, opts.time_context_tokens)
    spoken = {iv.speaker for iv in transcript.interventions}
    speaker_names = [s.name for s in transcript.speakers if s.name and s.id in spoken]
    attendance = find_attendance(tokens, roster, speaker_names)
    spans, of_intervention = find_items(
        tokens,
        session.agenda,
        transcript.interventions,
        opts.item_match_window_s,
        {n: first_word[iid] for n, iid in fixed},
    )
    groups = sorted({m.group for m in roster.members if m.group})
    items: list[ActaItem] = []
    missing: list[str] = []
    for span, agenda_item in zip(spans, session.agenda, strict=True):
        vote = None
        if span.start is not None and span.end is not None:
            lo, hi = span.start, span.end
            inside = [t for t in tokens if lo <= t.start < hi]
            vote = find_vote(
                inside,
                attendance.count_present,
                roster.legal_count,
                span.number in opts.absolute_majority_items,
                groups,
            )
        else:
            missing.append(f"item_start:{span.number}")
        expected = (
            vote_expected(agenda_item)
            if opts.vote_items is None
            else span.number in opts.vote_items
        )
        if vote is None and expected:
            missing.append(f"item_vote:{span.number}")
        items.append(ActaItem(span.number, span.title, span.start, span.end, vote))
    start_time = said_start or session.start_time or None
    head = _missing_head(session, roster, start_time, said_end, attendance.count_present)
    return Acta(
        start_time=start_time,
        end_time=said_end,
        attendance=attendance,
        items=tuple(items),
        missing=tuple(head + (["quorum"] if attendance.quorum is None else []) + missing),
        intervention_items=of_intervention,
        call=session.call or find_call(tokens),
        fixed_starts=fixed,
    )


_CALLS = {"primera": "primera", "segunda": "segunda", "segona": "segunda"}


def find_call(tokens: Sequence[Token]) -> str | None:
    """The call said ("en primera convocatoria", "en segona convocatòria"); None unless
    exactly one is said (a secretary may say that the first failed: then nothing is taken)."""
    found = {
        _CALLS[tokens[k - 1].text]
        for k, t in enumerate(tokens)
        if k and t.text in ("convocatoria",) and tokens[k - 1].text in _CALLS
    }
    return found.pop() if len(found) == 1 else None


def _missing_head(
    session: SessionInfo,
    roster: Roster,
    start_time: str | None,
    end_time: str | None,
    count_present: int | None,
) -> list[str]:
    has_president = bool(session.president) or any(m.is_president for m in roster.members)
    has_secretary = bool(session.secretary) or any(m.is_secretary for m in roster.members)
    checks = (
        ("date", bool(session.date)),
        ("place", bool(session.place)),
        ("session_type", bool(session.session_type)),
        ("start_time", bool(start_time)),
        ("end_time", bool(end_time)),
        ("president", has_president),
        ("secretary", has_secretary),
        ("attendance", count_present is not None),
    )
    return [key for key, ok in checks if not ok]


def acta_options(session: SessionInfo, base: ActaOptions | None = None) -> ActaOptions:
    """``base`` with the items the session marks ``majority: absolute`` added."""
    opts = base or ActaOptions()
    absolute = {a.number for a in session.agenda if a.majority == "absolute"}
    if not absolute:
        return opts
    return opts.model_copy(
        update={"absolute_majority_items": opts.absolute_majority_items | absolute}
    )


def with_acta(
    transcript: Transcript, roster: Roster | None = None, options: ActaOptions | None = None
) -> Transcript:
    """A new transcript with its acta found and each intervention's agenda item set.

    The roster is the session's own unless given. Run after assembly and again after
    every correction, so that items and votes follow what the transcript now says.
    """
    session = transcript.session
    kept = transcript.acta.fixed_starts if transcript.acta is not None else ()
    acta = find_acta(
        transcript,
        session,
        session.roster if roster is None else roster,
        acta_options(session, options),
        fixed_starts=kept,
    )
    items = acta.intervention_items
    interventions = tuple(
        replace(iv, agenda_item=items[k] if k < len(items) else None)
        for k, iv in enumerate(transcript.interventions)
    )
    return with_summaries(  # each intervention in synthesis (ROF 109.1.g), as said now
        replace(transcript, interventions=interventions, acta=acta, schema_version=SCHEMA_VERSION)
    )
