"""The embedded diarizer (segmentation-3.0 + CAM++, real weights) on espeak-ng voices
of the evaluation set.

Sentences are placed at known times, so the speech regions and the voice of
every second of speech are known: the turns are scored against them. The
ONNX exports are kept under the system's temporary folder between runs.
"""

from __future__ import annotations

import io
import itertools
import shutil
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

from models_folder import shared_models_dir
from plenaria.diarization.base import DiarizationOptions
from plenaria.diarization.embedded import EmbeddedDiarizer
from plenaria.domain import Segment, Turn
from plenaria.errors import MediaError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from evaldata import EVAL_ES, Line

pytestmark = [
    pytest.mark.integration,
    pytest.mark.needs(shutil.which("espeak-ng") is not None, reason="espeak-ng is not installed"),
]

RATE = 16_000
MODELS = shared_models_dir()
# A low male and a female voice that no tuning run, sample or evaluation pleno uses (es+f3,
# es+m3 are the sample's), reading the evaluation script's first six lines (tests/evaldata.py).
VOICE_A = ("es+m6", 155, 45)
VOICE_B = ("es+f4", 150, 60)
SENTENCES = tuple(p.text for p in EVAL_ES.parts if isinstance(p, Line))[:6]


def speak(text: str, voice: tuple[str, int, int]) -> np.ndarray:
    name, speed, pitch = voice
    cmd = ["espeak-ng", "-v", name, "-s", str(speed), "-p", str(pitch), "--stdout", text]
    raw = subprocess.run(cmd, capture_output=True, check=True).stdout
    with wave.open(io.BytesIO(raw)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768
    return resample_poly(x, RATE, rate)


def trim(x: np.ndarray, floor: float = 1e-3) -> np.ndarray:
    loud = np.flatnonzero(np.abs(x) > floor)
    return x[loud[0] : loud[-1] + 1] if len(loud) else x


def write_wav(path: Path, x: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def place(parts: list[tuple[str, np.ndarray]], gaps_s: list[float]) -> tuple[np.ndarray, list]:
    """Concatenate sentences with the given silences; returns audio and (voice, Segment) truth."""
    pieces, truth, t = [np.zeros(int(0.5 * RATE))], [], 0.5
    for (voice, audio), gap in zip(parts, gaps_s, strict=True):
        truth.append((voice, Segment(t, t + len(audio) / RATE)))
        pieces += [audio, np.zeros(int(gap * RATE))]
        t += (len(audio) + int(gap * RATE)) / RATE
    return np.concatenate(pieces), truth


def regions_of(truth: list, join_gap_s: float = 0.3) -> list[Segment]:
    out: list[Segment] = []
    for _, seg in truth:
        if out and seg.start - out[-1].end < join_gap_s:
            out[-1] = Segment(out[-1].start, seg.end)
        else:
            out.append(seg)
    return out


def label_time(turns: tuple[Turn, ...], seg: Segment) -> dict[str, float]:
    out: dict[str, float] = {}
    for t in turns:
        out[t.speaker] = out.get(t.speaker, 0.0) + t.segment.overlap(seg)
    return out


@pytest.fixture(scope="module")
def diarizer() -> EmbeddedDiarizer:
    return EmbeddedDiarizer.load(MODELS, threads=2)


@pytest.fixture(scope="module")
def voices() -> dict[str, list[np.ndarray]]:
    return {
        "A": [trim(speak(s, VOICE_A)) for s in SENTENCES],
        "B": [trim(speak(s, VOICE_B)) for s in SENTENCES],
    }


def test_the_two_test_voices_are_far_apart(
    diarizer: EmbeddedDiarizer, voices: dict[str, list[np.ndarray]], tmp_path: Path
) -> None:
    audio, truth = place([("A", voices["A"][0]), ("B", voices["B"][0])], [1.0, 0.5])
    wav = write_wav(tmp_path / "two.wav", audio)
    opts = DiarizationOptions()
    a, b = (diarizer.embed_segments(wav, [seg], opts).mean(axis=0) for _, seg in truth)
    similarity = float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    print(f"cosine similarity {VOICE_A[0]} vs {VOICE_B[0]}: {similarity:.3f}")
    assert similarity < 0.5
    # One voice, two other sentences: alike.
    c = diarizer.embed_segments(wav, [truth[0][1]]).mean(axis=0)
    audio2, truth2 = place([("A", voices["A"][3])], [0.5])
    d = diarizer.embed_segments(write_wav(tmp_path / "a2.wav", audio2), [truth2[0][1]])[0]
    assert float(c @ d / np.linalg.norm(c) / np.linalg.norm(d)) > 0.6


def test_two_alternating_voices_give_two_speakers_at_the_right_times(
    diarizer: EmbeddedDiarizer, voices: dict[str, list[np.ndarray]], tmp_path: Path
) -> None:
    order = ["A", "B", "A", "B", "B", "A"]
    parts = [(v, voices[v][i]) for i, v in enumerate(order)]
    # The fifth sentence (B) runs into the sixth (A) after 0.1 s, so that change of
    # speaker falls inside one speech region.
    audio, truth = place(parts, [0.8, 0.6, 0.9, 0.7, 0.1, 0.5])
    wav = write_wav(tmp_path / "dialogue.wav", audio)
    speech = regions_of(truth)
    assert len(speech) == 5  # one region holds a change of speaker

    result = diarizer.diarize(wav, speech, DiarizationOptions())
    turns = result.turns

    assert result.speakers == ("SPEAKER_00", "SPEAKER_01")
    assert result.model_id == diarizer.model_id and "campplus" in result.model_id
    assert all(len(result.centroid(s) or ()) == 192 for s in result.speakers)
    assert turns[0].speaker == "SPEAKER_00"
    plain = [t for t in turns if not t.overlap]
    assert all(a.segment.end <= b.segment.start + 1e-9 for a, b in itertools.pairwise(plain))
    # By default the segmentation decides where speech starts and ends: near the regions.
    assert all(any(t.segment.overlap(r) > 0 for r in speech) for t in turns)
    cropped = diarizer.diarize(wav, speech, DiarizationOptions(crop_to_speech=True)).turns
    assert all(
        any(r.start <= t.segment.start and t.segment.end <= r.end for r in speech) for t in cropped
    )
    mapping = {"A": "SPEAKER_00", "B": "SPEAKER_01"}
    correct = total = 0.0
    for voice, seg in truth:
        times = label_time(turns, seg)
        assert max(times, key=times.get) == mapping[voice], (voice, seg, times)
        correct += times.get(mapping[voice], 0.0)
        total += seg.duration
    print(f"speech time correctly attributed: {correct / total:.1%}")
    assert correct / total >= 0.9


def test_one_voice_is_one_speaker(
    diarizer: EmbeddedDiarizer, voices: dict[str, list[np.ndarray]], tmp_path: Path
) -> None:
    parts = [("A", x) for x in voices["A"]]
    audio, truth = place(parts, [0.7] * len(parts))
    wav = write_wav(tmp_path / "mono.wav", audio)
    turns = diarizer.diarize(wav, regions_of(truth), DiarizationOptions()).turns
    assert {t.speaker for t in turns} == {"SPEAKER_00"}
    covered = sum(t.segment.duration for t in turns)
    assert covered == pytest.approx(sum(seg.duration for _, seg in truth), rel=0.1)


def test_speaker_count_hints_are_honoured(
    diarizer: EmbeddedDiarizer, voices: dict[str, list[np.ndarray]], tmp_path: Path
) -> None:
    parts = [("A", voices["A"][1]), ("B", voices["B"][2]), ("A", voices["A"][3])]
    audio, truth = place(parts, [0.6, 0.6, 0.5])
    wav = write_wav(tmp_path / "hint.wav", audio)
    speech = regions_of(truth)
    one = diarizer.diarize(wav, speech, DiarizationOptions(max_speakers=1)).turns
    assert {t.speaker for t in one} == {"SPEAKER_00"}
    # One voice, but two speakers asked for: the clustering must split it (over
    # several windows: within one, the segmentation hears one local speaker).
    audio = np.concatenate([voices["A"][k] for k in (1, 3, 4, 5)])
    mono = write_wav(tmp_path / "mono.wav", audio)
    speech = [Segment(0.0, len(audio) / RATE)]
    two = diarizer.diarize(mono, speech, DiarizationOptions(min_speakers=2)).turns
    assert {t.speaker for t in two} == {"SPEAKER_00", "SPEAKER_01"}


def test_no_speech_gives_no_turns(diarizer: EmbeddedDiarizer, tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "silence.wav", np.zeros(RATE * 2))
    assert diarizer.diarize(wav, [], DiarizationOptions()).turns == ()
    # Regions wholly past the end of the audio are no speech either.
    assert diarizer.diarize(wav, [Segment(5.0, 6.0)], DiarizationOptions()).turns == ()
    # Silence given as speech: the segmentation hears nobody.
    assert diarizer.diarize(wav, [Segment(0.0, 2.0)], DiarizationOptions()).turns == ()


def test_a_wav_in_the_wrong_format_is_a_media_error(
    diarizer: EmbeddedDiarizer, tmp_path: Path
) -> None:
    path = tmp_path / "stereo.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44_100)
        w.writeframes(b"\0\0" * 2 * 4410)
    with pytest.raises(MediaError, match="16 kHz mono"):
        diarizer.diarize(path, [Segment(0, 0.1)], DiarizationOptions())
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"not a wav at all")
    with pytest.raises(MediaError, match=r"garbage\.wav"):
        diarizer.diarize(garbage, [Segment(0, 0.1)], DiarizationOptions())


def test_real_time_factor_on_a_minute(
    diarizer: EmbeddedDiarizer, voices: dict[str, list[np.ndarray]], tmp_path: Path
) -> None:
    parts = [(v, voices[v][i]) for i in range(len(SENTENCES)) for v in ("A", "B")]
    audio, truth = place(parts, [0.5] * len(parts))
    reps = int(np.ceil(60 * RATE / len(audio)))
    minute = np.tile(audio, reps)[: 60 * RATE]
    wav = write_wav(tmp_path / "minute.wav", minute)
    period = len(audio) / RATE
    speech = [
        Segment(s.start + k * period, min(60.0, s.end + k * period))
        for k in range(reps)
        for s in regions_of(truth)
        if s.start + k * period < 60.0
    ]
    started = time.perf_counter()
    turns = diarizer.diarize(wav, speech, DiarizationOptions()).turns
    elapsed = time.perf_counter() - started
    print(f"embedded diarization: 60 s of audio in {elapsed:.2f} s, RTF {elapsed / 60:.3f}")
    assert len({t.speaker for t in turns}) == 2
    assert elapsed / 60 < 0.5


def test_a_one_word_speaker_between_two_long_turns_breaks_nothing(
    diarizer: EmbeddedDiarizer, voices: dict[str, list[np.ndarray]], tmp_path: Path
) -> None:
    word = trim(speak("Sí.", VOICE_B))
    assert len(word) / RATE < 0.8
    long_a = np.concatenate([voices["A"][0], np.zeros(int(0.3 * RATE)), voices["A"][1]])
    audio, truth = place([("A", long_a), ("B", word), ("A", long_a)], [0.35, 0.35, 0.5])
    wav = write_wav(tmp_path / "word.wav", audio)
    speech = regions_of(truth, join_gap_s=0.5)
    assert len(speech) == 1  # one stretch of speech: the word is inside it

    turns = diarizer.diarize(wav, speech, DiarizationOptions()).turns

    first, word_seg, last = (seg for _, seg in truth)
    label = {seg: max(times, key=lambda k: times[k]) for seg in (first, last)
             for times in [label_time(turns, seg)]}  # fmt: skip
    assert label[first] == label[last] == "SPEAKER_00"
    plain = [t for t in turns if not t.overlap]
    assert all(a.segment.end <= b.segment.start + 1e-9 for a, b in itertools.pairwise(plain))
    own = label_time(turns, word_seg)
    print(f"the one word ({word_seg.duration:.2f} s) is given to {own}; speakers {len(set(own))}")
    # A keeps one label on both sides; the word is A's or a second speaker's, no third.
    assert len({t.speaker for t in turns}) <= 2


def test_talking_over_each_other_is_marked_as_overlap(
    diarizer: EmbeddedDiarizer, voices: dict[str, list[np.ndarray]], tmp_path: Path
) -> None:
    a = np.concatenate([voices["A"][2], voices["A"][3]])
    b = np.concatenate([voices["B"][4], voices["B"][5]])
    both_s = 1.5  # B starts this long before A stops
    start_b = len(a) - int(both_s * RATE)
    audio = np.zeros(start_b + len(b) + RATE)
    audio[: len(a)] += a
    audio[start_b : start_b + len(b)] += b
    wav = write_wav(tmp_path / "overlap.wav", 0.7 * audio)
    both = Segment(start_b / RATE, len(a) / RATE)
    speech = [Segment(0.0, (start_b + len(b)) / RATE)]

    turns = diarizer.diarize(wav, speech, DiarizationOptions()).turns

    assert {t.speaker for t in turns} == {"SPEAKER_00", "SPEAKER_01"}
    flagged = [t for t in turns if t.overlap]
    print(
        "overlap turns:",
        [(t.speaker, round(t.segment.start, 2), round(t.segment.end, 2)) for t in flagged],
    )
    print(f"true overlap: {both.start:.2f}-{both.end:.2f}")
    assert {t.speaker for t in flagged} == {"SPEAKER_00", "SPEAKER_01"}
    assert all(t.segment.overlap(both) > 0 for t in flagged)
    # Both speakers at once over most of the true overlap.
    found = sum(
        a.segment.overlap(b.segment)
        for a, b in itertools.combinations(flagged, 2)
        if a.speaker != b.speaker
    )
    assert found > 0.5 * both.duration


def test_the_torch_modules_give_what_the_onnx_files_give(
    diarizer: EmbeddedDiarizer, voices: dict[str, list[np.ndarray]]
) -> None:
    """A GPU image with torch but no onnxruntime-gpu runs these modules (``TorchSession``)."""
    from plenaria.diarization import models as m
    from plenaria.diarization.export import torch_models

    seg, cam = torch_models(
        m.checked_weights(m.SEGMENTATION_FILE, m.SEGMENTATION_SHA256),
        m.checked_weights(m.CAMPPLUS_FILE, m.CAMPPLUS_SHA256),
    )
    on_torch = m.DiarizationModels(m.TorchSession(seg, "cpu"), m.TorchSession(cam, "cpu"))
    speech = np.concatenate(voices["A"][:2] + voices["B"][:2]).astype(np.float32)
    windows = np.stack([speech[:160_000], speech[-160_000:]])
    assert np.abs(diarizer.models.segment(windows) - on_torch.segment(windows)).max() < 1e-3
    feats = m.fbank(speech[: 3 * RATE])[None]
    feats = feats - feats.mean(axis=1, keepdims=True)
    cos = float((diarizer.models.embed(feats) * on_torch.embed(feats)).sum())
    assert cos > 0.9999
