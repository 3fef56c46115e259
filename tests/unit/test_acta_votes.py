"""Votes said in an item: counts, result, unanimity, and the checks against attendance."""

from __future__ import annotations

import pytest
from acta_scripts import tokens_of_text

from plenaria.assembly.votes import check_vote, find_vote
from plenaria.domain_acta import Vote

COUNTED = [
    ("Votos a favor, nueve; en contra, cinco; abstenciones, dos.", (9, 5, 2)),
    ("Nueve votos a favor, cinco en contra y dos abstenciones.", (9, 5, 2)),
    ("votos a favor nueve en contra cinco abstenciones dos", (9, 5, 2)),
    ("nueve votos a favor cinco votos en contra y dos abstenciones", (9, 5, 2)),
    ("¿Votos a favor? Nueve. ¿Votos en contra? Cinco. ¿Abstenciones? Dos.", (9, 5, 2)),
    ("Votos a favor: 9. En contra: 5. Abstenciones: 2.", (9, 5, 2)),
    ("¿Votos a favor? Once. ¿En contra? Cinco. ¿Abstenciones? Ninguna.", (11, 5, 0)),
    ("Queda aprobada con once votos a favor y cinco en contra.", (11, 5, 0)),
    ("Dieciséis votos a favor. Queda aprobada.", (16, 0, 0)),
    ("Catorce votos a favor, ningún voto en contra y dos abstenciones.", (14, 0, 2)),
    # Catalan
    ("Vots a favor, nou; en contra, cinc; abstencions, dues.", (9, 5, 2)),
    ("Nou vots a favor, cinc en contra i dues abstencions.", (9, 5, 2)),
    ("Vots a favor: onze. En contra: cinc. Abstencions: cap.", (11, 5, 0)),
]


@pytest.mark.parametrize(("text", "counts"), COUNTED)
def test_counts_as_said_in_spanish_and_catalan(text: str, counts: tuple[int, int, int]) -> None:
    vote = find_vote(tokens_of_text(text), present=16)
    assert vote is not None
    assert (vote.for_, vote.against, vote.abstentions) == counts
    assert vote.result == "approved"
    assert vote.checked, vote.issues


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("Queda rechazada la moción.", "rejected"),
        ("Se rechaza con cinco votos a favor y once en contra.", "rejected"),
        ("No queda aprobada la moción.", "rejected"),
        ("Queda aprobada por mayoría.", "approved"),
        ("Se aprueba.", "approved"),
        ("Queda aprovada la proposta.", "approved"),
        ("Es rebutja la moció.", "rejected"),
        ("S'aprova per majoria.", "approved"),
    ],
)
def test_results(text: str, result: str) -> None:
    vote = find_vote(tokens_of_text(text), present=16)
    assert vote is not None and vote.result == result


@pytest.mark.parametrize(
    "text",
    [
        "Se aprueba por unanimidad.",
        "Queda aprobada por unanimidad de los presentes.",
        "S'aprova per unanimitat.",
    ],
)
def test_unanimous_is_everyone_present(text: str) -> None:
    vote = find_vote(tokens_of_text(text), present=12)
    assert vote is not None
    assert vote.unanimous and vote.result == "approved" and vote.checked
    assert (vote.for_, vote.against, vote.abstentions) == (12, 0, 0)


def test_unanimous_without_a_known_attendance_leaves_the_counts_to_the_clerk() -> None:
    vote = find_vote(tokens_of_text("Se aprueba por unanimidad."), present=None)
    assert vote is not None and vote.unanimous and vote.for_ is None and not vote.checked


def test_unanimous_with_a_count_that_is_not_everyone_is_marked_not_fixed() -> None:
    vote = find_vote(tokens_of_text("Trece votos a favor. Se aprueba por unanimidad."), 11)
    assert vote is not None and vote.for_ == 13 and not vote.checked
    assert any("unanimidad" in i and "11" in i for i in vote.issues)


def test_counts_that_do_not_add_up_are_marked_not_fixed() -> None:
    text = "Votos a favor, nueve; en contra, cinco; abstenciones, dos."
    vote = find_vote(tokens_of_text(text), present=15)
    assert vote is not None
    assert (vote.for_, vote.against, vote.abstentions) == (9, 5, 2)
    assert not vote.checked
    assert vote.issues == (
        "Los votos (9 a favor + 5 en contra + 2 abstenciones = 16) no suman los 15 "
        "asistentes; compruebe el recuento.",
    )


def test_a_count_not_said_stays_unknown_when_the_rest_do_not_add_up() -> None:
    vote = find_vote(tokens_of_text("Nueve votos a favor y cinco en contra."), present=16)
    assert vote is not None and vote.abstentions is None and not vote.checked
    assert "abstenciones" in vote.issues[0]


def test_a_majority_without_counts_asks_for_them() -> None:
    vote = find_vote(tokens_of_text("Queda aprobada por mayoría."), present=16)
    assert vote is not None and vote.for_ is None and not vote.checked
    assert "complete el recuento" in vote.issues[0]


def test_different_counts_said_are_marked() -> None:
    text = "Votos a favor, nueve. Queda aprobada con diez votos a favor y seis en contra."
    vote = find_vote(tokens_of_text(text), present=16)
    assert vote is not None and vote.for_ == 10 and not vote.checked
    assert "9 y 10" in vote.issues[0]


def test_a_result_that_contradicts_the_counts_is_marked() -> None:
    vote = find_vote(tokens_of_text("Cinco votos a favor y once en contra. Queda aprobada."), 16)
    assert vote is not None and vote.result == "approved" and not vote.checked
    assert any("Se dice aprobado" in i for i in vote.issues)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Nuestro grupo votará a favor de la moción.",
        "Estamos en contra de dos de las propuestas del equipo de gobierno.",
        "Tiene la palabra el concejal de Hacienda. La tarifa sube un dos por ciento.",
        "Pasamos al punto tercero. Aprobación del acta de la sesión anterior.",
        "Si se aprueba la moción, el estudio se hará este año.",
        "Vots a favor de la gent gran, diu el grup.",
    ],
)
def test_no_vote_words_no_vote(text: str) -> None:
    assert find_vote(tokens_of_text(text), present=16) is None


def test_absolute_majority_is_flagged_when_lacking() -> None:
    text = "Nueve votos a favor, cinco en contra y siete abstenciones. Queda aprobada."
    vote = find_vote(tokens_of_text(text), 21, legal_members=21, absolute_majority=True)
    assert vote is not None and not vote.checked
    assert vote.issues == (
        "Este punto requiere mayoría absoluta (11 de 21) y tiene 9 votos a favor.",
    )
    enough = find_vote(
        tokens_of_text("Once votos a favor y diez en contra."), 21, 21, absolute_majority=True
    )
    assert enough is not None and enough.checked


def test_votes_by_group() -> None:
    text = (
        "Votos a favor, nueve: a favor el Grupo Socialista y Compromís; en contra, cinco, "
        "el Partido Popular; se abstiene Vox."
    )
    groups = ["Grupo Socialista", "Partido Popular", "Compromís", "Vox"]
    vote = find_vote(tokens_of_text(text), present=None, groups=groups)
    assert vote is not None
    assert dict(vote.by_group) == {
        "Grupo Socialista": "for",
        "Compromís": "for",
        "Partido Popular": "against",
        "Vox": "abstention",
    }


def test_tie_asks_for_the_casting_vote() -> None:
    vote = check_vote(Vote(for_=5, against=5, abstentions=0), present=10)
    assert vote.result is None and not vote.checked and "Empate" in vote.issues[0]


def test_vote_round_trips() -> None:
    vote = find_vote(tokens_of_text("Nueve votos a favor y cinco en contra."), 14)
    assert vote is not None and Vote.from_dict(vote.to_dict()) == vote
