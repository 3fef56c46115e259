"""The working audio: 16 kHz mono 16-bit WAV extracted once, then read by pieces.

Readers seek into the WAV and read only the part asked for, so memory stays
flat however long the session is (a 5-hour plenary is 576 MB of WAV).
"""

from __future__ import annotations

import logging
import os
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from plenaria.domain import Segment
from plenaria.errors import MediaError
from plenaria.media.ffmpeg import file_url, run_ffmpeg
from plenaria.progress import Progress, no_progress

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
SAMPLE_WIDTH = 2  # bytes: signed 16-bit


def extract_audio(
    src: Path,
    dest: Path,
    progress: Progress = no_progress,
    duration_s: float | None = None,
) -> Path:
    """Write the first audio stream of ``src`` as 16 kHz mono s16le WAV at ``dest``.

    Written under a temporary name beside ``dest`` and renamed at the end, so an
    interrupted run never leaves a half file at ``dest``. With ``duration_s``
    (the recording's), reports ``progress("audio", seconds_done, duration_s)``.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    try:
        run_ffmpeg(
            [
                "-y",
                "-i", file_url(src),
                "-map", "0:a:0", "-vn", "-sn", "-dn",
                "-ac", "1", "-ar", str(SAMPLE_RATE), "-c:a", "pcm_s16le",
                "-f", "wav", file_url(tmp),
            ],
            what=f"extraer el audio de {src.name}",
            progress_total_s=duration_s,
            progress=progress,
            stage="audio",
        )  # fmt: skip
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("Extracted %s -> %s (%.1f s)", src.name, dest, audio_duration(dest))
    return dest


def audio_duration(wav: Path) -> float:
    """Length in seconds of a WAV written by :func:`extract_audio` (reads the header only)."""
    with _open(wav) as w:
        return w.getnframes() / w.getframerate()


def read_audio(wav: Path, segment: Segment | None = None) -> np.ndarray:
    """Samples of ``segment`` (the whole file when None) as float32 in [-1, 1].

    Seeks to the segment's start and reads only its samples. A segment past the
    end of the audio is clipped (an empty array when it lies wholly outside).
    """
    with _open(wav) as w:
        total = w.getnframes()
        if segment is None:
            first, last = 0, total
        else:
            first = min(total, max(0, round(segment.start * SAMPLE_RATE)))
            last = min(total, max(first, round(segment.end * SAMPLE_RATE)))
        w.setpos(first)
        return _to_float(w.readframes(last - first))


def iter_audio_blocks(wav: Path, block_s: float) -> Iterator[tuple[float, np.ndarray]]:
    """``(offset_s, samples)`` for consecutive ``block_s`` blocks (the last may be shorter)."""
    block = max(1, round(block_s * SAMPLE_RATE))
    with _open(wav) as w:
        done = 0
        while True:
            data = w.readframes(block)
            if not data:
                return
            samples = _to_float(data)
            yield done / SAMPLE_RATE, samples
            done += len(samples)


def _to_float(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


def _open(wav: Path) -> wave.Wave_read:
    """Open a WAV, checking it is the 16 kHz mono 16-bit PCM this stage works on."""
    try:
        w = wave.open(str(wav), "rb")  # noqa: SIM115 (returned to the caller's with)
    except (OSError, EOFError, wave.Error) as e:
        raise MediaError(
            f"No se puede leer el audio de trabajo {wav}: {e}.",
            "Bórrelo para que se vuelva a extraer de la grabación.",
        ) from e
    shape = (w.getframerate(), w.getnchannels(), w.getsampwidth())
    if shape != (SAMPLE_RATE, 1, SAMPLE_WIDTH):
        w.close()
        raise MediaError(
            f"{wav.name} es de {shape[0]} Hz, {shape[1]} canal(es), {8 * shape[2]} bits: "
            "no es el WAV de 16 kHz mono y 16 bits que se espera.",
            "Créelo con plenaria.media.audio.extract_audio.",
        )
    return w
