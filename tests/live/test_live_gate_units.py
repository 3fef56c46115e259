"""The push gate's server side on its own (no socket, no ffmpeg): what a client may send
before a publish with the key, and what the gate keeps to replay to ffmpeg."""

from __future__ import annotations

import pytest
from live_helpers import amf0, rtmp_command, rtmp_message

from plenaria.live.rtmp_gate import MAX_BEFORE_PUBLISH_BYTES, PrePublish, Refused, hash_key
from plenaria.live.rtmp_proto import ChunkReader, amf0_values

KEY = "Clave-del-pleno-1"
HELLO = b"\x03" + bytes(1536)
C2 = bytes(1536)
CONNECT = rtmp_command("connect", 1.0, {"app": "live", "tcUrl": "rtmp://h/live"})
CREATE = rtmp_command("createStream", 2.0, None)


def _publish(name: str) -> bytes:
    return rtmp_message(8, 20, 1, b"".join(amf0(v) for v in ("publish", 3.0, None, name, "live")))


def _gate() -> PrePublish:
    gate = PrePublish("live", hash_key(KEY))
    answer = gate.feed(HELLO)
    assert answer[0] == 3 and answer[1 + 1536 :] == HELLO[1:]  # S0, S1, S2 echoing C1
    assert gate.feed(C2) == b""
    return gate


def _answers(data: bytes) -> list[list[object]]:
    reader = ChunkReader()
    reader.feed(data)
    out = []
    while (msg := reader.next()) is not None:
        if msg.type_id == 20:
            out.append(amf0_values(msg.payload, 5))
    return out


def test_the_right_key_is_answered_by_the_gate_and_everything_kept_for_ffmpeg() -> None:
    gate = _gate()
    connected = _answers(gate.feed(CONNECT))
    assert connected[0][:2] == ["_result", 1.0]
    assert connected[0][3]["code"] == "NetConnection.Connect.Success"  # type: ignore[index]
    assert _answers(gate.feed(CREATE)) == [["_result", 2.0, None, 1.0]]
    assert not gate.accepted
    media = rtmp_message(4, 8, 1, b"\xaf\x01" + bytes(10))
    started = _answers(gate.feed(_publish(f"{KEY}?user=enc") + media))
    assert gate.accepted and started[0][0] == "onStatus"
    assert started[0][3]["code"] == "NetStream.Publish.Start"  # type: ignore[index]
    # ffmpeg gets the client's messages as they came, the audio after the publish included.
    assert bytes(gate.replay) == CONNECT + CREATE + _publish(f"{KEY}?user=enc") + media


@pytest.mark.parametrize(
    ("messages", "why"),
    [
        (
            [CONNECT, rtmp_message(4, 8, 1, b"\xaf\x01" + bytes(100))],
            "envió audio antes de publicar",
        ),
        ([CONNECT, CREATE, rtmp_message(6, 9, 1, bytes(50))], "envió vídeo antes de publicar"),
        ([CONNECT, rtmp_message(4, 18, 1, bytes(20))], "envió datos antes de publicar"),
        ([rtmp_command("connect", 1.0, {"app": "other"})], "la app 'other'"),
        ([CREATE], "createStream antes de conectar"),
        ([_publish(KEY)], "publish antes de conectar"),
        ([CONNECT, rtmp_command("play", 4.0, None, KEY)], "la orden RTMP 'play'"),
        ([CONNECT, _publish("WRONG")], "publicó con una clave de emisión equivocada"),
        ([CONNECT, _publish(KEY[:-1])], "publicó con una clave de emisión equivocada"),
        ([CONNECT, _publish(hash_key(KEY))], "publicó con una clave de emisión equivocada"),
        ([CONNECT, b"\x49" + bytes(20)], "empieza sin una cabecera completa"),
        (
            [CONNECT, bytes([5, 0, 0, 0, 0x10, 0, 0, 20, 0, 0, 0, 0])],
            "1048576 bytes antes de publicar",
        ),
    ],
)
def test_nothing_but_a_publish_with_the_key_opens_the_gate(messages: list[bytes], why: str) -> None:
    gate = _gate()
    with pytest.raises(Refused, match=why):
        for message in messages:
            gate.feed(message)
    assert not gate.accepted


def test_too_many_bytes_before_publish_are_refused() -> None:
    gate = _gate()
    gate.feed(CONNECT)
    ack = rtmp_message(2, 3, 0, bytes(4))  # a control message: allowed, but not for ever
    with pytest.raises(Refused, match="bytes antes de publicar"):
        for _ in range(MAX_BEFORE_PUBLISH_BYTES // len(ack) + 1):
            gate.feed(ack)
