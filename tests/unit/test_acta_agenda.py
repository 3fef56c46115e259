"""Agenda items found in the transcript: starts, ends, and each intervention's item."""

from __future__ import annotations

import pytest
from acta_scripts import AGENDA, build, phrase_start

from plenaria.assembly.agenda import find_items, vote_expected
from plenaria.assembly.spoken_numbers import tokenize
from plenaria.domain import AgendaItem, Transcript


def _items(transcript: Transcript, agenda: tuple[AgendaItem, ...] = AGENDA):  # type: ignore[no-untyped-def]
    tokens = [t for k, iv in enumerate(transcript.interventions) for t in tokenize(iv.words, k)]
    return find_items(tokens, agenda, transcript.interventions)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Punto primero. Aprobación del acta.", "Punto segundo. Modificación de la ordenanza."),
        ("Primer punto del orden del día.", "Pasamos al punto número dos del orden del día."),
        ("Punto número uno, el acta.", "Pasamos al punto segundo del orden del día."),
        ("Punto 1. El acta.", "Punto 2. La ordenanza."),
        ("1º punto. El acta.", "2º punto. La ordenanza."),
        ("Punt primer. Aprovació de l'acta.", "Passem al punt segon de l'ordre del dia."),
        ("Primer punt de l'ordre del dia.", "Segon punt. Modificació de l'ordenança."),
    ],
)
def test_item_starts_and_ends(first: str, second: str) -> None:
    t = build(
        [
            ("SPEAKER_00", "Buenos días. Se abre la sesión."),
            ("SPEAKER_01", first),
            ("SPEAKER_02", "Sin observaciones al acta."),
            ("SPEAKER_00", f"Gracias. {second}"),
            ("SPEAKER_02", "La tarifa sube un dos por ciento."),
        ]
    )
    spans, of_iv = _items(t)
    lead = second.split()[0]
    assert spans[0].start == phrase_start(t, first.split()[0] + " " + first.split()[1])
    assert spans[1].start == phrase_start(t, lead + " " + second.split()[1])
    assert spans[0].end == spans[1].start
    assert spans[1].end == t.interventions[-1].segment.end
    assert (spans[2].start, spans[2].end) == (None, None)  # never said
    assert of_iv == (None, 1, 1, 2, 2)


def test_a_reference_inside_a_debate_does_not_start_the_item() -> None:
    t = build(
        [
            ("SPEAKER_01", "Punto primero. Aprobación del acta de la sesión anterior."),
            ("SPEAKER_02", "Como se dijo en el punto segundo de la moción anterior, votaremos."),
            ("SPEAKER_01", "Punto segundo. Modificación de la ordenanza fiscal del agua."),
        ]
    )
    spans, _ = _items(t)
    assert spans[1].start == phrase_start(t, "Punto segundo. Modificación")


def test_items_are_found_in_order_and_only_when_on_the_agenda() -> None:
    t = build(
        [
            ("SPEAKER_01", "Punto tercero. Ruegos y preguntas."),
            ("SPEAKER_01", "Punto primero. Aprobación del acta de la sesión anterior."),
            ("SPEAKER_01", "Punto séptimo. No está en el orden del día."),
        ]
    )
    spans, of_iv = _items(t)
    # Item 1 is said after item 3: item 1 is taken, then 3 must come after it, so it is not found.
    assert spans[0].start == phrase_start(t, "Punto primero.")
    assert spans[2].start is None
    assert of_iv == (None, 1, 1)


def test_nothing_is_changed() -> None:
    t = build([("SPEAKER_01", "Punto primero. El acta."), ("SPEAKER_01", "Punto segundo.")])
    before = t.to_dict()
    _items(t)
    assert t.to_dict() == before and all(iv.agenda_item is None for iv in t.interventions)


@pytest.mark.parametrize(
    ("title", "voted"),
    [
        ("Aprobación del acta de la sesión anterior", True),
        ("Moción sobre el carril bici", True),
        ("Ruegos y preguntas", False),
        ("Dación de cuenta de los decretos de Alcaldía", False),
        ("Precs i preguntes", False),
    ],
)
def test_vote_expected(title: str, voted: bool) -> None:
    assert vote_expected(AgendaItem(1, title)) is voted


def test_a_misheard_number_is_read_from_the_title_said_at_once() -> None:
    agenda = (
        AgendaItem(1, "Aprobación del acta de la sesión anterior"),
        AgendaItem(2, "Dación de cuenta de los decretos"),
        AgendaItem(3, "Moción sobre la limpieza de los parques"),
    )
    t = build(
        [
            ("SPEAKER_01", "Punto primero. Aprobación del acta de la sesión anterior."),
            ("SPEAKER_01", "Pasamos al punto segundo. Dación de cuenta de los decretos."),
            ("SPEAKER_02", "En este punto pedimos copia del decreto sobre los parques."),
            ("SPEAKER_01", "Punto terreno, moción sobre la limpieja de los parques."),
            ("SPEAKER_02", "Los parques llevan meses sin limpiarse."),
        ]
    )
    spans, of_iv = _items(t, agenda)
    assert spans[2].start == phrase_start(t, "Punto terreno,")
    assert of_iv == (1, 2, 2, 3, 3)


@pytest.mark.parametrize(
    "line",
    [
        "Punto de vista, la moción sobre la limpieza de los parques es buena.",  # "de"
        "Un punto terreno de la moción sobre la limpieza de los parques.",  # mid-sentence
        "Punto terreno. Los vecinos piden más bancos en los parques.",  # one title word
        "Punto terreno, ya se dijo. Sobre la moción de limpieza de los parques.",  # not at once
    ],
)
def test_a_title_without_a_number_needs_an_opening_punto_and_the_title_at_once(
    line: str,
) -> None:
    agenda = (AgendaItem(1, "Moción sobre la limpieza de los parques"),)
    t = build([("SPEAKER_01", "Buenos días."), ("SPEAKER_02", line)])
    spans, _ = _items(t, agenda)
    assert spans[0].start is None


def test_a_start_the_clerk_fixes_wins_and_the_items_keep_their_order() -> None:
    t = build(
        [
            ("SPEAKER_00", "Buenos días. Se abre la sesión."),
            ("SPEAKER_01", "Sin observaciones; la tarifa del agua sube."),
            ("SPEAKER_00", "Punto primero. Aprobación del acta."),
            ("SPEAKER_02", "Votamos a favor."),
        ]
    )
    tokens = [t_ for k, iv in enumerate(t.interventions) for t_ in tokenize(iv.words, k)]
    heard, _ = find_items(tokens, AGENDA, t.interventions)
    assert heard[0].start == phrase_start(t, "Punto primero.")
    at = t.interventions[1].words[0].start
    spans, of_iv = find_items(tokens, AGENDA, t.interventions, fixed={2: at})
    assert spans[1].start == at  # as the clerk says
    assert spans[0].start is None  # "punto primero" after item 2's start is not item 1
    assert of_iv == (None, 2, 2, 2)
    spans, of_iv = find_items(
        tokens, AGENDA, t.interventions, fixed={1: t.interventions[0].words[0].start}
    )
    assert of_iv[0] == 1 and spans[0].start == t.interventions[0].words[0].start
