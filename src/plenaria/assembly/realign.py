"""Edited text back onto timed words, so that corrections never lose their timings.

The editor sends an intervention's corrected text beside the words it was
edited from. :func:`realign` diffs the two token sequences (as the BBC's
stt-align does) and gives every token of the new text a time:

- a word left untouched is the same :class:`Word` (text, times, id, probability);
- a run of changed words replacing as many old ones takes their times one by
  one and keeps their ids (a corrected word is the same word);
- any other change spreads its tokens evenly over the time of the words it
  replaces, or, for a pure insertion, over the gap between its neighbours.

Changed and inserted words get probability 1.0: a person wrote them. New words
get ids that are unique within ``taken`` (the ids already used in the
transcript), derived from the id of the word before them.

Common leading and trailing words are matched first in linear time, so that a
correction in a 40,000-word text only diffs the part that changed.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, MutableSet, Sequence
from dataclasses import replace
from difflib import SequenceMatcher

from plenaria.domain import Word

HUMAN_PROBABILITY = 1.0


def tokens(text: str) -> list[str]:
    """The words of an edited text: whitespace-separated, punctuation kept."""
    return text.split()


class _LazyIds(MutableSet[str]):
    """The ids of ``words``, collected only when a new word needs one."""

    def __init__(self, words: Sequence[Word]) -> None:
        self._words = words
        self._ids: set[str] | None = None

    def _all(self) -> set[str]:
        if self._ids is None:
            self._ids = {w.id for w in self._words if w.id}
        return self._ids

    def __contains__(self, item: object) -> bool:
        return item in self._all()

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def add(self, value: str) -> None:
        self._all().add(value)

    def discard(self, value: str) -> None:
        self._all().discard(value)


def _new_id(anchor: str, taken: MutableSet[str]) -> str:
    k = 1
    while f"{anchor}+{k}" in taken:
        k += 1
    new = f"{anchor}+{k}"
    taken.add(new)
    return new


def _spread(
    texts: Sequence[str], start: float, end: float, anchor: str, taken: MutableSet[str]
) -> list[Word]:
    """``texts`` spread evenly over ``[start, end]``, each with a new id."""
    end = max(start, end)
    step = (end - start) / len(texts)
    out = []
    for n, text in enumerate(texts):
        w_start = round(start + n * step, 3)
        w_end = round(end if n == len(texts) - 1 else start + (n + 1) * step, 3)
        new = _new_id(anchor, taken)
        out.append(Word(text, w_start, max(w_start, w_end), HUMAN_PROBABILITY, new))
        anchor = new
    return out


SMALL_DIFF = 2_000  # tokens on both sides below which difflib matches directly


def _strip_common(a: Sequence[str], b: Sequence[str]) -> tuple[int, int]:
    """Lengths of the common prefix and of the common suffix after it."""
    head = 0
    limit = min(len(a), len(b))
    while head < limit and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < limit - head and a[len(a) - 1 - tail] == b[len(b) - 1 - tail]:
        tail += 1
    return head, tail


def _unique_anchors(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int]]:
    """Patience diff: tokens found once on each side, longest run in the same order."""
    count_a = Counter(a)
    count_b = Counter(b)
    where_b = {t: j for j, t in enumerate(b) if count_b[t] == 1}
    pairs = [(i, where_b[t]) for i, t in enumerate(a) if count_a[t] == 1 and t in where_b]
    # Longest increasing subsequence of the new positions (patience sorting).
    tops: list[int] = []
    top_index: list[int] = []
    back: list[int] = []
    for n, (_, j) in enumerate(pairs):
        k = bisect_left(tops, j)
        if k == len(tops):
            tops.append(j)
            top_index.append(n)
        else:
            tops[k] = j
            top_index[k] = n
        back.append(top_index[k - 1] if k else -1)
    chain = []
    n = top_index[-1] if top_index else -1
    while n >= 0:
        chain.append(pairs[n])
        n = back[n]
    return chain[::-1]


def matching_blocks(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int, int]]:
    """Runs ``(i, j, size)``: ``a[i:i+size] == b[j:j+size]`` kept as the same words, in order.

    Common ends first (linear); small middles by difflib; large ones split at
    tokens that occur once on each side (patience diff), then recursively.
    """
    out: list[tuple[int, int, int]] = []
    stack = [(0, len(a), 0, len(b))]
    while stack:
        a1, a2, b1, b2 = stack.pop()
        head, tail = _strip_common(a[a1:a2], b[b1:b2])
        if head:
            out.append((a1, b1, head))
        if tail:
            out.append((a2 - tail, b2 - tail, tail))
        a1, b1, a2, b2 = a1 + head, b1 + head, a2 - tail, b2 - tail
        if a1 >= a2 or b1 >= b2:
            continue
        if (a2 - a1) + (b2 - b1) > SMALL_DIFF:
            anchors = _unique_anchors(a[a1:a2], b[b1:b2])
            if anchors:
                prev_i, prev_j = a1, b1
                for i, j in anchors:
                    out.append((a1 + i, b1 + j, 1))
                    stack.append((prev_i, a1 + i, prev_j, b1 + j))
                    prev_i, prev_j = a1 + i + 1, b1 + j + 1
                stack.append((prev_i, a2, prev_j, b2))
                continue
        matcher = SequenceMatcher(None, a[a1:a2], b[b1:b2], autojunk=(a2 - a1) > SMALL_DIFF)
        out.extend((a1 + i, b1 + j, size) for i, j, size in matcher.get_matching_blocks() if size)
    out.sort()
    return out


def realign(
    words: Sequence[Word],
    text: str,
    *,
    start: float | None = None,
    end: float | None = None,
    taken: MutableSet[str] | None = None,
    anchor: str = "w",
) -> tuple[Word, ...]:
    """The words of ``text``, timed from ``words`` (the words it was edited from).

    ``start``/``end`` bound words inserted before the first or after the last
    old word (default: the first word's start and the last word's end).
    ``taken`` holds the ids in use (new ids are added to it); ``anchor`` names
    new words that come before any old word.
    """
    new_tokens = tokens(text)
    old_tokens = [w.text.strip() for w in words]
    if taken is None:
        taken = _LazyIds(words)
    lo = start if start is not None else (words[0].start if words else 0.0)
    hi = end if end is not None else (words[-1].end if words else lo)
    if not words:
        return tuple(_spread(new_tokens, lo, hi, anchor, taken)) if new_tokens else ()

    out: list[Word] = []
    a_next = b_next = 0  # the first old and new tokens not yet emitted
    for i, j, size in [*matching_blocks(old_tokens, new_tokens), (len(words), len(new_tokens), 0)]:
        texts = new_tokens[b_next:j]
        if texts and i - a_next == len(texts):
            out.extend(
                replace(w, text=t, probability=HUMAN_PROBABILITY)
                for w, t in zip(words[a_next:i], texts, strict=True)
            )
        elif texts:
            if i > a_next:  # a different number of words replaces these
                span_start, span_end = words[a_next].start, words[i - 1].end
            else:  # a pure insertion, between its neighbours
                span_start = words[a_next - 1].end if a_next > 0 else lo
                span_end = words[a_next].start if a_next < len(words) else hi
            prev_id = out[-1].id if out and out[-1].id else anchor
            out.extend(_spread(texts, span_start, span_end, prev_id, taken))
        out.extend(words[i : i + size])
        a_next, b_next = i + size, j + size
    return tuple(out)
