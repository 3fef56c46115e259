"""A saved correction computes the acta again: the vote said in the corrected text is found."""

from __future__ import annotations

import io
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import docx
from fastapi.testclient import TestClient

from conftest import World
from plenaria.assembly.acta import with_acta
from plenaria.assembly.interventions import with_ids
from plenaria.db import civic
from plenaria.db.transcripts import save_version

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from acta_scripts import ROSTER, SESSION, build

V1 = "/api/v1"
HEARD = [
    ("SPEAKER_00", "Buenos días. Siendo las diez y cuarto, se abre la sesión ordinaria."),
    ("SPEAKER_01", "Asisten cuatro concejales. Excusa su asistencia don Luis Pardo."),
    ("SPEAKER_00", "Pasamos al punto primero del orden del día."),
    ("SPEAKER_00", "¿Votos a favor? Cuatro. Se aprueba por unanimidad."),
    ("SPEAKER_01", "Punto segundo. Modificación de la ordenanza fiscal del agua."),
    ("SPEAKER_02", "Nuestro grupo votará en contra."),
    ("SPEAKER_00", "Botos a fabor tes en contrauno ansiones nin."),  # misheard: no vote found
    ("SPEAKER_01", "Punto tercero. Ruegos y preguntas."),
    ("SPEAKER_00", "Se levanta la sesión a las doce y media."),
]
SAID = "Votos a favor, tres; en contra, uno; abstenciones, ninguna. Queda aprobada."


def acta_session(world: World) -> str:
    """A session whose machine version has the acta found in ``HEARD`` (item 2: no vote)."""
    session = replace(SESSION, members=ROSTER.members, legal_members=5)
    t = build(HEARD, session=session)
    t = with_acta(replace(t, interventions=with_ids(t.interventions)))
    with world.db.transaction() as s:
        plenary = civic.create_plenary_session(s, world.councils["a"], {"slug": "acta"})
        save_version(s, plenary, None, t.to_dict(), None)
        return plenary.id


def _item(content: dict[str, Any], number: int) -> dict[str, Any]:
    return next(i for i in content["acta"]["items"] if i["number"] == number)


def test_a_saved_correction_finds_the_vote(client: TestClient, world: World) -> None:
    sid = acta_session(world)
    h = world.headers("clerk")
    content = client.get(f"{V1}/sessions/{sid}/transcript", headers=h).json()["transcript"]
    assert _item(content, 2)["vote"] is None
    assert "item_vote:2" in content["acta"]["missing"]
    items = list(content["interventions"])
    items[6] = {**items[6], "text": SAID}
    r = client.put(
        f"{V1}/sessions/{sid}/transcript",
        json={"parent": 1, "transcript": {**content, "interventions": items}},
        headers=h,
    )
    assert r.status_code == 201, r.text
    after = client.get(f"{V1}/sessions/{sid}/transcript", headers=h).json()["transcript"]
    vote = _item(after, 2)["vote"]
    assert (vote["for"], vote["against"], vote["abstentions"]) == (3, 1, 0)
    assert vote["result"] == "approved" and vote["checked"] is True
    assert "item_vote:2" not in after["acta"]["missing"]
    assert [i["agenda_item"] for i in after["interventions"]] == [None, None, 1, 1, 2, 2, 2, 3, 3]

    r = client.get(f"{V1}/sessions/{sid}/outputs/docx", headers=h)
    assert r.status_code == 200
    texts = [p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs]
    assert "Votos a favor: 3; en contra: 1; abstenciones: 0. Resultado: aprobada." in texts


def test_a_patch_recomputes_the_acta_too(client: TestClient, world: World) -> None:
    sid = acta_session(world)
    h = world.headers("clerk")
    content = client.get(f"{V1}/sessions/{sid}/transcript", headers=h).json()["transcript"]
    changed = {**content["interventions"][6], "text": SAID}
    r = client.patch(
        f"{V1}/sessions/{sid}/transcript",
        json={"parent": 1, "interventions": [changed]},
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert r.json()["interventions"][changed["id"]]["agenda_item"] == 2
    after = client.get(f"{V1}/sessions/{sid}/transcript", headers=h).json()["transcript"]
    assert _item(after, 2)["vote"]["for"] == 3
    # A correction that takes the vote away takes it out of the acta as well.
    undo = {**after["interventions"][6], "text": "Se deja sobre la mesa."}
    r = client.patch(
        f"{V1}/sessions/{sid}/transcript", json={"parent": 2, "interventions": [undo]}, headers=h
    )
    assert r.status_code == 201, r.text
    last = client.get(f"{V1}/sessions/{sid}/transcript", headers=h).json()["transcript"]
    assert _item(last, 2)["vote"] is None and "item_vote:2" in last["acta"]["missing"]


def test_a_session_keeps_its_roster_and_item_flags(client: TestClient, world: World) -> None:
    h = world.headers("admin")
    body = {
        "slug": "con-lista",
        "legal_members": 9,
        "members": [{"name": "Marta Soler", "group": "GI", "role": "alcaldesa"}],
        "agenda": [{"number": 1, "title": "Presupuesto", "majority": "absolute"}],
    }
    r = client.post(f"{V1}/sessions", json=body, headers=h)
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["legal_members"] == 9
    assert got["members"] == [{"name": "Marta Soler", "group": "GI", "role": "alcaldesa"}]
    assert got["agenda"][0]["majority"] == "absolute"
    r = client.patch(f"{V1}/sessions/{got['id']}", json={"legal_members": 11}, headers=h)
    assert r.status_code == 200 and r.json()["legal_members"] == 11
    for bad in ({"legal_members": 0}, {"members": [{"name": ""}]}, {"members": [{"nombre": "X"}]}):
        r = client.post(f"{V1}/sessions", json={"slug": "mal", **bad}, headers=h)
        assert r.status_code == 422, (bad, r.text)


def _links(data: bytes) -> list[str]:
    part = docx.Document(io.BytesIO(data)).part
    return [r.target_ref for r in part.rels.values() if r.reltype.endswith("/hyperlink")]


def test_the_actas_time_links_go_to_the_portal_when_its_address_is_known(
    settings: Any, world: World
) -> None:
    from plenaria.api.app import create_app

    sid = acta_session(world)
    portal = settings.model_copy(update={"public_base_url": "https://sede.example.es/"})
    with TestClient(create_app(portal)) as c:
        h = world.headers("secretary")
        links = _links(c.get(f"{V1}/sessions/{sid}/outputs/docx", headers=h).content)
        assert len(links) == 9
        assert all(u.startswith(f"https://sede.example.es/p/villa-a/{sid}?t=") for u in links)
        own = "https://ayto.example.es/video/{session}/{seconds}"
        r = c.put(f"{V1}/council", json={"video_url_template": own}, headers=world.headers("admin"))
        assert r.status_code == 200, r.text
        links = _links(c.get(f"{V1}/sessions/{sid}/outputs/docx", headers=h).content)
        assert all(u.startswith("https://ayto.example.es/video/") for u in links), links
    with TestClient(create_app(settings)) as c:  # neither: the web video beside the acta
        r = c.put(f"{V1}/council", json={"video_url_template": ""}, headers=world.headers("admin"))
        assert r.status_code == 200, r.text
        h = world.headers("clerk")
        links = _links(c.get(f"{V1}/sessions/{sid}/outputs/docx", headers=h).content)
        assert links and not any(u.startswith("http") for u in links), links


def test_a_clerk_moves_an_items_start_and_the_acta_follows(
    client: TestClient, world: World
) -> None:
    sid = acta_session(world)
    h = world.headers("clerk")
    content = client.get(f"{V1}/sessions/{sid}/transcript", headers=h).json()["transcript"]
    ids = [i["id"] for i in content["interventions"]]
    assert [i["agenda_item"] for i in content["interventions"]] == [None, None, 1, 1, 2, 2, 2, 3, 3]
    put = f"{V1}/sessions/{sid}/transcript/items/3/start"

    r = client.put(put, json={"parent": 1, "intervention": ids[6]}, headers=h)
    assert r.status_code == 201, r.text
    assert list(r.json()["interventions"]) == [ids[6]]  # the one that moved
    after = client.get(f"{V1}/sessions/{sid}/transcript", headers=h).json()["transcript"]
    assert [i["agenda_item"] for i in after["interventions"]] == [None, None, 1, 1, 2, 2, 3, 3, 3]
    assert _item(after, 3)["start"] == after["interventions"][6]["start"]
    assert after["acta"]["fixed_starts"] == {"3": ids[6]}

    # A later correction of the words keeps the clerk's start.
    items = list(after["interventions"])
    items[0] = {**items[0], "text": "Buenos días a todos."}
    r = client.put(
        f"{V1}/sessions/{sid}/transcript",
        json={"parent": 2, "transcript": {**after, "interventions": items}},
        headers=h,
    )
    assert r.status_code == 201, r.text
    kept = client.get(f"{V1}/sessions/{sid}/transcript", headers=h).json()["transcript"]
    assert kept["acta"]["fixed_starts"] == {"3": ids[6]}
    assert kept["interventions"][6]["agenda_item"] == 3

    assert client.put(put, json={"parent": 1, "intervention": ids[5]}, headers=h).status_code == 409
    bad_item = client.put(f"{V1}/sessions/{sid}/transcript/items/9/start",
                          json={"parent": 3, "intervention": ids[5]}, headers=h)  # fmt: skip
    assert bad_item.status_code == 404 and "no tiene el punto 9" in bad_item.json()["detail"]
    bad_iv = client.put(put, json={"parent": 3, "intervention": "i9999"}, headers=h)
    assert bad_iv.status_code == 404
    back = client.put(put, json={"parent": 3, "intervention": None}, headers=h)
    assert back.status_code == 201, back.text
    heard = client.get(f"{V1}/sessions/{sid}/transcript", headers=h).json()["transcript"]
    assert [i["agenda_item"] for i in heard["interventions"]] == [None, None, 1, 1, 2, 2, 2, 3, 3]
    assert heard["acta"]["fixed_starts"] == {}
