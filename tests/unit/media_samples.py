"""Test media generated on the fly: espeak-ng speech, tones, silence, small videos.

Each generator writes a few seconds into the given path (under ``tmp_path``)
and returns it. Shared by the media tests and by any other stage's tests.
"""

from __future__ import annotations

import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from needs import tool
from plenaria.media.ffmpeg import run_ffmpeg

SPEECH_ES = "Buenas tardes. Se abre la sesión ordinaria del pleno del ayuntamiento."


def require_espeak() -> str:
    return tool("espeak-ng")


def write_wav(path: Path, samples: np.ndarray, rate: int = 16000) -> Path:
    """Write float samples in [-1, 1] (mono) as 16-bit PCM WAV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def make_speech_wav(
    path: Path,
    text: str = SPEECH_ES,
    voice: str = "es",
    *,
    lead_s: float = 0.0,
    trail_s: float = 0.0,
    rate: int = 16000,
) -> Path:
    """espeak-ng speech, mono at ``rate``, with ``lead_s``/``trail_s`` of silence around it."""
    exe = require_espeak()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "espeak.wav"
        subprocess.run([exe, "-v", voice, "-w", str(raw), text], check=True, capture_output=True)
        filters = f"adelay={round(lead_s * 1000)}:all=1,apad=pad_dur={trail_s}"
        run_ffmpeg(
            ["-y", "-i", str(raw), "-af", filters, "-ac", "1", "-ar", str(rate),
             "-c:a", "pcm_s16le", str(path)],
            what="making test speech",
        )  # fmt: skip
    return path


def make_tone_wav(
    path: Path,
    seconds: float = 3.0,
    freq_hz: float = 440.0,
    rate: int = 16000,
    amplitude: float = 0.5,
) -> Path:
    t = np.arange(round(seconds * rate)) / rate
    return write_wav(path, amplitude * np.sin(2 * np.pi * freq_hz * t), rate)


def make_silence_wav(path: Path, seconds: float = 3.0, rate: int = 16000) -> Path:
    return write_wav(path, np.zeros(round(seconds * rate)), rate)


def make_video(
    path: Path,
    audio_wav: Path | None,
    seconds: float,
    vcodec: str = "libx264",
    acodec: str = "aac",
    *,
    size: str = "320x240",
    fps: int = 10,
    faststart: bool = False,
) -> Path:
    """A testsrc video of ``seconds`` with ``audio_wav`` as its sound (None: no audio).

    The container follows the extension (.mp4, .avi, .mkv). Without
    ``faststart`` an MP4 keeps its index (moov) at the end, as cameras write it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    args = ["-y", "-f", "lavfi", "-i", f"testsrc=s={size}:r={fps}:d={seconds}"]
    if audio_wav is not None:
        args += ["-i", str(audio_wav), "-map", "0:v", "-map", "1:a", "-c:a", acodec]
        args += ["-af", f"apad=whole_dur={seconds}", "-t", str(seconds)]
    args += ["-c:v", vcodec]
    if vcodec == "libx264":
        args += ["-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if faststart:
        args += ["-movflags", "+faststart"]
    run_ffmpeg([*args, str(path)], what="making a test video")
    return path


def make_audio_file(path: Path, source_wav: Path, acodec: str, channels: int = 0) -> Path:
    """``source_wav`` (mono) re-encoded with ``acodec`` into the container of ``path``'s
    extension, copied to ``channels`` identical channels (0: left as is)."""
    copies = "|".join(f"c{i}=c0" for i in range(channels))
    layout = ["-af", f"pan={channels}c|{copies}"] if channels else []
    run_ffmpeg(
        ["-y", "-i", str(source_wav), *layout, "-c:a", acodec, str(path)],
        what="encoding test audio",
    )
    return path


def top_level_boxes(mp4: Path) -> list[str]:
    """Names of an MP4's top-level boxes in file order (ftyp, moov, mdat...)."""
    names: list[str] = []
    with mp4.open("rb") as f:
        size_total = mp4.stat().st_size
        pos = 0
        while pos + 8 <= size_total:
            f.seek(pos)
            header = f.read(16)
            size = int.from_bytes(header[:4], "big")
            names.append(header[4:8].decode("latin-1"))
            if size == 1:
                size = int.from_bytes(header[8:16], "big")
            elif size == 0:
                break
            pos += size
    return names
