"""Split the recording into chunks for the recogniser, cutting only in silence.

:func:`plan_chunks` is pure: speech segments and a duration in, consecutive
chunks out. Each cut goes in the middle of the widest silence between speech
segments near the length limit, so no word is cut in two. Only when a single
stretch of speech is longer than the limit is it cut, at its quietest point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from plenaria.domain import Chunk, Segment
from plenaria.media.audio import SAMPLE_RATE, read_audio

QUIET_FRAME_S = 0.1
_EPS = 1e-6


class ChunkingOptions(BaseModel):
    """How long chunks may be and which silences count as cut points."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    chunk_max_s: float = Field(
        default=240.0, ge=5.0, le=3600.0, description="Longest chunk, in seconds."
    )
    min_gap_ms: int = Field(
        default=300,
        ge=0,
        le=10_000,
        description="Silences shorter than this are used only when no wider one is in reach.",
    )


def plan_chunks(
    speech: Sequence[Segment],
    duration_s: float,
    options: ChunkingOptions = ChunkingOptions(),  # noqa: B008 (frozen, immutable default)
    quiet: Callable[[Segment], float] | None = None,
) -> tuple[Chunk, ...]:
    """Consecutive chunks covering ``[0, duration_s]``, each at most ``chunk_max_s`` long.

    The cut for a chunk starting at ``t`` is chosen among the silences in
    ``(t, t + chunk_max_s]``: the widest one in the second half of that window,
    else the widest anywhere in it; silences narrower than ``min_gap_ms`` only
    if there is nothing wider. With no silence at all (one long speech
    segment), the cut goes at ``quiet(window)`` (e.g. :func:`quietest_point`),
    or at the limit when ``quiet`` is None.
    """
    if duration_s <= 0:
        return ()
    limit_s = options.chunk_max_s
    gaps = _gaps(speech, duration_s)
    cuts: list[float] = []
    start = 0.0
    while duration_s - start > limit_s:
        cut = _choose_cut(gaps, start, limit_s, options.min_gap_ms / 1000, quiet)
        cuts.append(cut)
        start = cut
    bounds = [0.0, *cuts, float(duration_s)]
    return tuple(Chunk(i, Segment(a, b)) for i, (a, b) in enumerate(pairwise(bounds)))


def _gaps(speech: Sequence[Segment], duration_s: float) -> list[Segment]:
    """The silences: the complement of the (merged) speech within ``[0, duration_s]``."""
    gaps: list[Segment] = []
    t = 0.0
    for s in sorted(speech):
        start, end = max(0.0, s.start), min(duration_s, s.end)
        if start > t:
            gaps.append(Segment(t, start))
        t = max(t, end)
    if duration_s > t:
        gaps.append(Segment(t, duration_s))
    return gaps


def _choose_cut(
    gaps: Sequence[Segment],
    start: float,
    limit_s: float,
    min_gap_s: float,
    quiet: Callable[[Segment], float] | None,
) -> float:
    end = start + limit_s
    half = start + limit_s / 2
    # Each silence clipped to the window; one that began at or before ``start``
    # (the previous cut's own silence) would give a uselessly short chunk.
    inside = [
        Segment(max(g.start, start), min(g.end, end))
        for g in gaps
        if g.end > start + _EPS and g.start < end and g.start > start + _EPS
    ]
    late = [g for g in inside if g.middle >= half]
    for pool in (
        [g for g in late if g.duration >= min_gap_s],
        [g for g in inside if g.duration >= min_gap_s],
        late,
        inside,
    ):
        if pool:
            widest = max(pool, key=lambda g: (g.duration, g.middle))
            return widest.middle
    if quiet is not None:
        t = quiet(Segment(half, end))
        if start + _EPS < t <= end:
            return t
    return end


def quietest_point(wav: Path, window: Segment) -> float:
    """Middle of the lowest-energy 100 ms frame of ``wav`` within ``window`` (seconds).

    Reads only the window. Among equally quiet frames the one nearest the
    window's end wins, so chunks stay long.
    """
    audio = read_audio(wav, window)
    frame = round(QUIET_FRAME_S * SAMPLE_RATE)
    n = len(audio) // frame
    if n == 0:
        return window.middle
    energy = np.square(audio[: n * frame].reshape(n, frame), dtype=np.float64).mean(axis=1)
    best = n - 1 - int(np.argmin(energy[::-1]))
    return window.start + (best + 0.5) * QUIET_FRAME_S
