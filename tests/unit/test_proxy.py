"""The web proxy: H.264 + AAC MP4 with its index first; copied when already playable."""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import pytest
from media_samples import make_audio_file, make_tone_wav, make_video, top_level_boxes

from plenaria.media.ffmpeg import input_options
from plenaria.media.probe import inspect_recording
from plenaria.media.proxy import make_proxy


@pytest.fixture(scope="module")
def tone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tone_wav(tmp_path_factory.mktemp("proxy") / "tone.wav", 3.0, freq_hz=330.0)


def _codecs(mp4: Path) -> dict[str, tuple[str, int, int]]:
    with av.open(str(mp4), options=input_options()) as c:
        out = {}
        for s in c.streams:
            ctx = s.codec_context
            if s.type == "video":
                out["video"] = (ctx.name, ctx.width, ctx.height)
                assert ctx.pix_fmt == "yuv420p"
            elif s.type == "audio":
                out["audio"] = (ctx.name, ctx.channels, ctx.sample_rate)
        return out


def _video_packets_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with av.open(str(path), options=input_options()) as c:
        for packet in c.demux(c.streams.video[0]):
            if packet.size:
                digest.update(bytes(packet))
    return digest.hexdigest()


def _assert_web_ready(mp4: Path) -> None:
    boxes = top_level_boxes(mp4)
    assert boxes.index("moov") < boxes.index("mdat"), boxes  # plays before fully downloaded
    assert not any(p.name.endswith(".part") for p in mp4.parent.iterdir())


def test_h264_aac_input_is_copied_not_reencoded(tmp_path: Path, tone: Path) -> None:
    src = make_video(tmp_path / "Pleno de marzo ñ à.mp4", tone, 3.0)
    assert top_level_boxes(src)[-1] == "moov"  # camera-style input: index at the end
    seen: list[tuple[str, float, float]] = []
    proxy = make_proxy(
        src, tmp_path / "web" / "proxy.mp4", inspect_recording(src), lambda *a: seen.append(a)
    )
    _assert_web_ready(proxy)
    assert _codecs(proxy) == {"video": ("h264", 320, 240), "audio": ("aac", 1, 16000)}
    # A copy keeps every compressed video packet byte for byte; a re-encode would not.
    assert _video_packets_digest(proxy) == _video_packets_digest(src)
    assert seen[-1] == ("proxy", pytest.approx(3.0, abs=0.1), pytest.approx(3.0, abs=0.1))


def test_mpeg4_mp3_mov_is_transcoded_and_scaled_to_720(tmp_path: Path, tone: Path) -> None:
    # AVI is not an accepted container (media.sniff); the same codecs in a MOV.
    src = make_video(tmp_path / "sesión.mov", tone, 2.0, "mpeg4", "libmp3lame", size="1280x960")
    rec = inspect_recording(src)
    assert {s.codec for s in rec.streams} == {"mpeg4", "mp3"}
    proxy = make_proxy(src, tmp_path / "proxy.mp4", rec)
    _assert_web_ready(proxy)
    assert _codecs(proxy) == {"video": ("h264", 960, 720), "audio": ("aac", 1, 16000)}
    assert inspect_recording(proxy).duration_s == pytest.approx(rec.duration_s, abs=0.2)


def test_small_video_is_not_upscaled(tmp_path: Path, tone: Path) -> None:
    src = make_video(tmp_path / "small.mkv", tone, 1.0, "mpeg4", "libmp3lame", size="320x180")
    proxy = make_proxy(src, tmp_path / "proxy.mp4", inspect_recording(src))
    assert _codecs(proxy)["video"] == ("h264", 320, 180)


def test_audio_only_gives_an_aac_mp4(tmp_path: Path, tone: Path) -> None:
    src = make_audio_file(tmp_path / "pleno.mp3", tone, "libmp3lame")
    proxy = make_proxy(src, tmp_path / "proxy.mp4", inspect_recording(src))
    _assert_web_ready(proxy)
    assert _codecs(proxy) == {"audio": ("aac", 1, 16000)}
    with av.open(str(proxy)) as c:
        assert "mp4" in c.format.name.split(",")


def test_existing_proxy_is_replaced(tmp_path: Path, tone: Path) -> None:
    src = make_video(tmp_path / "v.mp4", tone, 1.0)
    dest = tmp_path / "proxy.mp4"
    dest.write_bytes(b"old")
    make_proxy(src, dest, inspect_recording(src))
    assert _codecs(dest)["video"][0] == "h264"


def test_h264_with_mp3_copies_the_video_and_transcodes_the_audio(
    tmp_path: Path, tone: Path
) -> None:
    src = make_video(tmp_path / "mixed.mkv", tone, 1.5, "libx264", "libmp3lame")
    proxy = make_proxy(src, tmp_path / "proxy.mp4", inspect_recording(src))
    assert _codecs(proxy) == {"video": ("h264", 320, 240), "audio": ("aac", 1, 16000)}
    assert _video_packets_digest(proxy) == _video_packets_digest(src)


@pytest.mark.parametrize("threads", [1, 2])
def test_a_transcode_keeps_to_the_threads_it_is_given(
    tmp_path: Path, tone: Path, threads: int
) -> None:
    # x264 writes its settings into the stream (an SEI message): "threads=N" is what it used.
    src = make_video(tmp_path / "in.mkv", tone, 2.0, vcodec="mpeg4", acodec="mp3")
    proxy = make_proxy(src, tmp_path / "proxy.mp4", inspect_recording(src), threads=threads)
    assert f" threads={threads} ".encode() in proxy.read_bytes()
