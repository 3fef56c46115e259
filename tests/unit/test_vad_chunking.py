"""Speech detection (silero on onnxruntime, real model) and chunk planning."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
import pytest
from media_samples import make_silence_wav, make_speech_wav, make_tone_wav, write_wav

from plenaria.domain import Chunk, Segment
from plenaria.media.chunking import ChunkingOptions, plan_chunks, quietest_point
from plenaria.media.vad import (
    STREAM_MODEL,
    VadModel,
    VadOptions,
    detect_speech,
    find_vad_model_file,
    load_vad_model,
    speech_probabilities,
    speech_spans,
)

LEAD_S = 1.5


@pytest.fixture(scope="module")
def vad() -> VadModel:
    return load_vad_model()


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("vad")
    return make_speech_wav(d / "speech.wav", lead_s=LEAD_S, trail_s=1.5)


# --- speech detection -------------------------------------------------------------


def test_silence_and_a_tone_are_not_speech(tmp_path: Path, vad: VadModel) -> None:
    assert detect_speech(make_silence_wav(tmp_path / "s.wav", 4.0), vad) == ()
    assert detect_speech(make_tone_wav(tmp_path / "t.wav", 4.0), vad) == ()


def test_espeak_speech_is_found_where_it_is(speech_wav: Path, vad: VadModel) -> None:
    from plenaria.media.audio import audio_duration, read_audio

    duration = audio_duration(speech_wav)
    audio = read_audio(speech_wav)
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    voice = Segment(loud[0] / 16000, loud[-1] / 16000)  # where espeak's samples are
    assert voice.start == pytest.approx(LEAD_S, abs=0.05)

    seen: list[float] = []
    speech = detect_speech(speech_wav, vad, progress=lambda _s, done, _t: seen.append(done))
    assert speech, "espeak-ng speech must be detected"
    assert list(speech) == sorted(speech)
    assert all(a.end <= b.start for a, b in itertools.pairwise(speech))
    # Starts near the voice (the default pad is 0.2 s), ends near it, covers it.
    assert voice.start - 0.5 <= speech[0].start <= voice.start + 0.3
    assert voice.end - 0.3 <= speech[-1].end <= min(duration, voice.end + 0.6)
    covered = sum(s.overlap(voice) for s in speech)
    assert covered >= 0.8 * voice.duration
    assert seen[-1] == pytest.approx(duration)


def test_options_change_the_segments(speech_wav: Path, vad: VadModel) -> None:
    plain = detect_speech(speech_wav, vad, VadOptions(speech_pad_ms=0))
    padded = detect_speech(speech_wav, vad, VadOptions(speech_pad_ms=300))
    assert padded[0].start == pytest.approx(max(0.0, plain[0].start - 0.3), abs=1e-3)


def test_batched_and_streaming_exports_agree(speech_wav: Path, vad: VadModel) -> None:
    stream_file = find_vad_model_file().parent / STREAM_MODEL
    if not vad.sequence or not stream_file.is_file():
        pytest.skip("only one silero export installed")
    streaming = load_vad_model(stream_file)
    assert not streaming.sequence
    batched = speech_probabilities(speech_wav, vad)
    framewise = speech_probabilities(speech_wav, streaming)
    assert len(batched) == len(framewise) == -(-len_samples(speech_wav) // 512)
    np.testing.assert_allclose(batched, framewise, atol=1e-4)
    assert batched.max() > 0.9 and batched[:10].max() < 0.1


def len_samples(wav: Path) -> int:
    from plenaria.media.audio import audio_duration

    return round(audio_duration(wav) * 16000)


def test_speech_spans_hysteresis_and_padding() -> None:
    opts = VadOptions(min_speech_ms=100, min_silence_ms=100, speech_pad_ms=32)
    # frames of 512 samples: speech in frames 10-19, a 2-frame dip (kept), speech 22-29,
    # a long silence, speech 60-69, and a lone spike at frame 90 (too short).
    probs = np.zeros(100, dtype=np.float32)
    probs[10:20] = 0.9
    probs[20:22] = 0.2  # below threshold - 0.15 but shorter than min_silence
    probs[22:30] = 0.9
    probs[60:70] = 0.45  # between neg threshold and threshold: no start
    probs[63:66] = 0.8
    probs[90] = 0.9
    spans = speech_spans(probs, 100 * 512, opts)
    assert spans == [(10 * 512 - 512, 30 * 512 + 512), (63 * 512 - 512, 70 * 512 + 512)]


# --- chunk planning ---------------------------------------------------------------


def _check_cover(chunks: tuple[Chunk, ...], duration: float, max_s: float) -> None:
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert chunks[0].segment.start == 0.0
    assert chunks[-1].segment.end == duration
    for a, b in itertools.pairwise(chunks):
        assert a.segment.end == b.segment.start  # no gap, no overlap
    for c in chunks:
        assert 0 < c.segment.duration <= max_s + 1e-9


def test_short_recording_is_one_chunk() -> None:
    speech = (Segment(1, 50),)
    assert plan_chunks(speech, 60.0, ChunkingOptions()) == (Chunk(0, Segment(0.0, 60.0)),)
    assert plan_chunks((), 0.0, ChunkingOptions()) == ()


def test_cuts_go_in_the_middle_of_the_widest_late_silence() -> None:
    speech = [
        Segment(0.5, 3.0),
        Segment(3.2, 5.8),  # 0.8 s silence after: the widest in the 2nd half of (0, 10]
        Segment(6.6, 9.5),
        Segment(9.7, 14.0),  # 1 s silence after
        Segment(15.0, 19.0),
    ]
    chunks = plan_chunks(speech, 20.0, ChunkingOptions(chunk_max_s=10))
    assert [c.segment.end for c in chunks] == pytest.approx([6.2, 14.5, 20.0])


def test_narrow_silences_are_a_last_resort() -> None:
    # The only silences in reach are 0.1 s (below min_gap) and one of 0.4 s early on.
    speech = [Segment(0, 2.0), Segment(2.4, 8.0), Segment(8.1, 12.0)]
    chunks = plan_chunks(speech, 12.0, ChunkingOptions(chunk_max_s=10, min_gap_ms=300))
    assert chunks[0].segment.end == pytest.approx(2.2)
    chunks = plan_chunks(speech, 12.0, ChunkingOptions(chunk_max_s=10, min_gap_ms=500))
    assert chunks[0].segment.end == pytest.approx(8.05)  # late beats early when all are narrow


def test_speech_longer_than_a_chunk_is_cut_at_the_quiet_point() -> None:
    speech = [Segment(0.0, 25.0)]
    windows: list[Segment] = []

    def quiet(window: Segment) -> float:
        windows.append(window)
        return window.start + 1.0

    chunks = plan_chunks(speech, 25.0, ChunkingOptions(chunk_max_s=10), quiet=quiet)
    assert windows[0] == Segment(5.0, 10.0)
    assert [c.segment.end for c in chunks] == [6.0, 12.0, 18.0, 25.0]
    blind = plan_chunks(speech, 25.0, ChunkingOptions(chunk_max_s=10))
    assert [c.segment.end for c in blind] == [10.0, 20.0, 25.0]


def test_random_layouts_never_cut_inside_speech() -> None:
    rng = random.Random(20261124)
    for _ in range(300):
        max_s = rng.choice([8.0, 30.0, 240.0])
        t, speech = rng.uniform(0, 3), []
        duration = rng.uniform(max_s * 0.5, max_s * 8)
        while t < duration:
            seg_len = rng.uniform(0.2, max_s * 0.45)  # always some silence in half a chunk
            speech.append(Segment(t, min(duration, t + seg_len)))
            t += seg_len + rng.uniform(0.02, 3.0)
        chunks = plan_chunks(speech, duration, ChunkingOptions(chunk_max_s=max_s))
        _check_cover(chunks, duration, max_s)
        for cut in (c.segment.start for c in chunks[1:]):
            assert not any(s.start < cut < s.end for s in speech), (cut, speech)


def test_random_layouts_with_overlong_speech_still_cover() -> None:
    rng = random.Random(7)
    for _ in range(200):
        duration = rng.uniform(5, 120)
        speech = sorted(
            Segment(a, min(duration, a + rng.uniform(0.1, 40)))
            for a in (rng.uniform(0, duration) for _ in range(rng.randint(0, 8)))
        )
        chunks = plan_chunks(
            speech, duration, ChunkingOptions(chunk_max_s=10), quiet=lambda w: w.middle
        )
        _check_cover(chunks, duration, 10.0)


def test_quietest_point_finds_the_pause(tmp_path: Path) -> None:
    t = np.arange(16000 * 6) / 16000
    audio = 0.5 * np.sin(2 * np.pi * 300 * t)
    audio[int(4.2 * 16000) : int(4.3 * 16000)] *= 0.01  # a 100 ms near-silence at 4.2 s
    audio[int(1.0 * 16000) : int(1.1 * 16000)] = 0.0  # quieter, but outside the window
    wav = write_wav(tmp_path / "pause.wav", audio)
    assert quietest_point(wav, Segment(3.0, 6.0)) == pytest.approx(4.25, abs=1e-6)
    assert quietest_point(wav, Segment(0.0, 6.0)) == pytest.approx(1.05, abs=1e-6)
    assert quietest_point(wav, Segment(2.0, 2.05)) == pytest.approx(2.025)


def test_a_short_last_window_shares_the_speech_of_the_one_before() -> None:
    from plenaria.transcription.base import balance_tail, fill_windows, packed_length

    regions = [Segment(float(t), t + 4.0) for t in range(0, 70, 5)]  # 14 x 4 s, 1 s apart
    quiet = lambda lo, hi: hi  # noqa: E731 (no pause to find: cut at the end of the room)
    greedy = fill_windows(regions, 29.5, 0.6, 3.0, quiet)
    assert [round(packed_length(g, 0.6), 1) for g in greedy] == [27.0, 27.0, 8.6]
    balanced = balance_tail(greedy, 0.6, 3.0, quiet, 15.0)
    lengths = [packed_length(g, 0.6) for g in balanced]
    assert len(balanced) == 3 and balanced[0] == greedy[0] and min(lengths[1:]) >= 15.0
    assert [r for g in balanced for r in g] == [r for g in greedy for r in g]  # nothing lost
    assert balance_tail(greedy, 0.6, 3.0, quiet, 5.0) == greedy  # long enough: unchanged
    two = fill_windows(regions[:8], 29.5, 0.6, 3.0, quiet)  # 27.0 + 8.6 s: left as it is
    assert balance_tail(two, 0.6, 3.0, quiet, 15.0) == two
