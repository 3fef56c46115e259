"""The acta wired in: session-file keys, the transcript's "acta" block, the assembly's pure call."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from acta_scripts import ROSTER, SESSION, build
from test_acta_find import PLENO

from plenaria.assembly.acta import acta_options, with_acta
from plenaria.cli.session_file import load_session
from plenaria.domain import SCHEMA_VERSION, AgendaItem, Transcript
from plenaria.domain_acta import Member
from plenaria.errors import InputError
from plenaria.formats.jsonio import read_transcript, transcript_to_json
from plenaria.session import session_from_mapping

SESSION_FILE = """\
id: pleno-2026-03
council: Ayuntamiento de Villaprueba
legal_members: 17
members:
  - {name: María Pérez Soler, group: Grupo Socialista, role: Alcaldesa}
  - {name: Luis Pardo Gil, group: Partido Popular}
  - {name: Jordi Puig Roca, role: secretario}
agenda:
  - Aprobación del acta anterior
  - {title: Presupuesto general, majority: absolute}
  - {number: 7, title: Dación de cuenta de decretos, vote: false}
"""


def test_the_session_file_gives_roster_and_item_flags(tmp_path: Path) -> None:
    path = tmp_path / "sesion.yaml"
    path.write_text(SESSION_FILE, encoding="utf-8")
    info = load_session(path)
    assert info.legal_members == 17
    assert info.members == (
        Member("María Pérez Soler", "Grupo Socialista", "alcaldesa"),
        Member("Luis Pardo Gil", "Partido Popular", "concejal"),
        Member("Jordi Puig Roca", "", "secretario"),
    )
    assert info.roster.legal_count == 17
    assert [m.name for m in info.roster.council_members] == ["María Pérez Soler", "Luis Pardo Gil"]
    assert info.agenda == (
        AgendaItem(1, "Aprobación del acta anterior"),
        AgendaItem(2, "Presupuesto general", "absolute"),
        AgendaItem(7, "Dación de cuenta de decretos", "", False),
    )
    assert acta_options(info).absolute_majority_items == frozenset({2})
    # The session's JSON form (stored with the job) reads back to the same session.
    assert session_from_mapping(json.loads(json.dumps(info.to_dict()))) == info


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"members": "Pérez, Pardo"}, "'members' debe ser una lista"),
        ({"members": ["María Pérez"]}, "el miembro 1 de 'members' no es"),
        ({"members": [{"name": "A", "partido": "X"}]}, "campos desconocidos: partido"),
        ({"members": [{"group": "X"}]}, "le falta el nombre"),
        ({"members": [{"name": "Ana"}, {"name": "ana"}]}, "miembros repetidos"),
        ({"legal_members": "diecisiete"}, "'legal_members' debe ser un número entero"),
        ({"legal_members": 0}, "'legal_members' debe ser un número entero"),
        ({"legal_members": True}, "'legal_members' debe ser un número entero"),
        ({"agenda": [{"title": "P", "majority": "cualificada"}]}, "la mayoría del punto 1"),
        ({"agenda": [{"title": "P", "vote": "no"}]}, "el campo vote del punto 1"),
        ({"agenda": [{"title": "P", "quorum": 3}]}, "campos desconocidos: quorum"),
        ({"agenda": [{"title": "P", "number": "tres"}]}, "el número del punto 1"),
        ({"legal": 17}, "legal"),
    ],
)
def test_bad_session_values_are_one_clear_line(data: dict[str, object], needle: str) -> None:
    with pytest.raises(InputError) as e:
        session_from_mapping(data, source="sesion.yaml")
    assert needle in e.value.message
    assert "\n" not in str(e.value)


def test_with_acta_sets_items_and_keeps_the_input() -> None:
    t = build(PLENO, session=replace(SESSION, members=ROSTER.members, legal_members=5))
    out = with_acta(t)
    assert t.acta is None and all(iv.agenda_item is None for iv in t.interventions)
    assert out.acta is not None
    assert [iv.agenda_item for iv in out.interventions] == [None, None, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert out.acta.attendance.excused == ("Luis Pardo Gil",)
    vote = out.acta.items[1].vote
    assert vote is not None and (vote.for_, vote.against, vote.abstentions) == (3, 1, 0)
    assert out.acta.missing == ()


def test_without_a_roster_the_quorum_is_left_to_the_clerk() -> None:
    out = with_acta(build(PLENO))  # SESSION has no members, no legal number
    assert out.acta is not None
    assert out.acta.attendance.count_present == 4  # "Asisten cuatro concejales"
    assert out.acta.attendance.quorum is None and out.acta.missing == ("quorum",)


def test_vote_false_items_are_not_missing_a_vote() -> None:
    lines = [*PLENO[:5], ("SPEAKER_01", "Punto segundo. Modificación de la ordenanza fiscal.")]
    agenda = (SESSION.agenda[0], replace(SESSION.agenda[1], vote=False), SESSION.agenda[2])
    plain = with_acta(build(lines, session=replace(SESSION, members=ROSTER.members)))
    flagged = with_acta(
        build(lines, session=replace(SESSION, members=ROSTER.members, agenda=agenda))
    )
    assert plain.acta is not None and "item_vote:2" in plain.acta.missing
    assert flagged.acta is not None and "item_vote:2" not in flagged.acta.missing


def test_the_transcript_round_trips_with_its_acta(tmp_path: Path) -> None:
    t = with_acta(build(PLENO, session=replace(SESSION, members=ROSTER.members, legal_members=5)))
    path = tmp_path / "pleno.json"
    path.write_text(transcript_to_json(t), encoding="utf-8")
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["schema_version"] == SCHEMA_VERSION == "1.2"
    assert raw["acta"]["items"][1]["vote"]["for"] == 3
    assert raw["session"]["legal_members"] == 5
    assert raw["interventions"][5]["agenda_item"] == 2
    back = read_transcript(path)
    assert back == t


def test_a_1_0_file_still_reads(tmp_path: Path) -> None:
    data = build(PLENO).to_dict()
    data["schema_version"] = "1.0"
    del data["acta"]
    for key in ("members", "legal_members"):
        del data["session"][key]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    old = read_transcript(path)
    assert old.acta is None and old.schema_version == "1.0"
    assert old.session.members == () and old.session.legal_members is None
    assert with_acta(old).schema_version == "1.2"
    assert isinstance(Transcript.from_dict(data), Transcript)
