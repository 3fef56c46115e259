"""Assembly: chunk words merged without loss or duplicates, words to speakers, interventions."""

from __future__ import annotations

from plenaria.assembly.interventions import (
    AssemblyOptions,
    assign_speakers,
    build_interventions,
    speakers_of,
)
from plenaria.assembly.words import LanguageWord, merge_chunks, normalize_token
from plenaria.domain import Chunk, ChunkTranscript, Segment, Turn, Word


def _ct(
    index: int, start: float, end: float, words: list[tuple[str, float, float]]
) -> ChunkTranscript:
    return ChunkTranscript(
        Chunk(index, Segment(start, end)), "es", tuple(Word(t, s, e, 0.9) for t, s, e in words)
    )


def test_merge_orders_chunks_and_keeps_every_word_once() -> None:
    a = _ct(0, 0.0, 10.0, [("Buenos", 1.0, 1.4), ("días.", 1.4, 1.9), ("Empezamos", 9.0, 9.8)])
    b = _ct(1, 10.0, 20.0, [("Primer", 10.5, 11.0), ("punto.", 11.0, 11.5)])
    merged = merge_chunks([b, a])
    assert [lw.word.text for lw in merged] == ["Buenos", "días.", "Empezamos", "Primer", "punto."]
    assert all(lw.language == "es" for lw in merged)


def test_merge_clamps_a_word_timed_past_its_chunk_and_drops_a_repeat_across_the_cut() -> None:
    a = _ct(0, 0.0, 10.0, [("votación", 9.5, 10.3)])
    b = _ct(1, 10.0, 20.0, [("votación", 10.0, 10.2), ("nominal", 10.4, 10.9)])
    merged = merge_chunks([a, b])
    assert [lw.word.text for lw in merged] == ["votación", "nominal"]
    assert merged[0].word.end == 10.0
    # A legitimate repeat later in time is kept.
    c = _ct(2, 20.0, 30.0, [("sí", 20.5, 20.7), ("sí", 21.0, 21.2)])
    assert [lw.word.text for lw in merge_chunks([c])] == ["sí", "sí"]


def test_merge_drops_empty_words_and_strips_spaces() -> None:
    a = _ct(0, 0.0, 5.0, [(" hola", 0.1, 0.3), ("  ", 0.3, 0.4), (" & <b>", 0.5, 0.9)])
    assert [lw.word.text for lw in merge_chunks([a])] == ["hola", "& <b>"]


def test_normalize_token() -> None:
    assert normalize_token("¡Votación!") == "votación"
    assert normalize_token("L·L") == "ll"


def test_assign_speakers_by_overlap_and_nearest_turn() -> None:
    turns = [Turn("SPEAKER_00", Segment(0, 5)), Turn("SPEAKER_01", Segment(5, 10))]
    words = [
        Word("a", 1, 2),
        Word("b", 4.5, 5.8),  # mostly in the second turn
        Word("c", 11, 11.5),  # after all turns, near the second
        Word("d", 30, 31),  # far from every turn
    ]
    assert assign_speakers(words, turns) == ("SPEAKER_00", "SPEAKER_01", "SPEAKER_01", None)
    assert assign_speakers(words, []) == (None, None, None, None)


def test_assign_prefers_turn_not_marked_overlap_at_equal_cover() -> None:
    turns = [
        Turn("SPEAKER_00", Segment(0, 10), overlap=True),
        Turn("SPEAKER_01", Segment(2, 4)),
    ]
    assert assign_speakers([Word("x", 2.5, 3.0)], turns) == ("SPEAKER_01",)


def _lw(text: str, start: float, end: float) -> LanguageWord:
    return LanguageWord(Word(text, start, end), "es")


def test_interventions_split_at_speaker_change_and_fold_flickers() -> None:
    words = [
        _lw("Tiene", 0.0, 0.3),
        _lw("la", 0.3, 0.4),
        _lw("palabra", 0.4, 0.9),  # flicker: given to SPEAKER_01 for 0.3 s
        _lw("el", 1.0, 1.2),
        _lw("concejal.", 1.2, 1.8),
        _lw("Gracias,", 3.0, 3.5),
        _lw("alcaldesa.", 3.5, 4.2),
    ]
    turns = [
        Turn("SPEAKER_00", Segment(0.0, 0.5)),
        Turn("SPEAKER_01", Segment(0.5, 0.9)),
        Turn("SPEAKER_00", Segment(0.9, 2.0)),
        Turn("SPEAKER_01", Segment(2.9, 4.5)),
    ]
    out = build_interventions(words, turns)
    assert [(i.speaker, i.text) for i in out] == [
        ("SPEAKER_00", "Tiene la palabra el concejal."),
        ("SPEAKER_01", "Gracias, alcaldesa."),
    ]
    assert out[1].segment == Segment(3.0, 4.2)
    assert sum(len(i.words) for i in out) == len(words)


def test_no_turns_gives_one_speaker_and_long_gap_splits() -> None:
    words = [_lw("uno", 0, 1), _lw("dos", 1, 2), _lw("tres", 100, 101)]
    out = build_interventions(words, [], AssemblyOptions(new_intervention_gap_s=30))
    assert [i.text for i in out] == ["uno dos", "tres"]
    assert {i.speaker for i in out} == {"SPEAKER_00"}
    assert [s.label for s in speakers_of(out, [])] == ["Interviniente 1"]


def test_inputs_are_not_mutated() -> None:
    words = (_lw("a", 0, 1),)
    turns = (Turn("SPEAKER_00", Segment(0, 1)),)
    build_interventions(words, turns)
    assert words == (_lw("a", 0, 1),) and turns == (Turn("SPEAKER_00", Segment(0, 1)),)
