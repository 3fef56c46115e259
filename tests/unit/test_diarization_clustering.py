"""The embedded backend's pure steps on synthetic embeddings: windows, clustering, turns."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from pydantic import ValidationError

from plenaria.diarization.base import DiarizationOptions, normalize_regions
from plenaria.diarization.clustering import (
    Window,
    cluster_embeddings,
    plan_windows,
    windows_to_turns,
)
from plenaria.domain import Segment, Turn


def blobs(sizes: list[int], dim: int = 64, spread: float = 0.3, seed: int = 0) -> np.ndarray:
    """Rows around len(sizes) random unit directions (about 1 apart in cosine distance)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(sizes), dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    noise = spread / np.sqrt(dim)
    return np.concatenate(
        [c + noise * rng.normal(size=(n, dim)) for c, n in zip(centres, sizes, strict=True)]
    )


def truth(sizes: list[int]) -> np.ndarray:
    return np.repeat(np.arange(len(sizes)), sizes)


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def test_clear_clusters_are_found_with_their_count() -> None:
    sizes = [30, 20, 25]
    x = blobs(sizes)
    labels = cluster_embeddings(x, threshold=0.5)
    assert len(set(labels.tolist())) == 3
    assert same_partition(labels, truth(sizes))


def test_labels_are_numbered_by_first_appearance() -> None:
    x = blobs([10, 10, 10])
    order = np.r_[20:30, 0:10, 10:20]  # blob 2 first, then 0, then 1
    labels = cluster_embeddings(x[order], threshold=0.5)
    assert labels[:10].tolist() == [0] * 10
    assert labels[10:20].tolist() == [1] * 10
    assert labels[20:].tolist() == [2] * 10


def test_speaker_count_hints_override_the_threshold() -> None:
    x = blobs([20, 20])
    assert len(set(cluster_embeddings(x, 0.5).tolist())) == 2
    assert set(cluster_embeddings(x, 0.5, max_clusters=1).tolist()) == {0}
    assert len(set(cluster_embeddings(x, 0.5, min_clusters=3).tolist())) == 3
    # A threshold that would merge everything still gives the minimum asked for.
    assert len(set(cluster_embeddings(x, 1.99, min_clusters=2).tolist())) == 2
    assert same_partition(cluster_embeddings(x, 1.99, min_clusters=2), truth([20, 20]))


def test_a_stray_window_is_folded_into_the_nearest_speaker() -> None:
    x = blobs([20, 20, 1], seed=3)
    assert len(set(cluster_embeddings(x, 0.5).tolist())) == 3
    labels = cluster_embeddings(x, 0.5, min_cluster_size=3)
    assert len(set(labels.tolist())) == 2
    assert same_partition(labels[:40], truth([20, 20]))
    # ...unless the minimum count of speakers needs it.
    assert len(set(cluster_embeddings(x, 0.5, min_clusters=3, min_cluster_size=3).tolist())) == 3


def test_large_input_clusters_a_subset_in_bounded_memory() -> None:
    sizes = [8000, 6000, 6000]
    x = blobs(sizes, dim=32).astype(np.float32)
    tracemalloc.start()
    labels = cluster_embeddings(x, 0.5, max_points=500)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # Full linkage would need 20000² / 2 distances (1.6 GB); the subset needs ~1 MB.
    assert peak < 60e6, f"peak {peak / 1e6:.0f} MB"
    assert len(labels) == 20000
    assert same_partition(labels, truth(sizes))


def test_degenerate_inputs() -> None:
    assert cluster_embeddings(np.zeros((0, 8)), 0.3).tolist() == []
    assert cluster_embeddings(np.ones((1, 8)), 0.3).tolist() == [0]
    # All-zero rows (silence through a ReLU) give no NaN, just one cluster.
    assert set(cluster_embeddings(np.zeros((5, 8)), 0.3).tolist()) == {0}
    with pytest.raises(ValueError, match="2-D"):
        cluster_embeddings(np.ones(8), 0.3)


def test_windows_cover_each_region_and_end_flush_with_it() -> None:
    regions = [Segment(0.0, 4.0), Segment(5.0, 6.0), Segment(7.0, 7.2), Segment(10.0, 11.6)]
    windows = plan_windows(regions, window_s=1.6, hop_s=0.8, min_embed_s=0.4)
    first = [w.segment for w in windows if w.region == 0]
    assert [round(s.start, 3) for s in first] == [0.0, 0.8, 1.6, 2.4]
    assert first[-1].end == pytest.approx(4.0)
    assert all(s.duration == pytest.approx(1.6) for s in first)
    assert [w.segment for w in windows if w.region == 1] == [Segment(5.0, 6.0)]
    assert [w for w in windows if w.region == 2] == []  # shorter than min_embed_s
    assert [w.segment for w in windows if w.region == 3] == [Segment(10.0, 11.6)]
    # When every region is tiny, each still gets a window.
    tiny = plan_windows([Segment(0, 0.2), Segment(1, 1.1)], 1.6, 0.8, min_embed_s=0.4)
    assert [w.region for w in tiny] == [0, 1]


def test_a_change_of_label_cuts_at_the_middle_of_the_overlap() -> None:
    regions = [Segment(0.0, 5.6)]
    windows = plan_windows(regions, 1.6, 0.8)  # starts 0, 0.8, ... 4.0
    labels = [7, 7, 7, 3, 3, 3]
    turns = windows_to_turns(regions, windows, labels)
    # Windows 2 [1.6, 3.2] and 3 [2.4, 4.0] differ: the cut is at 2.8.
    assert [(t.speaker, t.segment.start, t.segment.end) for t in turns] == [
        ("SPEAKER_00", 0.0, pytest.approx(2.8)),
        ("SPEAKER_01", pytest.approx(2.8), 5.6),
    ]


def test_short_turns_join_a_neighbour_and_tiny_regions_the_nearest_window() -> None:
    regions = [Segment(0.0, 8.0), Segment(8.5, 8.7), Segment(20.0, 21.0)]
    windows = plan_windows(regions, 1.6, 0.8, min_embed_s=0.4)
    n0 = sum(w.region == 0 for w in windows)
    labels = [0] * n0 + [1]
    labels[4] = 1  # one flickering window inside speaker 0's region
    turns = windows_to_turns(regions, windows, labels, min_turn_s=1.0)
    assert turns == (
        Turn("SPEAKER_00", Segment(0.0, 8.0)),
        Turn("SPEAKER_00", Segment(8.5, 8.7)),  # nearest window is region 0's last
        Turn("SPEAKER_01", Segment(20.0, 21.0)),
    )
    # Without the minimum, the flicker stays a turn of its own.
    assert len(windows_to_turns(regions, windows, labels, min_turn_s=0.0)) == 5


def test_windows_to_turns_checks_its_input_and_handles_nothing() -> None:
    assert windows_to_turns([], [], []) == ()
    with pytest.raises(ValueError, match="labels"):
        windows_to_turns([Segment(0, 1)], [Window(0, Segment(0, 1))], [0, 1])


def test_regions_are_sorted_merged_and_clipped_without_touching_the_input() -> None:
    speech = [Segment(5, 7), Segment(-1, 1), Segment(0.5, 2), Segment(9, 12), Segment(13, 14)]
    before = list(speech)
    assert normalize_regions(speech, duration_s=10.0) == [
        Segment(0, 2),
        Segment(5, 7),
        Segment(9, 10),
    ]
    assert speech == before


def test_options_are_validated() -> None:
    with pytest.raises(ValidationError, match="max_speakers"):
        DiarizationOptions(min_speakers=3, max_speakers=2)
    with pytest.raises(ValidationError, match="hop_s"):
        DiarizationOptions(window_s=1.0, hop_s=1.5)
    with pytest.raises(ValidationError, match="extra"):
        DiarizationOptions(num_speakers=2)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="merge_similarity"):
        DiarizationOptions(merge_similarity=1.5)
    with pytest.raises(ValidationError, match="overlap_margin"):
        DiarizationOptions(overlap_margin=-0.1)
    with pytest.raises(ValidationError, match="min_speaker_s"):
        DiarizationOptions(min_speaker_s=-1.0)
    opts = DiarizationOptions()
    with pytest.raises(ValidationError):
        opts.window_s = 2.0  # type: ignore[misc]
