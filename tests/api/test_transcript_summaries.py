"""A clerk edits an intervention's summary (ROF 109.1.g): PUT .../interventions/{id}/summary
makes a new version like any edit, refused on a stale version, by another council, or on an
approved acta; corrections of the words leave a clerk's summary alone and remake the others.
Runs on SQLite and PostgreSQL (the ``db_url`` fixture)."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from test_acta import approved
from test_transcripts import url

from conftest import World
from plenaria.assembly.acta import with_acta
from plenaria.assembly.interventions import with_ids
from plenaria.assembly.summary import summarize
from plenaria.db import civic
from plenaria.db.models import AuditEntry
from plenaria.db.transcripts import save_version

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from test_intervention_summary import AGUA, MERCAT
from transcripts import sample_transcript

MINE = "El grupo vota en contra: la tasa del agua sube un 12 % y pide retirar el punto."


def summarised_session(world: World, council: str = "a") -> str:
    """A session whose version 1 is the job's, with two long interventions summarised."""
    t = sample_transcript(4, {1: AGUA, 3: MERCAT})
    t = with_acta(replace(t, interventions=with_ids(t.interventions)))
    with world.db.transaction() as s:
        plenary = civic.create_plenary_session(
            s, world.councils[council], {"slug": "2026-11-24-ordinaria", "date": "2026-11-24"}
        )
        save_version(s, plenary, None, t.to_dict(), None)
        return plenary.id


def summary_url(sid: str, item_id: str) -> str:
    return url(sid, f"transcript/interventions/{item_id}/summary")


def latest(client: TestClient, world: World, sid: str) -> dict[str, Any]:
    r = client.get(url(sid), headers=world.headers("clerk"))
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_the_job_leaves_each_intervention_summarised(client: TestClient, world: World) -> None:
    sid = summarised_session(world)
    got = latest(client, world, sid)["transcript"]
    assert got["schema_version"] == "1.2"
    items = got["interventions"]
    assert items[1]["summary"] == summarize(AGUA) and not items[1]["summary_edited"]
    assert items[1]["summary"].startswith("Nuestro grupo municipal votará en contra")
    assert len(items[1]["summary"].split()) < 0.4 * len(items[1]["words"])
    assert items[0]["summary"] == items[0]["text"]  # a short one is itself
    # verbatim stays: every word is there beside the summary
    assert " ".join(w["text"] for w in items[1]["words"]) == AGUA


def test_a_clerk_edits_a_summary_as_a_new_version(client: TestClient, world: World) -> None:
    sid = summarised_session(world)
    item = latest(client, world, sid)["transcript"]["interventions"][1]
    h = world.headers("clerk")
    r = client.put(
        summary_url(sid, item["id"]), json={"parent": 1, "summary": f"  {MINE} "}, headers=h
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["number"] == 2 and body["parent"] == 1 and body["author"] == world.emails["clerk"]
    saved = body["interventions"][item["id"]]
    assert saved["summary"] == MINE and saved["summary_edited"] is True
    after = latest(client, world, sid)
    assert after["number"] == 2
    now = after["transcript"]["interventions"][1]
    assert now["summary"] == MINE and now["words"] == item["words"]  # the words untouched
    with world.db.session() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "transcript.summary"))
        assert entry is not None and entry.user_id == world.users["clerk"]
        assert entry.detail == {"number": 2, "intervention": item["id"], "automatic": False}
    # the same summary again: nothing to save, no new version
    r = client.put(summary_url(sid, item["id"]), json={"parent": 2, "summary": MINE}, headers=h)
    assert r.status_code == 200 and r.json()["number"] == 2
    # the history names the version and its author
    versions = client.get(url(sid, "transcript/versions"), headers=h).json()
    assert [v["number"] for v in versions] == [1, 2]


def test_corrections_keep_a_clerks_summary_and_remake_the_others(
    client: TestClient, world: World
) -> None:
    sid = summarised_session(world)
    items = latest(client, world, sid)["transcript"]["interventions"]
    h = world.headers("secretary")
    r = client.put(summary_url(sid, items[1]["id"]), json={"parent": 1, "summary": MINE}, headers=h)
    assert r.status_code == 201, r.text
    items = latest(client, world, sid)["transcript"]["interventions"]  # as version 2 has them
    fixed_agua = AGUA.replace("doce por ciento", "quince por ciento")
    fixed_mercat = MERCAT.replace("1,2 milions", "1,4 milions")
    patch = {
        "parent": 2,
        "interventions": [{**items[1], "text": fixed_agua}, {**items[3], "text": fixed_mercat}],
    }
    r = client.patch(url(sid), json=patch, headers=h)
    assert r.status_code == 201, r.text
    now = latest(client, world, sid)["transcript"]["interventions"]
    assert now[1]["text"] == fixed_agua and now[1]["summary"] == MINE
    assert now[3]["summary"] == summarize(fixed_mercat) != items[3]["summary"]
    assert "1,4 milions" in now[3]["summary"] and not now[3]["summary_edited"]
    # back to the automatic summary: made from the corrected words
    r = client.put(summary_url(sid, items[1]["id"]), json={"parent": 3, "summary": None}, headers=h)
    assert r.status_code == 201, r.text
    back = r.json()["interventions"][items[1]["id"]]
    assert back["summary"] == summarize(fixed_agua) and back["summary_edited"] is False
    assert "quince por ciento" in back["summary"]


def test_an_edit_on_a_stale_version_is_refused(client: TestClient, world: World) -> None:
    sid = summarised_session(world)
    items = latest(client, world, sid)["transcript"]["interventions"]
    first = client.patch(
        url(sid),
        json={"parent": 1, "interventions": [{**items[0], "text": "Buenos días a todos."}]},
        headers=world.headers("clerk"),
    )
    assert first.status_code == 201, first.text
    r = client.put(
        summary_url(sid, items[1]["id"]),
        json={"parent": 1, "summary": MINE},
        headers=world.headers("secretary"),
    )
    assert r.status_code == 409
    body = r.json()
    assert body["latest"] == 2 and body["author"] == world.emails["clerk"]
    assert "ya no es la última" in body["detail"]
    now = latest(client, world, sid)
    assert now["number"] == 2 and now["transcript"]["interventions"][1]["summary"] != MINE


def test_no_rights_no_edit(client: TestClient, world: World) -> None:
    sid = summarised_session(world)
    item_id = latest(client, world, sid)["transcript"]["interventions"][1]["id"]
    body = {"parent": 1, "summary": MINE}
    # another council's user does not see the session; nobody signed in is 401
    r = client.put(summary_url(sid, item_id), json=body, headers=world.headers("other"))
    assert r.status_code == 404
    assert client.put(summary_url(sid, item_id), json=body).status_code == 401
    assert latest(client, world, sid)["number"] == 1


def test_an_approved_acta_refuses_summary_edits(client: TestClient, world: World) -> None:
    sid, _ = approved(client, world)
    item_id = latest(client, world, sid)["transcript"]["interventions"][1]["id"]
    r = client.put(
        summary_url(sid, item_id),
        json={"parent": 1, "summary": MINE},
        headers=world.headers("admin"),
    )
    assert r.status_code == 409 and "no se puede modificar" in r.json()["detail"]


def test_bad_summary_edits_are_told_in_spanish(client: TestClient, world: World) -> None:
    sid = summarised_session(world)
    item_id = latest(client, world, sid)["transcript"]["interventions"][1]["id"]
    h = world.headers("clerk")
    r = client.put(summary_url(sid, "i9999"), json={"parent": 1, "summary": MINE}, headers=h)
    assert r.status_code == 404 and "'i9999'" in r.json()["detail"]
    r = client.put(summary_url(sid, item_id), json={"parent": 1, "summary": "   "}, headers=h)
    assert r.status_code == 422 and "vacío" in r.json()["detail"]
    for bad in ({"parent": 1}, {"parent": 1, "summary": "x" * 5001}, {"summary": MINE}):
        r = client.put(summary_url(sid, item_id), json=bad, headers=h)
        assert r.status_code == 422, bad
    r = client.put(summary_url(sid, item_id), json={"parent": 1, "summary": "a\x00b"}, headers=h)
    assert r.status_code == 422 and "carácter" in r.json()["detail"]
    assert latest(client, world, sid)["number"] == 1


def test_a_split_answers_each_part_with_its_own_summary(client: TestClient, world: World) -> None:
    sid = summarised_session(world)
    items = latest(client, world, sid)["transcript"]["interventions"]
    agua = items[1]
    cut = len(agua["words"]) // 2
    head = {**agua, "words": agua["words"][:cut], "end": agua["words"][cut - 1]["end"]}
    head["text"] = " ".join(w["text"] for w in head["words"])
    # the editor's tail starts as a copy: the whole intervention's summary
    tail = {**agua, "id": "i0002-2", "words": agua["words"][cut:]}
    tail["start"] = tail["words"][0]["start"]
    tail["text"] = " ".join(w["text"] for w in tail["words"])
    order = [items[0]["id"], agua["id"], "i0002-2", *[i["id"] for i in items[2:]]]
    r = client.patch(
        url(sid),
        json={"parent": 1, "interventions": [head, tail], "order": order},
        headers=world.headers("clerk"),
    )
    assert r.status_code == 201, r.text
    answered = r.json()["interventions"]
    assert answered[agua["id"]]["summary"] == summarize(head["text"])
    assert answered["i0002-2"]["summary"] == summarize(tail["text"]) != agua["summary"]
    now = latest(client, world, sid)["transcript"]["interventions"]
    assert [i["summary"] for i in now[1:3]] == [summarize(head["text"]), summarize(tail["text"])]
