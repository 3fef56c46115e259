"""From window embeddings to turns: clustering, frame-level reassignment, overlap.

Pure NumPy on an array of window embeddings (rows L2-normalised), so every
step can be tested on synthetic vectors:

1. ``cluster_embeddings`` groups the windows over the whole recording (one
   label per voice from the first minute to the last);
2. every window is then reassigned to its nearest speaker centroid, with a
   Viterbi pass per speech region that only switches speaker when the switch
   gains more than ``change_penalty`` of cosine similarity: with windows every
   ``hop_s`` this places a change of speaker to within ``hop_s / 2`` and removes
   the flicker of isolated windows;
3. windows near a change of speaker that are about as close to the other
   speaker's centroid as to their own are given to both, flagged as overlap.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from plenaria.diarization.base import DiarizationOptions, mark_overlaps, relabel_by_first_appearance
from plenaria.diarization.clustering import (
    Labels,
    Window,
    cluster_embeddings,
    unit_rows,
    windows_to_raw_turns,
)
from plenaria.domain import Segment, Turn

log = logging.getLogger(__name__)

Floats = npt.NDArray[np.float64]


def turns_from_embeddings(
    regions: Sequence[Segment],
    windows: Sequence[Window],
    embeddings: npt.ArrayLike,
    options: DiarizationOptions,
) -> tuple[Turn, ...]:
    """Speaker turns (SPEAKER_NN by first appearance, sorted) from one embedding per window."""
    x = unit_rows(np.asarray(embeddings, dtype=np.float64))
    if not regions or not windows:
        return ()
    min_windows = max(1, math.ceil(options.min_speaker_s / options.hop_s - 1e-9))
    labels = cluster_embeddings(
        x,
        options.cluster_threshold,
        options.min_speakers,
        options.max_speakers,
        max_points=options.max_cluster_windows,
        min_cluster_size=min_windows,
    )
    labels = merge_close_clusters(x, labels, options.merge_similarity, options.min_speakers)
    centres = centroids(x, labels)
    scores = x @ centres.T
    smoothed = smooth_labels(windows, scores, options.change_penalty)
    wanted = min(options.min_speakers or 1, len(centres))
    if len(np.unique(smoothed)) < wanted:
        smoothed = labels  # smoothing must not undo a minimum the caller asked for
    turns: Sequence[Turn] = windows_to_raw_turns(regions, windows, smoothed, options.min_turn_s)
    if options.overlap_margin > 0 and len(centres) > 1:
        extra = overlap_pieces(
            windows, scores, smoothed, options.overlap_margin, options.overlap_near_change_s
        )
        turns = with_overlaps(turns, extra)
    log.debug(
        "%s windows, %s clusters, %s speakers after smoothing",
        len(windows),
        len(centres),
        len(np.unique(smoothed)),
    )
    return relabel_by_first_appearance(turns)


def centroids(x: npt.ArrayLike, labels: npt.ArrayLike) -> Floats:
    """The L2-normalised mean row of each label 0..max (a zero row for an empty label)."""
    rows = np.asarray(x, dtype=np.float64)
    lab = np.asarray(labels, dtype=np.int64)
    k = int(lab.max()) + 1 if len(lab) else 0
    sums = np.zeros((k, rows.shape[1]))
    np.add.at(sums, lab, rows)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return np.asarray(np.where(norms > 1e-12, sums / np.maximum(norms, 1e-12), 0.0))


def merge_close_clusters(
    x: npt.ArrayLike, labels: Labels, min_similarity: float, min_clusters: int | None = None
) -> Labels:
    """Labels with the two clusters of most alike centroids joined, while above ``min_similarity``.

    Average linkage compares windows, whose similarity is lowered by what is
    said in them; the mean of many windows of one voice is steadier, so two
    clusters of one voice (a change of tone, a repeated phrase) have centroids
    closer than those of two people.
    """
    rows = np.asarray(x, dtype=np.float64)
    lab = np.asarray(labels, dtype=np.int64).copy()
    while True:
        ids = np.unique(lab)
        if len(ids) <= max(1, min_clusters or 1):
            break
        centres = centroids(rows, lab)[ids]
        sim = centres @ centres.T
        np.fill_diagonal(sim, -np.inf)
        i, j = np.unravel_index(int(np.argmax(sim)), sim.shape)
        if sim[i, j] < min_similarity:
            break
        lab[lab == ids[j]] = ids[i]
    return np.unique(lab, return_inverse=True)[1].astype(np.int64)


def smooth_labels(
    windows: Sequence[Window], scores: npt.ArrayLike, change_penalty: float
) -> Labels:
    """Each window's speaker: the best path through ``scores`` (windows x speakers) per region.

    A path scores the sum of its windows' similarities minus ``change_penalty``
    per change of speaker; regions are separated by silence, so a path may start
    anew (no penalty) in each one.
    """
    s = np.asarray(scores, dtype=np.float64)
    if len(s) != len(windows):
        raise ValueError(f"{len(s)} rows of scores for {len(windows)} windows")
    out = np.zeros(len(windows), dtype=np.int64)
    for idx in _by_region(windows):
        out[idx] = _viterbi(s[idx], change_penalty)
    return out


def overlap_pieces(
    windows: Sequence[Window],
    scores: npt.ArrayLike,
    labels: npt.ArrayLike,
    margin: float,
    near_s: float,
) -> list[Turn]:
    """Stretches where the other speaker of a nearby change is also heard (speaker as str label).

    A window within ``near_s`` of a change from speaker A to B (inside one speech
    region) whose similarity to the other one of the pair is within ``margin``
    of its own speaker's gives its central ``hop`` to the other speaker too.
    """
    s = np.asarray(scores, dtype=np.float64)
    lab = np.asarray(labels, dtype=np.int64)
    pieces: list[Turn] = []
    for idx in _by_region(windows):
        centres = [windows[i].segment.middle for i in idx]
        changes = [
            ((centres[j] + centres[j + 1]) / 2, int(lab[a]), int(lab[b]))
            for j, (a, b) in enumerate(itertools.pairwise(idx))
            if lab[a] != lab[b]
        ]
        if not changes:
            continue
        half = _half_hop(windows, idx)
        for j, i in enumerate(idx):
            own = int(lab[i])
            for t, a, b in changes:
                if abs(centres[j] - t) > near_s or own not in (a, b):
                    continue
                other = b if own == a else a
                if s[i, own] - s[i, other] < margin:
                    w = windows[i].segment
                    piece = Segment(max(w.start, centres[j] - half), min(w.end, centres[j] + half))
                    pieces.append(Turn(str(other), piece, True))
                    break
    return _merge_pieces(pieces)


def with_overlaps(turns: Sequence[Turn], extra: Sequence[Turn]) -> tuple[Turn, ...]:
    """``turns`` plus ``extra``, the turns cut where an overlap piece starts or ends.

    Only the stretch that another speaker shares is flagged ``overlap``: a long
    turn with a short interjection keeps its unflagged parts (voice profiles are
    learnt from unflagged turns).
    """
    extra = [p for e in extra for p in _minus_own_turns(e, turns)]
    cuts = sorted({x for t in extra for x in (t.segment.start, t.segment.end)})
    pieces: list[Turn] = []
    for t in turns:
        inner = [c for c in cuts if t.segment.start < c < t.segment.end]
        bounds = [t.segment.start, *inner, t.segment.end]
        pieces += [Turn(t.speaker, Segment(a, b), t.overlap) for a, b in itertools.pairwise(bounds)]
    merged = mark_overlaps([*pieces, *extra])
    return tuple(_join_same_flag(merged))


def _minus_own_turns(piece: Turn, turns: Sequence[Turn]) -> list[Turn]:
    """The parts of ``piece`` that its own speaker's turns do not already cover."""
    parts = [piece.segment]
    for t in turns:
        if t.speaker != piece.speaker or t.segment.overlap(piece.segment) <= 0:
            continue
        nxt: list[Segment] = []
        for p in parts:
            if p.start < t.segment.start:
                nxt.append(Segment(p.start, min(p.end, t.segment.start)))
            if p.end > t.segment.end:
                nxt.append(Segment(max(p.start, t.segment.end), p.end))
        parts = nxt
    return [Turn(piece.speaker, p, True) for p in parts if p.duration > 1e-3]


def _viterbi(s: Floats, penalty: float) -> Labels:
    n, k = s.shape
    total = s[0].copy()
    back = np.zeros((n, k), dtype=np.int64)
    stay = np.arange(k)
    for i in range(1, n):
        best = int(np.argmax(total))
        switch = total[best] - penalty
        keep = total >= switch
        back[i] = np.where(keep, stay, best)
        total = np.where(keep, total, switch) + s[i]
    path = np.zeros(n, dtype=np.int64)
    path[-1] = int(np.argmax(total))
    for i in range(n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


def _by_region(windows: Sequence[Window]) -> list[list[int]]:
    groups: dict[int, list[int]] = {}
    for i, w in enumerate(windows):
        groups.setdefault(w.region, []).append(i)
    return list(groups.values())


def _half_hop(windows: Sequence[Window], idx: Sequence[int]) -> float:
    if len(idx) < 2:
        return windows[idx[0]].segment.duration / 2
    return (windows[idx[1]].segment.start - windows[idx[0]].segment.start) / 2


def _merge_pieces(pieces: list[Turn]) -> list[Turn]:
    out: list[Turn] = []
    for t in sorted(pieces, key=lambda p: (p.speaker, p.segment.start)):
        last = out[-1] if out else None
        if last and last.speaker == t.speaker and t.segment.start <= last.segment.end + 1e-6:
            end = max(last.segment.end, t.segment.end)
            out[-1] = Turn(t.speaker, Segment(last.segment.start, end), True)
        else:
            out.append(t)
    return out


def _join_same_flag(turns: Sequence[Turn]) -> list[Turn]:
    """Touching pieces of one speaker with the same flag become one turn again."""
    out: list[Turn] = []
    for t in sorted(turns, key=lambda p: (p.speaker, p.segment.start)):
        last = out[-1] if out else None
        if (
            last
            and last.speaker == t.speaker
            and last.overlap == t.overlap
            and abs(t.segment.start - last.segment.end) < 1e-9
        ):
            out[-1] = Turn(t.speaker, Segment(last.segment.start, t.segment.end), t.overlap)
        else:
            out.append(t)
    return sorted(out, key=lambda p: (p.segment.start, p.segment.end))
