"""An encoder pushes by RTMP to ``plenaria live --listen ... --key SECRET``: a wrong key is
refused and nothing is recorded; the right key is recorded and transcribed. A client that
sends audio without ever publishing records nothing and cannot lock the encoder out."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from live_helpers import RawRtmpClient, encode_clip, free_port, parse_line, push, start_live

from plenaria.cli.samples import make_sample
from plenaria.live.recorder import Recorder
from plenaria.live.rtmp_gate import MAX_WAITING, PushAddress, hash_key, open_gate
from plenaria.media.ffmpeg import ffmpeg_binary

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
        run.wait_stderr("salen por stdout", timeout=120)
        wrong = push(clip, f"{address}/WRONG", timeout=60)
        assert wrong.returncode != 0
        run.wait_stderr(
            "Envío RTMP rechazado: 127.0.0.1: publicó con una clave de emisión equivocada", 30
        )
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
    assert run.stderr.count("Envío RTMP rechazado") == 2, run.stderr
    assert run.lines and all(parse_line(line)[2] for _, line in run.lines)
    cert = json.loads((out / "push.live.json").read_text(encoding="utf-8"))
    assert cert["connections"] == 1
    assert 18 <= cert["duration_s"] <= 22
    text = " ".join(i["text"] for i in json.loads((out / "push.json").read_text())["interventions"])
    assert "sesión" in text.lower() and "pleno" in text.lower(), text


KEY = "the-council-Key-42"


def _flv_pcm_audio(seconds: float) -> list[bytes]:
    """FLV audio tags' bodies: 100 ms each of a 440 Hz tone, 44.1 kHz mono s16le PCM."""
    t = np.arange(int(44100 * seconds)) / 44100
    pcm = (np.sin(2 * np.pi * 440 * t) * 12000).astype("<i2").tobytes()
    step = 4410 * 2
    return [b"\x3e" + pcm[i : i + step] for i in range(0, len(pcm), step)]


def test_audio_without_publish_records_nothing_and_locks_nobody_out(tmp_path: Path) -> None:
    tone = tmp_path / "tone.wav"
    subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-f", "lavfi",
         "-i", "sine=frequency=300:duration=5", "-ar", "44100", "-ac", "1", str(tone)],
        check=True,
    )  # fmt: skip
    address = PushAddress("127.0.0.1", free_port(), "live", hash_key(KEY))
    gate, internal = open_gate(address, publish_timeout_s=3.0)
    recorder = Recorder(
        internal, tmp_path / "o.ts", tmp_path / "a.wav", end_timeout_s=3.0, listen=True
    )
    thread = threading.Thread(target=recorder.run, daemon=True)
    thread.start()
    clients: list[RawRtmpClient] = []
    try:
        time.sleep(1.0)  # ffmpeg listening behind the gate
        proc = recorder._proc
        assert proc is not None and proc.poll() is None
        argv = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode()
        assert KEY not in argv and hash_key(KEY) not in argv  # the key is on no command line

        # connect with the right app, createStream, then 3 s of audio and never a publish
        attacker = RawRtmpClient(gate.port)
        clients.append(attacker)
        attacker.handshake()
        tc_url = f"rtmp://127.0.0.1:{gate.port}/live"
        assert attacker.command("connect", 1.0, {"app": "live", "tcUrl": tc_url})
        attacker.command("createStream", 2.0, None)
        attacker.send(2, 1, 0, (65536).to_bytes(4, "big"))  # chunk size: one tag, one chunk
        for i, tag in enumerate(_flv_pcm_audio(3.0)):
            if not attacker.send(4, 8, 1, tag, ts=100 * i):
                break
        closed = attacker.wait_closed(timeout=5)
        time.sleep(2.0)  # what ffmpeg would have written by now
        assert recorder.wav.frames == 0 and recorder.original.size == 0, recorder.wav.frames
        assert closed is not None, "the gate kept the connection"
        assert any("envió audio antes de publicar" in why for why in gate.refused), gate.refused

        # one that connects and waits, holding the connection, and the council's encoder
        holder = RawRtmpClient(gate.port)
        clients.append(holder)
        holder.handshake()
        assert holder.command("connect", 1.0, {"app": "live", "tcUrl": tc_url})
        encoder = push(tone, f"rtmp://127.0.0.1:{gate.port}/live/{KEY}", timeout=60)
        assert encoder.returncode == 0, encoder.stderr
        held = holder.wait_closed(timeout=10)
        assert held is not None and 2.5 <= held <= 6.0, held  # closed by the publish timeout
        assert any("no publicó en 3 s" in why for why in gate.refused), gate.refused
        thread.join(timeout=30)
        assert not thread.is_alive()
    finally:
        recorder.stop()
        thread.join(timeout=10)
        gate.close()
        for client in clients:
            client.close()
    recorder.close_original()
    assert recorder.connections == 1 and recorder.gaps == []
    assert 4.5 <= recorder.wav.duration_s <= 5.6, recorder.wav.duration_s


def test_connections_that_never_publish_are_bounded_and_timed_out() -> None:
    address = PushAddress("127.0.0.1", free_port(), "live", hash_key(KEY))
    gate, _ = open_gate(address, publish_timeout_s=2.0)  # no recorder: nothing may reach it
    waiting = [RawRtmpClient(gate.port) for _ in range(MAX_WAITING)]
    try:
        time.sleep(0.3)
        extra = RawRtmpClient(gate.port)
        assert extra.wait_closed(timeout=2) is not None  # turned away at once
        assert any("16 conexiones esperando para publicar" in why for why in gate.refused)
        for client in waiting:
            held = client.wait_closed(timeout=5)
            assert held is not None and 1.5 <= held <= 4.0, held
        assert sum("no publicó en 2 s" in why for why in gate.refused) == MAX_WAITING
    finally:
        gate.close()
        for client in waiting:
            client.close()
