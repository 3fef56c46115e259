"""Captions (WebVTT, SRT) made from the interventions' word timings.

A cue never mixes two interventions, so a speaker change always starts a new
cue. Within an intervention, words fill a cue until the next word would make it
longer than ``max_chars`` or ``max_cue_s``; the cut then goes after the last
punctuation mark in the cue's second half, if there is one. A single word
longer than the limits makes a cue of its own. Cue text is laid out on at most
two lines, broken at the space nearest the middle.

A cue of an intervention spoken in another language than the transcript's main
one (a Spanish turn in a Catalan pleno) carries its language: a WebVTT
``<lang es>`` span, which players and screen readers read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from plenaria.domain import Transcript, Word
from plenaria.errors import ConfigError
from plenaria.formats.timefmt import format_timestamp

_SPACE = re.compile(r"\s+")
_BREAK_AFTER = (".", ",", ";", ":", "?", "!", "…", ")", "»", '"')


@dataclass(frozen=True, slots=True)
class Cue:
    """One caption: a run of words of a single intervention."""

    start: float
    end: float
    speaker: str  # the label a reader sees
    text: str
    first: bool  # the first cue of its intervention
    language: str = ""  # the intervention's, when not the transcript's main language


def _clean(text: str) -> str:
    """One line of text: every run of whitespace (newlines included) becomes one space."""
    return _SPACE.sub(" ", text).strip()


def _text(words: Sequence[Word]) -> str:
    return " ".join(_clean(w.text) for w in words)


def _fits(words: Sequence[Word], max_chars: int, max_cue_s: float) -> bool:
    return len(_text(words)) <= max_chars and words[-1].end - words[0].start <= max_cue_s


def _cut(words: Sequence[Word], max_chars: int) -> int:
    """Where to end a full cue: after the last punctuation in its second half, else at the end."""
    for k in range(len(words) - 1, 0, -1):
        if len(_text(words[:k])) < max_chars // 2:
            break
        if _clean(words[k - 1].text).endswith(_BREAK_AFTER):
            return k
    return len(words)


def _split(words: Sequence[Word], max_chars: int, max_cue_s: float) -> list[list[Word]]:
    groups: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        while current and not _fits([*current, word], max_chars, max_cue_s):
            k = _cut(current, max_chars)
            groups.append(current[:k])
            current = current[k:]
        current.append(word)
    if current:
        groups.append(current)
    return groups


def build_cues(t: Transcript, *, max_chars: int = 84, max_cue_s: float = 6.0) -> list[Cue]:
    """The cues of a transcript in time order; every non-empty word appears in exactly one."""
    if max_chars < 1 or not max_cue_s > 0:
        raise ConfigError(
            f"Límites de subtítulos no válidos: max_chars={max_chars}, max_cue_s={max_cue_s}.",
            "Use un número positivo de caracteres y de segundos (por defecto, 84 y 6,0).",
        )
    cues: list[Cue] = []
    lang = "ca" if t.languages[:1] == ("ca",) else "es"  # an unnamed voice's label
    main = t.languages[0] if t.languages else ""
    for intervention in t.interventions:
        label = _clean(t.speaker(intervention.speaker).label_in(lang))
        words = [w for w in intervention.words if _clean(w.text)]
        other = intervention.language if intervention.language not in ("", main) else ""
        for n, group in enumerate(_split(words, max_chars, max_cue_s)):
            start = group[0].start
            end = max(start, max(w.end for w in group))
            cues.append(Cue(start, end, label, _text(group), first=n == 0, language=other))
    return sorted(cues, key=lambda c: c.start)  # stable: ties keep their order


def _lines(text: str, max_chars: int) -> str:
    """At most two lines: split at the space nearest the middle when longer than half the cue."""
    if len(text) <= max_chars // 2 or " " not in text:
        return text
    middle = len(text) / 2
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    cut = min(spaces, key=lambda i: abs(i - middle))
    return f"{text[:cut]}\n{text[cut + 1 :]}"


def _escape_vtt(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_webvtt(t: Transcript, *, max_chars: int = 84, max_cue_s: float = 6.0) -> str:
    """WebVTT with a ``<v Speaker>`` voice span on every cue, and a ``<lang xx>`` span on
    a cue in another language than the main one; text and labels escaped."""
    blocks = ["WEBVTT"]
    for cue in build_cues(t, max_chars=max_chars, max_cue_s=max_cue_s):
        timing = f"{format_timestamp(cue.start)} --> {format_timestamp(cue.end)}"
        voice = f"<v {_escape_vtt(cue.speaker)}>"
        text = _escape_vtt(_lines(cue.text, max_chars))
        if cue.language:
            text = f"<lang {_escape_vtt(cue.language)}>{text}</lang>"
        blocks.append(f"{timing}\n{voice}{text}")
    return "\n\n".join(blocks) + "\n"


def to_srt(t: Transcript, *, max_chars: int = 84, max_cue_s: float = 6.0) -> str:
    """SRT numbered from 1; the first cue of each intervention starts with ``Name: ``.

    SRT has no escaping: text is written as it is, except that ``-->`` (which
    would read as a timing line) becomes ``->``.
    """
    blocks: list[str] = []
    cues = build_cues(t, max_chars=max_chars, max_cue_s=max_cue_s)
    for n, cue in enumerate(cues, start=1):
        timing = f"{format_timestamp(cue.start, decimal_sep=',')} --> "
        timing += format_timestamp(cue.end, decimal_sep=",")
        text = _lines(cue.text, max_chars)
        if cue.first:
            text = f"{cue.speaker}: {text}"
        blocks.append(f"{n}\n{timing}\n{text.replace('-->', '->')}")
    return "\n\n".join(blocks) + "\n" if blocks else ""
