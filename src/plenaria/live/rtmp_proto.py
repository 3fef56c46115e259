"""The little of RTMP the push gate needs: the handshake, chunks, AMF0 commands.

The gate (:mod:`plenaria.live.rtmp_gate`) speaks the server's side of an RTMP
connection itself until the client has published with the right key: it reads
the client's chunk stream (:class:`ChunkReader`), answers ``connect``,
``createStream`` and ``publish`` with messages written here (:func:`message`),
and only then opens a connection to ffmpeg, as a client (:func:`client_handshake`).
"""

from __future__ import annotations

import os
import socket
import struct
from dataclasses import dataclass, field
from typing import Any

HANDSHAKE_SIZE = 1536
RTMP_VERSION = 3

# Message types (RTMP 1.0, section 5.4 and 7.1).
SET_CHUNK_SIZE = 1
ABORT = 2
ACKNOWLEDGEMENT = 3
USER_CONTROL = 4
WINDOW_ACK_SIZE = 5
SET_PEER_BANDWIDTH = 6
AUDIO = 8
VIDEO = 9
AMF3_DATA = 15
AMF3_COMMAND = 17
AMF0_DATA = 18
AMF0_COMMAND = 20
AGGREGATE = 22
CONTROL_TYPES = frozenset(
    {SET_CHUNK_SIZE, ABORT, ACKNOWLEDGEMENT, USER_CONTROL, WINDOW_ACK_SIZE, SET_PEER_BANDWIDTH}
)
MEDIA_NAMES = {
    AUDIO: "audio",
    VIDEO: "video",
    AMF0_DATA: "data",
    AMF3_DATA: "data",
    AGGREGATE: "aggregate media",
}

DEFAULT_CHUNK_SIZE = 128
MAX_MESSAGE_BYTES = 1 << 16  # before publish, only small command messages are expected


class ProtocolError(Exception):
    """The bytes are not the RTMP the gate accepts before a publish."""


@dataclass(frozen=True, slots=True)
class Message:
    type_id: int
    stream_id: int
    payload: bytes


@dataclass
class _ChunkStream:
    length: int = 0
    type_id: int = 0
    stream_id: int = 0
    extended: bool = False
    started: bool = False
    data: bytearray = field(default_factory=bytearray)


class ChunkReader:
    """Incremental reader of one direction of an RTMP chunk stream (after the handshake).

    :meth:`next` returns the next complete message, or None until more bytes are fed.
    ``consumed`` counts the bytes parsed so far (the chunks of complete and partial
    messages alike).
    """

    def __init__(self) -> None:
        self.chunk_size = DEFAULT_CHUNK_SIZE
        self.consumed = 0
        self._buf = bytearray()
        self._streams: dict[int, _ChunkStream] = {}

    def feed(self, data: bytes) -> None:
        self._buf += data

    def rest(self) -> bytes:
        """The bytes fed and not parsed yet (taken out of the reader)."""
        out = bytes(self._buf)
        self._buf.clear()
        return out

    def next(self) -> Message | None:
        while True:
            parsed = self._chunk()
            if parsed is None:
                return None
            if parsed is not _PARTIAL:
                message = parsed
                assert isinstance(message, Message)
                if message.type_id == SET_CHUNK_SIZE and len(message.payload) >= 4:
                    size = struct.unpack(">I", message.payload[:4])[0] & 0x7FFFFFFF
                    self.chunk_size = max(1, size)
                return message

    def _chunk(self) -> Message | object | None:
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
        cs = self._streams.get(csid)
        if cs is None:
            if fmt != 0:
                raise ProtocolError(f"el flujo de trozos {csid} empieza sin una cabecera completa")
            cs = self._streams[csid] = _ChunkStream()
        extended = cs.extended
        if fmt <= 2:
            extended = int.from_bytes(buf[pos : pos + 3], "big") == 0xFFFFFF
        length, type_id, stream_id = cs.length, cs.type_id, cs.stream_id
        if fmt <= 1:
            length = int.from_bytes(buf[pos + 3 : pos + 6], "big")
            type_id = buf[pos + 6]
            if length > MAX_MESSAGE_BYTES:
                raise ProtocolError(f"un mensaje RTMP de {length} bytes antes de publicar")
        if fmt == 0:
            stream_id = int.from_bytes(buf[pos + 7 : pos + 11], "little")
        pos += header + (4 if extended else 0)
        if cs.data and fmt != 3:
            raise ProtocolError("una cabecera de mensaje nueva en medio de otro mensaje")
        need = min(self.chunk_size, length - len(cs.data))
        if len(buf) < pos + need:
            return None
        cs.extended, cs.length, cs.type_id, cs.stream_id = extended, length, type_id, stream_id
        cs.data += buf[pos : pos + need]
        del buf[: pos + need]
        self.consumed += pos + need
        if len(cs.data) < cs.length:
            return _PARTIAL
        payload, cs.data = bytes(cs.data), bytearray()
        return Message(type_id, stream_id, payload)


_PARTIAL = object()


def message(csid: int, type_id: int, stream_id: int, payload: bytes) -> bytes:
    """One message as chunks of the default size (a full header, then type-3 headers)."""
    out = bytearray([csid & 0x3F])
    out += (0).to_bytes(3, "big") + len(payload).to_bytes(3, "big") + bytes([type_id])
    out += stream_id.to_bytes(4, "little")
    for i in range(0, max(len(payload), 1), DEFAULT_CHUNK_SIZE):
        if i:
            out.append(0xC0 | (csid & 0x3F))
        out += payload[i : i + DEFAULT_CHUNK_SIZE]
    return bytes(out)


def command(csid: int, stream_id: int, *values: Any) -> bytes:
    return message(csid, AMF0_COMMAND, stream_id, b"".join(amf0(v) for v in values))


def amf0(value: Any) -> bytes:
    """A value as AMF0: None, bool, number, string, or a dict (an object)."""
    if value is None:
        return b"\x05"
    if isinstance(value, bool):
        return b"\x01" + bytes([value])
    if isinstance(value, int | float):
        return b"\x00" + struct.pack(">d", float(value))
    if isinstance(value, str):
        raw = value.encode()
        return b"\x02" + struct.pack(">H", len(raw)) + raw
    if isinstance(value, dict):
        out = b"\x03"
        for k, v in value.items():
            raw = str(k).encode()
            out += struct.pack(">H", len(raw)) + raw + amf0(v)
        return out + b"\x00\x00\x09"
    raise TypeError(f"no AMF0 for {type(value).__name__}")


def amf0_values(data: bytes, limit: int) -> list[Any]:
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


def handshake_packet() -> bytes:
    """C1 or S1: time 0, version 0 (the simple handshake), random bytes."""
    return bytes(8) + os.urandom(HANDSHAKE_SIZE - 8)


def recv_exactly(sock: socket.socket, n: int) -> bytes:
    out = bytearray()
    while len(out) < n:
        data = sock.recv(n - len(out))
        if not data:
            raise ConnectionError("the peer closed during the RTMP handshake")
        out += data
    return bytes(out)


def client_handshake(sock: socket.socket) -> None:
    """The client's side of the handshake (the gate to ffmpeg): C0 C1, S0 S1 S2, C2."""
    sock.sendall(bytes([RTMP_VERSION]) + handshake_packet())
    reply = recv_exactly(sock, 1 + 2 * HANDSHAKE_SIZE)
    sock.sendall(reply[1 : 1 + HANDSHAKE_SIZE])  # C2 echoes S1
