"""Redaction for publication: a transcript without the words said inside redacted intervals.

Pure functions on the canonical model. A word is redacted when any part of it
falls inside a redacted interval (touching an edge is not inside); an
intervention left without words is dropped, and so is a diarization turn that
overlaps a redacted interval; a partly redacted intervention's summary is made
again from the words left. What the public sees (page, captions, JSON, search
index) is made from :func:`redact_transcript`'s result only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from plenaria.assembly.summary import summarize
from plenaria.domain import Segment, Transcript, Word

SEARCH_PIECE_WORDS = 20


def merged(intervals: Sequence[Segment]) -> tuple[Segment, ...]:
    """The intervals sorted, overlapping or touching ones joined."""
    out: list[Segment] = []
    for seg in sorted(intervals, key=lambda s: (s.start, s.end)):
        if out and seg.start <= out[-1].end:
            out[-1] = Segment(out[-1].start, max(out[-1].end, seg.end))
        else:
            out.append(seg)
    return tuple(out)


def _hit(start: float, end: float, intervals: Sequence[Segment]) -> bool:
    return any(start < s.end and end > s.start for s in intervals) or any(
        s.start <= start < s.end for s in intervals
    )


def is_redacted(word: Word, intervals: Sequence[Segment]) -> bool:
    """Whether any part of ``word`` lies inside one of ``intervals``."""
    return _hit(word.start, word.end, intervals)


def redact_transcript(transcript: Transcript, intervals: Sequence[Segment]) -> Transcript:
    """A new transcript without the redacted words, emptied interventions and their turns."""
    spans = merged(intervals)
    if not spans:
        return transcript
    interventions = []
    for item in transcript.interventions:
        words = tuple(w for w in item.words if not is_redacted(w, spans))
        if not words:
            continue
        if len(words) != len(item.words):
            item = replace(item, words=words, segment=Segment(words[0].start, words[-1].end))
            # its summary (a clerk's too) may tell what was redacted: made from what is left
            item = replace(item, summary=summarize(item.text), summary_edited=False)
        interventions.append(item)
    turns = tuple(t for t in transcript.turns if not _hit(t.segment.start, t.segment.end, spans))
    return replace(transcript, interventions=tuple(interventions), turns=turns)


@dataclass(frozen=True, slots=True)
class SearchPiece:
    """About ``SEARCH_PIECE_WORDS`` consecutive words of one intervention, for the index."""

    start: float
    speaker: str
    language: str
    text: str


def search_pieces(
    transcript: Transcript,
    default_language: str,
    words_per_piece: int = SEARCH_PIECE_WORDS,
    labels: Mapping[str, str] | None = None,
) -> list[SearchPiece]:
    """The transcript cut into pieces of at most ``words_per_piece`` words, each with its start.

    ``labels``: what a reader sees for a speaker id (default: the speaker's label).
    Give it a redacted transcript (:func:`redact_transcript`): it indexes every word it gets.
    """
    if words_per_piece < 1:
        raise ValueError("words_per_piece must be at least 1")
    pieces = []
    for item in transcript.interventions:
        label = (labels or {}).get(item.speaker) or transcript.speaker(item.speaker).label
        language = item.language or default_language
        words = item.words
        for k in range(0, len(words), words_per_piece):
            chunk = words[k : k + words_per_piece]
            text = " ".join(w.text.strip() for w in chunk if w.text.strip())
            if text:
                pieces.append(SearchPiece(chunk[0].start, label, language, text))
    return pieces
