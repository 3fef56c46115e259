"""Helpers for the live tests: a generated pleno, an ffmpeg stream server on 127.0.0.1,
and ``plenaria live`` run as a real process whose stdout lines are timed as they come."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import jiwer

from plenaria.live.rtmp_gate import free_loopback_port as free_port  # noqa: F401 (for the tests)
from plenaria.media.ffmpeg import ffmpeg_binary

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared recall.py
from recall import norm

LINE = re.compile(r"^\[(\d+):(\d\d):(\d\d)\] ([^:]+): (.*)$")


def wer(reference: str, hypothesis: str) -> float:
    return float(jiwer.wer(norm(reference), norm(hypothesis)))


def encode_clip(src: Path, dest: Path, start_s: float = 0.0, length_s: float | None = None) -> Path:
    """Re-encode a piece of ``src`` (keyframe every 2 s) as MP4 or MPEG-TS by ``dest``'s suffix."""
    cmd = [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y"]
    cmd += ["-ss", f"{start_s:.3f}", "-i", str(src)]
    if length_s is not None:
        cmd += ["-t", f"{length_s:.3f}"]
    cmd += ["-c:v", "libx264", "-preset", "veryfast", "-g", "20", "-pix_fmt", "yuv420p"]
    cmd += ["-c:a", "aac", "-b:a", "96k", "-ar", "44100", str(dest)]
    subprocess.run(cmd, check=True)
    return dest


def remux(src: Path, dest: Path) -> Path:
    """The same streams (no re-encoding) in the container ``dest``'s suffix names."""
    cmd = [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(src)]
    subprocess.run([*cmd, "-map", "0", "-c", "copy", str(dest)], check=True)
    return dest


def remux_ts(src: Path, dest: Path) -> Path:
    """The same streams (no re-encoding) in MPEG-TS, to stream."""
    cmd = [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(src)]
    subprocess.run([*cmd, "-c", "copy", "-f", "mpegts", str(dest)], check=True)
    return dest


class Sender:
    """``ffmpeg -re`` serving a file as MPEG-TS over HTTP on 127.0.0.1, in real time."""

    def __init__(self, path: Path, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/live.ts"
        self.proc = subprocess.Popen(
            [
                ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin",
                "-re", "-i", str(path), "-c", "copy", "-f", "mpegts",
                "-listen", "1", self.url,
            ],
            stdin=subprocess.DEVNULL,
        )  # fmt: skip

    def wait(self, timeout: float) -> float:
        """Wait for the stream to end; the monotonic time it ended."""
        self.proc.wait(timeout=timeout)
        return time.monotonic()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@dataclass
class LiveRun:
    """``plenaria live`` as a process; stdout lines with the monotonic time they came."""

    proc: subprocess.Popen[str]
    lines: list[tuple[float, str]] = field(default_factory=list)
    err_lines: list[str] = field(default_factory=list)
    ended_at: float = 0.0

    @property
    def stderr(self) -> str:
        return "\n".join(self.err_lines)

    def wait(self, timeout: float) -> int:
        code = self.proc.wait(timeout=timeout)
        self.ended_at = time.monotonic()
        for reader in self._readers:
            reader.join(timeout=10)
        return code

    def wait_stderr(self, text: str, timeout: float) -> None:
        """Wait until stderr (lines joined, as wrapped by the console) holds ``text``."""
        deadline = time.monotonic() + timeout
        while text not in " ".join(" ".join(self.err_lines).split()):
            assert self.proc.poll() is None, self.stderr
            assert time.monotonic() < deadline, (text, self.stderr)
            time.sleep(0.2)

    def start_reading(self) -> None:
        def read_out() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                self.lines.append((time.monotonic(), line.rstrip("\n")))

        def read_err() -> None:
            assert self.proc.stderr is not None
            for line in self.proc.stderr:
                self.err_lines.append(line.rstrip("\n"))

        self._readers = [threading.Thread(target=f, daemon=True) for f in (read_out, read_err)]
        for reader in self._readers:
            reader.start()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def push(path: Path, url: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """Publish a file to an RTMP address in real time, as a council's encoder would."""
    cmd = [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin", "-re"]
    cmd += ["-i", str(path), "-c:v", "copy", "-c:a", "aac", "-f", "flv", url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


# The models folder the live tests' processes share (set by conftest.shared_models_dir).
MODELS_DIR: Path | None = None


def live_env(tmp: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp),
        "PLENARIA_CACHE_DIR": str(tmp / "cache"),
        "PLENARIA_DATA_DIR": str(tmp / "data"),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        **({"PLENARIA_MODELS_DIR": str(MODELS_DIR)} if MODELS_DIR is not None else {}),
    }


def start_live(url: str, out: Path, tmp: Path, *args: str) -> LiveRun:
    cmd = [sys.executable, "-m", "plenaria", "live", url, "--out", str(out), *args]
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=live_env(tmp),
    )
    run = LiveRun(proc)
    run.start_reading()
    return run


def parse_line(line: str) -> tuple[float, str, str]:
    """(start seconds, speaker, text) of one ``[H:MM:SS] SPEAKER: text`` line."""
    m = LINE.match(line)
    assert m, f"not a transcript line: {line!r}"
    h, mi, s, speaker, text = m.groups()
    return int(h) * 3600 + int(mi) * 60 + int(s), speaker, text


def truth(sample: Path) -> list[dict[str, object]]:
    data = json.loads(sample.with_name(sample.stem + ".truth.json").read_text(encoding="utf-8"))
    return list(data)


def transcript_text(json_path: Path) -> str:
    data = json.loads(json_path.read_text(encoding="utf-8"))
    return " ".join(i["text"] for i in data["interventions"])


class RawRtmpClient:
    """A hand-written RTMP client (no library, no ffmpeg): handshake, then any message.

    Its bytes are built here, not by the gate's own module, so a test of the gate does not
    lean on the code it tests. ``closed_at`` is the monotonic time the server closed.
    """

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.opened_at = time.monotonic()
        self.received = bytearray()
        self.closed_at: float | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            while data := self.sock.recv(65536):
                self.received += data
        except OSError:
            pass
        self.closed_at = time.monotonic()

    def handshake(self) -> None:
        self.sock.sendall(b"\x03" + bytes(1536))
        deadline = time.monotonic() + 10
        while len(self.received) < 1 + 2 * 1536:
            assert self.closed_at is None and time.monotonic() < deadline, "no S0 S1 S2"
            time.sleep(0.02)
        self.sock.sendall(bytes(self.received[1:1537]))  # C2 echoes S1

    def send(self, csid: int, type_id: int, stream_id: int, payload: bytes, ts: int = 0) -> bool:
        """One message as one chunk (the chunk size must allow it); False once closed."""
        try:
            self.sock.sendall(rtmp_message(csid, type_id, stream_id, payload, ts))
            return True
        except OSError:
            return False

    def command(self, *values: object) -> bool:
        return self.send(3, 20, 0, b"".join(amf0(v) for v in values))

    def wait_closed(self, timeout: float) -> float | None:
        """Seconds from the connection's start to the server closing it (None: still open)."""
        self._reader.join(timeout)
        return None if self.closed_at is None else self.closed_at - self.opened_at

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def rtmp_message(csid: int, type_id: int, stream_id: int, payload: bytes, ts: int = 0) -> bytes:
    """One RTMP message as one chunk with a full header (the chunk size must allow it)."""
    header = bytes([csid]) + ts.to_bytes(3, "big") + len(payload).to_bytes(3, "big")
    return header + bytes([type_id]) + stream_id.to_bytes(4, "little") + payload


def rtmp_command(*values: object) -> bytes:
    return rtmp_message(3, 20, 0, b"".join(amf0(v) for v in values))


def amf0(value: object) -> bytes:
    if value is None:
        return b"\x05"
    if isinstance(value, float):
        return b"\x00" + struct.pack(">d", value)
    if isinstance(value, str):
        return b"\x02" + struct.pack(">H", len(value)) + value.encode()
    assert isinstance(value, dict)
    body = b"".join(struct.pack(">H", len(k)) + k.encode() + amf0(v) for k, v in value.items())
    return b"\x03" + body + b"\x00\x00\x09"
