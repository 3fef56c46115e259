"""Spoken Spanish and Catalan numbers, ordinals and clock times, read from tokens.

The detectors of the acta work on :class:`Token` sequences: each recognised word
lowercased, without accents, split at apostrophes ("s'aixeca" -> "s", "aixeca"),
with the punctuation that followed it kept apart. Numbers may be words in either
language ("dieciséis", "veintiún", "dues", "vint-i-u", "treinta y dos") or digits
("16", "10:30"); the readers return the value and how many tokens it took.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from plenaria.domain import Word


@dataclass(frozen=True, slots=True)
class Token:
    """One normalized piece of a recognised word, with the word's times."""

    text: str  # lowercase, no accents, letters/digits/hyphens/colons only
    start: float
    end: float
    punct: str = ""  # punctuation written right after it (",", ".", "?", ";" ...)
    intervention: int = -1  # index of the intervention it belongs to

    @property
    def stop(self) -> bool:
        """Whether a sentence ends after this token."""
        return any(ch in ".?!;" for ch in self.punct)


def fold(text: str) -> str:
    """Lowercase without accents (ñ -> n, ç -> c, l·l -> ll, º -> o)."""
    text = text.lower().replace("·", "").replace("l.l", "ll")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_PIECE = re.compile(r"[a-z0-9]+(?:[-:.][a-z0-9]+)*")


def tokens_of(word: Word, intervention: int = -1) -> list[Token]:
    """The tokens of one recognised word (usually one; two for "s'aixeca", none for "—")."""
    text = fold(word.text).replace("’", "'").replace("'", " ")
    pieces = list(_PIECE.finditer(text))
    out: list[Token] = []
    for k, m in enumerate(pieces):
        value = m.group(0)
        if "." in value and not re.fullmatch(r"\d+\.\d+", value):
            value = value.replace(".", "")
        tail_end = pieces[k + 1].start() if k + 1 < len(pieces) else len(text)
        punct = "".join(ch for ch in text[m.end() : tail_end] if ch in ",.;:?!")
        out.append(Token(value, word.start, word.end, punct, intervention))
    return out


def tokenize(words: Sequence[Word], intervention: int = -1) -> list[Token]:
    return [t for w in words for t in tokens_of(w, intervention)]


# Cardinals: Spanish and Catalan words, accents folded. "u" alone is the Spanish "or",
# so Catalan "u" counts only inside compounds ("vint-i-u").
_UNITS: dict[str, int] = {
    "cero": 0, "zero": 0,
    "uno": 1, "una": 1, "un": 1,
    "dos": 2, "dues": 2,
    "tres": 3,
    "cuatro": 4, "quatre": 4,
    "cinco": 5, "cinc": 5,
    "seis": 6, "sis": 6,
    "siete": 7, "set": 7,
    "ocho": 8, "vuit": 8,
    "nueve": 9, "nou": 9,
}  # fmt: skip
_TEENS: dict[str, int] = {
    "diez": 10, "deu": 10,
    "once": 11, "onze": 11,
    "doce": 12, "dotze": 12,
    "trece": 13, "tretze": 13,
    "catorce": 14, "catorze": 14,
    "quince": 15, "quinze": 15,
    "dieciseis": 16, "setze": 16,
    "diecisiete": 17, "disset": 17,
    "dieciocho": 18, "divuit": 18,
    "diecinueve": 19, "dinou": 19,
    "veinte": 20, "vint": 20,
    "veintiuno": 21, "veintiuna": 21, "veintiun": 21,
    "veintidos": 22, "veintitres": 23, "veinticuatro": 24, "veinticinco": 25,
    "veintiseis": 26, "veintisiete": 27, "veintiocho": 28, "veintinueve": 29,
    "cien": 100, "cent": 100,
}  # fmt: skip
_TENS: dict[str, int] = {
    "treinta": 30, "trenta": 30,
    "cuarenta": 40, "quaranta": 40,
    "cincuenta": 50, "cinquanta": 50,
    "sesenta": 60, "seixanta": 60,
    "setenta": 70, "setanta": 70,
    "ochenta": 80, "vuitanta": 80,
    "noventa": 90, "noranta": 90,
}  # fmt: skip
_CA_COMPOUND_UNITS = {**_UNITS, "u": 1}
ZERO_WORDS = frozenset({"ninguno", "ninguna", "ningun", "cap", "cero", "zero"})


def _word_value(text: str) -> int | None:
    """The value of one number word or hyphenated compound ("vint-i-dues", "trenta-u")."""
    if text.isdigit():
        return int(text)
    if text in _UNITS:
        return _UNITS[text]
    if text in _TEENS:
        return _TEENS[text]
    if text in _TENS:
        return _TENS[text]
    parts = text.split("-")
    if len(parts) == 3 and parts[0] == "vint" and parts[1] == "i":
        unit = _CA_COMPOUND_UNITS.get(parts[2])
        return None if unit is None or unit == 0 else 20 + unit
    if len(parts) == 2 and parts[0] in _TENS:
        unit = _CA_COMPOUND_UNITS.get(parts[1])
        return None if unit is None or unit == 0 else _TENS[parts[0]] + unit
    return None


def read_number(
    tokens: Sequence[Token], i: int, zero_words: bool = False
) -> tuple[int, int] | None:
    """The cardinal starting at ``tokens[i]``: (value, tokens used), or None.

    "treinta y dos" / "trenta-dos" / "32" are one number; ``zero_words`` also reads
    "ninguno", "ninguna", "cap" as 0 (in a vote: "abstenciones, ninguna").
    """
    if i >= len(tokens):
        return None
    text = tokens[i].text
    if zero_words and text in ZERO_WORDS:
        return 0, 1
    value = _word_value(text)
    if value is None:
        return None
    if text in _TENS and i + 2 < len(tokens) and tokens[i + 1].text in ("y", "i"):
        unit = _UNITS.get(tokens[i + 2].text)
        if unit and not tokens[i].stop and not tokens[i + 1].stop:
            return value + unit, 3
    return value, 1


# Ordinals for agenda items, Spanish and Catalan, masculine and feminine.
_ORDINALS: dict[str, int] = {
    "primero": 1, "primera": 1, "primer": 1,
    "segundo": 2, "segunda": 2, "segon": 2, "segona": 2,
    "tercero": 3, "tercera": 3, "tercer": 3,
    "cuarto": 4, "cuarta": 4, "quart": 4, "quarta": 4,
    "quinto": 5, "quinta": 5, "cinque": 5, "cinquena": 5,
    "sexto": 6, "sexta": 6, "sise": 6, "sisena": 6,
    "septimo": 7, "septima": 7, "setimo": 7, "setima": 7, "sete": 7, "setena": 7,
    "octavo": 8, "octava": 8, "vuite": 8, "vuitena": 8,
    "noveno": 9, "novena": 9, "nove": 9,
    "decimo": 10, "decima": 10, "dese": 10, "desena": 10,
    "undecimo": 11, "undecima": 11, "onze": 11, "onzena": 11,
    "duodecimo": 12, "duodecima": 12, "dotze": 12, "dotzena": 12,
    "tretze": 13, "tretzena": 13, "catorze": 14, "catorzena": 14,
    "quinze": 15, "quinzena": 15, "setze": 16, "setzena": 16,
    "dissete": 17, "dissetena": 17, "divuite": 18, "divuitena": 18,
    "dinove": 19, "dinovena": 19,
    "vigesimo": 20, "vigesima": 20, "vinte": 20, "vintena": 20,
}  # fmt: skip
_ES_UNIT_ORDINALS = {k: v for k, v in _ORDINALS.items() if v < 10 and k.endswith(("o", "a"))}


def read_ordinal(tokens: Sequence[Token], i: int) -> tuple[int, int] | None:
    """The ordinal at ``tokens[i]``: "tercero", "decimotercero", "décimo tercero", "vintè", "3º"."""
    if i >= len(tokens):
        return None
    text = tokens[i].text
    m = re.fullmatch(r"(\d+)(?:o|a|er|era|n|na|e)?", text)
    if m and not text.isdigit():
        return int(m.group(1)), 1
    for prefix, base in (("decimo", 10), ("vigesimo", 20)):
        if text.startswith(prefix) and text[len(prefix) :] in _ES_UNIT_ORDINALS:
            return base + _ES_UNIT_ORDINALS[text[len(prefix) :]], 1
        if text in (prefix, prefix[:-1] + "a") and i + 1 < len(tokens):
            unit = _ES_UNIT_ORDINALS.get(tokens[i + 1].text)
            if unit and not tokens[i].stop:
                return base + unit, 2
    value = _ORDINALS.get(text)
    return (value, 1) if value is not None else None


_HOUR_WORDS = frozenset({"horas", "hora", "hores", "h"})
_MINUTE_WORDS = frozenset({"minutos", "minuto", "minuts", "minut", "min"})
_AFTERNOON = (("de", "la", "tarde"), ("de", "la", "tarda"), ("de", "la", "noche"),
              ("de", "la", "nit"), ("del", "vespre"))  # fmt: skip


def read_clock(tokens: Sequence[Token], i: int) -> tuple[str, int] | None:
    """A clock time starting at ``tokens[i]`` (after "las"/"les"): ("HH:MM", tokens used).

    Reads "diez horas", "dieciocho horas y treinta minutos", "diez y cuarto",
    "doce y media", "una menos cuarto", "seis de la tarde", "10:30", "10.30",
    Catalan "deu hores", "dotze i quart", "dos quarts de deu" (9:30).
    """
    if i >= len(tokens):
        return None
    text = tokens[i].text
    m = re.fullmatch(r"(\d{1,2})[:.](\d{2})", text)
    if m:
        hour, minute, used = int(m.group(1)), int(m.group(2)), 1
        if i + 1 < len(tokens) and tokens[i + 1].text in _HOUR_WORDS:
            used += 1
        return _fmt(hour, minute), used
    quarter = _catalan_quarters(tokens, i)
    if quarter is not None:
        return quarter
    first = read_number(tokens, i)
    if first is None and text.endswith("s") and len(text) >= 5:  # "las onces": misheard plural
        stem = _word_value(text[:-1])
        first = None if stem is None else (stem, 1)
    if first is None or not 0 <= first[0] <= 24:
        return None
    hour, used = first
    minute = 0
    j = i + used
    if j < len(tokens) and tokens[j].text in _HOUR_WORDS:
        j += 1
    if j + 1 < len(tokens) and tokens[j].text in ("y", "i") and not tokens[j - 1].stop:
        after = tokens[j + 1].text
        if after in ("cuarto", "quart"):
            minute, j = 15, j + 2
        elif after in ("media", "mitja"):
            minute, j = 30, j + 2
        else:
            minutes = read_number(tokens, j + 1)
            if minutes is not None and 0 < minutes[0] < 60:
                minute, j = minutes[0], j + 1 + minutes[1]
                if j < len(tokens) and tokens[j].text in _MINUTE_WORDS:
                    j += 1
    elif (
        j + 1 < len(tokens)
        and tokens[j].text in ("menos", "menys")
        and tokens[j + 1].text in ("cuarto", "quart")
    ):
        hour, minute, j = (hour - 1 if hour > 1 else 12), 45, j + 2
    for phrase in _AFTERNOON:
        if tuple(t.text for t in tokens[j : j + len(phrase)]) == phrase:
            if hour < 12:
                hour += 12
            j += len(phrase)
            break
    return _fmt(hour, minute), j - i


def _catalan_quarters(tokens: Sequence[Token], i: int) -> tuple[str, int] | None:
    """ "un quart de deu" (9:15), "dos quarts d'onze" (10:30), "tres quarts de dotze" (11:45)."""
    count = {"un": 1, "dos": 2, "tres": 3}.get(tokens[i].text)
    if count is None or i + 3 >= len(tokens):
        return None
    if tokens[i + 1].text not in ("quart", "quarts") or tokens[i + 2].text not in ("de", "d"):
        return None
    nxt = read_number(tokens, i + 3)
    if nxt is None or not 1 <= nxt[0] <= 24:
        return None
    return _fmt((nxt[0] - 1) % 24, 15 * count), 3 + nxt[1]


def _fmt(hour: int, minute: int) -> str:
    return f"{hour % 24:02d}:{minute:02d}"
