"""Probing, hashing and the ffmpeg runner, on real generated media."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from media_samples import make_speech_wav, make_tone_wav, make_video

from plenaria.errors import MediaError
from plenaria.media.ffmpeg import (
    FORMAT_WHITELIST,
    PROTOCOL_WHITELIST,
    ffmpeg_binary,
    guard_inputs,
    run_ffmpeg,
)
from plenaria.media.probe import inspect_recording, probe, sha256_file

ACCENTED = "Pleno de marzo ñ à.mp4"


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("probe")
    return make_video(d / ACCENTED, make_tone_wav(d / "tone.wav", 3.0), 3.0)


def test_ffmpeg_binary_is_an_executable_ffmpeg() -> None:
    exe = ffmpeg_binary()
    assert os.access(exe, os.X_OK)
    assert "ffmpeg" in Path(exe).name


def test_probe_reports_format_duration_and_streams(video: Path) -> None:
    fmt, duration, streams = probe(video)
    assert "mp4" in fmt.split(",")
    assert duration == pytest.approx(3.0, abs=0.1)
    kinds = {s.kind: s for s in streams}
    assert kinds["video"].codec == "h264"
    assert (kinds["video"].width, kinds["video"].height) == (320, 240)
    assert kinds["audio"].codec == "aac"
    assert kinds["audio"].channels == 1
    assert kinds["audio"].sample_rate == 16000


def test_probe_names_the_codec_not_the_decoder(tmp_path: Path) -> None:
    mp3 = tmp_path / "a.mp3"
    run_ffmpeg(["-i", str(make_tone_wav(tmp_path / "t.wav", 1.0)), str(mp3)], what="test")
    _, duration, streams = probe(mp3)
    assert [s.codec for s in streams] == ["mp3"]  # the decoder is called mp3float
    assert duration == pytest.approx(1.0, abs=0.1)


def test_inspect_recording_certifies_the_file(video: Path) -> None:
    seen: list[tuple[str, float, float]] = []
    rec = inspect_recording(video, lambda stage, done, total: seen.append((stage, done, total)))
    assert rec.file_name == ACCENTED  # the base name, accents and spaces intact
    assert rec.sha256 == hashlib.sha256(video.read_bytes()).hexdigest()
    assert rec.size_bytes == video.stat().st_size
    assert rec.duration_s == pytest.approx(3.0, abs=0.1)
    assert rec.has_audio and rec.has_video
    assert seen[-1] == ("hash", rec.size_bytes, rec.size_bytes)


def test_inspect_recording_of_plain_speech_wav(tmp_path: Path) -> None:
    wav = make_speech_wav(tmp_path / "discurso.wav", lead_s=0.5)
    rec = inspect_recording(wav)
    assert rec.format_name == "wav"
    assert not rec.has_video
    assert [s.kind for s in rec.streams] == ["audio"]
    assert rec.duration_s > 2.0


def test_sha256_in_small_blocks_reports_progress(tmp_path: Path) -> None:
    data = os.urandom(300_000)
    f = tmp_path / "blob.bin"
    f.write_bytes(data)
    seen: list[float] = []
    digest = sha256_file(f, lambda _s, done, _t: seen.append(done), block_bytes=65536)
    assert digest == hashlib.sha256(data).hexdigest()
    assert seen == sorted(seen)
    assert seen[0] == 0 and seen[-1] == len(data)
    assert len(seen) == 1 + -(-len(data) // 65536)


def test_guard_inputs_whitelists_every_file_input_but_not_lavfi() -> None:
    args = guard_inputs(["-y", "-f", "lavfi", "-i", "sine", "-ss", "1", "-i", "a.mp4", "out.wav"])
    assert args == [
        "-protocol_whitelist", PROTOCOL_WHITELIST, "-y", "-f", "lavfi", "-i", "sine",
        "-protocol_whitelist", PROTOCOL_WHITELIST, "-format_whitelist", FORMAT_WHITELIST,
        "-ss", "1", "-i", "a.mp4",
        "out.wav",
    ]  # fmt: skip
    for risky in ("hls", "concat", "lavfi", "image2", "dash"):
        assert risky not in FORMAT_WHITELIST.split(",")


def test_concat_script_renamed_mp4_is_refused(tmp_path: Path, video: Path) -> None:
    # Without the whitelist ffmpeg would follow this script and read another file.
    (tmp_path / "other.mp4").write_bytes(video.read_bytes())
    script = tmp_path / "pleno.mp4"
    script.write_text("ffconcat version 1.0\nfile other.mp4\n")
    # Its first bytes refuse it before ffmpeg or PyAV opens it (media.sniff).
    with pytest.raises(MediaError, match=r"pleno\.mp4 es una lista ffconcat"):
        probe(script)
    with pytest.raises(MediaError, match=r"pleno\.mp4 es una lista ffconcat"):
        run_ffmpeg(["-i", str(script), "-f", "null", "-"], what="reading it")


def test_run_ffmpeg_error_carries_stderr_tail(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as err:
        run_ffmpeg(["-i", str(tmp_path / "missing.wav"), "-f", "null", "-"], what="testing")
    msg = str(err.value)
    assert "testing" in msg and "No such file" in msg
    assert "\n" not in err.value.message


def test_run_ffmpeg_reports_progress_in_seconds(tmp_path: Path) -> None:
    seen: list[tuple[str, float, float]] = []
    run_ffmpeg(
        ["-f", "lavfi", "-i", "sine=d=20", "-f", "wav", str(tmp_path / "s.wav")],
        what="test",
        progress_total_s=20.0,
        progress=lambda *a: seen.append(a),
        stage="audio",
    )
    assert {s for s, _, _ in seen} == {"audio"}
    assert all(t == 20.0 for _, _, t in seen)
    assert seen[-1][1] == pytest.approx(20.0)
    assert [d for _, d, _ in seen] == sorted(d for _, d, _ in seen)
