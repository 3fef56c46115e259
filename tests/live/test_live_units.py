"""The live pieces on their own: URL checks, chunk closing, streaming VAD, the growing files,
online speakers, and the command's one-line refusals."""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from live_helpers import live_env

from plenaria.cli.samples import ALCALDESA, SECRETARIO, render_script, write_wav
from plenaria.domain import Segment
from plenaria.errors import InputError
from plenaria.live.recorder import GrowingWav, HashedFile
from plenaria.live.segmenter import ChunkCloser, LiveOptions, StreamingVad
from plenaria.live.source import check_url, protocol_whitelist, record_args
from plenaria.live.speakers import OnlineSpeakers
from plenaria.media.audio import SAMPLE_RATE, extract_audio, read_audio
from plenaria.media.vad import VadOptions, detect_speech, load_vad_model, speech_probabilities
from plenaria.transcription.base import TranscriptionOptions, pack_speech, quietest_moment

# -- the stream's URL -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "/etc/passwd",
        "concat:a.ts|b.ts",
        "ftp://host/live.ts",
        "subfile,,start,0,end,0,,:/etc/passwd",
        "http:///live.ts",
    ],
)
def test_a_url_outside_the_stream_schemes_is_refused(url: str) -> None:
    with pytest.raises(InputError):
        check_url(url)


def test_each_scheme_gets_only_its_protocols() -> None:
    assert protocol_whitelist("http://h/live.ts") == "http,tcp"
    assert "file" not in protocol_whitelist("https://h/live.m3u8")
    assert "crypto" in protocol_whitelist("https://h/live.m3u8")
    assert protocol_whitelist("rtmp://h/app/key") == "rtmp,tcp"
    args = record_args("srt://h:9000", 7, 12.5)
    assert args[args.index("-protocol_whitelist") + 1] == "srt,udp"
    assert "-reconnect" not in args  # our own reconnection measures the gap
    assert args[args.index("-output_ts_offset") + 1] == "12.500"
    assert args[-1] == "pipe:7"


def test_the_command_refuses_a_bad_url_in_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "plenaria", "live", "file:///etc/passwd", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=live_env(tmp_path),
        timeout=60,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "el esquema tiene que ser uno de" in " ".join(proc.stderr.split())
    assert proc.stdout == ""


# -- closing chunks ---------------------------------------------------------------------------


def _live_cuts(
    speech: list[Segment], end: float, closer: ChunkCloser, quiet: Any = None
) -> list[float]:
    """Replay the audio in 0.1 s steps: the speech known at each moment, the cuts made."""
    cuts: list[float] = []
    start = 0.0
    for step in range(1, int(end * 10) + 1):
        now = step / 10
        known = [Segment(s.start, min(s.end, now)) for s in speech if s.start < now]
        while (cut := closer.cut(start, now, known, quiet)) is not None:
            assert start < cut <= now
            cuts.append(cut)
            start = cut
    return cuts


def test_a_chunk_closes_where_the_transcriber_would_start_a_new_window() -> None:
    rng = random.Random(7)
    speech: list[Segment] = []
    t = 1.0
    while t < 170:
        length = rng.uniform(0.5, 9.0)
        speech.append(Segment(t, t + length))
        t += length + rng.choice([0.45, 0.7, 1.0, 2.5, 6.0])
    end = t + 2
    options = TranscriptionOptions()
    closer = ChunkCloser(LiveOptions(max_chunk_s=600), options)
    audio = np.full(round(end * SAMPLE_RATE), 0.1, dtype=np.float32)
    # A region too long for the room left is cut at its quietest moment, live as in a file.
    cuts = _live_cuts(
        speech, end, closer, lambda s: quietest_moment(audio, s.start, s.end, SAMPLE_RATE)
    )
    # The same speech processed as one file: where pack_speech starts each window.
    packed = pack_speech(audio, speech, options)
    starts = {round(w.start, 6) for w in packed.windows}
    boundaries = [
        (packed.pieces[i - 1].source.end, p.source.start)
        for i, p in enumerate(packed.pieces)
        if i and round(p.at, 6) in starts
    ]
    assert len(cuts) == len(boundaries) >= 3
    for cut, (prev_end, next_start) in zip(cuts, boundaries, strict=True):
        assert prev_end - 1e-6 <= cut <= next_start + 1e-6, (cut, prev_end, next_start)


def test_a_chunk_closes_at_its_widest_pause_when_it_grows_too_long() -> None:
    starts = (1.0, 4.0, 7.0, 14.0, 17.0, 21.0)  # the widest pause: 8.0 .. 14.0
    speech = [Segment(t, t + 1.0) for t in starts]
    closer = ChunkCloser(LiveOptions(max_chunk_s=20), TranscriptionOptions())
    assert closer.cut(0.0, 19.9, [s for s in speech if s.end < 19.9]) is None
    cut = closer.cut(0.0, 20.0, [s for s in speech if s.end < 20.0])
    assert cut is not None and 8.2 < cut < 13.8


def test_options_are_checked() -> None:
    with pytest.raises(ValueError):
        LiveOptions(max_chunk_s=1)
    with pytest.raises(ValueError):
        LiveOptions(surprise=1)  # type: ignore[call-arg]


# -- streaming speech detection ---------------------------------------------------------------


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    audio, _ = render_script(
        [(ALCALDESA, "Se abre la sesión."), (SECRETARIO, "Primer punto del orden del día.")],
        pause_s=1.5,
    )
    folder = tmp_path_factory.mktemp("vad")
    return extract_audio(write_wav(folder / "speech-22k.wav", audio), folder / "speech.wav")


def test_streaming_vad_equals_the_whole_file_pass(speech_wav: Path) -> None:
    model = load_vad_model()
    samples = read_audio(speech_wav)
    vad = StreamingVad(model)
    rng = random.Random(3)
    i = 0
    while i < len(samples):
        n = rng.randint(100, 9000)  # blocks that never line up with the 512-sample frames
        vad.feed(samples[i : i + n])
        i += n
    vad.finish()
    whole = speech_probabilities(speech_wav, model)
    assert np.allclose(vad.probabilities(), whole, atol=1e-5)
    found = vad.speech(VadOptions())
    assert found == detect_speech(speech_wav, model)
    assert len(found) == 2


# -- the growing files ------------------------------------------------------------------------


def test_a_growing_wav_is_readable_while_it_grows(tmp_path: Path) -> None:
    wav = GrowingWav(tmp_path / "a.wav")
    tone = (np.sin(np.arange(SAMPLE_RATE) / 5) * 10000).astype("<i2")
    wav.append(tone.tobytes())
    assert len(read_audio(wav.path)) == SAMPLE_RATE
    wav.append(tone[:800].tobytes())
    got = read_audio(wav.path, Segment(0.99, 1.05))  # across the two appends
    expected = np.concatenate((tone, tone[:800]))[15840:16800].astype(np.float32) / 32768
    assert np.array_equal(got, expected)
    assert len(read_audio(wav.path)) == SAMPLE_RATE + 800
    wav.close()
    with wave.open(str(wav.path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getnframes()) == (SAMPLE_RATE, 1, 16800)
        assert np.array_equal(np.frombuffer(w.readframes(16800), "<i2")[SAMPLE_RATE:], tone[:800])


def test_the_original_is_hashed_as_it_grows(tmp_path: Path) -> None:
    f = HashedFile(tmp_path / "o.ts")
    blocks = [bytes([i]) * (1000 + i) for i in range(50)]
    for b in blocks:
        f.append(b)
    digest = f.close()
    assert digest == hashlib.sha256(b"".join(blocks)).hexdigest()
    assert digest == hashlib.sha256((tmp_path / "o.ts").read_bytes()).hexdigest()
    assert f.size == sum(map(len, blocks))


# -- provisional speakers ---------------------------------------------------------------------


def test_online_speakers_keep_two_voices_apart() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=256), rng.normal(size=256)
    speakers = OnlineSpeakers(threshold=0.6)
    labels = []
    for k in range(10):
        centre = a if k % 3 else b
        windows = centre + rng.normal(scale=0.3, size=(5, 256))
        windows /= np.linalg.norm(windows, axis=1, keepdims=True)
        labels.append(speakers.assign(windows, 3.0))
    assert labels[0] == "Interviniente 1" and labels[1] == "Interviniente 2"
    assert {labels[k] for k in range(10) if k % 3 == 0} == {"Interviniente 1"}
    assert {labels[k] for k in range(10) if k % 3} == {"Interviniente 2"}
    assert speakers.assign(np.zeros((0, 256)), 1.0) == "Interviniente ?"
