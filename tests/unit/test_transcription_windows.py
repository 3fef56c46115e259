"""Window placement, batching order, fallback rule and word joining (no model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from plenaria.domain import Segment
from plenaria.transcription.base import TranscriptionOptions, pack_speech, quietest_moment
from plenaria.transcription.batched import batch_order
from plenaria.transcription.decoded import (
    DecodedWindow,
    DecodedWord,
    DecodeSettings,
    join_split_words,
    needs_fallback,
    repeats_sentence,
    unlooped,
)

SR = 16_000


def speech_with_pauses(seconds: float, pauses: list[float], pause_s: float = 0.25) -> np.ndarray:
    """A loud 'voice' (noise at about -12 dBFS) with near-silent pauses starting at ``pauses``."""
    rng = np.random.default_rng(0)
    audio = (rng.standard_normal(round(seconds * SR)) * 0.25).astype(np.float32)
    for p in pauses:
        audio[round(p * SR) : round((p + pause_s) * SR)] *= 0.001
    return audio


def in_a_pause(t: float, pauses: list[float], pause_s: float = 0.25) -> bool:
    return any(p <= t <= p + pause_s for p in pauses)


def test_a_long_region_is_cut_at_its_pauses_and_windows_are_filled() -> None:
    pauses = [6.0, 14.0, 26.5, 33.0, 47.0, 55.5, 62.0]
    audio = speech_with_pauses(70.0, pauses)
    options = TranscriptionOptions(window_s=29.5, speech_pad_ms=0)
    packed = pack_speech(audio, [Segment(0.0, 70.0)], options)
    cuts = [p.source.end for p in packed.pieces[:-1]]
    assert cuts and all(in_a_pause(c, pauses) for c in cuts), cuts
    assert all(w.duration <= 29.5 for w in packed.windows)
    # the latest pause that fits: 26.5 s, then 55.5 s (26.6 + 29.5 = 56.1), then the rest
    assert [round(c) for c in cuts] == [27, 56]
    assert packed.pieces[-1].source.end == 70.0
    assert sum(p.source.duration for p in packed.pieces) == pytest.approx(70.0)


def test_the_next_region_fills_the_room_left_in_a_window() -> None:
    pauses = [20.0, 24.0, 35.0]
    audio = speech_with_pauses(50.0, pauses)
    speech = [Segment(0.0, 10.0), Segment(10.5, 50.0)]
    packed = pack_speech(audio, speech, TranscriptionOptions(window_s=29.5, speech_pad_ms=0))
    first = packed.windows[0]
    # 10 s + 0.5 s gap + speech up to the pause at 24 s: the 35 s pause is out of reach
    assert first.duration == pytest.approx(24.2, abs=0.02)
    starts = [p.source.start for p in packed.pieces]  # half of the gap on each side
    assert starts == [0.0, 10.25, pytest.approx(24.2, abs=0.02)]
    # too little room left: the region waits for the next window, whole
    few = TranscriptionOptions(window_s=29.5, speech_pad_ms=0, fill_min_s=20.0)
    packed = pack_speech(audio, speech, few)
    assert packed.windows[0].duration == pytest.approx(10.0)
    second = packed.pieces[1].source
    assert second.start == 10.5 and second.end == pytest.approx(35.2, abs=0.02)


def test_speech_with_no_pause_is_cut_at_its_quietest_moment() -> None:
    rng = np.random.default_rng(1)
    t = np.arange(40 * SR) / SR
    audio = (rng.standard_normal(len(t)) * (0.3 + 0.2 * np.sin(t))).astype(np.float32)
    packed = pack_speech(audio, [Segment(0.0, 40.0)], TranscriptionOptions(window_s=29.5))
    cut = packed.pieces[0].source.end
    assert 21.0 <= cut <= 29.5
    # |0.3 + 0.2 sin t| is lowest at t = 3π/2 + 2πk: 23.56 s is in reach
    assert cut == pytest.approx(23.56, abs=0.3)


def test_quietest_moment_prefers_the_latest_of_equal_silences() -> None:
    audio = speech_with_pauses(10.0, [2.0, 7.0])
    assert quietest_moment(audio, 0.0, 10.0) == pytest.approx(7.2, abs=0.02)
    assert quietest_moment(audio, 0.0, 5.0) == pytest.approx(2.2, abs=0.02)
    assert quietest_moment(audio, 3.0, 3.05) == 3.05  # too short to choose


def test_batches_by_stride_put_each_windows_predecessor_one_batch_earlier() -> None:
    assert batch_order(0, 8, True) == []
    assert batch_order(5, 8, True) == [[0, 1, 2, 3, 4]]
    assert batch_order(10, 4, False) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    batches = batch_order(10, 4, True)
    assert batches == [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]
    where = {i: b for b, batch in enumerate(batches) for i in batch}
    conditioned = [i for i in range(1, 10) if where[i - 1] == where[i] - 1]
    assert conditioned == [1, 2, 4, 5, 7, 8]  # all but the first batch
    assert all(len(b) <= 4 for b in batches)


def settings(**kw: object) -> DecodeSettings:
    base: dict[str, object] = dict(
        language="es", beam_size=5, batch_size=8, temperatures=(0.0, 0.2),
        compression_ratio_threshold=2.4, log_prob_threshold=-1.0, no_speech_threshold=0.6,
        hotwords=None, condition_on_previous_text=False, max_new_tokens=None,
    )  # fmt: skip
    base.update(kw)
    return DecodeSettings(**base)  # type: ignore[arg-type]


def test_a_window_falls_back_on_a_loop_or_improbable_text_but_not_on_silence() -> None:
    s = settings()
    assert not needs_fallback(1.5, -0.4, 0.1, s)
    assert needs_fallback(3.1, -0.4, 0.1, s)  # repetition loop
    assert needs_fallback(3.1, -1.5, 0.9, s)  # a loop even where the model hears silence
    assert needs_fallback(1.5, -1.4, 0.1, s)  # improbable
    assert not needs_fallback(1.5, -1.4, 0.9, s)  # silence: no point in retrying


def w(text: str, start: float, end: float, p: float = 0.9) -> DecodedWord:
    return DecodedWord(text, start, end, p)


def test_one_short_sentence_said_three_times_running_is_a_loop() -> None:
    # Whisper base, on 20 s of a live chunk: six seconds of speech came out as this, at a
    # compression ratio of 1.75, under the 2.4 that catches longer loops
    assert repeats_sentence(" Gracias. Gracias. Gracias. Gracias.")
    assert repeats_sentence("Votos a favor. ¿Gracias? gracias... GRACIAS!")
    assert not repeats_sentence(" Gracias. Gracias, señora alcaldesa. Gracias.")
    assert not repeats_sentence(" Señor García: sí. Señora López: sí. Señor Puig: sí.")
    assert not repeats_sentence("")


def decoded(text: str, avg_logprob: float, compression_ratio: float = 1.5) -> DecodedWindow:
    return DecodedWindow(text, (), avg_logprob, 0.01, compression_ratio, 0.0, ())


def test_a_loop_is_replaced_only_by_text_that_does_not_loop_and_is_about_as_probable() -> None:
    s = settings()
    loop = decoded(" Gracias. Gracias. Gracias. Gracias. Gracias.", -0.58)
    line = " Tiene la palabra el concejal de Hacienda, señor García."
    assert unlooped(loop, decoded(line, -0.55), s)
    assert unlooped(loop, decoded(line, -0.65), s)  # within the margin (0.1)
    # Beyond the margin, but it hears more than the loop repeats: the live gap test's
    # stream end, where "Gracias." x4 hid "Tiene la palabra...".
    assert unlooped(loop, decoded(line, -0.85), s)
    assert not unlooped(loop, decoded(" Tiene la palabra.", -0.85), s)  # no more words
    # A roll call decoded without repeats loses far more: the roll call stays.
    assert not unlooped(decoded(" Sí. Sí. Sí.", -0.42), decoded(" C, C...", -0.97), s)
    assert not unlooped(loop, decoded(" Gracias. Gracias, gracias", -0.3), s)  # loops still
    assert not unlooped(loop, decoded(line, -0.3, compression_ratio=2.6), s)  # Whisper's rule
    assert not unlooped(decoded(" No. No. No.", -1.3), decoded(line, -1.2), s)  # improbable


def test_words_split_at_an_apostrophe_or_hyphen_are_joined_again() -> None:
    words = [w(" Les", 0.0, 0.2), w(" s", 0.3, 0.4), w("'han", 0.4, 0.7, 0.5),
             w(" impulsar", 0.8, 1.2), w("-los", 1.2, 1.4), w(" l", 1.5, 1.6),
             w("'esquelet", 1.6, 2.0), w(" -", 2.1, 2.2), w(" i", 2.3, 2.4)]  # fmt: skip
    joined = join_split_words(words)
    assert [x.text for x in joined] == [
        " Les",
        " s'han",
        " impulsar-los",
        " l'esquelet",
        " -",
        " i",
    ]
    assert (joined[1].start, joined[1].end, joined[1].probability) == (0.3, 0.7, 0.5)
    assert join_split_words([w("'quote", 0.0, 0.5)]) == [w("'quote", 0.0, 0.5)]
