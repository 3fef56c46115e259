"""The public video: a redacted interval is silent and black, both sides still sound and show.

A 10-second test video (ffmpeg's testsrc pictures and a sine tone) is redacted
from 3 to 6 s; ffmpeg's volumedetect measures the sound inside and outside, and
PyAV reads the pictures' brightness.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import av
import pytest

from plenaria.domain import Segment
from plenaria.media.ffmpeg import ffmpeg_binary, input_options, run_ffmpeg
from plenaria.media.redact import make_public_video

SECONDS = 10


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("redact") / "proxy.mp4"
    run_ffmpeg(
        [
            "-y",
            "-f", "lavfi", "-i", f"testsrc=s=320x240:r=10:d={SECONDS}",
            "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={SECONDS}",
            "-map", "0:v", "-map", "1:a",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-movflags", "+faststart",
            str(path),
        ],
        what="making a test video",
    )  # fmt: skip
    return path


def max_volume_db(path: Path, start: float, end: float) -> float:
    """ffmpeg volumedetect's max_volume (dB) of the audio between ``start`` and ``end``."""
    cmd = [ffmpeg_binary(), "-hide_banner", "-nostdin", "-ss", str(start), "-to", str(end)]
    cmd += ["-i", str(path), "-vn", "-af", "volumedetect", "-f", "null", "-"]
    err = subprocess.run(cmd, capture_output=True, text=True, check=True).stderr
    found = re.search(r"max_volume: (-?[\d.]+|-inf) dB", err)
    assert found, err
    return float(found.group(1))


def brightness(path: Path) -> dict[float, float]:
    """The mean luma (0-255) of each picture, by its time."""
    out = {}
    with av.open(str(path), options=input_options()) as container:
        for frame in container.decode(video=0):
            luma = frame.to_ndarray(format="gray")
            out[round(float(frame.time or 0.0), 2)] = float(luma.mean())
    return out


def test_the_redacted_interval_is_silent_and_black_and_the_sides_are_not(
    proxy: Path, tmp_path: Path
) -> None:
    public = make_public_video(proxy, tmp_path / "public.mp4", [Segment(3.0, 6.0)], True)

    assert max_volume_db(public, 3.2, 5.8) < -60.0
    assert max_volume_db(public, 0.3, 2.8) > -20.0
    assert max_volume_db(public, 6.2, 9.5) > -20.0
    assert max_volume_db(proxy, 3.2, 5.8) > -20.0  # the master keeps the sound

    luma = brightness(public)
    inside = [v for t, v in luma.items() if 3.0 <= t < 6.0]
    outside = [v for t, v in luma.items() if t < 2.9 or t >= 6.1]
    assert inside and max(inside) < 20.0
    assert outside and min(outside) > 60.0
    assert max(luma) > 9.5  # it still plays to the end


def test_without_redactions_the_public_video_is_the_proxy(proxy: Path, tmp_path: Path) -> None:
    public = make_public_video(proxy, tmp_path / "public.mp4", [], True)
    assert public.read_bytes() == proxy.read_bytes()
