"""The openai-whisper backend on a tiny, randomly initialised checkpoint.

Random weights say nothing sensible, so this checks the plumbing: a checkpoint
file in openai-whisper's own format loads through our loader, audio goes in as an
array, words come back as domain Words at times inside the speech regions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from needs import module
from plenaria.config import Settings
from plenaria.domain import Segment, Word
from plenaria.transcription.base import TranscriptionOptions
from plenaria.transcription.languages import Heard
from plenaria.transcription.loader import load_transcriber

torch = module("torch", "openai-whisper")
whisper = module("whisper", "openai-whisper")

SR = 16_000
# 8 tokens a window at one temperature: random weights would otherwise decode
# 224 tokens and retry five times. They also repeat one token ("mily mily..."),
# which the repetition guard would drop: switched off, so words come back.
FAST = TranscriptionOptions(
    max_new_tokens=8, temperatures=(0.0,), beam_size=1, compression_ratio_threshold=1e6
)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(0)
    dims = ModelDimensions(
        n_mels=80,
        n_vocab=51865,
        n_audio_ctx=1500,
        n_audio_state=64,
        n_audio_head=2,
        n_audio_layer=1,
        n_text_ctx=448,
        n_text_state=64,
        n_text_head=2,
        n_text_layer=1,
    )
    model = Whisper(dims)
    with torch.no_grad():  # some weights start as torch.empty: garbage, sometimes NaN
        for parameter in model.parameters():
            parameter.normal_(0.0, 0.02)
    path = tmp_path_factory.mktemp("openai") / "tiny-random.pt"
    torch.save({"dims": dims.__dict__, "model_state_dict": model.state_dict()}, path)
    return path


@pytest.fixture(scope="module")
def transcriber(checkpoint: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    settings = Settings(
        cache_dir=tmp_path_factory.mktemp("cache"),
        asr_backend="openai-whisper",
        whisper_model=str(checkpoint),
        device="cpu",
    )
    return load_transcriber(settings)


def audio_3s() -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(3 * SR) / SR
    return (0.1 * np.sin(2 * np.pi * 220 * t) + 0.01 * rng.standard_normal(len(t))).astype(
        np.float32
    )


def test_loads_through_the_loader_with_a_stable_id(transcriber, checkpoint: Path) -> None:  # type: ignore[no-untyped-def]
    from plenaria.transcription.openai_backend import OpenAIWhisperTranscriber

    assert isinstance(transcriber, OpenAIWhisperTranscriber)
    assert transcriber.model_id.startswith("openai-whisper/tiny-random@")
    assert transcriber.model_id.endswith("/float32")
    assert OpenAIWhisperTranscriber(checkpoint).model_id == transcriber.model_id


def test_transcribes_an_array_into_words_inside_the_speech(transcriber) -> None:  # type: ignore[no-untyped-def]
    speech = [Segment(0.5, 1.2), Segment(2.0, 2.6)]
    heard = transcriber.transcribe(audio_3s(), speech, FAST)
    language, words = heard.language, heard.words
    assert language in whisper.tokenizer.LANGUAGES
    assert words and all(isinstance(w, Word) and w.text == w.text.strip() for w in words)
    # padded by 0.2 s, plus half of the 0.6 s gap cap on the inner sides
    allowed = [Segment(0.3, 1.5), Segment(1.7, 2.8)]
    for w in words:
        assert 0.0 <= w.start <= w.end <= 3.0
        assert any(a.start <= w.start <= a.end for a in allowed), w
        assert any(a.start <= w.end <= a.end for a in allowed), w


def test_language_is_given_or_detected_among_candidates(transcriber) -> None:  # type: ignore[no-untyped-def]
    speech = [Segment(0.0, 3.0)]
    given = FAST.model_copy(update={"language": "gl"})
    assert transcriber.transcribe(audio_3s(), speech, given).language == "gl"
    among = FAST.model_copy(update={"detect_languages": ("eu",)})
    heard = transcriber.transcribe(audio_3s(), speech, among)
    language, words = heard.language, heard.words
    assert language == ("eu" if words else "")


def test_no_speech_means_no_decoding(transcriber) -> None:  # type: ignore[no-untyped-def]
    assert transcriber.transcribe(audio_3s(), [], FAST) == Heard("", ())
    es = FAST.model_copy(update={"language": "es"})
    assert transcriber.transcribe(audio_3s(), [], es) == Heard("es", ())
    silent = np.zeros(3 * SR, np.float32)
    assert transcriber.transcribe(silent, [Segment(0.5, 2.5)], es) == Heard("es", ())
