"""Chunk transcripts -> one ordered word sequence, with no word lost or doubled.

Chunks are cut in silence and do not overlap, so each word belongs to exactly
one chunk: the one holding its midpoint. A recogniser may time a word a little
outside its chunk (a word that trails into the silence after the cut); such a
word is clamped into its chunk, and a word repeated across the cut (same text,
overlapping time) is kept once.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from plenaria.domain import ChunkTranscript, Word

_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_REPEAT_TOLERANCE_S = 0.05


@dataclass(frozen=True, slots=True)
class LanguageWord:
    """A word with the language it was transcribed in (its chunk's, or its turn's)."""

    word: Word
    language: str


def normalize_token(text: str) -> str:
    """Lower case, no punctuation, NFC: the form used to compare words."""
    text = unicodedata.normalize("NFC", text).lower()
    return _PUNCT.sub("", text).strip()


def _clamp(word: Word, start: float, end: float) -> Word:
    w_start = min(max(word.start, start), end)
    w_end = min(max(word.end, w_start), end)
    if (w_start, w_end) == (word.start, word.end):
        return word
    return replace(word, start=w_start, end=w_end)


def merge_chunks(chunks: Sequence[ChunkTranscript]) -> tuple[LanguageWord, ...]:
    """All words of all chunks in time order, each exactly once.

    Chunks may come in any order (workers finish when they finish); they are
    sorted by index. Empty words are dropped.
    """
    merged: list[LanguageWord] = []
    last_raw: Word | None = None
    for ct in sorted(chunks, key=lambda c: c.chunk.index):
        seg = ct.chunk.segment
        # The previous chunk's last word as the recogniser timed it (before clamping).
        boundary_prev = last_raw
        for word in sorted(ct.words, key=lambda w: (w.start, w.end)):
            if not word.text.strip():
                continue
            word = replace(word, text=word.text.strip())
            if boundary_prev is not None and _is_repeat(boundary_prev, word):
                boundary_prev = None
                continue
            boundary_prev = None  # only the first word of a chunk can repeat the last one
            last_raw = word
            language = ct.language_at(word.middle)
            merged.append(LanguageWord(_clamp(word, seg.start, seg.end), language))
    return tuple(merged)


def _is_repeat(prev: Word, word: Word) -> bool:
    """The same word emitted on both sides of a cut: same text, overlapping in time."""
    same = normalize_token(prev.text) == normalize_token(word.text)
    return same and word.start < prev.end + _REPEAT_TOLERANCE_S


def spoken_languages(
    words: Sequence[LanguageWord], chunks: Sequence[ChunkTranscript]
) -> tuple[str, ...]:
    """The transcript's languages, the one of most words first (ties: the first heard),
    then any other a chunk was transcribed in."""
    counts = Counter(lw.language for lw in words if lw.language)
    ranked = [language for language, _ in counts.most_common()]
    return tuple(dict.fromkeys([*ranked, *(ct.language for ct in chunks if ct.language)]))
