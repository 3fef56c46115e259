"""The history a person can read: conflicts in Spanish, diffs by word and by name, no empty
versions."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from test_transcripts import edit_text, processed_session, url

from conftest import World


def versions(client: TestClient, sid: str, h: dict[str, str]) -> list[int]:
    return [v["number"] for v in client.get(url(sid, "transcript/versions"), headers=h).json()]


def test_a_conflict_is_told_in_spanish_with_who_saved(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    h = world.headers("clerk")
    content = client.get(url(sid), headers=h).json()["transcript"]
    r = client.put(url(sid), json={"parent": 2, "transcript": content}, headers=h)
    assert r.status_code == 409
    body = r.json()
    assert set(body) == {"detail", "latest", "author", "saved_at"}
    assert body["latest"] == 1 and body["author"] == "la máquina"
    assert body["detail"].startswith(
        "La versión 2 ya no es la última: la máquina guardó la versión 1"
    )
    assert "Sus cambios no se han guardado" in body["detail"]
    client.put(url(sid), json={"parent": 1, "transcript": edit_text(content, 0, "uno")}, headers=h)
    r = client.post(
        url(sid, "transcript/versions/1/restore"),
        json={"parent": 1},
        headers=world.headers("secretary"),
    )
    assert r.status_code == 409 and r.json()["author"] == world.emails["clerk"]
    assert f"{world.emails['clerk']} guardó la versión 2" in r.json()["detail"]


def test_a_diff_shows_the_words_and_the_speakers_by_name(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    h = world.headers("clerk")
    content = client.get(url(sid), headers=h).json()["transcript"]
    item = content["interventions"][1]
    words = [w["text"] for w in item["words"]]
    edited = [*words[:2], "insertada", *words[2:]]
    edited[5] = "CORREGIDA"
    other = next(s for s in content["speakers"] if s["id"] != item["speaker"] and not s["name"])
    speakers = [
        {**s, "name": "Concejal Jordi Vidal"} if s["id"] == other["id"] else s
        for s in content["speakers"]
    ]
    changed = {**item, "text": " ".join(edited), "speaker": other["id"]}
    r = client.patch(
        url(sid), json={"parent": 1, "interventions": [changed], "speakers": speakers}, headers=h
    )
    assert r.status_code == 201, r.text
    diff = client.get(url(sid, "transcript/versions/2/diff"), headers=h).json()
    [change] = diff["interventions"]
    assert change["id"] == item["id"]
    assert change["before"] == " ".join(words) and change["after"] == " ".join(edited)
    assert change["ops"] == [
        {"op": "equal", "before": " ".join(words[:2]), "after": " ".join(words[:2])},
        {"op": "insert", "before": "", "after": "insertada"},
        {"op": "equal", "before": " ".join(words[2:4]), "after": " ".join(words[2:4])},
        {"op": "replace", "before": words[4], "after": "CORREGIDA"},
        {"op": "equal", "before": " ".join(words[5:]), "after": " ".join(words[5:])},
    ]
    # Speakers by the name a reader sees, never by their internal id.
    before_speaker = next(s for s in content["speakers"] if s["id"] == item["speaker"])
    assert change["speaker_before"] == (before_speaker["name"] or before_speaker["label"])
    assert change["speaker_after"] == "Concejal Jordi Vidal"
    assert diff["speakers"] == [
        {"id": other["id"], "before": other["label"], "after": "Concejal Jordi Vidal"}
    ]
    ids = {s["id"] for s in content["speakers"]}
    shown = [change["speaker_before"], change["speaker_after"]]
    shown += [v for s in diff["speakers"] for v in (s["before"], s["after"])]
    assert not ids & set(shown)


def test_an_unchanged_save_or_restore_makes_no_version(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    h = world.headers("clerk")
    content = client.get(url(sid), headers=h).json()["transcript"]
    # The latest version restored, or saved again as it is: the latest version, 200.
    r = client.post(url(sid, "transcript/versions/1/restore"), json={"parent": 1}, headers=h)
    assert r.status_code == 200 and r.json()["number"] == 1, r.text
    r = client.put(url(sid), json={"parent": 1, "transcript": content}, headers=h)
    assert r.status_code == 200 and r.json()["number"] == 1, r.text
    r = client.patch(url(sid), json={"parent": 1, "interventions": []}, headers=h)
    assert r.status_code == 200 and r.json()["number"] == 1, r.text
    assert versions(client, sid, h) == [1]
    # A change, then another version with the same content restored: still nothing new.
    assert (
        client.put(
            url(sid),
            json={"parent": 1, "transcript": edit_text(content, 0, "otro")},
            headers=world.headers("secretary"),
        ).status_code
        == 201
    )
    r = client.post(url(sid, "transcript/versions/2/restore"), json={"parent": 2}, headers=h)
    assert r.status_code == 200 and r.json()["number"] == 2
    assert versions(client, sid, h) == [1, 2]


def test_a_merge_then_its_undo_leaves_no_empty_version(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    h = world.headers("clerk")
    content = client.get(url(sid), headers=h).json()["transcript"]
    first, second = content["interventions"][:2]
    merged = {**first, "words": first["words"] + second["words"], "end": second["end"]}
    merged["text"] = " ".join(w["text"] for w in merged["words"])
    order = [i["id"] for i in content["interventions"] if i["id"] != second["id"]]
    r = client.patch(
        url(sid), json={"parent": 1, "interventions": [merged], "order": order}, headers=h
    )
    assert r.status_code == 201 and r.json()["number"] == 2, r.text
    # The undo, an autosave within the window: the parent's content again.
    undo: dict[str, Any] = {"parent": 2, "interventions": [first, second]}
    undo["order"] = [i["id"] for i in content["interventions"]]
    r = client.patch(url(sid), json=undo, headers=h)
    assert r.status_code == 201, r.text
    latest = client.get(url(sid), headers=h).json()
    assert latest["transcript"] == content
    history = client.get(url(sid, "transcript/versions"), headers=h).json()
    for v in history[1:]:
        diff = client.get(url(sid, f"transcript/versions/{v['number']}/diff"), headers=h).json()
        assert diff["interventions"] or diff["speakers"], f"version {v['number']} is empty"
