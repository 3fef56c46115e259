"""Words + speaker turns -> interventions (pure functions).

Each word goes to the speaker whose turn covers most of it (or the nearest
turn, for a word timed in a gap between turns). Consecutive words of one
speaker make an intervention; a very short run of words given to another
speaker in the middle of someone's speech (a diarization flicker) is folded
back into the surrounding intervention.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from pydantic import BaseModel, ConfigDict, Field

from plenaria.assembly.words import LanguageWord
from plenaria.domain import Intervention, Segment, Speaker, Turn, Word

DEFAULT_SPEAKER = "SPEAKER_00"


class AssemblyOptions(BaseModel):
    """How words become interventions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    nearest_turn_max_s: float = Field(
        default=2.0,
        ge=0,
        le=60.0,
        description="A word outside every turn joins the nearest turn this close.",
    )
    flicker_max_s: float = Field(
        default=0.6,
        ge=0,
        le=60.0,
        description="A run of another speaker's words this short, between two runs of the same "
        "speaker, is folded into them.",
    )
    new_intervention_gap_s: float = Field(
        default=30.0,
        gt=0,
        le=3600.0,
        description="The same speaker after this much silence starts a new intervention.",
    )


def assign_speakers(
    words: Sequence[Word], turns: Sequence[Turn], options: AssemblyOptions | None = None
) -> tuple[str | None, ...]:
    """The speaker label of each word, or None when no turn is near it."""
    opts = options or AssemblyOptions()
    if not turns:
        return tuple(None for _ in words)
    ordered = sorted(turns, key=lambda t: (t.segment.start, t.segment.end))
    starts = [t.segment.start for t in ordered]
    # Turns can overlap, so a word may be covered by a turn that started long before:
    # the running maximum of ends lets us stop scanning back early.
    max_end: list[float] = []
    running = float("-inf")
    for t in ordered:
        running = max(running, t.segment.end)
        max_end.append(running)

    labels: list[str | None] = []
    for word in words:
        seg = word.segment
        best: Turn | None = None
        best_score = (0.0, False)
        i = bisect.bisect_right(starts, seg.end) - 1
        while i >= 0 and max_end[i] >= seg.start:
            turn = ordered[i]
            ov = turn.segment.overlap(seg)
            if seg.duration == 0 and turn.segment.contains(seg.start):
                ov = 1e-6
            # Prefer more overlap; at equal overlap prefer a turn not marked as overlapped speech.
            score = (ov, not turn.overlap)
            if ov > 0 and score > best_score:
                best, best_score = turn, score
            i -= 1
        if best is None:
            best = _nearest(ordered, starts, word.middle, opts.nearest_turn_max_s)
        labels.append(best.speaker if best else None)
    return tuple(labels)


def _nearest(ordered: Sequence[Turn], starts: list[float], t: float, max_s: float) -> Turn | None:
    i = bisect.bisect_right(starts, t)
    candidates = ordered[max(0, i - 3) : i + 1]
    best: Turn | None = None
    best_d = max_s
    for turn in candidates:
        d = max(turn.segment.start - t, t - turn.segment.end, 0.0)
        if d <= best_d:
            best, best_d = turn, d
    return best


def _fill_unknown(labels: Sequence[str | None]) -> list[str]:
    """Words with no speaker take the previous speaker (or the next, at the start)."""
    known = next((label for label in labels if label is not None), DEFAULT_SPEAKER)
    out: list[str] = []
    current = known
    for label in labels:
        if label is not None:
            current = label
        out.append(current)
    return out


def _smooth(words: Sequence[Word], labels: list[str], max_s: float) -> list[str]:
    """Fold short runs of one label sandwiched between runs of another label."""
    runs: list[tuple[int, int]] = []  # [start, end) indices
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            runs.append((start, i))
            start = i
    out = list(labels)
    for k in range(1, len(runs) - 1):
        a, b = runs[k]
        before, after = out[runs[k - 1][0]], out[runs[k + 1][0]]
        span = words[b - 1].end - words[a].start
        if before == after and out[a] != before and span <= max_s:
            for j in range(a, b):
                out[j] = before
    return out


def build_interventions(
    words: Sequence[LanguageWord],
    turns: Sequence[Turn],
    options: AssemblyOptions | None = None,
) -> tuple[Intervention, ...]:
    """Group time-ordered words into interventions by speaker."""
    opts = options or AssemblyOptions()
    plain = [lw.word for lw in words]
    labels = _smooth(plain, _fill_unknown(assign_speakers(plain, turns, opts)), opts.flicker_max_s)
    result: list[Intervention] = []
    group: list[LanguageWord] = []
    current = DEFAULT_SPEAKER
    for lw, label in zip(words, labels, strict=True):
        if group:
            same = label == current
            gap = lw.word.start - group[-1].word.end
            if not same or gap > opts.new_intervention_gap_s:
                result.append(_intervention(current, group))
                group = []
        current = label
        group.append(lw)
    if group:
        result.append(_intervention(current, group))
    return with_ids(result)


def with_ids(interventions: Sequence[Intervention]) -> tuple[Intervention, ...]:
    """Number interventions (``i0001``) and words (``w000001``) in order, keeping given ids.

    Ids are given once, at assembly, and then travel with the transcript: the
    editor keeps them across versions and gives the words it inserts new ones.
    """
    out: list[Intervention] = []
    n_word = 0
    for n, item in enumerate(interventions, start=1):
        words = []
        for w in item.words:
            n_word += 1
            words.append(w if w.id else replace(w, id=f"w{n_word:06d}"))
        out.append(replace(item, id=item.id or f"i{n:04d}", words=tuple(words)))
    return tuple(out)


def _intervention(speaker: str, group: Sequence[LanguageWord]) -> Intervention:
    counts = Counter(lw.language for lw in group if lw.language)
    language = counts.most_common(1)[0][0] if counts else ""  # that of most of its words
    ws = tuple(lw.word for lw in group)
    return Intervention(
        speaker=speaker,
        segment=Segment(ws[0].start, max(w.end for w in ws)),
        words=ws,
        language=language,
    )


def speakers_of(
    interventions: Sequence[Intervention], turns: Sequence[Turn]
) -> tuple[Speaker, ...]:
    """One Speaker per label heard, in order of first appearance."""
    seen: dict[str, None] = {}
    for t in sorted(turns, key=lambda t: t.segment.start):
        seen.setdefault(t.speaker, None)
    for i in interventions:
        seen.setdefault(i.speaker, None)
    return tuple(Speaker(label) for label in seen)
