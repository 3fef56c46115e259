"""Sample Transcript objects for tests: a small, realistic plenary session.

Times are rounded to milliseconds (and probabilities to 4 decimals) so that a
transcript survives a JSON round trip exactly. Import from a test module in
this folder with ``from transcripts import sample_transcript``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from plenaria.domain import (
    AgendaItem,
    Intervention,
    Recording,
    Segment,
    SessionInfo,
    Speaker,
    Stream,
    Transcript,
    Turn,
    Word,
)

WORD_S = 0.3  # each generated word lasts this long
GAP_S = 0.1  # silence between two words of one intervention
PAUSE_S = 1.5  # silence between two interventions
FIRST_START_S = 2.0

SPEAKERS = (
    Speaker("SPEAKER_00", name="Alcaldesa María Pérez", role="Alcaldesa", score=0.8123),
    Speaker("SPEAKER_01"),
    Speaker("SPEAKER_02"),
)
SPEAKER_CYCLE = ("SPEAKER_00", "SPEAKER_01", "SPEAKER_00", "SPEAKER_02")

TEXTS = (
    "Buenos días. Se abre la sesión ordinaria del Pleno. Primer punto: aprobación del acta "
    "de la sesión anterior.",
    "Gracias, señora alcaldesa. Nuestro grupo votará a favor, aunque pedimos corregir la "
    "página tres, donde falta la intervención sobre la calle Mayor.",
    "Se toma nota. Pasamos al segundo punto: modificación de la ordenanza fiscal del agua.",
    "El grupo municipal pide que conste en acta nuestra abstención.",
)

AGENDA = (
    AgendaItem(1, "Aprobación del acta de la sesión anterior"),
    AgendaItem(2, "Modificación de la ordenanza fiscal reguladora de la tasa del agua"),
    AgendaItem(3, "Ruegos y preguntas"),
)

SESSION = SessionInfo(
    id="2026-11-24-ordinaria",
    council="Ayuntamiento de Villaejemplo",
    date="2026-11-24",
    session_type="ordinaria",
    place="Salón de Plenos de la Casa Consistorial",
    start_time="10:00",
    president="María Pérez",
    secretary="Jordi Puig",
    agenda=AGENDA,
    vocabulary=("Villaejemplo", "calle Mayor"),
)


def _ms(seconds: float) -> float:
    return round(seconds, 3)


def words_from_text(text: str, start: float) -> tuple[Word, ...]:
    """One Word per whitespace-separated token, evenly timed from ``start``."""
    return tuple(
        Word(
            token,
            _ms(start + k * (WORD_S + GAP_S)),
            _ms(start + k * (WORD_S + GAP_S) + WORD_S),
            0.9,
        )
        for k, token in enumerate(text.split())
    )


def make_intervention(
    speaker: str, text: str, start: float, agenda_item: int | None = None, language: str = "es"
) -> Intervention:
    """An intervention whose words are ``text`` split at whitespace, timed from ``start``."""
    words = words_from_text(text, start)
    end = words[-1].end if words else start
    return Intervention(speaker, Segment(_ms(start), end), words, language, agenda_item)


def sample_transcript(
    n_interventions: int = 4,
    text_overrides: Mapping[int, str] | None = None,
    *,
    speakers: Sequence[Speaker] = SPEAKERS,
    session: SessionInfo = SESSION,
) -> Transcript:
    """A transcript of ``n_interventions`` (speakers cycling 0, 1, 0, 2), agenda items 1 to 3.

    ``text_overrides`` maps an intervention's index to the text it says instead
    of the default one.
    """
    overrides = dict(text_overrides or {})
    interventions: list[Intervention] = []
    start = FIRST_START_S
    for i in range(n_interventions):
        text = overrides.get(i, TEXTS[i % len(TEXTS)])
        item = 1 + i * len(AGENDA) // max(n_interventions, 1)
        intervention = make_intervention(SPEAKER_CYCLE[i % len(SPEAKER_CYCLE)], text, start, item)
        interventions.append(intervention)
        start = _ms(intervention.segment.end + PAUSE_S)
    turns = tuple(Turn(i.speaker, i.segment) for i in interventions)
    duration = _ms(start + 5.0)
    recording = Recording(
        file_name="pleno 2026-11-24.mp4",
        sha256=hashlib.sha256(b"pleno 2026-11-24").hexdigest(),
        size_bytes=12_345_678,
        duration_s=duration,
        format_name="mov,mp4,m4a,3gp,3g2,mj2",
        streams=(
            Stream(0, "video", "h264", width=1280, height=720),
            Stream(1, "audio", "aac", channels=2, sample_rate=48000),
        ),
    )
    return Transcript(
        recording=recording,
        session=session,
        speakers=tuple(speakers),
        turns=turns,
        interventions=tuple(interventions),
        languages=("es",),
        model="base",
    )
