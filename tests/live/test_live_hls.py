"""An HLS playlist served over HTTP while ffmpeg writes it: recorded once, and its end
(``#EXT-X-ENDLIST``) ends the session (reading it again would record its segments twice)."""

from __future__ import annotations

import functools
import http.server
import json
import subprocess
import threading
from pathlib import Path

import pytest
from live_helpers import encode_clip, free_port, parse_line, remux_ts, start_live

from plenaria.cli.samples import make_sample
from plenaria.media.ffmpeg import ffmpeg_binary

pytestmark = pytest.mark.integration


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_an_hls_stream_is_recorded_once_and_its_end_ends_the_session(tmp_path: Path) -> None:
    sample = make_sample(tmp_path / "sample")
    clip = remux_ts(encode_clip(sample, tmp_path / "clip.mp4", 0, 30), tmp_path / "clip.ts")
    folder = tmp_path / "hls"
    folder.mkdir()
    port = free_port()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(_Quiet, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    out = tmp_path / "out"
    url = f"http://127.0.0.1:{port}/live.m3u8"
    run = start_live(url, out, tmp_path, "-l", "es", "--name", "hls", "--no-proxy")
    writer = None
    try:
        # The playlist appears once the recorder is trying (it retries until it does).
        run.wait_stderr("salen por stdout", timeout=180)
        writer = subprocess.Popen(
            [
                ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
                "-i", str(clip), "-c", "copy", "-f", "hls", "-hls_time", "2",
                "-hls_list_size", "6", str(folder / "live.m3u8"),
            ]
        )  # fmt: skip
        writer.wait(timeout=90)
        code = run.wait(timeout=120)
    finally:
        server.shutdown()
        run.kill()
        if writer is not None and writer.poll() is None:
            writer.kill()
    assert code == 0, run.stderr
    cert = json.loads((out / "hls.live.json").read_text(encoding="utf-8"))
    assert cert["connections"] == 1 and cert["gaps"] == []
    assert 20 <= cert["duration_s"] <= 32, cert  # never more than the 30 s that were sent
    starts = [parse_line(line)[0] for _, line in run.lines]
    assert starts == sorted(starts) and starts[-1] < 32
