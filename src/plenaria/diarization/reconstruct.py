"""From clustered window activities back to one timeline of speaker turns (pure NumPy).

As pyannote 3.x's ``reconstruct``: each window's local speaker activities
(binary, per segmentation frame) are summed per global speaker over the
overlapping windows; the number of people speaking in each frame is the
rounded average, over the windows that see it, of how many local speakers
were active; each frame then goes to that many speakers, the most active
ones. Overlapped speech comes out as two speakers in the same frames.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from plenaria.diarization.windows import FRAME_STEP_S, frame_offset, frame_time
from plenaria.domain import Segment, Turn

Float32 = npt.NDArray[np.float32]
BLOCK_FRAMES = 65_536  # frames ranked at once when picking the active speakers


def aggregate(
    starts: Sequence[float],
    activity: npt.NDArray[np.uint8],
    assignment: npt.NDArray[np.int64],
    n_speakers: int,
    n_frames: int,
    count_bias: float = 0.0,
) -> tuple[Float32, npt.NDArray[np.int64]]:
    """Summed activity per speaker ``(G, K)`` and speaker count per frame ``(G,)``.

    ``activity`` is ``(C, F, S)`` binary local activity of the windows starting
    at ``starts``; ``assignment`` ``(C, S)`` maps each local speaker to a global
    one (-1: none). Frames past ``n_frames`` are dropped. ``count_bias`` is added to
    the average count before rounding.
    """
    score = np.zeros((n_frames, max(n_speakers, 1)), dtype=np.float32)
    total = np.zeros(n_frames, dtype=np.float32)
    cover = np.zeros(n_frames, dtype=np.float32)
    n_local_frames = activity.shape[1]
    for c, start in enumerate(starts):
        a = frame_offset(start)
        b = min(n_frames, a + n_local_frames)
        if b <= a:
            continue
        local = activity[c, : b - a].astype(np.float32)
        total[a:b] += local.sum(axis=1)
        cover[a:b] += 1.0
        # A speaker's activity in this window: the union of its local speakers' activities.
        mine: dict[int, Float32] = {}
        for s, k in enumerate(assignment[c].tolist()):
            if k >= 0:
                mine[k] = np.maximum(mine[k], local[:, s]) if k in mine else local[:, s]
        for k, col in mine.items():
            score[a:b, k] += col
    count = np.zeros(n_frames, dtype=np.int64)
    seen = cover > 0
    count[seen] = np.rint(total[seen] / cover[seen] + count_bias).astype(np.int64)
    np.maximum(count, 0, out=count)
    return score[:, :n_speakers], count


def top_speakers(score: Float32, count: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """``(G, K)``: in each frame, the ``count`` speakers with the highest score above 0."""
    n, k = score.shape
    out = np.zeros((n, k), dtype=bool)
    if k == 0:
        return out
    for a in range(0, n, BLOCK_FRAMES):
        s = score[a : a + BLOCK_FRAMES]
        order = np.argsort(-s, axis=1, kind="stable")
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.arange(k)[None, :], axis=1)
        out[a : a + BLOCK_FRAMES] = (rank < count[a : a + BLOCK_FRAMES, None]) & (s > 0)
    return out


def binary_to_turns(
    active: npt.NDArray[np.bool_], labels: Sequence[str], min_duration_off_s: float = 0.0
) -> list[Turn]:
    """Runs of active frames of each speaker as turns; shorter pauses than ``min_duration_off_s``
    are filled."""
    turns: list[Turn] = []
    for k, label in enumerate(labels):
        col = active[:, k].astype(np.int8)
        edges = np.diff(np.concatenate([[0], col, [0]]))
        starts = np.flatnonzero(edges == 1)
        ends = np.flatnonzero(edges == -1)  # exclusive
        spans: list[tuple[float, float]] = []
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            t0 = frame_time(a) - FRAME_STEP_S / 2
            t1 = frame_time(b - 1) + FRAME_STEP_S / 2
            if spans and t0 - spans[-1][1] < min_duration_off_s:
                spans[-1] = (spans[-1][0], t1)
            else:
                spans.append((max(0.0, t0), t1))
        turns += [Turn(label, Segment(t0, t1)) for t0, t1 in spans if t1 > t0]
    return sorted(turns, key=lambda t: (t.segment.start, t.segment.end, t.speaker))
