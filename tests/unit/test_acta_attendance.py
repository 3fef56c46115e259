"""Attendance from the roll call, the president's words and who spoke; quorum (LBRL 46.2.c)."""

from __future__ import annotations

import pytest
from acta_scripts import ROSTER, tokens_of_text

from plenaria.assembly.attendance import find_attendance, match_members, quorum_needed
from plenaria.domain_acta import Member, Roster

SPOKE = ("María Pérez Soler", "Jordi Puig Roca")


def test_excused_by_name_and_the_count_said() -> None:
    text = "Asisten cuatro concejales. Excusa su asistencia el concejal don Luis Pardo. Hay quórum."
    att = find_attendance(tokens_of_text(text), ROSTER, SPOKE)
    assert att.excused == ("Luis Pardo Gil",)
    assert att.count_present == 4
    # The four members not excused are the four said: all present (the secretary too).
    assert att.present == (
        "María Pérez Soler", "Ana Ruiz Vidal", "Jordi Puig Roca", "Carmen Soto Ramos",
        "Pedro Llorente Mas",
    )  # fmt: skip
    assert att.absent == () and att.quorum is True and att.issues == ()


@pytest.mark.parametrize(
    ("text", "excused", "absent"),
    [
        ("Excusan su asistencia doña Ana Ruiz y don Pedro Llorente.", ("Ana", "Pedro"), ()),
        ("Luis Pardo excusa su asistencia.", ("Luis",), ()),
        ("No asiste la concejala Carmen Soto.", (), ("Carmen",)),
        ("Excusa la seva assistència la regidora Ana Ruiz.", ("Ana",), ()),
        ("No assisteix el regidor Pardo.", (), ("Luis",)),
        ("EXCUSA SU ASISTENCIA DON LUIS PARDO GIL.", ("Luis",), ()),
    ],
)
def test_excused_and_absent_names(
    text: str, excused: tuple[str, ...], absent: tuple[str, ...]
) -> None:
    att = find_attendance(tokens_of_text(text), ROSTER, SPOKE)
    assert tuple(n.split()[0] for n in att.excused) == excused
    assert set(absent) <= {n.split()[0] for n in att.absent}


def test_roll_call() -> None:
    text = "Ana Ruiz, presente. Luis Pardo, presente. Carmen Soto, presente. Pedro Llorente."
    att = find_attendance(tokens_of_text(text), ROSTER, SPOKE)
    assert att.present == (
        "María Pérez Soler", "Luis Pardo Gil", "Ana Ruiz Vidal", "Jordi Puig Roca",
        "Carmen Soto Ramos",
    )  # fmt: skip
    assert att.absent == ("Pedro Llorente Mas",)  # not said present: the clerk confirms
    assert att.count_present == 4 and att.quorum is True


def test_everyone() -> None:
    att = find_attendance(tokens_of_text("Asisten todos los concejales."), ROSTER, SPOKE)
    assert att.count_present is None or att.count_present == 5
    assert len(att.present) == 6 and att.absent == ()


def test_a_count_that_names_do_not_explain_is_marked() -> None:
    text = "Asisten tres concejales."
    att = find_attendance(tokens_of_text(text), ROSTER, SPOKE)
    assert att.count_present == 3
    assert any("Se han dicho 3 asistentes y se identifican 1" in i for i in att.issues)


def test_nothing_said_leaves_count_and_quorum_unknown() -> None:
    att = find_attendance(tokens_of_text("Buenos días."), ROSTER, SPOKE)
    assert att.count_present is None and att.quorum is None
    assert att.issues == ("No se ha dicho la asistencia en la sesión; confírmela.",)


def test_too_few_present_is_no_quorum() -> None:
    roster = Roster(ROSTER.members, legal_members=17)  # needs 6
    text = "Asisten cinco concejales."
    att = find_attendance(tokens_of_text(text), roster, SPOKE)
    assert att.count_present == 5 and att.quorum is False
    assert any("Sin quórum: asisten 5 miembros y hacen falta 6" in i for i in att.issues)


def test_without_the_president_or_the_secretary_no_quorum() -> None:
    text = "Asisten cuatro concejales. Excusa su asistencia la alcaldesa María Pérez."
    att = find_attendance(tokens_of_text(text), ROSTER, ("Jordi Puig Roca",))
    assert att.quorum is False and any("el presidente" in i for i in att.issues)
    att = find_attendance(tokens_of_text("Asisten cinco concejales."), ROSTER, ())
    assert att.quorum is False and any("el secretario" in i for i in att.issues)


@pytest.mark.parametrize(
    ("legal", "needed"), [(3, 3), (5, 3), (7, 3), (9, 3), (11, 4), (13, 5), (17, 6), (21, 7)]
)
def test_quorum_needed(legal: int, needed: int) -> None:
    assert quorum_needed(legal) == needed


def test_names_by_unique_surname_not_by_shared_first_name() -> None:
    roster = Roster((Member("Luis Pardo"), Member("Luis Gómez"), Member("Ana Pardo Ruiz")))
    assert match_members(["luis"], roster) == []
    assert match_members(["gomez"], roster) == [roster.members[1]]
    assert match_members(["luis", "pardo"], roster) == [roster.members[0]]


def test_who_is_excused_is_not_a_count_of_who_is_there() -> None:
    # No count, no roll call, no one heard by name: how many attend is not known (not 0).
    text = "Excusa su asistencia el concejal don Luis Pardo."
    att = find_attendance(tokens_of_text(text), ROSTER, ())
    assert att.excused == ("Luis Pardo Gil",)
    assert att.count_present is None and att.quorum is None
    # A roll call is a count by names.
    text = "Ana Ruiz, presente. Carmen Soto, presente. Excusa su asistencia don Luis Pardo."
    att = find_attendance(tokens_of_text(text), ROSTER, ())
    assert att.count_present == 2
