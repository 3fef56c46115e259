"""Generated speech with known words and known timing, for recogniser tests.

Spanish comes from espeak-ng (22050 Hz, resampled to 16 kHz), Catalan from
festival's ``upc_ca_ona_hts`` voice (16 kHz). Each sentence's speech is measured
from its own samples' energy, so the test knows when every sentence starts and
ends in the assembled clip. Read with ``wave`` + numpy: no dependency on
plenaria.media.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import unicodedata
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from plenaria.domain import Segment

SR = 16_000

SPANISH_PLENARY = (
    "Se abre la sesión ordinaria del pleno del Ayuntamiento.",
    "Pasamos al primer punto del orden del día.",
    "La secretaria da lectura al acta de la sesión anterior.",
    "Se aprueba la propuesta por unanimidad de los concejales presentes.",
    "Sin más asuntos que tratar, se levanta la sesión.",
)
CATALAN_PLENARY = (
    "Bon dia a tothom. Comença la sessió ordinària del ple de l'Ajuntament.",
    "Passem al primer punt de l'ordre del dia.",
)


@dataclass(frozen=True)
class Sentence:
    text: str
    speech: Segment  # measured speech, seconds from the clip start


def have_espeak() -> bool:
    return shutil.which("espeak-ng") is not None


def have_festival_catalan() -> bool:
    return shutil.which("text2wave") is not None and any(
        Path("/usr/share/festival/voices/catalan").glob("upc_ca_ona_hts*")
    )


def read_wav_16k(path: Path) -> np.ndarray:
    """A 16-bit PCM WAV as 16 kHz mono float32 in [-1, 1]."""
    with wave.open(str(path), "rb") as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    assert width == 2, f"{path}: expected 16-bit PCM, got {8 * width}-bit"
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    if rate != SR:
        g = math.gcd(SR, rate)
        samples = resample_poly(samples, SR // g, rate // g)
    return np.asarray(samples, dtype=np.float32)


def espeak(text: str, tmp: Path, voice: str = "es", words_per_minute: int = 150) -> np.ndarray:
    """``text`` spoken by espeak-ng, 16 kHz mono float32."""
    out = tmp / f"espeak-{abs(hash((text, voice))):x}.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", str(out), text],
        check=True,
        capture_output=True,
    )
    return read_wav_16k(out)


def festival_catalan(text: str, tmp: Path) -> np.ndarray:
    """``text`` spoken by festival's Catalan voice (which reads Latin-1), 16 kHz float32."""
    out = tmp / f"festival-{abs(hash(text)):x}.wav"
    subprocess.run(
        ["text2wave", "-eval", "(voice_upc_ca_ona_hts)", "-o", str(out)],
        input=text.encode("latin-1"),
        check=True,
        capture_output=True,
    )
    return read_wav_16k(out)


def speech_bounds(samples: np.ndarray, frame_ms: int = 10, floor: float = 0.02) -> Segment:
    """First and last 10 ms frame whose RMS reaches ``floor`` of the loudest frame."""
    hop = SR * frame_ms // 1000
    n = len(samples) // hop
    rms = np.sqrt(np.mean(samples[: n * hop].reshape(n, hop) ** 2, axis=1))
    loud = np.flatnonzero(rms >= floor * rms.max())
    return Segment(loud[0] * hop / SR, (loud[-1] + 1) * hop / SR)


def assemble(
    clips: Sequence[tuple[str, np.ndarray]], gap_s: float = 1.0, lead_s: float = 0.5
) -> tuple[np.ndarray, tuple[Sentence, ...]]:
    """Clips in order with ``gap_s`` of silence between them; each sentence's measured speech."""
    parts = [np.zeros(round(lead_s * SR), np.float32)]
    sentences = []
    at = lead_s
    for text, samples in clips:
        bounds = speech_bounds(samples)
        sentences.append(Sentence(text, bounds.shifted(at)))
        parts += [samples, np.zeros(round(gap_s * SR), np.float32)]
        at += len(samples) / SR + gap_s
    return np.concatenate(parts), tuple(sentences)


def tone(seconds: float, hz: float = 440.0, level: float = 0.3) -> np.ndarray:
    t = np.arange(round(seconds * SR)) / SR
    return (level * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def noise(seconds: float, level: float = 0.05, seed: int = 0) -> np.ndarray:
    """White noise in bursts of 80 ms, a rough stand-in for applause."""
    rng = np.random.default_rng(seed)
    samples = level * rng.standard_normal(round(seconds * SR))
    envelope = np.repeat(rng.uniform(0.2, 1.0, len(samples) // 1280 + 1), 1280)[: len(samples)]
    return (samples * envelope).astype(np.float32)


def normalise(text: str) -> str:
    """Lower case, punctuation removed, spaces collapsed (accents kept: they are spelling)."""
    kept = "".join(
        " " if unicodedata.category(ch).startswith("P") and ch != "'" else ch for ch in text
    )
    return " ".join(kept.lower().replace("'", " ").split())
