"""Recording a live stream: the original as it grows, the session's audio, and its gaps.

One ffmpeg process per connection (:mod:`plenaria.live.source`). Its MPEG-TS goes
to the end of one growing original, hashed as the bytes arrive (the SHA-256 is
final the moment the file is closed); its PCM goes to the end of one growing WAV,
the session's timeline. When the connection drops, the recorder reconnects with
back-off; when a new connection delivers audio, the time missed is written into
the timeline as silence and kept as a :class:`Gap` (start in session time,
length), so what follows keeps its true time and nothing recorded before is lost.
When no connection comes back within ``end_timeout_s``, the stream has ended.
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import struct
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from plenaria.errors import PlenariaError
from plenaria.live.source import is_hls, record_args
from plenaria.media.audio import SAMPLE_RATE, SAMPLE_WIDTH
from plenaria.media.ffmpeg import ffmpeg_binary

log = logging.getLogger(__name__)

READ_BYTES = 1 << 16
WAV_HEADER_BYTES = 44
TS_PACKET_BYTES = 188
BACKOFF_S = (0.5, 1.0, 2.0)  # then 2 s between tries
STOP_GRACE_S = 5.0


@dataclass(frozen=True, slots=True)
class Gap:
    """Time the stream was away: ``start_s`` on the session's timeline, ``length_s`` long."""

    start_s: float
    length_s: float

    def to_dict(self) -> dict[str, float]:
        return {"start_s": round(self.start_s, 3), "length_s": round(self.length_s, 3)}


class GrowingWav:
    """A 16 kHz mono 16-bit WAV appended to while it is read.

    The header's sizes are rewritten after every append, so a reader that opens it
    (``wave``, :func:`plenaria.media.audio.read_audio`) sees every frame written so far.
    ``resume``: go on appending to the WAV a lost recorder left (its size is the truth).
    """

    def __init__(self, path: Path, resume: bool = False) -> None:
        self.path = path
        self._lock = threading.Lock()
        if resume and path.exists() and path.stat().st_size >= WAV_HEADER_BYTES:
            self._frames = (path.stat().st_size - WAV_HEADER_BYTES) // SAMPLE_WIDTH
            self._f: BinaryIO = path.open("r+b")
            self._f.truncate(WAV_HEADER_BYTES + self._frames * SAMPLE_WIDTH)
        else:
            self._frames = 0
            self._f = path.open("wb")
        self._f.seek(0)
        self._f.write(_wav_header(self._frames))
        self._f.flush()

    @property
    def frames(self) -> int:
        return self._frames

    @property
    def duration_s(self) -> float:
        return self._frames / SAMPLE_RATE

    def append(self, pcm: bytes) -> int:
        """Append s16le samples; returns the index of the first one appended."""
        with self._lock:
            first = self._frames
            self._f.seek(0, os.SEEK_END)
            self._f.write(pcm)
            self._frames += len(pcm) // SAMPLE_WIDTH
            self._f.seek(0)
            self._f.write(_wav_header(self._frames))
            self._f.flush()
            return first

    def close(self) -> None:
        with self._lock:
            if not self._f.closed:
                os.fsync(self._f.fileno())
                self._f.close()


def _wav_header(frames: int) -> bytes:
    data = frames * SAMPLE_WIDTH
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE * SAMPLE_WIDTH, 2, 16)
        + b"data"
        + struct.pack("<I", data)
    )


class HashedFile:
    """A file appended to, with its SHA-256 updated on every new byte.

    ``resume``: go on appending to the MPEG-TS a lost recorder left, cut to its last
    whole packet (the bytes of a packet half written when it died would break the stream).
    """

    def __init__(self, path: Path, resume: bool = False) -> None:
        self.path = path
        self._sha = hashlib.sha256()
        self.size = 0
        if resume and path.exists():
            keep = path.stat().st_size // TS_PACKET_BYTES * TS_PACKET_BYTES
            os.truncate(path, keep)
            with path.open("rb") as f:
                while block := f.read(1 << 20):
                    self._sha.update(block)
            self.size = keep
            self._f: BinaryIO = path.open("ab")
        else:
            self._f = path.open("wb")

    def append(self, data: bytes) -> None:
        self._f.write(data)
        self._sha.update(data)
        self.size += len(data)

    def close(self) -> str:
        """Close the file; its final hex SHA-256."""
        if not self._f.closed:
            self._f.flush()
            os.fsync(self._f.fileno())
            self._f.close()
        return self._sha.hexdigest()


AudioListener = Callable[[int, int], None]  # (first new frame, frames now in the WAV)
GapListener = Callable[[Gap], None]


@dataclass(frozen=True, slots=True)
class RecorderState:
    """What a recorder keeps outside itself, so that another process can resume its recording:
    when the first audio came (Unix seconds), the connections so far, the gaps so far."""

    first_audio_at: float | None = None
    connections: int = 0
    gaps: tuple[Gap, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "first_audio_at": self.first_audio_at,
            "connections": self.connections,
            "gaps": [g.to_dict() for g in self.gaps],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecorderState:
        first = data.get("first_audio_at")
        return cls(
            first_audio_at=None if first is None else float(first),
            connections=int(data.get("connections", 0)),
            gaps=tuple(Gap(float(g["start_s"]), float(g["length_s"])) for g in data["gaps"]),
        )


class Recorder:
    """Records ``url`` into ``original`` (MPEG-TS) and ``wav`` until it ends or is stopped.

    Call :meth:`run` in a thread. ``on_audio`` is called after every append to the
    WAV; ``on_gap`` when a reconnection brought the stream back after a gap
    (before the audio that follows it); ``on_drop`` when a connection ends.
    """

    def __init__(
        self,
        url: str,
        original: Path,
        wav: Path,
        *,
        end_timeout_s: float = 20.0,
        listen: bool = False,
        on_audio: AudioListener | None = None,
        on_gap: GapListener | None = None,
        on_drop: Callable[[float], None] | None = None,
        next_url: Callable[[], str] | None = None,
        http_proxy: str | None = None,
        resume: RecorderState | None = None,
        on_state: Callable[[RecorderState], None] | None = None,
    ) -> None:
        self.url = url
        self.listen = listen
        self._next_url = next_url or (lambda: url)  # each connection's URL (checked again)
        self.http_proxy = http_proxy
        self.end_timeout_s = end_timeout_s
        self.resumed = resume is not None
        self.original = HashedFile(original, resume=self.resumed)
        self.wav = GrowingWav(wav, resume=self.resumed)
        self.gaps: list[Gap] = list(resume.gaps) if resume else []
        self.connections = resume.connections if resume else 0
        self.errors: list[str] = []
        self._on_state = on_state or (lambda state: None)
        self._first_audio_at: float | None = None  # Unix seconds, for the state
        self._on_audio = on_audio or (lambda first, total: None)
        self._on_gap = on_gap or (lambda gap: None)
        self._on_drop = on_drop or (lambda at_s: None)
        self._stop = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self._first_data_wall: float | None = None  # when the first connection's audio came
        if resume is not None:
            # Resumed: the session's clock goes on from the lost recorder's first audio (Unix
            # time is shared, monotonic time is not), so the time it missed becomes a gap.
            first = resume.first_audio_at
            if first is None:
                first = time.time() - self.wav.duration_s
            self._first_audio_at = first
            self._first_data_wall = time.monotonic() - (time.time() - first)
        self.ended = threading.Event()

    # -- control ----------------------------------------------------------------------------

    def stop(self) -> None:
        """End the recording now (Ctrl-C): ffmpeg is asked to finish its outputs."""
        self._stop.set()
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        """Connect, record, reconnect with back-off; returns when the stream is over."""
        try:
            # A resumed recording ends like a dropped one when its stream does not come back.
            given_up_at = time.monotonic() + self.end_timeout_s if self.resumed else None
            tries = 0
            while not self._stop.is_set():
                got, code = self._connection(given_up_at)
                if self._stop.is_set():
                    break
                if got and code == 0 and is_hls(self.url):
                    log.info("the HLS playlist has ended")
                    break  # a finished playlist would only be read again from its start
                if got:
                    tries = 0
                    given_up_at = time.monotonic() + self.end_timeout_s
                    self._on_drop(self.wav.duration_s)
                    log.info("live stream dropped at %s; reconnecting", _hms(self.wav.duration_s))
                elif given_up_at is None and self.connections == 0 and not self.listen:
                    given_up_at = time.monotonic() + self.end_timeout_s
                if given_up_at is not None and time.monotonic() >= given_up_at:
                    break
                wait = BACKOFF_S[min(tries, len(BACKOFF_S) - 1)]
                if given_up_at is not None:
                    wait = min(wait, max(0.0, given_up_at - time.monotonic()))
                tries += 1
                self._stop.wait(wait)
        finally:
            self.wav.close()
            self.ended.set()

    def close_original(self) -> str:
        return self.original.close()

    # -- one connection -----------------------------------------------------------------------

    def _connection(self, deadline: float | None = None) -> tuple[bool, int]:
        """One ffmpeg process from start to end: whether it delivered audio, its exit code.

        With a ``deadline`` (monotonic), a connection that has brought no audio by then
        is abandoned: a listening ffmpeg would otherwise wait for a push for ever.
        """
        try:
            url = self._next_url()
        except PlenariaError as e:
            self.errors.append(e.message)
            log.warning("directo: conexión rechazada: %s", e.message)
            return False, -1
        read_fd, write_fd = os.pipe()
        spawned = time.monotonic()
        offset = self._ts_offset(spawned)
        args = record_args(url, write_fd, offset, self.listen, self.http_proxy)
        env = None
        if self.http_proxy is not None:  # nested opens too (HLS segments, redirects)
            env = {**os.environ, "http_proxy": self.http_proxy, "no_proxy": ""}
        try:
            proc = subprocess.Popen(
                [ffmpeg_binary(), *args],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(write_fd,),
                start_new_session=True,  # Ctrl-C reaches us; we stop ffmpeg ourselves
            )
        finally:
            os.close(write_fd)
        self._proc = proc
        if self._stop.is_set():
            proc.send_signal(signal.SIGINT)
        state = {"audio": False}
        if deadline is not None:
            threading.Thread(
                target=self._watchdog, args=(proc, state, deadline), daemon=True
            ).start()
        assert proc.stdout is not None and proc.stderr is not None
        copier = threading.Thread(target=self._copy_original, args=(proc.stdout,), daemon=True)
        errors: list[bytes] = []
        err_reader = threading.Thread(
            target=lambda: errors.append(proc.stderr.read() if proc.stderr else b""), daemon=True
        )
        copier.start()
        err_reader.start()
        try:
            self._read_pcm(read_fd, state)
        finally:
            os.close(read_fd)
            copier.join()
            err_reader.join()
            code = _wait(proc)
            self._proc = None
        message = b"".join(errors).decode("utf-8", "replace").strip()
        if code != 0 and not self._stop.is_set():
            line = message.splitlines()[-1] if message else f"exit {code}"
            self.errors.append(line)
            log.info("live connection ended (exit %s): %s", code, line)
        return state["audio"], code

    def _watchdog(
        self, proc: subprocess.Popen[bytes], state: dict[str, bool], deadline: float
    ) -> None:
        while proc.poll() is None and not state["audio"]:
            left = deadline - time.monotonic()
            if left <= 0:
                proc.kill()
                return
            time.sleep(min(left, 0.2))

    def _ts_offset(self, spawned: float) -> float:
        """Where a new connection starts on the timeline (its original's timestamps)."""
        recorded = self.wav.duration_s
        if self._first_data_wall is None or self.listen:
            return recorded
        return max(recorded, spawned - self._first_data_wall)

    def _copy_original(self, stream: BinaryIO) -> None:
        while block := stream.read1(READ_BYTES):  # type: ignore[attr-defined]
            self.original.append(block)

    def _read_pcm(self, fd: int, state: dict[str, bool]) -> None:
        rest = b""
        while True:
            block = os.read(fd, READ_BYTES)
            if not block:
                return
            data = rest + block
            cut = len(data) - len(data) % SAMPLE_WIDTH
            data, rest = data[:cut], data[cut:]
            if not data:
                continue
            if not state["audio"]:
                state["audio"] = True
                self._connected()
            first = self.wav.append(data)
            self._on_audio(first, self.wav.frames)

    def _connected(self) -> None:
        """The first audio of a connection: after the first, the time missed is a gap."""
        now = time.monotonic()
        self.connections += 1
        if self._first_data_wall is None:
            self._first_data_wall = now
            self._first_audio_at = time.time()
            log.info("live stream connected")
            self._on_state(self.state)
            return
        # Each connection's first audio comes after the same probing delay, so the stream's
        # own time since the first connection is the wall time between their first audio.
        start = self.wav.duration_s
        length = max(0.0, (now - self._first_data_wall) - start)
        gap = Gap(start, length)
        self.gaps.append(gap)
        frames = round(length * SAMPLE_RATE)
        if frames:
            self.wav.append(bytes(frames * SAMPLE_WIDTH))
        log.info("live stream back: gap of %.1f s at %s", length, _hms(start))
        self._on_state(self.state)
        self._on_gap(gap)

    @property
    def state(self) -> RecorderState:
        return RecorderState(self._first_audio_at, self.connections, tuple(self.gaps))


def _wait(proc: subprocess.Popen[bytes]) -> int:
    try:
        return proc.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
