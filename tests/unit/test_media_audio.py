"""Extracting the 16 kHz working audio and reading it back by pieces."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from media_samples import make_audio_file, make_tone_wav, make_video, write_wav

from plenaria.domain import Segment
from plenaria.errors import MediaError
from plenaria.media.audio import audio_duration, extract_audio, iter_audio_blocks, read_audio
from plenaria.media.probe import inspect_recording


@pytest.fixture(scope="module")
def ramp_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 s at 16 kHz whose sample i is (i % 1000) / 2000: every position is recognisable."""
    d = tmp_path_factory.mktemp("audio")
    return write_wav(d / "ramp.wav", (np.arange(48000) % 1000) / 2000.0)


def test_extract_from_video_gives_16k_mono_s16(tmp_path: Path) -> None:
    src = make_video(
        tmp_path / "Pleno de marzo ñ à.mp4", make_tone_wav(tmp_path / "t.wav", 2.0), 2.0
    )
    seen: list[tuple[str, float, float]] = []
    dest = extract_audio(src, tmp_path / "work dir" / "audio.wav", lambda *a: seen.append(a), 2.0)
    with wave.open(str(dest)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2)
    assert audio_duration(dest) == pytest.approx(2.0, abs=0.05)
    assert seen[0] == ("audio", 0.0, 2.0) and seen[-1] == ("audio", 2.0, 2.0)
    assert sorted(p.name for p in dest.parent.iterdir()) == ["audio.wav"]  # no temp left


def test_extract_downmixes_and_resamples_keeping_the_signal(tmp_path: Path) -> None:
    stereo = tmp_path / "stereo.mp3"
    mono = make_tone_wav(tmp_path / "tone.wav", 2.0, freq_hz=1000.0, rate=44100, amplitude=0.5)
    make_audio_file(stereo, mono, "libmp3lame", channels=2)
    assert [s.channels for s in inspect_recording(stereo).streams] == [2]
    wav = extract_audio(stereo, tmp_path / "a.wav")
    audio = read_audio(wav, Segment(0.5, 1.5))
    spectrum = np.abs(np.fft.rfft(audio))
    assert np.argmax(spectrum) * 16000 / len(audio) == pytest.approx(1000.0, abs=2.0)
    assert np.sqrt(np.mean(audio**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.1)


def test_extract_replaces_an_existing_file_atomically(tmp_path: Path) -> None:
    dest = tmp_path / "audio.wav"
    dest.write_bytes(b"stale")
    extract_audio(make_tone_wav(tmp_path / "t.wav", 1.0), dest)
    assert audio_duration(dest) == pytest.approx(1.0, abs=0.01)


def test_read_audio_segment_is_the_same_slice_as_the_whole(ramp_wav: Path) -> None:
    whole = read_audio(ramp_wav)
    assert whole.dtype == np.float32 and len(whole) == 48000
    assert float(np.max(np.abs(whole))) <= 1.0
    part = read_audio(ramp_wav, Segment(1.25, 2.0))
    np.testing.assert_array_equal(part, whole[20000:32000])
    assert part[0] == pytest.approx((20000 % 1000) / 2000.0, abs=1e-4)


def test_read_audio_clips_segments_past_the_end(ramp_wav: Path) -> None:
    assert len(read_audio(ramp_wav, Segment(2.5, 10.0))) == 8000
    assert len(read_audio(ramp_wav, Segment(5.0, 6.0))) == 0


def test_iter_audio_blocks_cover_the_file_in_order(ramp_wav: Path) -> None:
    blocks = list(iter_audio_blocks(ramp_wav, 0.7))
    assert [round(o, 4) for o, _ in blocks] == [0.0, 0.7, 1.4, 2.1, 2.8]
    assert [len(b) for _, b in blocks] == [11200, 11200, 11200, 11200, 3200]
    np.testing.assert_array_equal(np.concatenate([b for _, b in blocks]), read_audio(ramp_wav))


def test_read_audio_refuses_a_wav_that_is_not_the_working_format(tmp_path: Path) -> None:
    wav = make_tone_wav(tmp_path / "cd.wav", 0.5, rate=44100)
    with pytest.raises(MediaError, match="44100 Hz"):
        read_audio(wav)
