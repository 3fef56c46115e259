"""The stretch recall check of the accuracy tests (tests/recall.py) fails on a lost window."""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plenaria.cli.samples import SCRIPT
from recall import (
    TimedWord,
    heard_words,
    lost_stretches,
    repeated_sentence,
    script_words,
    stretch_recalls,
    unnoticed_losses,
)


def _script() -> list[dict[str, object]]:
    """The sample's script as lines of 4.5 s with 1-s pauses (about 170 s)."""
    lines, t = [], 1.0
    for _, text in SCRIPT:
        lines.append({"start": t, "end": t + 4.5, "text": text})
        t += 5.5
    return lines


def _heard(reference: list[TimedWord], keep: float, seed: int = 7) -> list[TimedWord]:
    """What a recogniser as poor as whisper base on espeak hears: a share of the words,
    each a little late."""
    rng = random.Random(seed)
    return [
        TimedWord(w.text, w.time + rng.uniform(-1, 1)) for w in reference if rng.random() < keep
    ]


def test_script_words_are_timed_inside_their_line_in_order() -> None:
    words = script_words([{"start": 10.0, "end": 12.0, "text": "¿Votos a favor? Siete."}])
    assert [w.text for w in words] == ["votos", "a", "favor", "siete"]
    times = [w.time for w in words]
    assert times == sorted(times) and times[0] > 10 and times[-1] < 12


def test_a_poor_but_whole_transcript_passes() -> None:
    reference = script_words(_script())
    recalls = stretch_recalls(reference, _heard(reference, keep=0.5))
    assert len(recalls) == 8  # 170 s: eight stretches, the short last one joined
    assert all(0.35 < s.recall < 0.7 for s in recalls), recalls
    assert lost_stretches(reference, _heard(reference, keep=0.5)) == []


def test_30_s_of_words_deleted_fail_whatever_the_window() -> None:
    reference = script_words(_script())
    heard = _heard(reference, keep=0.6)
    for cut in range(0, 150, 5):
        kept = [w for w in heard if not cut <= w.time < cut + 30]
        lost = lost_stretches(reference, kept)
        assert lost, cut
        assert all(s.recall < 0.3 for s in lost)


def test_20_s_of_words_deleted_fail_wherever_they_fall() -> None:
    # A 20-s window straddling two grid stretches leaves each about half its words: the
    # fixed grid (stretch_recalls) misses it, the bar's sliding windows do not.
    reference = script_words(_script())
    heard = _heard(reference, keep=0.6)
    grid_missed = 0
    last = max(w.time for w in reference)
    for cut in range(0, int(last) - 19, 3):  # 20 s of the reference, wherever they are
        kept = [w for w in heard if not cut <= w.time < cut + 20]
        lost = lost_stretches(reference, kept)
        assert lost, cut
        assert min(s.recall for s in lost) < 0.2, (cut, lost)
        grid_missed += all(s.recall >= 0.3 for s in stretch_recalls(reference, kept))
    assert grid_missed > 0  # the grid alone would have let some of these through


def test_the_bar_passes_a_poor_transcript_with_a_recess() -> None:
    # 40 s of nobody speaking in the middle: no window is judged on the few words at its edge.
    lines = _script()
    lines = lines[:15] + [{**x, "start": x["start"] + 40, "end": x["end"] + 40} for x in lines[15:]]
    reference = script_words(lines)
    for seed in range(5):
        assert lost_stretches(reference, _heard(reference, keep=0.5, seed=seed)) == [], seed


def test_a_hypothesis_with_a_20_s_window_deleted_fails_where_the_whole_one_passes() -> None:
    reference = script_words(_script())
    heard = _heard(reference, keep=0.55, seed=3)
    assert lost_stretches(reference, heard) == []
    kept = [w for w in heard if not 61.0 <= w.time < 81.0]
    lost = lost_stretches(reference, kept)
    assert lost and all(55 <= s.start <= 70 for s in lost), lost


def test_every_judged_window_of_a_poor_transcript_is_noticed_when_deleted() -> None:
    # What the accuracy tests assert on their real transcripts (unnoticed_losses).
    lines = _script()
    lines = lines[:15] + [{**x, "start": x["start"] + 40, "end": x["end"] + 40} for x in lines[15:]]
    reference = script_words(lines)
    for seed in range(3):
        heard = _heard(reference, keep=0.5, seed=seed)
        assert lost_stretches(reference, heard) == [], seed
        assert unnoticed_losses(reference, heard) == [], seed
    # A bar that could not fail (a hypothesis that repeats the whole script everywhere)
    # notices nothing: the check is not empty by construction.
    everywhere = [TimedWord(w.text, t) for t in range(0, 260, 4) for w in reference]
    assert unnoticed_losses(reference, everywhere)


def test_words_are_matched_only_near_their_time() -> None:
    reference = script_words(_script())
    # The same words, all a minute late: every stretch but the last is lost.
    late = [TimedWord(w.text, w.time + 60) for w in reference]
    assert len(lost_stretches(reference, late)) >= 4
    # A few seconds late (a reconnection, an aligner's drift): nothing lost.
    assert lost_stretches(reference, [TimedWord(w.text, w.time + 2.5) for w in reference]) == []


def test_heard_words_are_normalised_and_timed_at_their_middle() -> None:
    assert heard_words([(" Señor", 1.0, 2.0), ("García.", 2.0, 2.5)]) == [
        TimedWord("señor", 1.5),
        TimedWord("garcía", 2.25),
    ]


def test_a_sentence_said_three_times_running_is_found() -> None:
    assert repeated_sentence(" Gracias. Gracias. ¡Gracias! Gracias.") == "gracias"
    assert repeated_sentence("Gracias. Pasamos a votación. Gracias. Gracias.") is None
    assert repeated_sentence("Sí, sí. Sí, sí.") is None
