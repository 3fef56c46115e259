"""What every diarization backend shares: its options, its Protocol, and pure turn helpers.

A backend gets the extracted 16 kHz mono WAV and the speech regions the
pipeline's VAD found (absolute seconds), and returns speaker turns labelled
``SPEAKER_00``, ``SPEAKER_01``... numbered by first appearance, sorted by start,
inside the speech regions.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from plenaria.domain import Diarization, Segment, Turn
from plenaria.progress import Progress, no_progress

STAGE = "diarize"


class DiarizationOptions(BaseModel):
    """Tunables of speaker diarization (who spoke when).

    Defaults were tuned on two public recordings together (pyannote's 30 s
    telephone sample, 2 speakers; 7 minutes of AMI meetings, 27 speakers with
    overlap) and on generated espeak-ng plenaries; see bench/diarization.py.
    Similarities are cosine similarities of resemblyzer voice embeddings (-1..1).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_speakers: int | None = Field(
        default=None,
        ge=1,
        description="At least this many speakers (None: decided by the audio). A roster "
        "size is a good maximum; a minimum forces splits even of one voice.",
    )
    max_speakers: int | None = Field(
        default=None, ge=1, description="At most this many speakers (None: no limit)."
    )
    window_s: float = Field(
        default=1.6,
        gt=0.2,
        le=10.0,
        description="Seconds of audio each voice embedding is computed on. Longer: steadier "
        "voices, blurrier speaker changes.",
    )
    hop_s: float = Field(
        default=0.4,
        gt=0.05,
        description="Seconds between two consecutive embedding windows: the time resolution "
        "of speaker changes. Embedding cost grows as window_s / hop_s.",
    )
    cluster_threshold: float = Field(
        default=0.25,
        gt=0.0,
        lt=2.0,
        description="Cosine distance (1 - similarity, average linkage over windows) below "
        "which two groups of windows are one speaker; sets the number of speakers when no "
        "hint decides it. Lower: more speakers.",
    )
    min_speaker_s: float = Field(
        default=4.5,
        ge=0.0,
        description="Seconds of speech (windows x hop_s) a cluster needs to be a speaker of "
        "its own; a smaller one joins the nearest speaker (a cough, a mixed window, a "
        "one-word interjection), unless min_speakers needs it.",
    )
    merge_similarity: float = Field(
        default=0.91,
        gt=0.0,
        le=1.0,
        description="Cosine similarity of two clusters' mean embeddings at or above which "
        "they are one speaker (one voice split by tone or a repeated phrase). 1 turns it off.",
    )
    change_penalty: float = Field(
        default=0.2,
        ge=0.0,
        le=2.0,
        description="Cosine similarity a run of windows must gain by switching speaker for "
        "the switch to happen, when every window is reassigned to its nearest speaker "
        "centroid (Viterbi smoothing). Higher: fewer, longer turns.",
    )
    min_turn_s: float = Field(
        default=0.5,
        ge=0.0,
        description="Seconds: a turn shorter than this, inside one speech region, is given "
        "to a neighbour.",
    )
    min_embed_s: float = Field(
        default=0.2,
        ge=0.0,
        description="Seconds: a speech region shorter than this gets no embedding of its own; "
        "it takes the speaker of the nearest embedded window.",
    )
    overlap_margin: float = Field(
        default=0.02,
        ge=0.0,
        le=1.0,
        description="Overlapped speech: a window near a change between speakers A and B whose "
        "similarity to B's centroid is within this of A's is given to both, as overlap. "
        "0 turns overlap marking off.",
    )
    overlap_near_change_s: float = Field(
        default=0.5,
        ge=0.0,
        description="Seconds from a change of speaker within which overlap is looked for "
        "(people talk over each other where the floor passes).",
    )
    max_cluster_windows: int = Field(
        default=3000,
        ge=10,
        description="Memory bound: above this many windows, an evenly spread subset is "
        "clustered (n^2/2 distances: 36 MB at 3000) and the other windows join the nearest "
        "cluster centre.",
    )
    batch_windows: int = Field(
        default=64, ge=1, description="Windows embedded together in one forward pass."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (
            self.min_speakers is not None
            and self.max_speakers is not None
            and self.min_speakers > self.max_speakers
        ):
            raise ValueError(
                f"min_speakers ({self.min_speakers}) is above max_speakers ({self.max_speakers})"
            )
        if self.hop_s > self.window_s:
            raise ValueError(f"hop_s ({self.hop_s}) is longer than window_s ({self.window_s})")
        return self


class Diarizer(Protocol):
    """Who spoke when, over the whole recording."""

    model_id: str  # the backend and its weights: part of every cache key that depends on it

    def diarize(
        self,
        wav: Path,
        speech: Sequence[Segment],
        options: DiarizationOptions,
        progress: Progress = no_progress,
    ) -> Diarization:
        """Turns inside ``speech`` (sorted, SPEAKER_NN by first appearance) and centroids."""
        ...


def speaker_label(index: int) -> str:
    return f"SPEAKER_{index:02d}"


def normalize_regions(speech: Iterable[Segment], duration_s: float | None = None) -> list[Segment]:
    """Sorted, non-overlapping, non-empty regions, clipped to ``[0, duration_s]``."""
    end_max = float("inf") if duration_s is None else duration_s
    merged: list[Segment] = []
    for s in sorted(speech):
        start, end = max(0.0, s.start), min(end_max, s.end)
        if end <= start:
            continue
        if merged and start <= merged[-1].end:
            merged[-1] = Segment(merged[-1].start, max(merged[-1].end, end))
        else:
            merged.append(Segment(start, end))
    return merged


def relabel_by_first_appearance(turns: Iterable[Turn]) -> tuple[Turn, ...]:
    """Turns sorted by start, speakers renamed SPEAKER_00, 01... in order of first appearance."""
    ordered = sorted(turns, key=lambda t: (t.segment.start, t.segment.end, t.speaker))
    names: dict[str, str] = {}
    for t in ordered:
        names.setdefault(t.speaker, speaker_label(len(names)))
    return tuple(Turn(names[t.speaker], t.segment, t.overlap) for t in ordered)


def mark_overlaps(turns: Sequence[Turn], min_overlap_s: float = 1e-3) -> tuple[Turn, ...]:
    """The same turns (sorted by start), ``overlap=True`` where another speaker's turn overlaps."""
    ordered = sorted(turns, key=lambda t: (t.segment.start, t.segment.end))
    flags = [False] * len(ordered)
    for i, a in enumerate(ordered):
        for j in range(i + 1, len(ordered)):
            b = ordered[j]
            if b.segment.start >= a.segment.end - min_overlap_s:
                break
            if b.speaker != a.speaker and a.segment.overlap(b.segment) > min_overlap_s:
                flags[i] = flags[j] = True
    return tuple(Turn(t.speaker, t.segment, f) for t, f in zip(ordered, flags, strict=True))


def crop_to_regions(
    turns: Sequence[Turn], regions: Sequence[Segment], min_duration_s: float = 0.01
) -> tuple[Turn, ...]:
    """The parts of each turn that lie inside ``regions`` (sorted, disjoint), sorted by start."""
    starts = [r.start for r in regions]
    out: list[Turn] = []
    for t in turns:
        # Regions are sorted and disjoint: scan from the last one starting before the turn.
        i = max(0, bisect.bisect_right(starts, t.segment.start) - 1)
        while i < len(regions) and regions[i].start < t.segment.end:
            r = regions[i]
            start, end = max(r.start, t.segment.start), min(r.end, t.segment.end)
            if end - start >= min_duration_s:
                out.append(Turn(t.speaker, Segment(start, end), t.overlap))
            i += 1
    return tuple(sorted(out, key=lambda t: (t.segment.start, t.segment.end)))
