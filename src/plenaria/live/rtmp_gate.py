"""A gate in front of ffmpeg's RTMP server: only a publisher with the stream key gets through.

ffmpeg's ``-listen 1`` RTMP server only warns about an unexpected stream name
and records whatever comes, even audio sent without any ``publish``. So the
encoder connects to this gate instead, and until it has published with the
right key the gate is its server (:class:`PrePublish`): it answers the
handshake, ``connect`` (which must name the session's app), ``createStream``
and ``publish`` itself, and sends ffmpeg nothing, not even a connection. Audio,
video or data before a publish, a wrong key (compared as SHA-256 digests, in
constant time), or no publish within ``publish_timeout_s`` close the
connection. Once the key is accepted the gate takes the one-publisher lock,
connects to ffmpeg (on an internal loopback port), does a handshake of its own,
sends it the client's messages as they came (so ffmpeg's chunk streams start as
the client's did), then relays the client's bytes and drops ffmpeg's answers
(the client had the gate's). Only the key's digest is kept: ffmpeg's command line
names an internal stream, never the key.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import secrets
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from plenaria.errors import InputError
from plenaria.live.listener import Listener
from plenaria.live.rtmp_proto import (
    AMF0_COMMAND,
    AMF3_COMMAND,
    CONTROL_TYPES,
    HANDSHAKE_SIZE,
    MEDIA_NAMES,
    RTMP_VERSION,
    SET_PEER_BANDWIDTH,
    USER_CONTROL,
    WINDOW_ACK_SIZE,
    ChunkReader,
    Message,
    ProtocolError,
    amf0_values,
    client_handshake,
    command,
    handshake_packet,
    message,
)

log = logging.getLogger(__name__)

BACKEND_WAIT_S = 10.0
PUBLISH_TIMEOUT_S = 10.0  # a connection that has not published by then is closed
IDLE_TIMEOUT_S = 30.0  # a publisher silent this long is dropped
MAX_BEFORE_PUBLISH_BYTES = 1 << 16
MAX_WAITING = 16  # connections not yet published, at once (each holds a thread for a while)
WINDOW_BYTES = 2_500_000
STREAM_ID = 1


# The kinds of RTMP message in a refusal (printed on `plenaria live` stderr, in Spanish).
_MEDIA_ES = {"audio": "audio", "video": "vídeo", "data": "datos"}


class Refused(Exception):
    """The client is not allowed to publish (wrong app or key, media first, not RTMP)."""


@dataclass(frozen=True)
class PushAddress:
    """``rtmp://host:port/app/key`` split into where to listen, the app and the key's digest."""

    host: str
    port: int
    app: str
    key_sha256: str

    @classmethod
    def parse(cls, url: str, key: str | None) -> PushAddress:
        parts = urlsplit(url)
        if parts.scheme != "rtmp" or not parts.hostname:
            raise InputError(
                f"--listen necesita una dirección rtmp://servidor:puerto/app; se recibió {url!r}.",
                "Por ejemplo: --listen rtmp://0.0.0.0:1935/live --key <clave>.",
            )
        path = [p for p in parts.path.split("/") if p]
        if not path:
            raise InputError(
                f"La dirección de envío {url!r} no nombra ninguna app.", "Añada una: .../live"
            )
        app, named_key = path[0], "/".join(path[1:])
        secret = key or named_key
        if not secret:
            raise InputError(
                "Un directo por envío necesita una clave secreta.",
                "Indique --key CLAVE (el codificador publica en rtmp://servidor:puerto/app/CLAVE).",
            )
        return cls(parts.hostname, parts.port or 1935, app, hash_key(secret))


class PrePublish:
    """The server's side of a client's RTMP connection, up to an accepted ``publish``.

    :meth:`feed` takes the client's bytes and returns the gate's answers to send
    back; it raises :class:`Refused` for a connection that may not publish:
    another app, a wrong key, audio, video or data before a publish, a command a
    publisher has no need of, or too many bytes. Nothing the client sends reaches
    ffmpeg until ``accepted``; then :attr:`replay` holds the client's messages
    (``connect``, ``createStream``, ``publish``... and whatever followed) to send to
    ffmpeg after a handshake of the gate's own, so its chunk streams start as the
    client's did.
    """

    def __init__(self, app: str, key_sha256: str) -> None:
        self.app = app
        self.key_sha256 = key_sha256
        self.accepted = False
        self.connected = False
        self.replay = bytearray()
        self._hello = bytearray()  # the handshake bytes read so far
        self._handshake_done = False
        self._reader = ChunkReader()
        self._total = 0

    def feed(self, data: bytes) -> bytes:
        if self.accepted:
            raise RuntimeError("the publish was accepted: relay, do not feed")
        self._total += len(data)
        out = bytearray()
        if not self._handshake_done:
            data = self._handshake(data, out)
        if not self._handshake_done or not data:
            return bytes(out)
        self.replay += data
        self._reader.feed(data)
        try:
            while not self.accepted and (msg := self._reader.next()) is not None:
                out += self._message(msg)
        except ProtocolError as e:
            raise Refused(str(e)) from e
        # After the messages: a refusal names the first one that may not come before publish.
        if not self.accepted and self._total > MAX_BEFORE_PUBLISH_BYTES:
            raise Refused(f"más de {MAX_BEFORE_PUBLISH_BYTES} bytes antes de publicar")
        return bytes(out)

    def _handshake(self, data: bytes, out: bytearray) -> bytes:
        """C0 C1 answered with S0 S1 S2; C2 read and dropped. Returns the bytes after it."""
        before = len(self._hello)
        self._hello += data
        if before == 0 and self._hello[0] != RTMP_VERSION:
            raise Refused("no empieza con el saludo (handshake) de RTMP")
        if before < 1 + HANDSHAKE_SIZE <= len(self._hello):
            c1 = bytes(self._hello[1 : 1 + HANDSHAKE_SIZE])
            out += bytes([RTMP_VERSION]) + handshake_packet() + c1  # S0, S1, S2 = C1 echoed
        end = 1 + 2 * HANDSHAKE_SIZE
        if len(self._hello) < end:
            return b""
        self._handshake_done = True
        rest = bytes(self._hello[end:])
        self._hello = bytearray()
        return rest

    def _message(self, msg: Message) -> bytes:
        if msg.type_id in CONTROL_TYPES:
            return b""
        if msg.type_id in MEDIA_NAMES:
            raise Refused(f"envió {_MEDIA_ES[MEDIA_NAMES[msg.type_id]]} antes de publicar")
        if msg.type_id not in (AMF0_COMMAND, AMF3_COMMAND):
            raise Refused(f"un mensaje RTMP de tipo {msg.type_id} antes de publicar")
        payload = msg.payload[1:] if msg.type_id == AMF3_COMMAND else msg.payload
        values = amf0_values(payload, limit=5)
        if not values or not isinstance(values[0], str):
            raise Refused("una orden RTMP ilegible")
        name = values[0]
        txn = values[1] if len(values) > 1 and isinstance(values[1], float) else 0.0
        if name == "connect":
            obj = values[2] if len(values) > 2 and isinstance(values[2], dict) else {}
            app = str(obj.get("app", "")).strip("/")
            if app != self.app:
                raise Refused(f"se conectó a la app {app!r}, que no es la de la sesión")
            self.connected = True
            return _connected(txn)
        if not self.connected:
            raise Refused(f"{name} antes de conectar")
        if name in ("releaseStream", "FCPublish"):
            return command(3, 0, "_result", txn, None, None)
        if name == "createStream":
            return command(3, 0, "_result", txn, None, float(STREAM_ID))
        if name == "publish":
            stream = str(values[3]) if len(values) > 3 else ""
            key = stream.split("?", 1)[0]
            if not hmac.compare_digest(hash_key(key), self.key_sha256):
                raise Refused("publicó con una clave de emisión equivocada")
            self.accepted = True
            begin = message(2, USER_CONTROL, 0, struct.pack(">HI", 0, msg.stream_id))
            status = {
                "level": "status",
                "code": "NetStream.Publish.Start",
                "description": "Publishing.",
            }
            return begin + command(5, msg.stream_id, "onStatus", 0.0, None, status)
        if name in ("_checkbw", "getStreamLength"):
            return b""
        raise Refused(f"la orden RTMP {name!r} antes de publicar")


def _connected(txn: float) -> bytes:
    """The answers to ``connect``: window, bandwidth, and the result."""
    window = message(2, WINDOW_ACK_SIZE, 0, struct.pack(">I", WINDOW_BYTES))
    bandwidth = message(2, SET_PEER_BANDWIDTH, 0, struct.pack(">IB", WINDOW_BYTES, 2))
    props = {"fmsVer": "FMS/3,0,1,123", "capabilities": 31.0}
    info = {
        "level": "status",
        "code": "NetConnection.Connect.Success",
        "description": "Connection succeeded.",
        "objectEncoding": 0.0,
    }
    return window + bandwidth + command(3, 0, "_result", txn, props, info)


def hash_key(key: str) -> str:
    """The stream key as stored and compared: its SHA-256 (hex). The key is random."""
    return hashlib.sha256(key.encode()).hexdigest()


class RtmpGate(Listener):
    """Listens on the public address; relays accepted publishers to ``backend_port``."""

    def __init__(
        self,
        address: PushAddress,
        backend_port: int,
        on_refused: Callable[[str], None] | None = None,
        publish_timeout_s: float = PUBLISH_TIMEOUT_S,
    ) -> None:
        server = socket.create_server((address.host, address.port), reuse_port=False)
        super().__init__(server, "rtmp-gate", on_refused)
        self.address = address
        self.backend_port = backend_port
        self.publish_timeout_s = publish_timeout_s
        self._busy = threading.Lock()
        self._waiting = threading.BoundedSemaphore(MAX_WAITING)

    def handle(self, client: socket.socket, peer: Any) -> None:
        who = str(peer[0])
        if not self._waiting.acquire(blocking=False):
            self._refuse(client, f"{who}: ya hay {MAX_WAITING} conexiones esperando para publicar")
            return
        try:
            replay = self._until_publish(client)
        except Refused as e:
            self._refuse(client, f"{who}: {e}")
            return
        except OSError:
            _close(client)
            return
        finally:
            self._waiting.release()
        if not self._busy.acquire(blocking=False):
            self._refuse(client, f"{who}: otro codificador ya está publicando")
            return
        try:
            log.info("RTMP push accepted from %s", who)
            self._relay(client, who, replay)
        finally:
            self._busy.release()

    def _until_publish(self, client: socket.socket) -> bytes:
        """Be the client's server until its ``publish`` is accepted; the messages to replay."""
        session = PrePublish(self.address.app, self.address.key_sha256)
        deadline = time.monotonic() + self.publish_timeout_s
        while not session.accepted:
            left = deadline - time.monotonic()
            if left <= 0 or self._closed.is_set():
                raise Refused(f"no publicó en {self.publish_timeout_s:g} s")
            client.settimeout(min(left, 0.5))
            try:
                data = client.recv(65536)
            except TimeoutError:
                continue
            if not data:
                raise Refused("cerró la conexión antes de publicar")
            answer = session.feed(data)
            if answer:
                client.sendall(answer)
        return bytes(session.replay)

    def _relay(self, client: socket.socket, who: str, replay: bytes) -> None:
        backend = _connect_backend(self.backend_port, self._closed)
        if backend is None:
            self._refuse(client, f"{who}: la grabación no está lista para recibir")
            return
        drain = threading.Thread(target=_drain, args=(backend, client), daemon=True)
        try:
            backend.settimeout(BACKEND_WAIT_S)
            client_handshake(backend)
            backend.settimeout(None)
            drain.start()
            backend.sendall(replay)
            client.settimeout(IDLE_TIMEOUT_S)
            while data := client.recv(65536):
                backend.sendall(data)
        except OSError:
            pass
        finally:
            _close(client)
            _close(backend)
            if drain.is_alive():
                drain.join(timeout=5)

    def _refuse(self, client: socket.socket, why: str) -> None:
        self.refused.append(why)
        log.info("RTMP push refused: %s", why)
        self._on_refused(why)
        _close(client)


def _connect_backend(port: int, closed: threading.Event) -> socket.socket | None:
    deadline = time.monotonic() + BACKEND_WAIT_S
    while not closed.is_set() and time.monotonic() < deadline:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=2)
        except OSError:
            time.sleep(0.2)
    return None


def _drain(backend: socket.socket, client: socket.socket) -> None:
    """Read and drop what ffmpeg says (the client had the gate's answers); its end ends both."""
    try:
        while backend.recv(65536):
            pass
    except OSError:
        pass
    finally:
        _close(client)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def open_gate(
    address: PushAddress,
    on_refused: Callable[[str], None] | None = None,
    publish_timeout_s: float = PUBLISH_TIMEOUT_S,
) -> tuple[RtmpGate, str]:
    """Listen on the public address; the URL the recorder's ffmpeg listens on behind the gate.

    That URL names an internal stream, not the key: the key never reaches a command line.
    """
    internal = free_loopback_port()
    gate = RtmpGate(address, internal, on_refused, publish_timeout_s).start()
    return gate, f"rtmp://127.0.0.1:{internal}/{address.app}/internal-{secrets.token_hex(4)}"
