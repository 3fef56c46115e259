"""An encoder pushes by RTMP to ``plenaria live --listen ... --key SECRET``: a wrong key is
refused and nothing is recorded; the right key is recorded and transcribed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from live_helpers import encode_clip, free_port, parse_line, push, start_live

from plenaria.cli.samples import make_sample

pytestmark = pytest.mark.integration


def test_a_push_with_a_wrong_key_is_refused_and_the_right_one_recorded(tmp_path: Path) -> None:
    sample = make_sample(tmp_path / "sample")
    clip = encode_clip(sample, tmp_path / "clip.mp4", 0, 20)
    port = free_port()
    out = tmp_path / "out"
    address = f"rtmp://127.0.0.1:{port}/live"
    run = start_live(
        address, out, tmp_path, "--listen", "--key", "s3cret-Key", "-l", "es",
        "--name", "push", "--end-timeout-s", "5", "--no-proxy",
    )  # fmt: skip
    try:
        run.wait_stderr("transcript lines follow", timeout=120)
        wrong = push(clip, f"{address}/WRONG", timeout=60)
        assert wrong.returncode != 0
        run.wait_stderr("Refused an RTMP push: 127.0.0.1: publish with a wrong stream key", 30)
        assert (out / "push.ts").stat().st_size == 0  # nothing of it was recorded
        prefix = push(clip, f"{address}/s3cret", timeout=60)  # a prefix of the key is no key
        assert prefix.returncode != 0
        assert (out / "push.ts").stat().st_size == 0
        right = push(clip, f"{address}/s3cret-Key", timeout=60)
        assert right.returncode == 0, right.stderr
        code = run.wait(timeout=180)
    finally:
        run.kill()
    assert code == 0, run.stderr
    assert run.stderr.count("Refused an RTMP push") == 2, run.stderr
    assert run.lines and all(parse_line(line)[2] for _, line in run.lines)
    cert = json.loads((out / "push.live.json").read_text(encoding="utf-8"))
    assert cert["connections"] == 1
    assert 18 <= cert["duration_s"] <= 22
    text = " ".join(i["text"] for i in json.loads((out / "push.json").read_text())["interventions"])
    assert "sesión" in text.lower() and "pleno" in text.lower(), text
