"""Redaction for publication: the words said in a redacted interval are absent, the rest kept."""

from __future__ import annotations

import pytest
from transcripts import sample_transcript

from plenaria.assembly.redaction import (
    is_redacted,
    merged,
    redact_transcript,
    search_pieces,
)
from plenaria.domain import Segment, Word
from plenaria.formats.captions import to_webvtt
from plenaria.formats.jsonio import transcript_to_json
from plenaria.media.redact import audio_filter, video_filter


def test_a_word_touching_an_interval_is_redacted_one_beside_it_is_not() -> None:
    spans = (Segment(3.0, 6.0),)
    assert is_redacted(Word("dentro", 4.0, 4.3), spans)
    assert is_redacted(Word("empieza", 2.8, 3.1), spans)  # its end is inside
    assert is_redacted(Word("acaba", 5.9, 6.2), spans)  # its start is inside
    assert is_redacted(Word("cubre", 2.0, 7.0), spans)  # the interval is inside it
    assert is_redacted(Word("", 4.0, 4.0), spans)  # zero length, inside
    assert not is_redacted(Word("antes", 2.5, 3.0), spans)  # ends where it starts
    assert not is_redacted(Word("después", 6.0, 6.3), spans)


def test_merged_joins_overlapping_and_touching_intervals() -> None:
    got = merged([Segment(5, 6), Segment(1, 2), Segment(2, 3), Segment(5.5, 8)])
    assert got == (Segment(1, 3), Segment(5, 8))


def test_redacted_words_are_absent_from_the_transcript_captions_and_json() -> None:
    t = sample_transcript()
    second = t.interventions[1]
    secret = second.words[3:6]  # "Nuestro grupo votará" (indices 3-5)
    span = Segment(secret[0].start, secret[-1].end)
    out = redact_transcript(t, [span])

    kept = [w.text for w in out.words]
    assert [w.text for w in t.words if w not in secret] == kept
    assert len(out.words) == len(t.words) - len(secret)
    text_vtt = to_webvtt(out)
    text_json = transcript_to_json(out)
    for word in secret:
        assert not any(w.start == word.start for w in out.words)
    assert "votará" not in text_vtt and "votará" not in text_json
    assert "votará" in to_webvtt(t)  # the master keeps it
    assert t.interventions[1].words == second.words  # the input is not changed


def test_an_intervention_left_without_words_is_dropped_with_its_turn() -> None:
    t = sample_transcript()
    whole = t.interventions[2].segment
    out = redact_transcript(t, [Segment(whole.start - 0.01, whole.end + 0.01)])
    assert len(out.interventions) == len(t.interventions) - 1
    assert all(i.segment != whole for i in out.interventions)
    assert all(turn.segment != whole for turn in out.turns)


def test_a_partly_redacted_intervention_spans_its_remaining_words() -> None:
    t = sample_transcript()
    item = t.interventions[0]
    out = redact_transcript(t, [Segment(item.words[-2].start, item.words[-1].end)])
    kept = out.interventions[0]
    assert kept.segment == Segment(kept.words[0].start, kept.words[-1].end)
    assert kept.segment.end < item.segment.end


def test_no_redaction_gives_the_transcript_back() -> None:
    t = sample_transcript()
    assert redact_transcript(t, []) is t


def test_search_pieces_cover_every_kept_word_once_with_its_start_and_speaker() -> None:
    t = sample_transcript()
    secret = t.interventions[1].words[4]
    assert secret.text == "grupo"
    out = redact_transcript(t, [secret.segment])
    pieces = search_pieces(out, "es", words_per_piece=5)
    assert all(len(p.text.split()) <= 5 for p in pieces)
    assert " ".join(p.text for p in pieces).split() == [w.text for w in out.words]
    assert pieces[0].start == out.words[0].start
    assert pieces[0].speaker == "Alcaldesa María Pérez"
    assert {p.language for p in pieces} == {"es"}
    indexed = " ".join(p.text for p in pieces).split()
    assert indexed.count("grupo") == [w.text for w in t.words].count("grupo") - 1
    with pytest.raises(ValueError):
        search_pieces(out, "es", words_per_piece=0)


def test_ffmpeg_filters_name_every_interval() -> None:
    spans = [Segment(3, 6), Segment(10.5, 12.25)]
    assert audio_filter(spans) == (
        "volume=enable='between(t,3.000,6.000)+between(t,10.500,12.250)':volume=0"
    )
    assert video_filter(spans).startswith(
        "drawbox=enable='between(t,3.000,6.000)+between(t,10.500,12.250)'"
    )
    assert "color=black:t=fill" in video_filter(spans)
    assert audio_filter([]) == "" and video_filter([]) == ""
