"""From window embeddings to turns, on synthetic vectors: smoothing, merging, overlap."""

from __future__ import annotations

import numpy as np
import pytest

from plenaria.diarization.base import DiarizationOptions
from plenaria.diarization.clustering import plan_windows
from plenaria.diarization.refine import (
    centroids,
    merge_close_clusters,
    overlap_pieces,
    smooth_labels,
    turns_from_embeddings,
    with_overlaps,
)
from plenaria.domain import Segment, Turn


def directions(k: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    d = rng.normal(size=(k, dim))
    return d / np.linalg.norm(d, axis=1, keepdims=True)


def noisy(rows: np.ndarray, spread: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rows + spread / np.sqrt(rows.shape[1]) * rng.normal(size=rows.shape)


def test_smoothing_removes_a_flicker_and_keeps_a_real_change() -> None:
    regions = [Segment(0.0, 12.0)]
    windows = plan_windows(regions, 1.6, 0.4)
    n = len(windows)
    scores = np.zeros((n, 2))
    scores[:, 0] = 0.8
    scores[n // 2 :, 1] = 0.9  # speaker 1 from the middle on
    scores[n // 2 :, 0] = 0.6
    scores[5, 1] = 0.85  # one window slightly closer to speaker 1
    plain = scores.argmax(axis=1)
    assert plain[5] == 1
    smooth = smooth_labels(windows, scores, change_penalty=0.2)
    assert smooth[5] == 0
    assert smooth[: n // 2].tolist() == [0] * (n // 2)
    assert smooth[n // 2 :].tolist() == [1] * (n - n // 2)
    # No penalty: every window goes to its nearest centroid.
    assert smooth_labels(windows, scores, 0.0).tolist() == plain.tolist()
    with pytest.raises(ValueError, match="rows"):
        smooth_labels(windows, scores[:-1], 0.2)


def test_each_region_starts_anew() -> None:
    regions = [Segment(0.0, 3.0), Segment(4.0, 7.0)]
    windows = plan_windows(regions, 1.6, 0.4)
    first = sum(w.region == 0 for w in windows)
    scores = np.full((len(windows), 2), 0.5)
    scores[first:, 1] = 0.6  # the second region is a little closer to speaker 1
    labels = smooth_labels(windows, scores, change_penalty=1.0)
    assert set(labels[:first].tolist()) == {0}
    assert set(labels[first:].tolist()) == {1}  # no penalty to pay across silence


def test_clusters_of_one_voice_are_merged_but_not_two_voices() -> None:
    c = directions(2)
    # Voice 0 split in two clusters whose centroids are 0.95 alike; voice 1 apart.
    twin = 0.95 * c[0] + np.sqrt(1 - 0.95**2) * directions(1, seed=5)[0]
    x = np.concatenate([noisy(np.repeat(c[:1], 20, 0), 0.3), noisy(np.repeat([twin], 20, 0), 0.3)])
    x = np.concatenate([x, noisy(np.repeat(c[1:], 20, 0), 0.3, seed=2)])
    labels = np.repeat([0, 1, 2], 20)
    merged = merge_close_clusters(x, labels, min_similarity=0.9)
    assert merged.tolist() == [0] * 40 + [1] * 20
    assert merge_close_clusters(x, labels, min_similarity=1.0).tolist() == labels.tolist()
    # A minimum number of speakers stops the merging.
    assert len(set(merge_close_clusters(x, labels, 0.0, min_clusters=2).tolist())) == 2


def test_centroids_are_unit_means_per_label() -> None:
    x = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    c = centroids(x, np.array([0, 0, 2]))
    assert c.tolist() == [[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]]


def test_an_ambiguous_window_at_a_change_is_given_to_both_speakers() -> None:
    regions = [Segment(0.0, 8.0)]
    windows = plan_windows(regions, 1.6, 0.4)
    n = len(windows)
    labels = np.array([0] * (n // 2) + [1] * (n - n // 2))
    scores = np.where(labels[:, None] == np.arange(2), 0.9, 0.5)
    k = n // 2 - 1  # the last window of speaker 0, just before the change
    scores[k] = [0.80, 0.79]
    far = 1  # an ambiguous window far from any change is left alone
    scores[far] = [0.80, 0.79]
    pieces = overlap_pieces(windows, scores, labels, margin=0.02, near_s=0.5)
    middle = windows[k].segment.middle
    assert pieces == [Turn("1", Segment(middle - 0.2, middle + 0.2), True)]
    assert overlap_pieces(windows, scores, labels, margin=0.005, near_s=0.5) == []

    turns = [Turn("0", Segment(0.0, 4.0)), Turn("1", Segment(4.0, 8.0))]
    out = with_overlaps(turns, pieces)
    assert [
        (t.speaker, round(t.segment.start, 2), round(t.segment.end, 2), t.overlap) for t in out
    ] == [
        ("0", 0.0, round(middle - 0.2, 2), False),
        ("0", round(middle - 0.2, 2), round(middle + 0.2, 2), True),
        ("1", round(middle - 0.2, 2), round(middle + 0.2, 2), True),
        ("0", round(middle + 0.2, 2), 4.0, False),
        ("1", 4.0, 8.0, False),
    ]
    # A piece its own speaker already covers adds nothing.
    assert with_overlaps(turns, [Turn("1", Segment(5.0, 5.4), True)]) == tuple(turns)


def test_three_voices_over_two_regions_become_three_speakers() -> None:
    c = directions(3, seed=4)
    regions = [Segment(0.0, 20.0), Segment(21.0, 41.0)]
    windows = plan_windows(regions, 1.6, 0.4)
    truth = np.array(
        [0 if w.segment.middle < 10 else 1 if w.segment.middle < 21 else 2 for w in windows]
    )
    x = noisy(c[truth], 0.4)
    turns = turns_from_embeddings(regions, windows, x, DiarizationOptions())
    assert [t.speaker for t in turns if not t.overlap] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_02"]
    change = next(t for t in turns if t.speaker == "SPEAKER_01").segment.start
    assert abs(change - 10.0) <= 0.4  # within one hop of the true change
    assert turns_from_embeddings([], [], np.zeros((0, 32)), DiarizationOptions()) == ()
    # The roster's size caps the count.
    capped = turns_from_embeddings(regions, windows, x, DiarizationOptions(max_speakers=2))
    assert len({t.speaker for t in capped}) == 2
