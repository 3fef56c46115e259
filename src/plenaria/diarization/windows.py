"""Pure steps on the segmentation model's windows: where they go, powerset to speakers.

Nothing here loads a model, so each step can be tested on made-up arrays.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from plenaria.domain import Segment

WINDOW_S = 10.0
FRAME_STEP_S = 270 / 16_000  # segmentation-3.0's frame step (16.875 ms)
FRAME_DURATION_S = 991 / 16_000  # and the span of audio one frame sees
FRAMES_PER_WINDOW = 589
LOCAL_SPEAKERS = 3

# segmentation-3.0's classes, in pyannote's Powerset(3, 2) order:
# {}, {A}, {B}, {C}, {A, B}, {A, C}, {B, C}.
POWERSET = np.array(
    [
        [0, 0, 0],
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
        [1, 1, 0],
        [1, 0, 1],
        [0, 1, 1],
    ],
    dtype=np.uint8,
)

UInt8 = npt.NDArray[np.uint8]


def powerset_to_multilabel(log_probs: npt.NDArray[np.floating]) -> UInt8:
    """The most likely class of each frame as speaker activities: ``(..., 7)`` -> ``(..., 3)``."""
    if log_probs.shape[-1] != len(POWERSET):
        raise ValueError(f"expected {len(POWERSET)} powerset classes, got {log_probs.shape[-1]}")
    return np.asarray(POWERSET[np.argmax(log_probs, axis=-1)], dtype=np.uint8)


def plan_windows(regions: Sequence[Segment], duration_s: float, step_s: float) -> list[float]:
    """Start times of the 10 s windows that see some speech in ``regions`` (sorted, disjoint).

    Windows start every ``step_s`` from 0; the last one ends with the audio (a
    recording shorter than a window gets one window at 0, padded with silence).
    """
    if duration_s <= 0 or not regions:
        return []
    last = max(0.0, duration_s - WINDOW_S)
    n = math.floor(last / step_s + 1e-9) + 1
    starts = [k * step_s for k in range(n)]
    if starts[-1] < last - 1e-6:
        starts.append(last)
    ends = [r.end for r in regions]
    kept = []
    for s in starts:
        # The first region ending after the window starts: does it begin before the window ends?
        i = bisect.bisect_right(ends, s)
        if i < len(regions) and regions[i].start < s + WINDOW_S:
            kept.append(s)
    return kept


def frame_offset(start_s: float) -> int:
    """The global frame index of a window's first frame."""
    return round(start_s / FRAME_STEP_S)


def frame_time(index: int) -> float:
    """Centre time of a global frame (seconds)."""
    return index * FRAME_STEP_S + FRAME_DURATION_S / 2


def fbank_frame_mask(active: npt.NDArray[np.bool_], n_fbank: int) -> npt.NDArray[np.bool_]:
    """Which 10 ms filter-bank frames of a window fall in its active segmentation frames.

    Filter-bank frame ``j`` (25 ms from ``10 j`` ms) is taken at its centre; it
    belongs to the segmentation frame whose centre is nearest.
    """
    centre = np.arange(n_fbank) * 0.010 + 0.0125
    index = np.rint((centre - FRAME_DURATION_S / 2) / FRAME_STEP_S).astype(np.int64)
    index = np.clip(index, 0, len(active) - 1)
    return np.asarray(active[index], dtype=bool)
