"""Recall of a script's words, stretch by stretch: the check that a lost window fails.

A WER over a whole generated pleno hides a lost 30-s window (espeak speech already
scores 0.3-0.6, and a third of the words gone moves it less than the bar's margin).
Here the script's words get times (each line's words spread over the line's time, by
their length), the script is cut into stretches of ``stretch_s``, and each stretch
must find a share of its words among the words heard at the same time (within
``tolerance_s``). A lost window leaves a stretch with almost none. The bar
(:func:`lost_stretches`) looks at every 20 s of the reference, starting at any word (2-s
steps), so 20 s lost anywhere fail, not only 20 s that happen to fill one grid stretch;
:func:`stretch_recalls` (a fixed grid) is what the tests print.

Test code imports it after putting ``tests/`` on ``sys.path`` (as the tiers share
their helpers).
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# A stretch whose recall is under this lost its words (espeak speech with whisper base
# scores 0.45-0.7 per stretch; a lost window about 0).
LOST_BELOW = 0.3


def norm(text: str) -> str:
    """Lower case, punctuation and runs of spaces out (as the WER tests compare)."""
    text = re.sub(r"[^\w\s]", " ", text.lower())
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class TimedWord:
    text: str  # normalised, one word
    time: float  # seconds


@dataclass(frozen=True)
class Stretch:
    start: float
    end: float
    words: int  # of the reference
    recall: float


def script_words(lines: Iterable[Mapping[str, object]]) -> list[TimedWord]:
    """The words of script lines (``start``, ``end``, ``text``, as in ``*.truth.json``),
    each timed at its middle, the line's time shared by the words' lengths."""
    out: list[TimedWord] = []
    for line in lines:
        start, end = float(str(line["start"])), float(str(line["end"]))
        words = norm(str(line["text"])).split()
        total = sum(len(w) + 1 for w in words)
        at = 0
        for w in words:
            middle = at + (len(w) + 1) / 2
            out.append(TimedWord(w, start + (end - start) * middle / total))
            at += len(w) + 1
    return out


def heard_words(words: Iterable[tuple[str, float, float]]) -> list[TimedWord]:
    """Recognised words given as ``(text, start, end)``, normalised, timed at their middle
    (a word whose text normalises to two, "ciento-dos", counts as both)."""
    return [
        TimedWord(piece, (start + end) / 2)
        for text, start, end in words
        for piece in norm(text).split()
    ]


def stretch_recalls(
    reference: Sequence[TimedWord],
    hypothesis: Sequence[TimedWord],
    stretch_s: float = 20.0,
    tolerance_s: float = 3.0,
) -> list[Stretch]:
    """Recall of every ``stretch_s`` of the reference, from its first word; the last stretch
    joins the one before when it is under half as long (too few words to judge alone)."""
    if not reference:
        return []
    first = min(w.time for w in reference)
    last = max(w.time for w in reference)
    bounds = [first]
    while bounds[-1] + stretch_s < last:
        bounds.append(bounds[-1] + stretch_s)
    if len(bounds) > 1 and last - bounds[-1] < stretch_s / 2:
        bounds.pop()
    bounds.append(last + 1e-6)
    out = []
    for start, end in itertools.pairwise(bounds):
        ref = Counter(w.text for w in reference if start <= w.time < end)
        near = Counter(
            w.text for w in hypothesis if start - tolerance_s <= w.time < end + tolerance_s
        )
        found = sum((ref & near).values())
        total = sum(ref.values())
        out.append(Stretch(start, end, total, found / total if total else 1.0))
    return out


def window_recalls(
    reference: Sequence[TimedWord],
    hypothesis: Sequence[TimedWord],
    window_s: float = 20.0,
    step_s: float = 2.0,
    tolerance_s: float = 3.0,
    min_words: int = 8,
    full_share: float = 0.6,
) -> list[Stretch]:
    """Recall of every ``window_s`` of the reference: one window starting at a reference
    word every ``step_s``, and one ending at its last word, so a lost stretch is caught
    wherever it falls, not only on a fixed grid.

    Only windows full of speech are judged: at least ``min_words`` reference words and
    ``full_share`` of the median window's (one that runs into a recess or past the end
    holds a few words, too few to judge alone; the full windows beside it hold them)."""
    ref = sorted(reference, key=lambda w: w.time)
    hyp = sorted(hypothesis, key=lambda w: w.time)
    if not ref:
        return []
    ref_t = [w.time for w in ref]
    hyp_t = [w.time for w in hyp]
    last = ref_t[-1]
    starts: list[float] = []
    for t in ref_t:
        if t + window_s > last:
            break
        if not starts or t >= starts[-1] + step_s:
            starts.append(t)
    starts.append(max(ref_t[0], last - window_s + 1e-6))
    spans = [
        (a, bisect.bisect_left(ref_t, a), bisect.bisect_right(ref_t, a + window_s)) for a in starts
    ]
    median = sorted(hi - lo for _, lo, hi in spans)[len(spans) // 2]
    out = []
    for start, lo_r, hi_r in spans:
        words = ref[lo_r:hi_r]
        if len(words) < max(min_words, full_share * median):
            continue
        lo = bisect.bisect_left(hyp_t, start - tolerance_s)
        hi = bisect.bisect_left(hyp_t, start + window_s + tolerance_s)
        near = Counter(w.text for w in hyp[lo:hi])
        want = Counter(w.text for w in words)
        found = sum((want & near).values())
        out.append(Stretch(start, start + window_s, len(words), found / len(words)))
    return out


def lost_stretches(
    reference: Sequence[TimedWord],
    hypothesis: Sequence[TimedWord],
    bar: float = LOST_BELOW,
    stretch_s: float = 20.0,
    tolerance_s: float = 3.0,
) -> list[Stretch]:
    """The ``stretch_s`` windows of the reference (any start, see :func:`window_recalls`)
    whose recall is under ``bar``: a 20-s stretch lost anywhere fails the test."""
    recalls = window_recalls(reference, hypothesis, stretch_s, tolerance_s=tolerance_s)
    return [s for s in recalls if s.recall < bar]


def unnoticed_losses(
    reference: Sequence[TimedWord],
    hypothesis: Sequence[TimedWord],
    stretch_s: float = 20.0,
    tolerance_s: float = 3.0,
    bar: float = LOST_BELOW,
) -> list[float]:
    """The starts of the judged ``stretch_s`` windows whose loss the bar would let through:
    for each, the hypothesis's words of that window are deleted and :func:`lost_stretches`
    must then fail. An accuracy test asserts this is empty on its real transcript, so its
    bar is shown to catch a lost window on the data it runs on, wherever it falls."""
    judged = window_recalls(reference, hypothesis, stretch_s, tolerance_s=tolerance_s)
    ref = sorted(reference, key=lambda w: w.time)
    hyp = sorted(hypothesis, key=lambda w: w.time)
    ref_t, hyp_t = [w.time for w in ref], [w.time for w in hyp]
    missed = []
    for window in judged:
        a, b = window.start, window.start + stretch_s
        # Quick: the deleted window itself, judged on the words left within the tolerance.
        want = Counter(
            w.text for w in ref[bisect.bisect_left(ref_t, a) : bisect.bisect_right(ref_t, b)]
        )
        left = hyp[bisect.bisect_left(hyp_t, a - tolerance_s) : bisect.bisect_left(hyp_t, a)]
        left += hyp[bisect.bisect_left(hyp_t, b) : bisect.bisect_left(hyp_t, b + tolerance_s)]
        if sum((want & Counter(w.text for w in left)).values()) < bar * sum(want.values()):
            continue
        kept = [w for w in hyp if not a <= w.time < b]
        if not lost_stretches(reference, kept, bar, stretch_s, tolerance_s):
            missed.append(a)
    return missed


def repeated_sentence(text: str, times: int = 3) -> str | None:
    """A sentence said ``times`` times running in ``text`` (case and punctuation aside),
    or None: a decoder loop ("Gracias. Gracias. Gracias.")."""
    sentences = [norm(s) for s in re.split(r"[.!?…]+", text)]
    sentences = [s for s in sentences if s]
    run = 1
    for a, b in itertools.pairwise(sentences):
        run = run + 1 if a == b else 1
        if run >= times:
            return a
    return None
