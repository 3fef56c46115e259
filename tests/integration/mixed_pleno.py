"""A Catalan pleno in which some members speak Spanish, generated, with its truth.

The chair and the Catalan-speaking members are festival's Catalan voice (Ona);
three Spanish-speaking members are espeak-ng voices (Spanish of Spain and of Latin
America, different variants and pitches). Turns follow each other after a pause of
1.0-1.5 s, as a turn change does in a real pleno. The script is this module's own:
no other test, sample or tuning run uses it.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from asr_samples import SR, espeak, festival_catalan, speech_bounds

from plenaria.domain import Segment


@dataclass(frozen=True)
class Turn:
    voice: str  # "festival" or an espeak-ng voice (with its variant)
    language: str
    text: str


@dataclass(frozen=True)
class SpokenTurn:
    voice: str
    language: str
    text: str
    speech: Segment  # measured speech, seconds from the recording's start


MIXED_SCRIPT = (
    Turn(
        "festival",
        "ca",
        "Bona tarda. Obrim la sessió extraordinària del ple municipal. "
        "El primer punt tracta del pressupost de l'escola bressol.",
    ),
    Turn(
        "es+m3",
        "es",
        "Gracias, señora alcaldesa. Nuestro grupo pide que se amplíe el horario "
        "de la biblioteca durante los meses de verano.",
    ),
    Turn(
        "festival",
        "ca",
        "Prenem nota de la proposta. La regidora d'Hisenda té la paraula per explicar les xifres.",
    ),
    Turn(
        "es-419+f2",
        "es",
        "El gasto en limpieza de las calles ha subido un diez por ciento este año, "
        "y los vecinos del barrio norte siguen esperando los contenedores nuevos.",
    ),
    Turn(
        "festival",
        "ca",
        "Els contenidors arribaran el mes vinent. També hem signat el conveni amb "
        "la comarca per al transport escolar.",
    ),
    Turn(
        "es+m1",
        "es",
        "Queremos saber cuánto costará ese convenio y quién pagará los autobuses.",
    ),
    Turn(
        "festival",
        "ca",
        "El cost es reparteix a parts iguals entre els dos ajuntaments. "
        "Passem a la votació de la moció sobre la plaça major.",
    ),
    Turn(
        "es+m3",
        "es",
        "Votaremos a favor, aunque pedimos que las obras no empiecen antes de las fiestas.",
    ),
    Turn(
        "festival",
        "ca",
        "Queda aprovada la moció amb el suport de tots els grups. S'aixeca la sessió.",
    ),
)

PAUSES_S = (1.2, 1.0, 1.5, 1.1, 1.3, 1.0, 1.4, 1.2)  # after each turn but the last
LEAD_S = 0.6


def speak(turn: Turn, tmp: Path) -> np.ndarray:
    if turn.voice == "festival":
        return festival_catalan(turn.text, tmp)
    return espeak(turn.text, tmp, voice=turn.voice, words_per_minute=160)


def make_mixed_pleno(folder: Path) -> tuple[Path, tuple[SpokenTurn, ...]]:
    """The recording as a 16 kHz mono WAV in ``folder``, and each turn's measured speech."""
    parts = [np.zeros(round(LEAD_S * SR), np.float32)]
    spoken: list[SpokenTurn] = []
    at = LEAD_S
    for k, turn in enumerate(MIXED_SCRIPT):
        samples = speak(turn, folder)
        samples = (0.7 * samples / max(1e-6, float(np.max(np.abs(samples))))).astype(np.float32)
        bounds = speech_bounds(samples).shifted(at)
        spoken.append(SpokenTurn(turn.voice, turn.language, turn.text, bounds))
        pause = PAUSES_S[k] if k < len(PAUSES_S) else 0.8
        parts += [samples, np.zeros(round(pause * SR), np.float32)]
        at += len(samples) / SR + pause
    audio = np.concatenate(parts)
    path = folder / "ple-mixt.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return path, tuple(spoken)
