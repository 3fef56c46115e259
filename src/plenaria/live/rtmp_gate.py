"""A gate in front of ffmpeg's RTMP server that refuses a push with the wrong stream key.

ffmpeg's ``-listen 1`` RTMP server only warns about an unexpected stream name
("Unexpected stream WRONG, expecting SECRET") and records it anyway. So the
encoder connects to this gate instead; it relays bytes to ffmpeg (listening on
an internal loopback port) while it reads the client's RTMP messages, holding
each until it is complete. The ``connect`` command must name the session's app
and the ``publish`` command its secret key (compared in constant time); any
other ``publish`` closes both connections before ffmpeg sees it, so nothing is
recorded. After an accepted ``publish`` the gate only relays. One publisher at
a time.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from plenaria.errors import InputError

log = logging.getLogger(__name__)

HANDSHAKE_BYTES = 1 + 1536 + 1536  # C0 + C1 + C2
MSG_SET_CHUNK_SIZE = 1
MSG_AMF0_COMMAND = 20
MSG_AMF3_COMMAND = 17
MAX_MESSAGE_BYTES = 1 << 16  # before publish, only small command messages are expected
BACKEND_WAIT_S = 10.0


class Refused(Exception):
    """The client is not allowed to publish (wrong app or key, or not RTMP)."""


@dataclass(frozen=True)
class PushAddress:
    """``rtmp://host:port/app/key`` split into where to listen, the app and the key."""

    host: str
    port: int
    app: str
    key: str

    @classmethod
    def parse(cls, url: str, key: str | None) -> PushAddress:
        parts = urlsplit(url)
        if parts.scheme != "rtmp" or not parts.hostname:
            raise InputError(
                f"--listen needs an rtmp://host:port/app address, got {url!r}.",
                "For example: --listen rtmp://0.0.0.0:1935/live --key <secret>.",
            )
        path = [p for p in parts.path.split("/") if p]
        if not path:
            raise InputError(f"The push address {url!r} names no app.", "Add one: .../live")
        app, named_key = path[0], "/".join(path[1:])
        secret = key or named_key
        if not secret:
            raise InputError(
                "A push session needs a secret stream key.",
                "Give --key SECRET (the encoder publishes to rtmp://host:port/app/SECRET).",
            )
        return cls(parts.hostname, parts.port or 1935, app, secret)


@dataclass
class _ChunkStream:
    length: int = 0
    type_id: int = 0
    extended: bool = False
    data: bytearray = field(default_factory=bytearray)


class RtmpReader:
    """Incremental reader of the client's side of an RTMP connection, up to ``publish``.

    :meth:`feed` takes bytes and returns those that may be relayed now; it raises
    :class:`Refused` for a connection that may not publish. ``accepted`` turns True
    once the right ``publish`` has been read (the caller then relays without reading).
    """

    def __init__(self, app: str, key: str) -> None:
        self.app = app
        self.key = key
        self.accepted = False
        self.stream_name = ""
        self._buf = bytearray()
        self._handshake_left = HANDSHAKE_BYTES
        self._chunk_size = 128
        self._streams: dict[int, _ChunkStream] = {}
        self._held = bytearray()  # raw bytes of the messages not complete yet

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        self._buf += data
        if self._handshake_left:
            take = min(self._handshake_left, len(self._buf))
            if self._handshake_left == HANDSHAKE_BYTES and take and self._buf[0] != 3:
                raise Refused("not an RTMP handshake")
            out += self._buf[:take]
            del self._buf[:take]
            self._handshake_left -= take
        while not self.accepted and self._buf:
            parsed = self._chunk()
            if parsed is None:
                break
            raw, message = parsed
            self._held += raw
            if message is not None:
                self._message(*message)
                out += self._held
                self._held.clear()
        if self.accepted:
            out += self._held + self._buf
            self._held.clear()
            self._buf.clear()
        return bytes(out)

    def _chunk(self) -> tuple[bytes, tuple[int, bytes] | None] | None:
        """One chunk from the buffer: its raw bytes and the message it completes, if any."""
        buf = self._buf
        if not buf:
            return None
        fmt, csid, pos = buf[0] >> 6, buf[0] & 0x3F, 1
        if csid == 0:
            if len(buf) < 2:
                return None
            csid, pos = 64 + buf[1], 2
        elif csid == 1:
            if len(buf) < 3:
                return None
            csid, pos = 64 + buf[1] + 256 * buf[2], 3
        header = (11, 7, 3, 0)[fmt]
        if len(buf) < pos + header:
            return None
        cs = self._streams.setdefault(csid, _ChunkStream())
        if fmt <= 2:
            ts = int.from_bytes(buf[pos : pos + 3], "big")
            cs.extended = ts == 0xFFFFFF
        if fmt <= 1:
            cs.length = int.from_bytes(buf[pos + 3 : pos + 6], "big")
            cs.type_id = buf[pos + 6]
            if cs.length > MAX_MESSAGE_BYTES:
                raise Refused(f"an RTMP message of {cs.length} bytes before publish")
        pos += header
        if cs.extended:
            pos += 4
        need = min(self._chunk_size, cs.length - len(cs.data))
        if len(buf) < pos + need:
            return None
        cs.data += buf[pos : pos + need]
        raw = bytes(buf[: pos + need])
        del buf[: pos + need]
        if len(cs.data) < cs.length:
            return raw, None
        payload, cs.data = bytes(cs.data), bytearray()
        return raw, (cs.type_id, payload)

    def _message(self, type_id: int, payload: bytes) -> None:
        if type_id == MSG_SET_CHUNK_SIZE and len(payload) >= 4:
            self._chunk_size = max(1, struct.unpack(">I", payload[:4])[0] & 0x7FFFFFFF)
            return
        if type_id == MSG_AMF3_COMMAND:
            payload = payload[1:]
        elif type_id != MSG_AMF0_COMMAND:
            return
        values = _amf0_values(payload, limit=5)
        if not values or not isinstance(values[0], str):
            return
        command = values[0]
        if command == "connect":
            obj = values[2] if len(values) > 2 and isinstance(values[2], dict) else {}
            app = str(obj.get("app", "")).strip("/")
            if app != self.app:
                raise Refused(f"connect to app {app!r}")
        elif command == "publish":
            name = str(values[3]) if len(values) > 3 else ""
            self.stream_name = name
            key = name.split("?", 1)[0]
            if not hmac.compare_digest(key.encode(), self.key.encode()):
                raise Refused("publish with a wrong stream key")
            self.accepted = True


def _amf0_values(data: bytes, limit: int) -> list[Any]:
    """The first ``limit`` AMF0 values of a command (strings, numbers, objects, null)."""
    out: list[Any] = []
    pos = 0
    try:
        while pos < len(data) and len(out) < limit:
            value, pos = _amf0(data, pos)
            out.append(value)
    except (IndexError, struct.error, UnicodeDecodeError, ValueError):
        pass
    return out


def _amf0(data: bytes, pos: int, depth: int = 0) -> tuple[Any, int]:
    if depth > 8:
        raise ValueError("AMF0 nested too deep")
    marker = data[pos]
    pos += 1
    if marker == 0x00:
        return struct.unpack(">d", data[pos : pos + 8])[0], pos + 8
    if marker == 0x01:
        return bool(data[pos]), pos + 1
    if marker == 0x02:
        n = struct.unpack(">H", data[pos : pos + 2])[0]
        return data[pos + 2 : pos + 2 + n].decode("utf-8"), pos + 2 + n
    if marker in (0x05, 0x06):
        return None, pos
    if marker in (0x03, 0x08):
        if marker == 0x08:
            pos += 4
        obj: dict[str, Any] = {}
        while True:
            n = struct.unpack(">H", data[pos : pos + 2])[0]
            key = data[pos + 2 : pos + 2 + n].decode("utf-8")
            pos += 2 + n
            if not key and data[pos] == 0x09:
                return obj, pos + 1
            obj[key], pos = _amf0(data, pos, depth + 1)
    raise ValueError(f"AMF0 marker {marker}")


class RtmpGate:
    """Listens on the public address; relays accepted publishers to ``backend_port``."""

    def __init__(
        self,
        address: PushAddress,
        backend_port: int,
        on_refused: Callable[[str], None] | None = None,
    ) -> None:
        self.address = address
        self.backend_port = backend_port
        self.refused: list[str] = []
        self._on_refused = on_refused or (lambda why: None)
        self._server = socket.create_server((address.host, address.port), reuse_port=False)
        self._server.settimeout(0.5)
        self._busy = threading.Lock()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="rtmp-gate", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.getsockname()[1])

    def start(self) -> RtmpGate:
        self._thread.start()
        return self

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=5)
        self._server.close()

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                client, peer = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(
                target=self._handle, args=(client, peer), name="rtmp-gate-client", daemon=True
            ).start()

    def _handle(self, client: socket.socket, peer: Any) -> None:
        if not self._busy.acquire(blocking=False):
            self._refuse(client, f"{peer[0]}: another encoder is already publishing")
            return
        try:
            self._relay(client, peer)
        finally:
            self._busy.release()

    def _relay(self, client: socket.socket, peer: Any) -> None:
        reader = RtmpReader(self.address.app, self.address.key)
        backend = _connect_backend(self.backend_port, self._closed)
        if backend is None:
            self._refuse(client, f"{peer[0]}: the recorder is not ready")
            return
        back = threading.Thread(target=_pipe, args=(backend, client), daemon=True)
        back.start()
        try:
            client.settimeout(30)
            while True:
                data = client.recv(65536)
                if not data:
                    break
                if reader.accepted:
                    backend.sendall(data)
                    continue
                try:
                    ready = reader.feed(data)
                except Refused as e:
                    self._refuse(client, f"{peer[0]}: {e}")
                    break
                if ready:
                    backend.sendall(ready)
                if reader.accepted:
                    log.info("RTMP push accepted from %s", peer[0])
        except OSError:
            pass
        finally:
            _close(client)
            _close(backend)
            back.join(timeout=5)

    def _refuse(self, client: socket.socket, why: str) -> None:
        self.refused.append(why)
        log.info("RTMP push refused: %s", why)
        self._on_refused(why)
        _close(client)


def _connect_backend(port: int, closed: threading.Event) -> socket.socket | None:
    deadline = time.monotonic() + BACKEND_WAIT_S
    while not closed.is_set() and time.monotonic() < deadline:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=2)
            sock.settimeout(None)
            return sock
        except OSError:
            time.sleep(0.2)
    return None


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        _close(dst)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def open_gate(
    address: PushAddress, on_refused: Callable[[str], None] | None = None
) -> tuple[RtmpGate, str]:
    """Listen on the public address; the URL the recorder's ffmpeg listens on behind the gate."""
    internal = free_loopback_port()
    gate = RtmpGate(address, internal, on_refused).start()
    return gate, f"rtmp://127.0.0.1:{internal}/{address.app}/{address.key}"
