"""What a window decodes to, and the rules read off it: Whisper's fallback rule, a sentence
said three times running (a loop too short for the compression ratio), when the text decoded
again replaces a loop, and words the aligner split at an apostrophe or hyphen joined again.
Plain values and pure functions; :mod:`plenaria.transcription.batched` decodes with them."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

# A window still saying one sentence three times running after the penalty is decoded once more
# with no token trigram repeated (" Gracias", ".", " Gracias" then no "." again): at most twice.
NO_REPEAT_NGRAM = 3
# ... and that text replaces the loop when it says more words, or when its average token log
# probability is at most this much lower: the loop's own figure is flattered (its repeats are
# cheap; a prompt may have set it going), while a sentence really said again and again loses
# far more when it may not repeat (a roll call's "Sí. Sí. Sí." -0.42 became "C, C..." -0.97).
LOOP_LOGPROB_MARGIN = 0.1


@dataclass(frozen=True, slots=True)
class DecodedWord:
    text: str
    start: float  # seconds from the window's start
    end: float
    probability: float


@dataclass(frozen=True, slots=True)
class DecodedWindow:
    """What one window decoded to, with Whisper's quality figures."""

    text: str
    tokens: tuple[int, ...]
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    temperature: float
    words: tuple[DecodedWord, ...]
    language: str = ""


@dataclass(frozen=True, slots=True)
class DecodeSettings:
    language: str
    beam_size: int
    batch_size: int
    temperatures: tuple[float, ...]
    compression_ratio_threshold: float
    log_prob_threshold: float
    no_speech_threshold: float
    hotwords: str | None
    condition_on_previous_text: bool
    max_new_tokens: int | None
    best_of: int = 5
    loop_repetition_penalty: float | None = None
    detect_among: tuple[str, ...] = ()  # two or more: each window's language detected


# A word Whisper's aligner starts at one of these, with no space before it, belongs to the word
# before: it splits "s'han" into " s" + "'han" and "impulsar-los" into " impulsar" + "-los"
# (a punctuation token starts a new word; the apostrophe is then glued to what follows).
JOINERS = ("'", "’", "-")


def join_split_words(words: Sequence[DecodedWord]) -> list[DecodedWord]:
    """Words as written: pieces the aligner split at an apostrophe or hyphen joined again.

    ``text`` keeps Whisper's leading space, which tells a new word from a piece.
    """
    out: list[DecodedWord] = []
    for w in words:
        if out and w.text[:1] in JOINERS and len(w.text) > 1:
            prev = out[-1]
            out[-1] = DecodedWord(
                prev.text + w.text,
                prev.start,
                max(prev.end, w.end),
                min(prev.probability, w.probability),
            )
        else:
            out.append(w)
    return out


def needs_fallback(
    compression_ratio: float, avg_logprob: float, no_speech_prob: float, s: DecodeSettings
) -> bool:
    """Whisper's rule: too repetitive, or too improbable unless it is silence."""
    if compression_ratio > s.compression_ratio_threshold:
        return True
    if avg_logprob < s.log_prob_threshold:
        return not no_speech_prob > s.no_speech_threshold
    return False


def repeats_sentence(text: str, times: int = 3) -> bool:
    """Whether ``text`` says one sentence or phrase ``times`` times running (case and
    punctuation aside): a loop too short for the compression ratio to show."""
    parts = [p.strip().casefold() for p in _PHRASE_END.split(text)]
    parts = [p for p in parts if p]
    run = 1
    for a, b in itertools.pairwise(parts):
        run = run + 1 if a == b else 1
        if run >= times:
            return True
    return False


_PHRASE_END = re.compile(r"[.!?;,¿¡…]+")


def unlooped(loop: DecodedWindow, again: DecodedWindow, s: DecodeSettings) -> bool:
    """Whether ``again`` (decoded with no repeated n-gram) replaces ``loop``, a window that
    says one sentence three times running: it does not loop, passes Whisper's rule, and
    Whisper finds it about as probable (``LOOP_LOGPROB_MARGIN``) or it says more words than
    the loop. A loop over speech it hides gives way to the longer text, however flattered
    its own figure; a sentence really said again and again loses words when it may not
    repeat (the roll call's "Sí. Sí. Sí." became "C, C...")."""
    return (
        not repeats_sentence(again.text)
        and not needs_fallback(again.compression_ratio, again.avg_logprob, again.no_speech_prob, s)
        and (
            again.avg_logprob > loop.avg_logprob - LOOP_LOGPROB_MARGIN
            or len(again.text.split()) > len(loop.text.split())
        )
    )
