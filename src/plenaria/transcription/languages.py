"""The languages of a chunk: which one each window is in, and where each was spoken.

With the council's languages given (``detect_languages``, two or more), each window's
language is detected from its encoder output (:func:`language_probabilities`), pooled
over a turn's windows and ranked among the allowed ones (:func:`rank_languages`); the
recogniser returns a :class:`Heard` whose ``spans`` say where each language was used.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from plenaria.domain import LanguageSpan, Segment, Word, language_at

log = logging.getLogger(__name__)

# A window's language is sure when it has this share of the probability of the allowed
# languages; else the window is decoded in the runner-up too. On the mixed Catalan and Spanish
# pleno of the tests, whisper base gave Spanish turns 0.87-0.97 of it, Catalan ones 0.69-0.99,
# and one Catalan turn 0.48-0.50 (a coin toss).
LANGUAGE_SURE_SHARE = 0.8
# ... and only when the allowed languages together hold at least this share of all the
# probability: below it Whisper hears none of them (espeak-ng's Catalan voices: ca 0.00-0.03,
# es 0.00-0.13 of it), and its order between them is noise, so the window is decoded in both.
# Chosen on the calibration split's Catalan plenos (bench/README.md, "Language per turn"):
# turns in the right language 6/16 with the share alone, 15/16 with this (0.3: 14/16,
# 0.8: 15/16).
ALLOWED_MASS = 0.5


@dataclass(frozen=True, slots=True)
class Heard:
    """What a recogniser heard in one chunk; times are seconds from the chunk's start.

    ``language``: the one used or detected (with several, that of most words).
    ``spans``: where each language was used, when more than one was (else empty).
    """

    language: str
    words: tuple[Word, ...]
    spans: tuple[LanguageSpan, ...] = ()


def heard_in(
    language_spans: Sequence[tuple[Segment, str]], words: Sequence[Word], fallback: str
) -> Heard:
    """A :class:`Heard` from the language of each decoded stretch (chunk times) and the
    words: the chunk's language is that of most words (of most time if none), and
    ``spans`` join neighbouring stretches of one language, empty when there is one."""
    joined: list[LanguageSpan] = []
    for segment, language in sorted(language_spans, key=lambda x: x[0].start):
        if joined and joined[-1].language == language:
            joined[-1] = LanguageSpan(Segment(joined[-1].segment.start, segment.end), language)
        else:
            joined.append(LanguageSpan(segment, language))
    if len({s.language for s in joined}) <= 1:
        return Heard(joined[0].language if joined else fallback, tuple(words))
    spans = tuple(joined)
    counts = Counter(language_at(spans, w.middle, fallback) for w in words)
    if not counts:
        counts = Counter({s.language: s.segment.duration for s in spans})
    return Heard(counts.most_common(1)[0][0], tuple(words), spans)


def pick_language(probabilities: Iterable[tuple[str, float]], candidates: Sequence[str]) -> str:
    """The most probable language, among ``candidates`` when any are given."""
    allowed = set(candidates)
    ranked = sorted(
        ((p, code) for code, p in probabilities if not allowed or code in allowed), reverse=True
    )
    if not ranked:
        return candidates[0] if candidates else ""
    return ranked[0][1]


def language_probabilities(model: Any, encoded: Any) -> list[list[tuple[str, float]]]:
    """Each window's language probabilities, from the batch's encoder output (CTranslate2
    reads it as it is: no second encoding)."""
    found = []
    for ranked in model.model.detect_language(encoded):
        found.append([(token[2:-2], p) for token, p in ranked])  # "<|ca|>" -> "ca"
        log.debug("Window languages (top: %s)", found[-1][:3])
    return found


def pool_detection(
    pooled: dict[int, dict[str, float]],
    turn: int,
    probabilities: Iterable[tuple[str, float]],
    seconds: float,
) -> None:
    """Add one window's language probabilities, weighted by its ``seconds``, to its turn's
    pool in ``pooled`` (turn -> language -> probability x seconds)."""
    pool = pooled.setdefault(turn, {})
    for code, p in probabilities:
        pool[code] = pool.get(code, 0.0) + p * seconds


def rank_languages(
    probabilities: Sequence[tuple[str, float]], among: Sequence[str]
) -> tuple[str, str | None]:
    """The most probable of the allowed languages, and the runner-up when the first has
    less than ``LANGUAGE_SURE_SHARE`` of the probability they share, or when they share
    less than ``ALLOWED_MASS`` of all of it (else None)."""
    allowed = set(among)
    mine = sorted(((p, c) for c, p in probabilities if c in allowed), reverse=True)
    if not mine:
        return among[0], None
    total = sum(p for p, _ in mine) or 1.0
    heard = sum(p for _, p in probabilities) or 1.0
    doubt = len(mine) > 1 and (
        mine[0][0] / total < LANGUAGE_SURE_SHARE or total / heard < ALLOWED_MASS
    )
    return mine[0][1], mine[1][1] if doubt else None
