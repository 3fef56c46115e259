"""The editor's API: a session's transcript, saves as versions with conflicts, history, outputs."""

from __future__ import annotations

import io
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import World
from plenaria.assembly.acta import with_acta
from plenaria.assembly.interventions import with_ids
from plenaria.db import civic
from plenaria.db.models import PlenarySession, TranscriptVersion
from plenaria.db.transcripts import collapses, save_version

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from transcripts import sample_transcript

V1 = "/api/v1"


def processed_session(world: World, council: str = "a") -> str:
    """A plenary session with the machine's version 1, as a finished job leaves it."""
    t = sample_transcript()
    t = with_acta(replace(t, interventions=with_ids(t.interventions)))  # as the job leaves it
    with world.db.transaction() as s:
        plenary = civic.create_plenary_session(
            s, world.councils[council], {"slug": "2026-11-24-ordinaria", "date": "2026-11-24"}
        )
        save_version(s, plenary, None, t.to_dict(), None)
        return plenary.id


def url(session_id: str, tail: str = "transcript") -> str:
    return f"{V1}/sessions/{session_id}/{tail}"


def edit_text(content: dict[str, Any], n: int, text: str) -> dict[str, Any]:
    items = list(content["interventions"])
    items[n] = {**items[n], "text": text}
    return {**content, "interventions": items}


def test_read_edit_and_reload_keeps_untouched_times(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    h = world.headers("clerk")
    r = client.get(url(sid), headers=h)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["number"] == 1 and got["author"] is None and got["parent"] is None
    content = got["transcript"]
    before = content["interventions"][1]["words"]
    tokens = [w["text"] for w in before]
    edited = [*tokens[:2], "insertada", *tokens[2:]]
    edited[5] = "CORREGIDA"
    r = client.put(
        url(sid),
        json={"parent": 1, "transcript": edit_text(content, 1, " ".join(edited))},
        headers=h,
    )
    assert r.status_code == 201, r.text
    saved = r.json()
    assert saved["number"] == 2 and saved["parent"] == 1
    assert saved["author"] == world.emails["clerk"]
    item_id = content["interventions"][1]["id"]
    assert list(saved["interventions"]) == [item_id]

    after = client.get(url(sid), headers=h).json()
    assert after["number"] == 2
    words = after["transcript"]["interventions"][1]["words"]
    assert [w["text"] for w in words] == edited
    for old, new in zip(before[:2], words[:2], strict=True):
        assert old == new
    assert before[1]["end"] <= words[2]["start"] <= words[2]["end"] <= before[2]["start"]
    assert words[2]["id"] not in {w["id"] for w in before}
    assert words[5]["id"] == before[4]["id"] and words[5]["start"] == before[4]["start"]
    for old, new in zip(before[5:], words[6:], strict=True):
        assert old == new
    # the other interventions are untouched
    assert after["transcript"]["interventions"][0] == content["interventions"][0]


def test_a_stale_save_is_refused_with_the_conflict_named(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    content = client.get(url(sid), headers=world.headers("clerk")).json()["transcript"]
    first = client.put(
        url(sid),
        json={"parent": 1, "transcript": edit_text(content, 0, "primera edición")},
        headers=world.headers("clerk"),
    )
    assert first.status_code == 201
    second = client.put(
        url(sid),
        json={"parent": 1, "transcript": edit_text(content, 2, "segunda edición")},
        headers=world.headers("secretary"),
    )
    assert second.status_code == 409
    body = second.json()
    assert body["latest"] == 2 and body["author"] == world.emails["clerk"]
    assert "ya no es la última" in body["detail"] and world.emails["clerk"] in body["detail"]
    latest = client.get(url(sid), headers=world.headers("secretary")).json()
    assert latest["number"] == 2
    assert latest["transcript"]["interventions"][0]["text"] == "primera edición"


def test_rename_a_speaker_shows_in_regenerated_outputs(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    h = world.headers("clerk")
    content = client.get(url(sid), headers=h).json()["transcript"]
    speakers = [
        {**s, "name": "Concejal Jordi Vidal"} if s["id"] == "SPEAKER_01" else s
        for s in content["speakers"]
    ]
    r = client.put(
        url(sid), json={"parent": 1, "transcript": {**content, "speakers": speakers}}, headers=h
    )
    assert r.status_code == 201, r.text
    vtt = client.get(url(sid, "outputs/vtt"), headers=h)
    assert vtt.status_code == 200 and vtt.headers["content-type"].startswith("text/vtt")
    assert "<v Concejal Jordi Vidal>" in vtt.text or "Concejal Jordi Vidal" in vtt.text
    srt = client.get(url(sid, "outputs/srt"), headers=h)
    assert "Concejal Jordi Vidal" in srt.text
    js = client.get(url(sid, "outputs/json"), headers=h).json()
    assert any(s["name"] == "Concejal Jordi Vidal" for s in js["speakers"])
    docx_r = client.get(url(sid, "outputs/docx"), headers=h)
    assert docx_r.status_code == 200
    assert 'filename="2026-11-24-ordinaria.v2.docx"' in docx_r.headers["content-disposition"]
    import docx

    text = "\n".join(p.text for p in docx.Document(io.BytesIO(docx_r.content)).paragraphs)
    assert "Concejal Jordi Vidal" in text


def test_history_diff_and_restore(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    h = world.headers("clerk")
    content = client.get(url(sid), headers=h).json()["transcript"]
    original = content["interventions"][0]["text"]
    client.put(
        url(sid), json={"parent": 1, "transcript": edit_text(content, 0, "otro texto")}, headers=h
    )
    versions = client.get(url(sid, "transcript/versions"), headers=h).json()
    assert [(v["number"], v["author"]) for v in versions] == [
        (1, None),
        (2, world.emails["clerk"]),
    ]
    diff = client.get(url(sid, "transcript/versions/2/diff"), headers=h).json()
    assert diff["against"] == 1 and len(diff["interventions"]) == 1
    assert diff["interventions"][0]["before"] == original
    assert diff["interventions"][0]["after"] == "otro texto"
    r = client.post(url(sid, "transcript/versions/1/restore"), json={"parent": 1}, headers=h)
    assert r.status_code == 409 and r.json()["latest"] == 2
    r = client.post(url(sid, "transcript/versions/1/restore"), json={"parent": 2}, headers=h)
    assert r.status_code == 201 and r.json()["number"] == 3
    again = client.get(url(sid), headers=h).json()
    assert (
        again["transcript"]
        == client.get(url(sid, "transcript/versions/1"), headers=h).json()["transcript"]
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: {**c, "interventions": "x"}, "tiene que ser una lista"),
        (lambda c: {k: v for k, v in c.items() if k != "speakers"}, "forma"),
        (
            lambda c: {
                **c,
                "interventions": [{**c["interventions"][0], "speaker": "NOBODY"}],
            },
            "NOBODY",
        ),
        (
            lambda c: {
                **c,
                "speakers": [{**c["speakers"][0], "person_id": "not-a-person"}, *c["speakers"][1:]],
            },
            "no es de la corporación",
        ),
    ],
)
def test_bad_transcripts_are_422_naming_the_problem(
    client: TestClient, world: World, change: Any, message: str
) -> None:
    sid = processed_session(world)
    h = world.headers("clerk")
    content = client.get(url(sid), headers=h).json()["transcript"]
    r = client.put(url(sid), json={"parent": 1, "transcript": change(content)}, headers=h)
    assert r.status_code == 422 and message in r.json()["detail"], r.text
    assert client.get(url(sid), headers=h).json()["number"] == 1


def test_another_council_and_anonymous_cannot_reach_it(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    assert client.get(url(sid)).status_code == 401
    for tail in ("transcript", "transcript/versions", "outputs/vtt", "transcript/versions/1"):
        assert client.get(url(sid, tail), headers=world.headers("other")).status_code == 404
    r = client.put(url(sid), json={"parent": 1, "transcript": {}}, headers=world.headers("other"))
    assert r.status_code == 404
    with world.db.session() as s:
        assert s.get(PlenarySession, sid) is not None


def test_a_session_without_transcript_is_404(client: TestClient, world: World) -> None:
    r = client.post(f"{V1}/sessions", json={"slug": "vacía"}, headers=world.headers("admin"))
    sid = r.json()["id"]
    for tail in ("transcript", "outputs/docx"):
        r = client.get(url(sid, tail), headers=world.headers("clerk"))
        assert r.status_code == 404 and "transcripción" in r.json()["detail"]


def test_a_save_naming_a_parent_before_any_version_is_409(client: TestClient, world: World) -> None:
    r = client.post(f"{V1}/sessions", json={"slug": "vacía"}, headers=world.headers("admin"))
    sid = r.json()["id"]
    h = world.headers("clerk")
    r = client.put(url(sid), json={"parent": 3, "transcript": {}}, headers=h)
    assert r.status_code == 409 and r.json()["latest"] is None, r.text
    assert "aún no tiene ninguna versión" in r.json()["detail"]
    for parent in (False, 0, -1, "1", 2**31):  # not a version number: 422, never 500
        r = client.put(url(sid), json={"parent": parent, "transcript": {}}, headers=h)
        assert r.status_code == 422 and "parent" in r.json()["detail"], (parent, r.text)
    assert client.get(url(sid, "transcript/versions"), headers=h).json() == []


@pytest.mark.parametrize("number", ["0", "-1", str(2**31), str(2**63), str(2**64), "1e3"])
def test_a_version_number_out_of_bounds_is_422(
    client: TestClient, world: World, number: str
) -> None:
    sid = processed_session(world)
    h = world.headers("clerk")
    for tail in ("", "/diff", "/restore"):
        path = url(sid, f"transcript/versions/{number}{tail}")
        r = client.post(path, headers=h) if tail == "/restore" else client.get(path, headers=h)
        assert r.status_code == 422 and "number" in r.json()["detail"], (path, r.text)
    r = client.get(url(sid, f"transcript/versions/1/diff?against={number}"), headers=h)
    assert r.status_code == 422 and "against" in r.json()["detail"], r.text
    r = client.post(url(sid, "transcript/versions/1/restore"), json={"parent": 2**40}, headers=h)
    assert r.status_code == 422 and "parent" in r.json()["detail"], r.text
    assert client.get(url(sid, "transcript/versions/2147483647"), headers=h).status_code == 404


def test_patch_saves_only_what_changed(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    h = world.headers("clerk")
    content = client.get(url(sid), headers=h).json()["transcript"]
    item = content["interventions"][2]
    before = item["words"]
    tokens = [w["text"] for w in before]
    new_text = " ".join([*tokens[:1], "nueva", *tokens[1:]])
    speaker = {**content["speakers"][1], "name": "Concejal Jordi Vidal"}
    r = client.patch(
        url(sid),
        json={"parent": 1, "interventions": [{**item, "text": new_text}], "speakers": [speaker]},
        headers=h,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["number"] == 2 and body["author"] == world.emails["clerk"]
    assert [w["text"] for w in body["interventions"][item["id"]]["words"]] == new_text.split()
    after = client.get(url(sid), headers=h).json()["transcript"]
    words = after["interventions"][2]["words"]
    assert words[0] == before[0] and words[2:] == before[1:]
    assert before[0]["end"] <= words[1]["start"] <= words[1]["end"] <= before[1]["start"]
    assert after["speakers"][1]["name"] == "Concejal Jordi Vidal"
    assert after["interventions"][:2] == content["interventions"][:2]
    assert after["interventions"][3:] == content["interventions"][3:]
    # a stale parent is a 409 naming who saved; nothing changes
    r = client.patch(url(sid), json={"parent": 1, "interventions": [item]}, headers=h)
    assert r.status_code == 409 and r.json()["latest"] == 2
    assert client.get(url(sid), headers=h).json()["number"] == 2


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"interventions": [{"id": "i9999", "words": []}]}, "i9999"),
        ({"speakers": [{"id": "SPEAKER_01", "person_id": "nobody"}]}, "no es de la corporación"),
        ({"interventions": [{"id": "i0001", "speaker": "NOBODY"}]}, "NOBODY"),
        ({"interventions": [{"id": "i0001", "start": 5, "end": 1, "words": []}]}, "no es válido"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_patches_are_422(client: TestClient, world: World, patch: Any, message: str) -> None:
    sid = processed_session(world)
    h = world.headers("clerk")
    content = client.get(url(sid), headers=h).json()["transcript"]
    first = content["interventions"][0]
    for item in patch.get("interventions", []):
        if item["id"] == "i0001":
            for key, value in first.items():
                item.setdefault(key, value)
    r = client.patch(url(sid), json={"parent": 1, **patch}, headers=h)
    assert r.status_code == 422 and message in r.json()["detail"], r.text
    assert client.get(url(sid), headers=h).json()["number"] == 1


def test_patch_splits_and_merges_interventions(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    h = world.headers("clerk")
    content = client.get(url(sid), headers=h).json()["transcript"]
    items = content["interventions"]
    first, second = items[0], items[1]
    # split the first intervention after its third word
    head = {**first, "words": first["words"][:3], "end": first["words"][2]["end"]}
    head["text"] = " ".join(w["text"] for w in head["words"])
    tail = {
        **first,
        "id": "i0001-2",
        "words": first["words"][3:],
        "start": first["words"][3]["start"],
    }
    tail["text"] = " ".join(w["text"] for w in tail["words"])
    order = [first["id"], "i0001-2", *[i["id"] for i in items[1:]]]
    r = client.patch(
        url(sid), json={"parent": 1, "interventions": [head, tail], "order": order}, headers=h
    )
    assert r.status_code == 201, r.text
    got = client.get(url(sid), headers=h).json()["transcript"]["interventions"]
    assert [i["id"] for i in got] == order
    assert got[0]["words"] == first["words"][:3] and got[1]["words"] == first["words"][3:]
    # merge the second back into the first: it is left out of 'order'
    merged = {**got[0], "words": got[0]["words"] + got[1]["words"], "end": got[1]["end"]}
    merged["text"] = " ".join(w["text"] for w in merged["words"])
    order2 = [i["id"] for i in got if i["id"] != "i0001-2"]
    r = client.patch(
        url(sid), json={"parent": 2, "interventions": [merged], "order": order2}, headers=h
    )
    assert r.status_code == 201, r.text
    again = client.get(url(sid), headers=h).json()["transcript"]["interventions"]
    assert [i["id"] for i in again] == [i["id"] for i in items]
    assert again[0]["words"] == first["words"] and again[1] == second
    # a new id without its intervention, or an intervention left out of the order: 422
    r = client.patch(url(sid), json={"parent": 3, "order": ["nuevo", *order2]}, headers=h)
    assert r.status_code == 422 and "nuevo" in r.json()["detail"]
    r = client.patch(
        url(sid),
        json={"parent": 3, "interventions": [{**tail, "id": "x"}], "order": order2},
        headers=h,
    )
    assert r.status_code == 422 and "'x' no está en 'order'" in r.json()["detail"]


def test_autosaves_collapse_into_one_version_per_clerk_per_window(
    client: TestClient, world: World
) -> None:
    sid = processed_session(world)
    clerk, secretary = world.headers("clerk"), world.headers("secretary")
    content = client.get(url(sid), headers=clerk).json()["transcript"]

    def save(who: dict[str, str], parent: int, text: str) -> Any:
        body = {"parent": parent, "transcript": edit_text(content, 0, text)}
        return client.put(url(sid), json=body, headers=who)

    def history() -> list[tuple[int, int | None, str | None]]:
        versions = client.get(url(sid, "transcript/versions"), headers=clerk).json()
        return [(v["number"], v["parent"], v["author"]) for v in versions]

    assert save(clerk, 1, "uno").json()["number"] == 2
    assert save(clerk, 2, "uno dos").json()["number"] == 3  # within the window: replaces 2
    assert save(clerk, 3, "uno dos tres").json()["number"] == 4
    who = world.emails["clerk"]
    assert history() == [(1, None, None), (4, 1, who)]
    assert (
        client.get(url(sid), headers=clerk).json()["transcript"]["interventions"][0]["text"]
        == "uno dos tres"
    )
    # A colleague who loaded the replaced version is told, not overwritten.
    assert save(secretary, 3, "otra cosa").status_code == 409
    # Another clerk's save adds a version; the first clerk's next one adds one too.
    assert save(secretary, 4, "de la secretaria").json()["number"] == 5
    assert save(clerk, 5, "del clerk").json()["number"] == 6
    assert history() == [
        (1, None, None),
        (4, 1, who),
        (5, 4, world.emails["secretary"]),
        (6, 5, who),
    ]
    # After the window, the same clerk's save is a version of its own.
    with world.db.transaction() as s:
        row = s.scalar(
            select(TranscriptVersion).where(
                TranscriptVersion.session_id == sid, TranscriptVersion.number == 6
            )
        )
        assert row is not None
        row.created_at = row.created_at - timedelta(seconds=301)
    assert save(clerk, 6, "más tarde").json()["number"] == 7
    assert [n for n, _, _ in history()] == [1, 4, 5, 6, 7]


def test_collapses_is_the_same_author_within_the_window_only() -> None:
    assert collapses("u1", 10.0, "u1", 300.0, published=False)
    assert not collapses("u1", 301.0, "u1", 300.0, published=False)
    assert not collapses("u2", 10.0, "u1", 300.0, published=False)
    assert not collapses(None, 10.0, "u1", 300.0, published=False)  # the machine's version
    assert not collapses("u1", 10.0, "u1", 0.0, published=False)  # the setting off
    assert not collapses("u1", 10.0, "u1", 300.0, published=True)
