"""Generated plenaries for the benchmarks: espeak-ng voices taking turns, with ground truth.

Each sentence is synthesised once per voice and placed again and again at
known times with pauses between, so a recording of any length (5 hours for the
memory benchmark) is written piece by piece without holding it in memory. The
truth is returned as (voice name, Segment) pairs and can be written as RTTM.

Generated recordings are kept under the system's temporary folder, named by
their parameters, so a second run does not synthesise them again.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from plenaria.domain import Segment

RATE = 16_000
CACHE = Path(tempfile.gettempdir()) / "plenaria-bench-plenos"

SENTENCES = (
    "Buenas tardes. Se abre la sesión ordinaria del pleno del ayuntamiento.",
    "Pasamos al primer punto del orden del día, la aprobación del acta anterior.",
    "La propuesta actualiza la tarifa del agua y crea una tarifa social para las familias.",
    "Nuestro grupo votará en contra porque el presupuesto no atiende a los barrios.",
    "Queda aprobada la moción por mayoría, con el voto en contra de la oposición.",
    "Pido la palabra para explicar el sentido del voto de mi grupo municipal.",
)


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice+variant at a pitch (-p) and speed (-s)."""

    espeak: str
    pitch: int = 50
    speed: int = 160

    @property
    def name(self) -> str:
        return f"{self.espeak} -p{self.pitch} -s{self.speed}"


# Voices for tuning and for the memory benchmark (the naming benchmark's espeak row
# uses others: see bench/naming.py).
TUNING_VOICES = (
    Voice("es+m3", 35, 160),
    Voice("es+f3", 60, 150),
    Voice("es+m7", 70, 145),
    Voice("es-419+f5", 55, 165),
    Voice("es+Andy", 40, 155),
    Voice("es+Annie", 65, 170),
)


def synthesize(voice: Voice, text: str) -> np.ndarray:
    """16 kHz float audio of ``text`` by espeak-ng, trimmed of leading and trailing silence."""
    from scipy.signal import resample_poly

    cmd = ["espeak-ng", "-v", voice.espeak, "-p", str(voice.pitch), "-s", str(voice.speed)]
    raw = subprocess.run([*cmd, "--stdout", text], capture_output=True, check=True).stdout
    with wave.open(io.BytesIO(raw)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768
    x = np.asarray(resample_poly(x, RATE, rate), dtype=np.float64)
    loud = np.flatnonzero(np.abs(x) > 1e-3)
    return x[loud[0] : loud[-1] + 1] if len(loud) else x


class WavWriter:
    """Appends silence and clips to a 16 kHz mono WAV, keeping the time in samples."""

    def __init__(self, path: Path) -> None:
        self._w = wave.open(str(path), "wb")  # noqa: SIM115 (closed by close())
        self._w.setnchannels(1)
        self._w.setsampwidth(2)
        self._w.setframerate(RATE)
        self.samples = 0

    @property
    def now_s(self) -> float:
        return self.samples / RATE

    def silence(self, seconds: float) -> None:
        n = max(0, round(seconds * RATE))
        self._w.writeframes(np.zeros(n, dtype="<i2").tobytes())
        self.samples += n

    def clip(self, x: np.ndarray) -> Segment:
        start = self.now_s
        self._w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
        self.samples += len(x)
        return Segment(start, self.now_s)

    def close(self) -> None:
        self._w.close()


# Real single-speaker recordings of ../shared/data (path, seconds at its start kept for
# enrolment) that the naming benchmark and the evaluation set join into turns.
REAL_SPEAKERS = (
    ("long/Audio_la_banalitat_del_mal_gerard.ogg", 15.0),
    ("long/Ca_islamofobia_maria.ogg", 15.0),
    ("long/udhr_preamble_en.mp3", 15.0),
    ("asr/gossos.mp3", 10.0),
)


def lay_turns(
    writer: WavWriter,
    sources: list[tuple[str, Path, float, float]],
    turns_each: int,
    turn_s: float,
) -> list[tuple[str, Segment]]:
    """Each source's speech after its enrolment part, in turns of ``turn_s`` taken in
    order, one second apart, ``turns_each`` rounds; ``sources``: (person, 16 kHz WAV,
    enrolment seconds, duration). Returns who speaks where (their speech regions)."""
    from plenaria.media.audio import read_audio
    from plenaria.voices import speech_regions

    truth: list[tuple[str, Segment]] = []
    for turn in range(turns_each):
        for who, wav, enrol_s, duration in sources:
            start = enrol_s + 0.5 + turn * turn_s
            if start + 2.0 > duration:
                continue
            audio = read_audio(wav, Segment(start, min(duration, start + turn_s)))
            writer.silence(1.0)
            at = writer.now_s
            writer.clip(audio)
            truth += [(who, s) for s in speech_regions(audio, at)]
    return truth


def schedule(n_voices: int, n_turns: int, seed: int) -> list[int]:
    """A speaking order of ``n_turns`` turns, each voice about as often, never twice in a row.

    Each turn goes to one of the voices that have spoken least so far, other than the
    last speaker, picked at random.
    """
    rng = np.random.default_rng(seed)
    counts = [0] * n_voices
    order: list[int] = []
    for _ in range(n_turns):
        last = order[-1] if order else -1
        free = [v for v in range(n_voices) if v != last] or [0]
        least = min(counts[v] for v in free)
        pick = int(rng.choice([v for v in free if counts[v] == least]))
        counts[pick] += 1
        order.append(pick)
    return order


def generate(
    voices: tuple[Voice, ...],
    total_s: float,
    *,
    turn_sentences: int = 3,
    pause_s: float = 0.5,
    gap_s: float = 1.0,
    seed: int = 7,
) -> tuple[Path, list[tuple[str, Segment]]]:
    """A WAV of about ``total_s`` seconds of turns, and its truth; cached by parameters."""
    key = f"{len(voices)}v-{total_s:.0f}s-{turn_sentences}-{pause_s}-{gap_s}-{seed}"
    key += "-" + "-".join(v.name.replace(" ", "").replace("+", "_") for v in voices)
    CACHE.mkdir(parents=True, exist_ok=True)
    wav = CACHE / f"pleno-{hashlib.sha256(key.encode()).hexdigest()[:12]}.wav"
    rttm = wav.with_suffix(".rttm")
    if wav.is_file() and rttm.is_file():
        return wav, read_truth(rttm)
    clips = {i: [synthesize(v, s) for s in SENTENCES] for i, v in enumerate(voices)}
    turn_s = turn_sentences * (np.mean([len(c) for cs in clips.values() for c in cs]) / RATE)
    n_turns = max(2, int(total_s / (turn_s + turn_sentences * pause_s + gap_s)))
    order = schedule(len(voices), n_turns, seed)
    tmp = wav.with_name(f".{wav.name}.tmp")
    writer = WavWriter(tmp)
    truth: list[tuple[str, Segment]] = []
    try:
        for k, v in enumerate(order):
            writer.silence(gap_s)
            for j in range(turn_sentences):
                truth.append((voices[v].name, writer.clip(clips[v][(k + j) % len(SENTENCES)])))
                writer.silence(pause_s)
    finally:
        writer.close()
    write_truth(rttm, truth)
    tmp.replace(wav)
    return wav, truth


def write_truth(path: Path, truth: list[tuple[str, Segment]]) -> None:
    lines = [
        f"SPEAKER {path.stem} 1 {seg.start:.3f} {seg.duration:.3f} <NA> <NA> "
        f"{name.replace(' ', '_')} <NA> <NA>"
        for name, seg in truth
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_truth(path: Path) -> list[tuple[str, Segment]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        f = line.split()
        start, dur = float(f[3]), float(f[4])
        out.append((f[7].replace("_", " "), Segment(start, start + dur)))
    return out
