"""Scripted plenos for the acta detectors: transcripts built from (speaker, text) lines.

Each line becomes one intervention whose words are evenly timed (see transcripts.py),
so a phrase's time is known without audio. Import with ``from acta_scripts import ...``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from transcripts import PAUSE_S, make_intervention

from plenaria.assembly.spoken_numbers import Token, tokenize
from plenaria.domain import (
    AgendaItem,
    Intervention,
    Recording,
    SessionInfo,
    Speaker,
    Transcript,
    Turn,
    Word,
)
from plenaria.domain_acta import Member, Roster

ROSTER = Roster(
    members=(
        Member("María Pérez Soler", "Grupo Socialista", "alcaldesa"),
        Member("Luis Pardo Gil", "Partido Popular", "concejal"),
        Member("Ana Ruiz Vidal", "Grupo Socialista", "concejala"),
        Member("Jordi Puig Roca", "", "secretario"),
        Member("Carmen Soto Ramos", "Partido Popular", "concejala"),
        Member("Pedro Llorente Mas", "Grupo Socialista", "concejal"),
    ),
    legal_members=5,
)

AGENDA = (
    AgendaItem(1, "Aprobación del acta de la sesión anterior"),
    AgendaItem(2, "Modificación de la ordenanza fiscal del agua"),
    AgendaItem(3, "Ruegos y preguntas"),
)
SESSION = SessionInfo(
    id="pleno-prueba",
    council="Ayuntamiento de Villaprueba",
    date="2026-03-12",
    session_type="ordinaria",
    place="Salón de plenos",
    start_time="09:30",
    president="María Pérez Soler",
    secretary="Jordi Puig Roca",
    agenda=AGENDA,
)
SPEAKERS = (
    Speaker("SPEAKER_00", name="María Pérez Soler", role="alcaldesa"),
    Speaker("SPEAKER_01", name="Jordi Puig Roca", role="secretario"),
    Speaker("SPEAKER_02"),
)


def tokens_of_text(text: str, start: float = 0.0) -> list[Token]:
    """Tokens of ``text``, one word every 0.5 s from ``start``."""
    words = [Word(w, start + 0.5 * k, start + 0.5 * k + 0.4) for k, w in enumerate(text.split())]
    return tokenize(words)


def build(
    lines: Sequence[tuple[str, str]],
    session: SessionInfo = SESSION,
    speakers: Sequence[Speaker] = SPEAKERS,
) -> Transcript:
    """A transcript saying ``lines`` ((speaker id, text)) in order, from t = 2 s."""
    interventions: list[Intervention] = []
    t = 2.0
    for speaker, text in lines:
        iv = make_intervention(speaker, text, t)
        interventions.append(iv)
        t = round(iv.segment.end + PAUSE_S, 3)
    return Transcript(
        recording=Recording("pleno.mp4", hashlib.sha256(b"p").hexdigest(), 1, t, "mp4"),
        session=session,
        speakers=tuple(speakers),
        turns=tuple(Turn(i.speaker, i.segment) for i in interventions),
        interventions=tuple(interventions),
        languages=("es",),
    )


def phrase_start(transcript: Transcript, phrase: str) -> float:
    """The time of the first word of ``phrase`` (exact words) in the transcript."""
    words = transcript.words
    wanted = phrase.split()
    for k in range(len(words)):
        if [w.text for w in words[k : k + len(wanted)]] == wanted:
            return words[k].start
    raise AssertionError(f"{phrase!r} is not in the transcript")
