"""Pure steps of the embedded diarizer: windows, powerset, clustering, reconstruction."""

from __future__ import annotations

import numpy as np
import pytest

from plenaria.diarization.base import DiarizationOptions, normalize_regions
from plenaria.diarization.clustering import assign_local_speakers, cluster_centroids
from plenaria.diarization.embedded import WindowResults, diarization_from_windows
from plenaria.diarization.reconstruct import aggregate, binary_to_turns, top_speakers
from plenaria.diarization.windows import (
    FRAME_STEP_S,
    FRAMES_PER_WINDOW,
    fbank_frame_mask,
    frame_offset,
    plan_windows,
    powerset_to_multilabel,
)
from plenaria.domain import Segment


def blobs(n_per: int, centres: np.ndarray, spread: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = [c + spread * rng.standard_normal((n_per, centres.shape[1])) for c in centres]
    x = np.concatenate(rows)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def orthogonal(k: int, dim: int = 16) -> np.ndarray:
    return np.eye(dim)[:k]


# --- powerset and windows ----------------------------------------------------------------


def test_powerset_classes_become_local_speakers_in_pyannote_order() -> None:
    log_probs = np.full((7, 7), -10.0)
    log_probs[np.arange(7), np.arange(7)] = 0.0  # frame i: class i
    got = powerset_to_multilabel(log_probs)
    assert got.tolist() == [
        [0, 0, 0],
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
        [1, 1, 0],
        [1, 0, 1],
        [0, 1, 1],
    ]
    batch = np.zeros((2, 5, 7))
    batch[..., 5] = 1.0  # {A, C} everywhere
    assert powerset_to_multilabel(batch).shape == (2, 5, 3)
    assert powerset_to_multilabel(batch)[1, 4].tolist() == [1, 0, 1]
    with pytest.raises(ValueError, match="7 powerset classes"):
        powerset_to_multilabel(np.zeros((3, 4)))


def test_windows_cover_the_speech_and_skip_long_silences() -> None:
    regions = normalize_regions([Segment(0.5, 3.0), Segment(60.0, 64.0)])
    starts = plan_windows(regions, 100.0, 2.5)
    assert starts[0] == 0.0
    assert all(s < 3.0 or s + 10 > 60.0 for s in starts)  # none sees only silence
    assert any(s <= 60.0 and s + 10 >= 64.0 for s in starts)
    assert plan_windows(regions, 100.0, 2.5) == sorted(starts)
    # Shorter than a window: one window at 0; the last window ends with the audio.
    assert plan_windows([Segment(0.0, 4.0)], 4.0, 2.5) == [0.0]
    tail = plan_windows([Segment(0.0, 23.0)], 23.0, 5.0)
    assert tail[-1] == pytest.approx(13.0)
    assert plan_windows([], 50.0, 2.5) == []


def test_filter_bank_frames_follow_the_active_segmentation_frames() -> None:
    active = np.zeros(FRAMES_PER_WINDOW, dtype=bool)
    active[100:200] = True  # 1.69 s to 3.38 s
    mask = fbank_frame_mask(active, 998)
    on = np.flatnonzero(mask)
    assert abs(on[0] * 0.01 - 100 * FRAME_STEP_S) < 0.03
    assert abs(on[-1] * 0.01 - 200 * FRAME_STEP_S) < 0.03
    assert mask.sum() == pytest.approx(100 * FRAME_STEP_S / 0.01, abs=3)


# --- clustering --------------------------------------------------------------------------


def test_three_voices_give_three_centroids() -> None:
    centres = orthogonal(3)
    x = blobs(40, centres, 0.15)
    got = cluster_centroids(x, np.ones(len(x)), threshold=0.8).centroids
    assert got.shape == (3, 16)
    assert sorted(np.argmax(got @ centres.T, axis=1).tolist()) == [0, 1, 2]
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_hints_force_the_count_both_ways() -> None:
    x = blobs(30, orthogonal(4), 0.15)
    w = np.ones(len(x))
    assert len(cluster_centroids(x, w, threshold=0.8, max_speakers=2)) == 2
    assert len(cluster_centroids(x, w, threshold=0.8, min_speakers=6)) == 6
    assert len(cluster_centroids(x, w, threshold=0.8, min_speakers=4, max_speakers=4)) == 4
    assert len(cluster_centroids(x, w, threshold=0.8, max_speakers=1)) == 1


def test_a_cluster_with_little_speech_joins_the_nearest_one() -> None:
    centres = orthogonal(3)
    x = blobs(30, centres, 0.1)
    seconds = np.ones(len(x))
    seconds[60:] = 0.01  # the third voice: 0.3 s in all
    got = cluster_centroids(x, seconds, threshold=0.8, min_cluster_s=2.0)
    assert len(got) == 2
    kept = cluster_centroids(x, seconds, threshold=0.8, min_cluster_s=2.0, min_speakers=3)
    assert len(kept) == 3


def test_voices_sharing_a_recording_are_told_apart_once_its_mean_is_removed() -> None:
    """Three voices that share a strong common part (one room, one synthesizer)."""
    common = np.eye(16)[0]
    centres = 0.9 * common + 0.35 * np.eye(16)[1:4]
    x = blobs(30, centres, 0.02)
    w = np.ones(len(x))
    assert len(cluster_centroids(x, w, threshold=0.9)) == 1  # raw: all within 0.9 (0.51)
    mean = x.mean(axis=0)
    got = cluster_centroids(x, w, threshold=0.3, mean=mean, centred_threshold=0.9)
    assert len(got) == 3
    # Centroids to assign with are centred; the raw ones are the voices as heard.
    assert np.all(got.raw @ common > 0.9) and np.all(got.centroids @ common < 0.5)
    assert sorted(np.argmax(got.raw[:, 1:4], axis=1).tolist()) == [0, 1, 2]
    # Hints still decide the count.
    hinted = cluster_centroids(x, w, threshold=0.3, mean=mean, max_speakers=2)
    assert len(hinted) == 2


def test_one_voice_stays_one_speaker_when_centred() -> None:
    """Less its own mean, one voice is noise; its raw centroids join it again."""
    x = blobs(60, (0.9 * np.eye(16)[0] + 0.35 * np.eye(16)[1])[None], 0.05)
    w = np.ones(len(x))
    mean = x.mean(axis=0)
    split = cluster_centroids(x, w, threshold=0.01, mean=mean, centred_threshold=0.9)
    assert len(split) > 1  # the centred space alone over-splits it
    assert len(cluster_centroids(x, w, threshold=0.6, mean=mean, centred_threshold=0.9)) == 1
    two = cluster_centroids(x, w, threshold=0.6, mean=mean, min_speakers=2)
    assert len(two) == 2


def test_more_embeddings_than_the_memory_bound_still_cluster() -> None:
    x = blobs(3000, orthogonal(3), 0.15)
    got = cluster_centroids(x, np.ones(len(x)), threshold=0.8, max_embeddings=500)
    assert len(got) == 3
    assert cluster_centroids(np.zeros((0, 8)), np.zeros(0), threshold=0.5).raw.shape == (0, 8)
    one = cluster_centroids(x[:1], np.ones(1), threshold=0.5)
    assert one.centroids.shape == one.raw.shape == (1, 16)


def test_local_speakers_of_one_window_go_to_distinct_speakers() -> None:
    cents = orthogonal(2)
    emb = np.zeros((2, 3, 16))
    # Window 0: two locals both nearer speaker 0, one clearly so.
    emb[0, 0] = [0.9, 0.1] + [0] * 14
    emb[0, 1] = [0.6, 0.4] + [0] * 14
    emb[1, 0] = [0.0, 1.0] + [0] * 14
    embedded = np.array([[True, True, False], [True, False, False]])
    got = assign_local_speakers(emb, embedded, cents)
    assert got[0].tolist() == [0, 1, -1]
    assert got[1].tolist() == [1, -1, -1]
    # Three locals, two speakers: the best pairing first, the extra one its nearest.
    emb[0, 2] = [0.2, 0.8] + [0] * 14
    embedded[0, 2] = True
    assert assign_local_speakers(emb, embedded, cents)[0].tolist() == [0, 0, 1]
    assert (assign_local_speakers(emb, embedded, np.zeros((0, 16))) == -1).all()


# --- reconstruction ----------------------------------------------------------------------


def test_overlapping_windows_sum_and_count_speakers() -> None:
    f = FRAMES_PER_WINDOW
    activity = np.zeros((2, f, 3), dtype=np.uint8)
    activity[0, :, 0] = 1  # window 0: local A everywhere
    activity[0, 400:, 1] = 1  # and local B at its end (overlap)
    activity[1, :, 0] = 1  # window 1 (5 s later): its local A everywhere
    assignment = np.array([[0, 1, -1], [1, -1, -1]])  # window 1's A is speaker 1
    n = frame_offset(15.0) + 1
    score, count = aggregate([0.0, 5.0], activity, assignment, 2, n)
    o = frame_offset(5.0)
    assert score.shape == (n, 2)
    assert score[10, 0] == 1 and score[10, 1] == 0
    assert score[450, 1] == 2  # seen by window 0 (local B) and window 1 (local A)
    assert count[10] == 1 and count[450] == 2  # (2 + 1) / 2 rounds to 2
    assert count[o + 300] == 1  # past window 0: window 1 alone
    active = top_speakers(score, count)
    assert active[10].tolist() == [True, False]
    assert active[450].tolist() == [True, True]
    assert active[o + 300].tolist() == [False, True]
    biased = aggregate([0.0, 5.0], activity, assignment, 2, n, count_bias=-0.5)[1]
    assert biased[450] == 1


def test_top_speakers_never_picks_a_silent_speaker() -> None:
    score = np.array([[0.0, 0.0], [3.0, 0.0], [1.0, 2.0]], dtype=np.float32)
    count = np.array([1, 2, 1])
    assert top_speakers(score, count).tolist() == [[False, False], [True, False], [False, True]]


def test_runs_of_frames_become_turns_and_short_pauses_are_filled() -> None:
    active = np.zeros((200, 2), dtype=bool)
    active[10:50, 0] = True
    active[55:90, 0] = True  # 5 frames (84 ms) of pause
    active[100:150, 1] = True
    turns = binary_to_turns(active, ["a", "b"])
    assert [t.speaker for t in turns] == ["a", "a", "b"]
    assert turns[0].segment.duration == pytest.approx(40 * FRAME_STEP_S)
    filled = binary_to_turns(active, ["a", "b"], min_duration_off_s=0.2)
    assert [t.speaker for t in filled] == ["a", "b"]


def test_windows_to_a_labelled_diarization_with_centroids() -> None:
    """Two voices alternating every 10 s over 40 s, made-up activity and embeddings."""
    rng = np.random.default_rng(1)
    starts = [float(s) for s in np.arange(0.0, 30.01, 2.5)]
    voice = lambda t: 0 if (t // 10) % 2 == 0 else 1  # noqa: E731
    c = len(starts)
    activity = np.zeros((c, FRAMES_PER_WINDOW, 3), dtype=np.uint8)
    emb = np.zeros((c, 3, 16), dtype=np.float32)
    embedded = np.zeros((c, 3), dtype=bool)
    clean = np.zeros((c, 3), dtype=np.float32)
    for i, s in enumerate(starts):
        times = s + np.arange(FRAMES_PER_WINDOW) * FRAME_STEP_S
        who = np.array([voice(t) for t in times])
        for local, v in enumerate(dict.fromkeys(who.tolist())):
            activity[i, who == v, local] = 1
            emb[i, local] = np.eye(16)[v] + 0.05 * rng.standard_normal(16)
            embedded[i, local] = True
            clean[i, local] = (who == v).sum() * FRAME_STEP_S
    found = WindowResults(starts, activity, emb, embedded, clean)
    options = DiarizationOptions(cluster_threshold=0.8, min_clean_s=1.0, min_cluster_s=0.5)
    result = diarization_from_windows(found, [Segment(0.0, 40.0)], 40.0, options, "test:1")
    assert result.model_id == "test:1"
    assert result.speakers == ("SPEAKER_00", "SPEAKER_01")
    first = [t for t in result.turns if t.segment.start < 9.0]
    assert {t.speaker for t in first} == {"SPEAKER_00"}
    at_15 = [t for t in result.turns if t.segment.start <= 15.0 <= t.segment.end]
    assert [t.speaker for t in at_15] == ["SPEAKER_01"]
    assert np.argmax(result.centroid("SPEAKER_01")) == 1
    assert len(result.centroid("SPEAKER_00") or ()) == 16
    # Cropped to the speech regions given, when asked; by default only to the recording.
    crop = options.model_copy(update={"crop_to_speech": True})
    cropped = diarization_from_windows(found, [Segment(0.0, 5.0)], 40.0, crop, "test:1")
    assert max(t.segment.end for t in cropped.turns) <= 5.0
    loose = diarization_from_windows(found, [Segment(0.0, 5.0)], 40.0, options, "test:1")
    assert 30.0 < max(t.segment.end for t in loose.turns) <= 40.0
