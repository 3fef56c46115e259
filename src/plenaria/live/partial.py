"""A live job's files in storage, and its partial transcript: the lines of each chunk so far.

Written by the job's recorder (:mod:`plenaria.workers.live`) as each chunk's
words come, read by the API. Times of day are Unix seconds (every process of a
deployment shares the clock); ``audio_end_at`` is when the chunk's last sample
arrived, ``text_at`` when its lines were written: the difference is the lag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the API reads partial transcripts without importing the live session
    from plenaria.live.session import LiveLine


def hms(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def live_keys(job_id: str) -> dict[str, str]:
    """Where a live job's files are in storage while it records."""
    folder = f"live/{job_id}"
    return {
        "original": f"{folder}/original.ts",
        "audio": f"{folder}/audio.wav",
        "partial": f"{folder}/partial.json",
    }


def partial_key(job_id: str) -> str:
    return live_keys(job_id)["partial"]


@dataclass(frozen=True)
class PartialChunk:
    index: int
    start_s: float
    end_s: float
    audio_end_at: float
    text_at: float
    lines: tuple[LiveLine, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "audio_end_at": round(self.audio_end_at, 3),
            "text_at": round(self.text_at, 3),
            "lines": [
                {"start_s": round(x.start_s, 3), "speaker": x.speaker, "text": x.text}
                for x in self.lines
            ],
        }


def pieces(chunks: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every line of the stored chunks, in order, with its chunk and its H:MM:SS."""
    out = []
    for chunk in sorted(chunks, key=lambda c: int(c["index"])):
        for line in chunk["lines"]:
            out.append({"chunk": chunk["index"], "at": hms(line["start_s"]), **line})
    return out
