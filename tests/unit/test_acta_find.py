"""find_acta on scripted plenos: times, items, votes, attendance, JSON shape, what is missing."""

from __future__ import annotations

from dataclasses import replace

import pytest
from acta_scripts import ROSTER, SESSION, build, phrase_start

from plenaria.assembly.acta import MISSING_KEYS, ActaOptions, find_acta, find_times
from plenaria.domain_acta import Acta, Roster

PLENO = [
    ("SPEAKER_00", "Buenos días. Siendo las diez y cuarto, se abre la sesión ordinaria."),
    ("SPEAKER_01", "Asisten cuatro concejales. Excusa su asistencia don Luis Pardo."),
    ("SPEAKER_00", "Pasamos al punto primero del orden del día."),
    ("SPEAKER_01", "Aprobación del acta de la sesión anterior."),
    ("SPEAKER_00", "¿Votos a favor? Cuatro. Se aprueba por unanimidad."),
    ("SPEAKER_01", "Punto segundo. Modificación de la ordenanza fiscal del agua."),
    ("SPEAKER_02", "Nuestro grupo votará en contra."),
    ("SPEAKER_00", "Votos a favor, tres; en contra, uno; abstenciones, ninguna. Queda aprobada."),
    ("SPEAKER_01", "Punto tercero. Ruegos y preguntas."),
    ("SPEAKER_02", "Ruego que se limpie la plaza."),
    ("SPEAKER_00", "Se levanta la sesión a las doce y media."),
]


def test_a_whole_pleno() -> None:
    t = build(PLENO)
    acta = find_acta(t, SESSION, ROSTER)
    assert (acta.start_time, acta.end_time) == ("10:15", "12:30")
    assert acta.attendance.excused == ("Luis Pardo Gil",)
    assert acta.attendance.count_present == 4 and acta.attendance.quorum is True
    one, two, three = acta.items
    assert one.start == phrase_start(t, "Pasamos al punto primero")
    assert two.start == phrase_start(t, "Punto segundo.") == one.end
    assert three.start == phrase_start(t, "Punto tercero.") == two.end
    assert three.end == t.interventions[-1].segment.end
    assert one.vote is not None and one.vote.unanimous and one.vote.for_ == 4
    assert two.vote is not None
    assert (two.vote.for_, two.vote.against, two.vote.abstentions) == (3, 1, 0)
    assert two.vote.result == "approved" and two.vote.checked
    assert three.vote is None  # questions: no vote said, none invented
    assert acta.intervention_items == (None, None, 1, 1, 1, 2, 2, 2, 3, 3, 3)
    assert acta.missing == ()


def test_the_json_shape_of_the_issue() -> None:
    d = find_acta(build(PLENO), SESSION, ROSTER).to_dict()
    assert {"start_time", "end_time", "attendance", "items", "missing"} <= set(d)
    assert {"present", "excused", "absent", "count_present", "quorum"} <= set(d["attendance"])
    item = d["items"][1]
    assert {"number", "title", "start", "end", "vote"} <= set(item)
    assert {k: item["vote"][k] for k in ("for", "against", "abstentions")} == {
        "for": 3, "against": 1, "abstentions": 0,
    }  # fmt: skip
    assert {"result", "unanimous", "checked"} <= set(item["vote"])
    assert d["items"][2]["vote"] is None
    assert Acta.from_dict(d).to_dict() == d


def test_is_deterministic_and_changes_nothing() -> None:
    t = build(PLENO)
    before = t.to_dict()
    assert find_acta(t, SESSION, ROSTER) == find_acta(t, SESSION, ROSTER)
    assert t.to_dict() == before


def test_no_vote_words_means_no_vote_on_any_item() -> None:
    lines = [(s, x) for s, x in PLENO if "Votos" not in x and "aprueba" not in x]
    acta = find_acta(build(lines), SESSION, ROSTER)
    assert [i.vote for i in acta.items] == [None, None, None]
    assert "item_vote:1" in acta.missing and "item_vote:2" in acta.missing
    assert "item_vote:3" not in acta.missing  # "Ruegos y preguntas" is not voted


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Siendo las diez horas se abre la sesión.", "10:00", None),
        ("Se abre la sesión a las dieciocho horas y treinta minutos.", "18:30", None),
        ("Essent les deu hores, s'obre la sessió.", "10:00", None),
        ("Se levanta la sesión a las doce y cuarto.", None, "12:15"),
        ("Se levanta la sesión siendo las trece horas.", None, "13:00"),
        ("S'aixeca la sessió a les dotze.", None, "12:00"),
        ("Les votacions seran a les dotze.", None, None),
        ("Haciendo las nueve, se abre la sesión.", "09:00", None),  # "Siendo", misheard
        ("A las diez se abre la sesión.", "10:00", None),
        ("Votaremos a las doce. Se abre la sesión.", None, None),  # another sentence
        ("Siendo las 10:05 se abre la sesión. Se levanta la sesión a las 11:40.", "10:05", "11:40"),
    ],
)
def test_times(text: str, start: str | None, end: str | None) -> None:
    from acta_scripts import tokens_of_text

    assert find_times(tokens_of_text(text)) == (start, end)


def test_start_time_from_the_session_file_when_not_said() -> None:
    lines = [(s, x.replace("Siendo las diez y cuarto, ", "")) for s, x in PLENO]
    assert find_acta(build(lines), SESSION, ROSTER).start_time == "09:30"


MISSING = [
    ({"place": ""}, {}, "place"),
    ({"date": ""}, {}, "date"),
    ({"session_type": ""}, {}, "session_type"),
    ({"start_time": ""}, {"drop": "Siendo las diez y cuarto, "}, "start_time"),
    ({}, {"drop": "Se levanta la sesión a las doce y media."}, "end_time"),
    ({"president": ""}, {"roster": "no president"}, "president"),
    ({"secretary": ""}, {"roster": "no secretary"}, "secretary"),
    ({}, {"drop": "Asisten cuatro concejales. Excusa su asistencia don Luis Pardo."}, "attendance"),
    ({}, {"drop": "Pasamos al punto primero del orden del día."}, "item_start:1"),
    ({}, {"drop": "¿Votos a favor? Cuatro. Se aprueba por unanimidad."}, "item_vote:1"),
]


@pytest.mark.parametrize(("session_change", "script_change", "key"), MISSING)
def test_missing_fields(
    session_change: dict[str, str], script_change: dict[str, str], key: str
) -> None:
    drop = script_change.get("drop", "\0")
    lines = [(s, x.replace(drop, "").strip() or "Bien.") for s, x in PLENO]
    roster = ROSTER
    if script_change.get("roster") == "no president":
        roster = Roster(tuple(m for m in ROSTER.members if not m.is_president), 5)
    if script_change.get("roster") == "no secretary":
        roster = Roster(tuple(m for m in ROSTER.members if not m.is_secretary), 5)
    acta = find_acta(build(lines), replace(SESSION, **session_change), roster)
    assert key in acta.missing
    assert key.split(":")[0] in MISSING_KEYS
    others = [k for k in acta.missing if k != key and k != "quorum" and not k.startswith("item")]
    assert others == [], others


def test_options_are_checked() -> None:
    with pytest.raises(ValueError):
        ActaOptions(item_window_s=3)  # type: ignore[call-arg]
    opts = ActaOptions(absolute_majority_items=frozenset({2}), vote_items=frozenset({1, 2, 3}))
    acta = find_acta(build(PLENO), SESSION, Roster(ROSTER.members, legal_members=7), opts)
    vote = acta.items[1].vote
    assert vote is not None and not vote.checked
    assert vote.issues == (
        "Este punto requiere mayoría absoluta (4 de 7) y tiene 3 votos a favor.",
    )
    assert "item_vote:3" in acta.missing
