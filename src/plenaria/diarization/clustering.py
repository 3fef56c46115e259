"""Clustering the windows' local speakers into the recording's speakers (pure NumPy/SciPy).

As in pyannote 3.x: agglomerative clustering with centroid linkage on the
unit-length embeddings of local speakers that spoke long enough on their own
(the automatic count: merge while centroids are nearer than a threshold),
clusters with too little speech folded into the nearest large one, the count
forced into ``[min_speakers, max_speakers]`` when given, then every local
speaker of every window assigned to a centroid, two local speakers of one
window never to the same one (they were heard as different people).

One step pyannote does not take: the recording's mean embedding can be
subtracted first (``mean``). What all voices of one recording share (room,
microphone, speech synthesizer) then no longer pulls them together: on the
tuning set, six espeak-ng voices of one plenary are as near each other (raw
centroid cosine up to 0.77) as the halves of one AMI speaker's speech, and no
single raw threshold served both. Centred, a recording of one voice is only
noise around zero, so clusters whose raw centroids are still nearer than the
raw ``threshold`` are joined afterwards.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Float32 = npt.NDArray[np.float32]
Int64 = npt.NDArray[np.int64]


def unit_rows(x: npt.ArrayLike) -> Float32:
    a = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(a, axis=-1, keepdims=True)
    return np.asarray(a / np.maximum(norms, 1e-12), dtype=np.float32)


@dataclass(frozen=True)
class Clusters:
    """The speakers found: unit centroids ``(K, D)`` in the space clustered and as given."""

    centroids: Float32  # in the space clustered (centred when a mean was given): for assignment
    raw: Float32  # of the embeddings as given: what a speaker's voice is (naming, profiles)

    def __len__(self) -> int:
        return len(self.centroids)


def centred(embeddings: npt.ArrayLike, mean: npt.ArrayLike | None) -> Float32:
    """Unit rows of ``embeddings`` (unit-normalised first) less ``mean`` (None: unchanged)."""
    x = unit_rows(embeddings)
    return x if mean is None else unit_rows(x - np.asarray(mean, dtype=np.float32))


def cluster_centroids(
    embeddings: npt.ArrayLike,
    seconds: npt.ArrayLike,
    *,
    threshold: float,
    min_cluster_s: float = 0.0,
    min_speakers: int | None = None,
    max_speakers: int | None = None,
    max_embeddings: int = 4000,
    mean: npt.ArrayLike | None = None,
    centred_threshold: float = 0.9,
) -> Clusters:
    """The speakers' centroids from local-speaker embeddings ``(N, D)``.

    ``seconds`` is how much clean speech each embedding stands for (the size of
    a cluster is their sum). Without ``mean``, groups merge while their
    centroids are nearer than ``threshold``. With ``mean`` (the recording's
    mean unit embedding), the embeddings less it are clustered at
    ``centred_threshold``, then speakers whose raw centroids are nearer than
    ``threshold`` are joined. Above ``max_embeddings`` an evenly spread subset
    is clustered, so memory stays bounded (``max_embeddings²/2`` distances).
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    raw = unit_rows(embeddings)
    w = np.asarray(seconds, dtype=np.float64)
    if raw.ndim != 2 or len(raw) != len(w):
        raise ValueError("embeddings (N, D) and seconds (N,) must have the same length")
    if len(raw) == 0:
        empty = np.zeros((0, raw.shape[1] if raw.ndim == 2 else 0), dtype=np.float32)
        return Clusters(empty, empty)
    if len(raw) > max_embeddings:
        keep = np.unique(np.linspace(0, len(raw) - 1, max_embeddings).round().astype(np.int64))
        raw, w = raw[keep], w[keep]
    x = centred(raw, mean)
    lo = min_speakers or 1
    hi = min(max_speakers or len(x), len(x))
    if len(x) == 1 or hi == 1:
        one = np.zeros(len(x), dtype=np.int64)
        return Clusters(_centroids(x, w, one, [0]), _centroids(raw, w, one, [0]))

    tree = linkage(x.astype(np.float64), method="centroid", metric="euclidean")
    cut = threshold if mean is None else centred_threshold
    labels = fcluster(tree, t=cut, criterion="distance").astype(np.int64) - 1
    sizes = np.bincount(labels, weights=w)
    large = [int(c) for c in np.flatnonzero(sizes >= min_cluster_s)]
    if not large:
        large = [int(np.argmax(sizes))]
    if len(large) < lo:
        # Too few: cut the tree lower, keeping the biggest clusters of that cut.
        labels = cut_merges(tree, lo)
        sizes = np.bincount(labels, weights=w)
        large = [int(c) for c in np.argsort(-sizes)[:lo]]
        log.info("speaker count raised to %s (min_speakers)", lo)
    labels = _fold(x, w, labels, large)
    while len(large) > hi:
        # Too many: the two speakers whose centroids are closest become one.
        cents = _centroids(x, w, labels, large)
        sim = cents @ cents.T
        np.fill_diagonal(sim, -np.inf)
        i, j = np.unravel_index(int(np.argmax(sim)), sim.shape)
        labels[labels == large[j]] = large[i]
        del large[j]
    if mean is not None:
        _join_near(raw, w, labels, large, threshold, lo)
    return Clusters(_centroids(x, w, labels, large), _centroids(raw, w, labels, large))


def _join_near(
    raw: Float32,
    w: npt.NDArray[np.float64],
    labels: Int64,
    large: list[int],
    threshold: float,
    at_least: int,
) -> None:
    """Join (in place) the two speakers whose raw centroids are nearest while nearer than
    ``threshold``, keeping at least ``at_least``."""
    most = 1.0 - threshold**2 / 2  # cosine of unit vectors ``threshold`` apart
    while len(large) > at_least:
        cents = _centroids(raw, w, labels, large)
        sim = cents @ cents.T
        np.fill_diagonal(sim, -np.inf)
        i, j = np.unravel_index(int(np.argmax(sim)), sim.shape)
        if sim[i, j] <= most:
            return
        labels[labels == large[j]] = large[i]
        del large[j]


def _fold(x: Float32, w: npt.NDArray[np.float64], labels: Int64, large: list[int]) -> Int64:
    """Members of clusters not in ``large`` join the nearest large cluster's centroid."""
    small = ~np.isin(labels, large)
    if not small.any():
        return labels
    centroids = _centroids(x, w, labels, large)
    folded = labels.copy()
    folded[small] = np.asarray(large)[np.argmax(x[small] @ centroids.T, axis=1)]
    return folded


def cut_merges(tree: npt.NDArray[np.float64], n_clusters: int) -> Int64:
    """Labels 0..n_clusters-1 after the first ``n - n_clusters`` merges of a linkage ``tree``.

    By merge order, not height: centroid-linkage heights are not monotonic, and
    SciPy's ``maxclust`` and ``cut_tree`` can then give fewer clusters than asked.
    """
    n = len(tree) + 1
    parent = list(range(2 * n - 1))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for step in range(max(0, n - n_clusters)):
        a, b = int(tree[step, 0]), int(tree[step, 1])
        parent[root(a)] = parent[root(b)] = n + step
    roots = [root(i) for i in range(n)]
    index = {r: k for k, r in enumerate(dict.fromkeys(roots))}
    return np.array([index[r] for r in roots], dtype=np.int64)


def _centroids(
    x: Float32, w: npt.NDArray[np.float64], labels: Int64, clusters: list[int]
) -> Float32:
    rows = []
    for c in clusters:
        members = labels == c
        weights = np.maximum(w[members], 1e-6)
        rows.append((x[members] * weights[:, None]).sum(axis=0) / weights.sum())
    return unit_rows(np.stack(rows))


def assign_local_speakers(
    embeddings: npt.ArrayLike, embedded: npt.ArrayLike, centroids: npt.ArrayLike
) -> Int64:
    """Each window's local speakers to centroids: ``(C, S, D)``, ``(C, S)`` -> ``(C, S)``.

    Within one window, local speakers go to distinct centroids (the assignment
    maximising their total cosine similarity); a window with more local speakers
    than centroids gives the extra ones their nearest centroid. Local speakers
    not ``embedded`` get -1.
    """
    from scipy.optimize import linear_sum_assignment

    emb = unit_rows(embeddings)
    mask = np.asarray(embedded, dtype=bool)
    cents = unit_rows(centroids)
    out = np.full(mask.shape, -1, dtype=np.int64)
    if len(cents) == 0 or not mask.any():
        return out
    sims = emb @ cents.T  # (C, S, K)
    for c in np.flatnonzero(mask.any(axis=1)):
        rows = np.flatnonzero(mask[c])
        sim = sims[c, rows]
        r, k = linear_sum_assignment(sim, maximize=True)
        out[c, rows[r]] = k
        for i in np.setdiff1d(np.arange(len(rows)), r):
            out[c, rows[i]] = int(np.argmax(sim[i]))
    return out
