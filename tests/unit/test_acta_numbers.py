"""Spoken numbers, ordinals and clock times in Spanish and Catalan."""

from __future__ import annotations

import pytest
from acta_scripts import tokens_of_text

from plenaria.assembly.spoken_numbers import read_clock, read_number, read_ordinal, tokens_of
from plenaria.domain import Word


@pytest.mark.parametrize(
    ("text", "value", "used"),
    [
        ("uno", 1, 1), ("una", 1, 1), ("un", 1, 1), ("dos", 2, 1), ("nueve", 9, 1),
        ("diez", 10, 1), ("once", 11, 1), ("quince", 15, 1), ("dieciséis", 16, 1),
        ("diecisiete", 17, 1), ("veinte", 20, 1), ("veintiún", 21, 1), ("veintiuno", 21, 1),
        ("veintitrés", 23, 1), ("veinticinco", 25, 1), ("treinta y dos", 32, 3),
        ("cuarenta y uno", 41, 3), ("16", 16, 1),
        # Catalan
        ("dues", 2, 1), ("quatre", 4, 1), ("cinc", 5, 1), ("sis", 6, 1), ("set", 7, 1),
        ("vuit", 8, 1), ("nou", 9, 1), ("deu", 10, 1), ("onze", 11, 1), ("dotze", 12, 1),
        ("tretze", 13, 1), ("setze", 16, 1), ("disset", 17, 1), ("divuit", 18, 1),
        ("dinou", 19, 1), ("vint", 20, 1), ("vint-i-u", 21, 1), ("vint-i-una", 21, 1),
        ("vint-i-dues", 22, 1), ("Vint-i-cinc", 25, 1), ("trenta-u", 31, 1),
    ],
)  # fmt: skip
def test_cardinals(text: str, value: int, used: int) -> None:
    assert read_number(tokens_of_text(text), 0) == (value, used)


@pytest.mark.parametrize("text", ["u", "casa", "vint-i-cero", "punto", "y"])
def test_words_that_are_not_numbers(text: str) -> None:
    assert read_number(tokens_of_text(text), 0) is None


def test_zero_words_only_when_asked() -> None:
    assert read_number(tokens_of_text("ninguna"), 0) is None
    assert read_number(tokens_of_text("ninguna"), 0, zero_words=True) == (0, 1)
    assert read_number(tokens_of_text("cap"), 0, zero_words=True) == (0, 1)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("primero", 1), ("primer", 1), ("segunda", 2), ("tercero", 3), ("cuarto", 4),
        ("séptimo", 7), ("décimo", 10), ("undécimo", 11), ("decimotercero", 13),
        ("décimo tercero", 13), ("vigésimo", 20), ("vigésimo primero", 21), ("3º", 3),
        ("segon", 2), ("tercer", 3), ("quart", 4), ("cinquè", 5), ("sisè", 6), ("setè", 7),
        ("vuitè", 8), ("novè", 9), ("desè", 10), ("onzè", 11), ("vintè", 20),
    ],
)  # fmt: skip
def test_ordinals(text: str, value: int) -> None:
    read = read_ordinal(tokens_of_text(text), 0)
    assert read is not None and read[0] == value


@pytest.mark.parametrize(
    ("text", "clock"),
    [
        ("diez horas", "10:00"),
        ("dieciocho horas y treinta minutos", "18:30"),
        ("diez y cuarto", "10:15"),
        ("doce y media", "12:30"),
        ("doce menos cuarto", "11:45"),
        ("una menos cuarto", "12:45"),
        ("seis de la tarde", "18:00"),
        ("nueve y veinte", "09:20"),
        ("10:30", "10:30"),
        ("19.05 horas", "19:05"),
        ("deu hores", "10:00"),
        ("dotze i quart", "12:15"),
        ("set de la tarda", "19:00"),
        ("dos quarts de deu", "09:30"),
        ("un quart d'onze", "10:15"),
    ],
)
def test_clock_times(text: str, clock: str) -> None:
    read = read_clock(tokens_of_text(text), 0)
    assert read is not None and read[0] == clock


def test_tokens_fold_accents_split_apostrophes_and_keep_punctuation() -> None:
    toks = tokens_of(Word("S'aixeca,", 1.0, 1.5))
    assert [(t.text, t.punct, t.start) for t in toks] == [("s", "", 1.0), ("aixeca", ",", 1.0)]
    (tok,) = tokens_of(Word("¿Abstenciones?", 0, 1))
    assert (tok.text, tok.stop) == ("abstenciones", True)


def test_a_misheard_plural_hour_is_read() -> None:
    read = read_clock(tokens_of_text("onces, se abre"), 0)
    assert read is not None and read[0] == "11:00"
