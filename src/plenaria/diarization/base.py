"""What every diarization backend shares: its options, its Protocol, and pure turn helpers.

A backend gets the extracted 16 kHz mono WAV and the speech regions the
pipeline's VAD found (absolute seconds), and returns a :class:`Diarization`:
speaker turns labelled ``SPEAKER_00``, ``SPEAKER_01``... numbered by first
appearance, sorted by start, inside the speech regions, with each speaker's
centroid voice embedding and the backend's ``model_id``.
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

    The embedded backend works as pyannote 3.x does: 10 s windows every
    ``step_s`` are segmented into up to 3 local speakers (pyannote
    segmentation-3.0), each local speaker's clean speech is embedded (CAM++),
    the embeddings of the whole recording, less their mean, are clustered
    (centroid linkage), and the windows' local activities are summed per
    cluster. Defaults were chosen
    on the tuning set of bench/diarization.py only (see bench/README.md).
    Distances are between unit-length CAM++ embeddings (Euclidean, 0..2).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_speakers: int | None = Field(
        default=None,
        ge=1,
        le=100,
        description="At least this many speakers (None: decided by the audio). A roster "
        "size is a good maximum; a minimum forces splits even of one voice.",
    )
    max_speakers: int | None = Field(
        default=None, ge=1, le=100, description="At most this many speakers (None: no limit)."
    )
    step_s: float = Field(
        default=5.0,
        ge=0.5,
        le=10.0,
        description="Seconds between the starts of two consecutive 10 s windows. Smaller: "
        "every moment is seen by more windows (steadier turns), at a cost in time that "
        "grows as 10 / step_s.",
    )
    cluster_threshold: float = Field(
        default=0.6,
        gt=0.0,
        lt=2.0,
        description="Distance between two speakers' raw centroids (unit embeddings, Euclidean) "
        "below which they are one speaker: with centred_threshold, checked after the centred "
        "clustering; without it, it alone sets the number of speakers when no hint decides "
        "it (and the live transcript's provisional speakers use it). Lower: more speakers.",
    )
    centred_threshold: float | None = Field(
        default=0.9,
        gt=0.0,
        lt=2.0,
        description="The recording's mean embedding (what all its voices share: room, "
        "microphone, synthesizer) is subtracted before clustering, and groups whose centroids "
        "are nearer than this in that space are one speaker; speakers whose raw centroids "
        "are still nearer than cluster_threshold are then joined. None: the raw embeddings "
        "are clustered on cluster_threshold alone. Lower: more speakers.",
    )
    min_cluster_s: float = Field(
        default=0.5,
        ge=0.0,
        le=600.0,
        description="Seconds of clean speech a cluster needs to be a speaker of its own; a "
        "smaller one joins the nearest speaker, unless min_speakers needs it.",
    )
    min_clean_s: float = Field(
        default=2.0,
        ge=0.0,
        le=10.0,
        description="Seconds of clean speech (alone, no overlap) a local speaker needs in a "
        "window for its embedding to take part in the clustering; shorter ones are only "
        "assigned to the nearest speaker afterwards.",
    )
    min_embed_s: float = Field(
        default=0.25,
        ge=0.0,
        le=10.0,
        description="Seconds of speech a local speaker needs in a window to be embedded at "
        "all; less is ignored (a breath, a click).",
    )
    count_bias: float = Field(
        default=0.0,
        ge=-0.5,
        le=0.5,
        description="Added to the average number of local speakers heard in a frame before "
        "rounding it to the number of speakers there. Positive: more speech and more "
        "overlap found, at the cost of false alarms.",
    )
    max_embed_s: float = Field(
        default=5.0,
        ge=0.5,
        le=10.0,
        description="At most this many seconds of a local speaker's speech are embedded (the "
        "middle of it): CAM++ costs time in proportion, and gains little past a few seconds.",
    )
    crop_to_speech: bool = Field(
        default=False,
        description="Keep only the turns' parts inside the speech regions given. Off: the "
        "regions only choose which windows are analysed (long silences are skipped) and the "
        "segmentation model decides where speech starts and ends inside them.",
    )
    min_duration_off_s: float = Field(
        default=0.0,
        ge=0.0,
        le=60.0,
        description="Pauses of one speaker shorter than this are filled (one turn, not two).",
    )
    max_cluster_embeddings: int = Field(
        default=4000,
        ge=10,
        le=10_000,
        description="Memory bound: above this many embeddings, an evenly spread subset is "
        "clustered (n^2/2 distances: 64 MB at 4000) and the others join the nearest speaker.",
    )
    batch_windows: int = Field(
        default=16, ge=1, le=64, description="Windows segmented together in one forward pass."
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
        return self


class Diarizer(Protocol):
    """Who spoke when, over the whole recording."""

    model_id: str  # the weights' identity, for cache keys and for comparing voice profiles

    def diarize(
        self,
        wav: Path,
        speech: Sequence[Segment],
        options: DiarizationOptions,
        progress: Progress = no_progress,
    ) -> Diarization:
        """Turns inside ``speech``, sorted by start, SPEAKER_NN by first appearance."""
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
