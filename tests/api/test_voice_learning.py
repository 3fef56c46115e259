"""Voices learned from the clerk's corrections, and a person's voice as personal data.

A session comes from a job whose diarization (with each voice's centroid) is stored
as the worker leaves it; the clerk names voices through the editor's API, and what
the person's profile holds is read back from the database and from the spec of the
council's next job, which names a voice with it (the real naming function).
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_no_english import english_in, visible_text
from test_settings_pages import csrf
from test_web_pages import HTML, login

from conftest import World
from plenaria.assembly.acta import with_acta
from plenaria.assembly.interventions import with_ids
from plenaria.config import Settings
from plenaria.db import civic
from plenaria.db import jobs as job_repo
from plenaria.db.job_spec import freeze_spec
from plenaria.db.models import AuditEntry, VoiceProfileRow
from plenaria.db.transcripts import save_version
from plenaria.diarization.profiles import VoiceProfile, name_speakers
from plenaria.domain import Diarization, Segment, Turn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from transcripts import sample_transcript

V1 = "/api/v1"
DIARIZER = "segmentation-test+campplus-test"  # the encoder part is what profiles keep
DIM = 8


def voice(k: int) -> list[float]:
    """A unit voice embedding of its own per k (orthogonal ones)."""
    return [1.0 if i == k else 0.0 for i in range(DIM)]


CENTROIDS = {"SPEAKER_00": voice(0), "SPEAKER_01": voice(1), "SPEAKER_02": voice(2)}


def processed(world: World, council: str = "a") -> tuple[str, str]:
    """A session whose version 1 came from a finished job with a stored diarization; the
    session's id and the job's."""
    t = sample_transcript()
    t = with_acta(replace(t, interventions=with_ids(t.interventions)))
    diarization = Diarization(t.turns, tuple(CENTROIDS.items()), DIARIZER)
    cid = world.councils[council]
    with world.db.transaction() as s:
        rec = job_repo.create_recording(s, cid, "uploads/x/recording", "pleno.mp4", 5, "cd" * 32)
        plenary = civic.create_plenary_session(s, cid, {"slug": "pleno-1", "date": "2026-11-24"})
        job = job_repo.create_job(s, cid, rec.id, {}, plenary.id)
        key = f"recordings/{job.id}/diarization-test.json"
        path = world.storage / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(diarization.to_dict()), encoding="utf-8")
        step = job_repo.ensure_step(s, job, "diarize", key=key)
        job_repo.set_step_state(step, "done")
        job_repo.set_job_state(job, "done")
        save_version(s, plenary, None, t.to_dict(), None, job_id=job.id)
        return plenary.id, job.id


def person(world: World, name: str, council: str = "a") -> str:
    with world.db.transaction() as s:
        return civic.create_person(s, world.councils[council], {"name": name}).id


def transcript(client: TestClient, world: World, sid: str) -> tuple[int, dict[str, Any]]:
    got = client.get(f"{V1}/sessions/{sid}/transcript", headers=world.headers("clerk")).json()
    return got["number"], got["transcript"]


def name_voice(
    client: TestClient, world: World, sid: str, label: str, person_id: str | None
) -> int:
    """The clerk gives the voice ``label`` the person (None: no one) and saves (PUT)."""
    number, content = transcript(client, world, sid)
    speakers = [
        {**s, "person_id": person_id, "name": None} if s["id"] == label else s
        for s in content["speakers"]
    ]
    r = client.put(
        f"{V1}/sessions/{sid}/transcript",
        json={"parent": number, "transcript": {**content, "speakers": speakers}},
        headers=world.headers("clerk"),
    )
    assert r.status_code in (200, 201), r.text
    return int(r.json()["number"])


def samples(world: World, person_id: str | None = None) -> list[VoiceProfileRow]:
    with world.db.session() as s:
        query = select(VoiceProfileRow).order_by(VoiceProfileRow.created_at)
        if person_id is not None:
            query = query.where(VoiceProfileRow.person_id == person_id)
        return list(s.scalars(query))


def audited(world: World, prefix: str = "voice.") -> list[tuple[str, str, dict[str, Any]]]:
    with world.db.session() as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.at))
        return [(a.action, a.object_id, a.detail) for a in rows if a.action.startswith(prefix)]


def spoken(label: str) -> float:
    """The seconds the voice ``label`` speaks in the processed session."""
    return sum(t.segment.duration for t in sample_transcript().turns if t.speaker == label)


def spec_profiles(world: World, settings: Settings, council: str = "a") -> list[VoiceProfile]:
    """The voice profiles the council's next job is given."""
    cid = world.councils[council]
    with world.db.transaction() as s:
        rec = job_repo.create_recording(s, cid, "uploads/y/recording", "pleno2.mp4", 5, "ef" * 32)
        job = job_repo.create_job(s, cid, rec.id, {})
        return [VoiceProfile.from_dict(p) for p in freeze_spec(s, job, settings).profiles]


def test_a_named_voice_teaches_the_person_and_names_them_next_time(
    client: TestClient, world: World, settings: Settings
) -> None:
    sid, _job = processed(world)
    ana = person(world, "Ana Gómez")
    assert spec_profiles(world, settings) == []
    name_voice(client, world, sid, "SPEAKER_01", ana)
    (row,) = samples(world)
    assert (row.person_id, row.source, row.session_id, row.speaker) == (
        ana,
        "correction",
        sid,
        "SPEAKER_01",
    )
    assert row.embedding == CENTROIDS["SPEAKER_01"] and row.model_id == "campplus-test"
    assert row.seconds == pytest.approx(spoken("SPEAKER_01")) and row.seconds > 0
    (action, object_id, detail) = audited(world)[0]
    assert (action, object_id, detail["speaker"]) == ("voice.learn", ana, "SPEAKER_01")

    # A text edit, and the same name saved again: still one sample, the same one.
    number, content = transcript(client, world, sid)
    items = [{**content["interventions"][0], "text": "otra cosa"}, *content["interventions"][1:]]
    r = client.put(
        f"{V1}/sessions/{sid}/transcript",
        json={"parent": number, "transcript": {**content, "interventions": items}},
        headers=world.headers("clerk"),
    )
    assert r.status_code == 201, r.text
    name_voice(client, world, sid, "SPEAKER_01", ana)
    assert [r.id for r in samples(world)] == [row.id]

    # The next job's spec carries her voice, and a new recording's voice like it gets her
    # name; the others do not.
    (profile,) = spec_profiles(world, settings)
    assert (profile.person_id, profile.name, profile.model_id) == (
        ana,
        "Ana Gómez",
        "campplus-test",
    )
    near = [0.3 * v + w for v, w in zip(voice(3), CENTROIDS["SPEAKER_01"], strict=True)]
    later = Diarization(
        (Turn("S0", Segment(0, 5)), Turn("S1", Segment(5, 9)), Turn("S2", Segment(9, 12))),
        (("S0", tuple(voice(0))), ("S1", tuple(near)), ("S2", tuple(voice(4)))),
        DIARIZER,
    )
    named = {s.id: s.person_id for s in name_speakers(later, [profile])}
    assert named == {"S0": None, "S1": ana, "S2": None}


def test_a_name_moved_or_removed_moves_or_drops_its_sample(
    client: TestClient, world: World, settings: Settings
) -> None:
    sid, _job = processed(world)
    ana, luis = person(world, "Ana Gómez"), person(world, "Luis Martín")
    name_voice(client, world, sid, "SPEAKER_01", ana)
    name_voice(client, world, sid, "SPEAKER_02", ana)  # one person, two voices: two samples
    assert sorted(r.speaker for r in samples(world, ana)) == ["SPEAKER_01", "SPEAKER_02"]
    (merged,) = spec_profiles(world, settings)  # one profile for her, both voices in it
    w1, w2 = (spoken(label) for label in ("SPEAKER_01", "SPEAKER_02"))  # seconds weigh
    mean = [w1 * a + w2 * b for a, b in zip(voice(1), voice(2), strict=True)]
    expected = [x / math.hypot(w1, w2) for x in mean]
    assert merged.samples == 2 and list(merged.vector) == pytest.approx(expected)

    name_voice(client, world, sid, "SPEAKER_01", luis)  # the clerk was wrong: it is Luis
    assert [(r.speaker, r.embedding) for r in samples(world, luis)] == [
        ("SPEAKER_01", CENTROIDS["SPEAKER_01"])
    ]
    assert [r.speaker for r in samples(world, ana)] == ["SPEAKER_02"]
    name_voice(client, world, sid, "SPEAKER_02", None)  # and no one knows who that was
    assert samples(world, ana) == []
    assert len(samples(world)) == 1
    actions = [(a, o, d["speaker"]) for a, o, d in audited(world)]
    assert ("voice.learn", luis, "SPEAKER_01") in actions
    assert actions[-1] == ("voice.unlearn", ana, "SPEAKER_02")
    assert [p.person_id for p in spec_profiles(world, settings)] == [luis]


def test_patch_and_restore_follow_the_names_too(client: TestClient, world: World) -> None:
    sid, _job = processed(world)
    ana = person(world, "Ana Gómez")
    r = client.patch(
        f"{V1}/sessions/{sid}/transcript",
        json={"parent": 1, "speakers": [{"id": "SPEAKER_02", "person_id": ana}]},
        headers=world.headers("clerk"),
    )
    assert r.status_code == 201, r.text
    assert [(x.person_id, x.speaker) for x in samples(world)] == [(ana, "SPEAKER_02")]
    r = client.post(
        f"{V1}/sessions/{sid}/transcript/versions/1/restore",
        json={"parent": 2},
        headers=world.headers("clerk"),
    )
    assert r.status_code == 201, r.text
    assert samples(world) == []  # version 1 names no one: nothing learned stays


def test_names_the_machine_gave_and_sessions_without_voices_teach_nothing(
    client: TestClient, world: World, settings: Settings
) -> None:
    sid, job_id = processed(world)
    ana = person(world, "Ana Gómez")
    # The machine named SPEAKER_00 Ana: the clerk's saves leave it, nothing is learned.
    with world.db.transaction() as s:
        plenary = civic.get_plenary_session_for_council(s, world.councils["a"], sid)
        t = sample_transcript()
        speakers = (replace(t.speakers[0], person_id=ana), *t.speakers[1:])
        t = with_acta(replace(t, interventions=with_ids(t.interventions), speakers=speakers))
        save_version(s, plenary, None, t.to_dict(), 1, job_id=job_id)
    name_voice(client, world, sid, "SPEAKER_01", None)
    _number, content = transcript(client, world, sid)
    assert content["speakers"][0]["person_id"] == ana and samples(world) == []

    # A session with no diarization (a transcript loaded by hand): a name teaches nothing.
    with world.db.transaction() as s:
        bare = civic.create_plenary_session(s, world.councils["a"], {"slug": "sin-voces"})
        plain = sample_transcript()
        plain = with_acta(replace(plain, interventions=with_ids(plain.interventions)))
        save_version(s, bare, None, plain.to_dict(), None)
        bare_id = bare.id
    name_voice(client, world, bare_id, "SPEAKER_01", ana)
    assert samples(world) == []


def enrolled_and_learned(client: TestClient, world: World) -> tuple[str, str]:
    """A processed session, and Ana Gómez with an enrolled sample and one learned from
    the clerk naming SPEAKER_01 there: (session id, Ana's person id)."""
    sid, _job = processed(world)
    ana = person(world, "Ana Gómez")
    with world.db.transaction() as s:
        member = civic.get_person_for_council(s, world.councils["a"], ana)
        civic.add_voice_profile(s, member, voice(5), "campplus-test", 20.0)
    name_voice(client, world, sid, "SPEAKER_01", ana)
    return sid, ana


def test_view_reset_and_delete_a_persons_voice(
    client: TestClient, world: World, settings: Settings
) -> None:
    sid, ana = enrolled_and_learned(client, world)
    voice_url = f"{V1}/roster/{ana}/voice"

    for who in ("admin", "secretary", "clerk"):
        got = client.get(voice_url, headers=world.headers(who))
        assert got.status_code == 200, (who, got.text)
    body = got.json()
    assert body["person_id"] == ana and "embedding" not in json.dumps(body)
    by_source = {x["source"]: x for x in body["samples"]}
    assert set(by_source) == {"enrolled", "correction"}
    assert by_source["correction"]["session_id"] == sid
    assert by_source["correction"]["session_date"] == "2026-11-24"
    assert by_source["correction"]["speaker"] == "SPEAKER_01"
    assert by_source["enrolled"]["session_id"] is None and by_source["enrolled"]["seconds"] == 20
    assert body["seconds"] == pytest.approx(sum(x["seconds"] for x in body["samples"]))

    # Another council sees no such person; a clerk may not forget or delete.
    for method, path in (("GET", voice_url), ("POST", f"{voice_url}/reset"), ("DELETE", voice_url)):
        r = client.request(method, path, headers=world.headers("other"))
        assert r.status_code == 404, (method, r.text)
    assert client.post(f"{voice_url}/reset", headers=world.headers("clerk")).status_code == 403
    assert client.delete(voice_url, headers=world.headers("clerk")).status_code == 403
    assert len(samples(world, ana)) == 2

    r = client.post(f"{voice_url}/reset", headers=world.headers("secretary"))
    assert r.status_code == 200, r.text
    assert [x["source"] for x in r.json()["samples"]] == ["enrolled"]
    assert [x.source for x in samples(world, ana)] == ["enrolled"]
    r = client.delete(voice_url, headers=world.headers("secretary"))
    assert r.status_code == 204
    assert samples(world, ana) == [] and spec_profiles(world, settings) == []
    assert client.get(voice_url, headers=world.headers("clerk")).json()["samples"] == []
    assert [(a, d) for a, _o, d in audited(world, "voice.") if a != "voice.learn"] == [
        ("voice.reset", {"samples": 1}),
        ("voice.delete", {"samples": 1}),
    ]


def test_a_voice_stays_in_its_council_and_goes_with_its_session(
    client: TestClient, world: World, settings: Settings
) -> None:
    sid, _job = processed(world)
    ana = person(world, "Ana Gómez")
    name_voice(client, world, sid, "SPEAKER_01", ana)
    assert spec_profiles(world, settings, "b") == []  # council B's jobs never get it
    assert [p.person_id for p in spec_profiles(world, settings, "a")] == [ana]
    r = client.delete(f"{V1}/sessions/{sid}", headers=world.headers("admin"))
    assert r.status_code == 204, r.text
    assert samples(world) == []  # learned from a session that is gone: gone too


@pytest.mark.parametrize("lang", ["es", "ca"])
def test_the_person_page_shows_the_voice_and_forgets_it(
    client: TestClient, world: World, lang: str
) -> None:
    sid, ana = enrolled_and_learned(client, world)
    login(client, world, "secretary")
    client.get(f"/?lang={lang}", headers=HTML)
    page = client.get(f"/settings/roster/{ana}", headers=HTML).text
    words = {
        "es": ("Aprendida de una corrección", "Registrada"),
        "ca": ("Apresa d'una", "Registrada"),
    }
    assert all(w in page.replace("&#39;", "'") for w in words[lang]), page
    unnamed = {"es": "Interviniente 2", "ca": "Intervinent 2"}[lang]  # SPEAKER_01, as shown
    assert f'href="/sessions/{sid}"' in page and unnamed in page and "SPEAKER" not in page
    assert "<td>20,0</td>" in page  # the enrolled sample's seconds, with a decimal comma
    assert english_in(visible_text(page)) == []
    token = csrf(client, f"/settings/roster/{ana}")

    r = client.post(
        f"/settings/roster/{ana}/voice/delete",
        data={"csrf_token": token},  # not confirmed: nothing is deleted
        headers=HTML,
    )
    assert r.status_code == 200 and len(samples(world, ana)) == 2
    notice = {"es": "marque la casilla", "ca": "marqueu la casella"}[lang]
    assert notice in r.text
    r = client.post(f"/settings/roster/{ana}/voice/reset", data={"csrf_token": token}, headers=HTML)
    assert r.status_code == 200 and [x.source for x in samples(world, ana)] == ["enrolled"]
    assert unnamed not in r.text and "voice-samples" in r.text  # the enrolled one stays
    r = client.post(
        f"/settings/roster/{ana}/voice/delete",
        data={"csrf_token": token, "confirm": "1"},
        headers=HTML,
    )
    assert r.status_code == 200 and samples(world, ana) == []
    assert re.search(r'id="voice-none"', r.text)
    r = client.post(f"/settings/roster/{ana}/voice/reset", data={"csrf_token": "x"}, headers=HTML)
    assert r.status_code == 403  # a form without its session's token changes nothing

    client.cookies.clear()
    login(client, world, "clerk")
    token = csrf(client, "/")
    r = client.post(f"/settings/roster/{ana}/voice/reset", data={"csrf_token": token}, headers=HTML)
    assert r.status_code == 403
