"""Pure steps of the embedded backend: windows to embed, clustering, labels to turns.

Nothing here loads a model: embeddings come in as a NumPy array, so every step
can be tested on synthetic vectors.
"""

from __future__ import annotations

import bisect
import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from plenaria.diarization.base import relabel_by_first_appearance
from plenaria.domain import Segment, Turn

log = logging.getLogger(__name__)

Labels = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Window:
    """One stretch of audio to embed, inside speech region number ``region``."""

    region: int
    segment: Segment


def plan_windows(
    regions: Sequence[Segment], window_s: float, hop_s: float, min_embed_s: float = 0.0
) -> tuple[Window, ...]:
    """Windows of ``window_s`` every ``hop_s`` inside each region, the last one flush with its end.

    A region shorter than ``window_s`` gets one window covering it; one shorter
    than ``min_embed_s`` gets none (unless no region is long enough, then all do).
    """
    if regions and all(r.duration < min_embed_s for r in regions):
        min_embed_s = 0.0
    out: list[Window] = []
    eps = 1e-6
    for i, r in enumerate(regions):
        if r.duration < min_embed_s or r.duration <= 0:
            continue
        if r.duration <= window_s + eps:
            out.append(Window(i, r))
            continue
        n = int((r.duration - window_s + eps) // hop_s) + 1
        starts = [r.start + k * hop_s for k in range(n)]
        if r.end - (starts[-1] + window_s) > 0.1 * hop_s:
            starts.append(r.end - window_s)
        out += [Window(i, Segment(s, s + window_s)) for s in starts]
    return tuple(out)


def cluster_embeddings(
    embeddings: npt.ArrayLike,
    threshold: float,
    min_clusters: int | None = None,
    max_clusters: int | None = None,
    *,
    max_points: int = 3000,
    min_cluster_size: int = 1,
) -> Labels:
    """Speaker labels 0..k-1 (numbered by first appearance) for rows of ``embeddings``.

    Agglomerative clustering, average linkage on cosine distance, cut at
    ``threshold`` unless the count falls outside ``[min_clusters, max_clusters]``.
    Above ``max_points`` rows, an evenly spread subset is clustered and every
    row joins the nearest cluster centre, so memory stays bounded (the linkage
    needs n² / 2 distances). Clusters smaller than ``min_cluster_size`` are
    folded into the nearest other cluster while more than ``min_clusters`` remain.
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    x = unit_rows(np.asarray(embeddings, dtype=np.float64))
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    if n > max_points:
        picked = np.unique(np.linspace(0, n - 1, max_points).round().astype(np.int64))
        sub = x[picked]
        log.debug("clustering %s of %s windows", len(sub), n)
    else:
        sub = x
    m = len(sub)
    lo = min(m, max(1, min_clusters or 1))
    hi = max(lo, min(m, max_clusters or m))

    tree = linkage(sub, method="average", metric="cosine")
    labels = fcluster(tree, t=threshold, criterion="distance") - 1
    k = int(labels.max()) + 1
    if not lo <= k <= hi:
        labels = fcluster(tree, t=min(max(k, lo), hi), criterion="maxclust") - 1
    labels = np.unique(labels, return_inverse=True)[1].astype(np.int64)

    min_size = max(1, round(min_cluster_size * m / n))
    labels = _fold_small_clusters(sub, labels, min_size, lo)
    if m < n:
        centres = unit_rows(
            np.stack([sub[labels == c].mean(axis=0) for c in range(labels.max() + 1)])
        )
        labels = np.argmax(x @ centres.T, axis=1).astype(np.int64)
    return _by_first_appearance(labels)


def windows_to_turns(
    regions: Sequence[Segment],
    windows: Sequence[Window],
    labels: npt.ArrayLike,
    min_turn_s: float = 0.0,
) -> tuple[Turn, ...]:
    """Turns labelled SPEAKER_NN by first appearance, covering every region.

    Within a region, consecutive windows of one label make one turn, and the
    speaker changes at the middle of the overlap of the two windows that
    differ. Turns shorter than ``min_turn_s`` are given to a neighbour in the
    same region. A region with no window takes the label of the nearest window.
    """
    return relabel_by_first_appearance(windows_to_raw_turns(regions, windows, labels, min_turn_s))


def windows_to_raw_turns(
    regions: Sequence[Segment],
    windows: Sequence[Window],
    labels: npt.ArrayLike,
    min_turn_s: float = 0.0,
) -> list[Turn]:
    """As :func:`windows_to_turns`, but speakers keep their label number (as a string)."""
    lab = np.asarray(labels, dtype=np.int64)
    if len(lab) != len(windows):
        raise ValueError(f"{len(lab)} labels for {len(windows)} windows")
    if not regions or not windows:
        return []
    by_region: dict[int, list[int]] = {}
    for k, w in enumerate(windows):
        by_region.setdefault(w.region, []).append(k)
    centres = [w.segment.middle for w in windows]

    turns: list[Turn] = []
    for i, r in enumerate(regions):
        idx = by_region.get(i)
        if idx is None:
            label = int(lab[_nearest(centres, r.middle)])
            turns.append(Turn(str(label), r))
            continue
        pieces: list[tuple[int, float, float]] = []
        start = r.start
        for a, b in itertools.pairwise(idx):
            if lab[a] != lab[b]:
                cut = (windows[b].segment.start + windows[a].segment.end) / 2
                cut = min(max(cut, start), r.end)
                pieces.append((int(lab[a]), start, cut))
                start = cut
        pieces.append((int(lab[idx[-1]]), start, r.end))
        pieces = _absorb_short(_merge_same(pieces), min_turn_s)
        turns += [Turn(str(lbl), Segment(s, e)) for lbl, s, e in pieces if e > s]
    return turns


def unit_rows(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Rows scaled to unit length; an all-zero row becomes a constant unit row (no NaN)."""
    if x.ndim != 2:
        raise ValueError(f"embeddings must be a 2-D array, got shape {x.shape}")
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    out = np.where(norms > 1e-12, x / np.maximum(norms, 1e-12), 1.0 / np.sqrt(max(1, x.shape[1])))
    return np.asarray(out, dtype=np.float64)


def _fold_small_clusters(
    x: npt.NDArray[np.float64], labels: Labels, min_size: int, min_clusters: int
) -> Labels:
    labels = labels.copy()
    while True:
        ids, counts = np.unique(labels, return_counts=True)
        if len(ids) <= max(1, min_clusters) or counts.min() >= min_size:
            break
        small = ids[np.argmin(counts)]
        others = ids[ids != small]
        centres = unit_rows(np.stack([x[labels == c].mean(axis=0) for c in others]))
        members = labels == small
        labels[members] = others[np.argmax(x[members] @ centres.T, axis=1)]
    return np.unique(labels, return_inverse=True)[1].astype(np.int64)


def _by_first_appearance(labels: Labels) -> Labels:
    order: dict[int, int] = {}
    for v in labels.tolist():
        order.setdefault(v, len(order))
    return np.array([order[v] for v in labels.tolist()], dtype=np.int64)


def _nearest(sorted_values: Sequence[float], x: float) -> int:
    i = bisect.bisect_left(sorted_values, x)
    if i == 0:
        return 0
    if i == len(sorted_values):
        return i - 1
    return i if sorted_values[i] - x < x - sorted_values[i - 1] else i - 1


Piece = tuple[int, float, float]


def _merge_same(pieces: list[Piece]) -> list[Piece]:
    out: list[Piece] = []
    for p in pieces:
        if out and out[-1][0] == p[0]:
            out[-1] = (p[0], out[-1][1], p[2])
        else:
            out.append(p)
    return out


def _absorb_short(pieces: list[Piece], min_turn_s: float) -> list[Piece]:
    """Give the shortest too-short piece to a neighbour, repeatedly, until none is left."""
    pieces = list(pieces)
    while len(pieces) > 1:
        durations = [e - s for _, s, e in pieces]
        i = int(np.argmin(durations))
        if durations[i] >= min_turn_s:
            break
        prev = pieces[i - 1] if i > 0 else None
        nxt = pieces[i + 1] if i + 1 < len(pieces) else None
        if prev is not None and (nxt is None or durations[i - 1] >= durations[i + 1]):
            label = prev[0]
        else:
            assert nxt is not None
            label = nxt[0]
        if prev is not None and nxt is not None and prev[0] == nxt[0]:
            label = prev[0]
        pieces[i] = (label, pieces[i][1], pieces[i][2])
        pieces = _merge_same(pieces)
    return pieces
