"""Live sessions over the API: start (pull or push), stop, the partial transcript and its
events, the job's page. The recorder itself runs in tests/workers/test_live_service.py."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import RecordingQueue, World, make_world
from plenaria.api.app import create_app
from plenaria.config import Settings
from plenaria.db import jobs as job_repo
from plenaria.db.models import AuditEntry, Recording
from plenaria.live.partial import PartialChunk, partial_key
from plenaria.live.session import LiveLine
from plenaria.storage import LocalStorage

V1 = "/api/v1"
PULL = {"mode": "pull", "url": "http://127.0.0.1:9/live.ts", "stop": False}


def _write_chunk(world: World, job_id: str, chunks: list[dict[str, Any]], *lines: str) -> None:
    index = len(chunks)
    start = 20.0 * index
    entry = PartialChunk(
        index=index,
        start_s=start,
        end_s=start + 20,
        audio_end_at=1000.0 + start + 20,
        text_at=1003.0 + start + 20,
        lines=tuple(LiveLine(start + i, "Speaker 1", text) for i, text in enumerate(lines)),
    )
    chunks.append(entry.to_dict())
    LocalStorage(world.storage).write_json(partial_key(job_id), {"chunks": chunks})


def _live_client(settings: Settings, **update: Any) -> tuple[TestClient, RecordingQueue]:
    queue = RecordingQueue()
    return TestClient(
        create_app(settings.model_copy(update=update), job_queue=queue, events_poll_s=0.05)
    ), queue


def test_start_a_pulled_session(settings: Settings) -> None:
    body = {
        "url": "https://sede.example.es/pleno/live.m3u8",
        "name": "pleno-noviembre",
        "session": {"id": "2026-11-pleno", "date": "2026-11-27"},
        "options": {"transcription": {"language": "es"}},
        "live": {"max_chunk_s": 20, "end_timeout_s": 10},
    }
    # The host is named in the allowed list: no name resolution (no network in tests).
    client, queue = _live_client(settings, live_allowed_hosts="sede.example.es")
    with client:
        settings.storage_path.mkdir(parents=True, exist_ok=True)
        world = make_world(client.app.state.db, settings.storage_path)  # type: ignore[attr-defined]
        r = client.post(f"{V1}/live", json=body, headers=world.headers("secretary"))
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == f"{V1}/jobs/{job['id']}"
    assert job["state"] == "queued" and job["session_id"]
    assert job["live"]["mode"] == "pull" and job["live"]["url"] == body["url"]
    assert job["live"]["stream_key"] is None and job["live"]["certificate"] is None
    assert queue.calls == [("submit", job["id"])]
    row = world.job_row(job["id"])
    assert row.options == {"transcription": {"language": "es"}}
    assert row.live is not None
    assert (row.live["max_chunk_s"], row.live["end_timeout_s"]) == (20.0, 10.0)
    with world.db.session() as s:
        recording = s.get(Recording, row.recording_id)
        assert recording is not None
        assert recording.file_name == "pleno-noviembre.ts"
        assert recording.storage_key == f"live/{job['id']}/original.ts"
        assert "live.create" in {e.action for e in s.scalars(select(AuditEntry))}


INTERNAL = [
    ("http://127.0.0.1:8080/live.ts", "local (loopback)"),
    ("http://10.0.0.5/live.ts", "privada"),
    ("http://[::1]:8080/live.ts", "local (loopback)"),
    ("http://169.254.169.254/latest/meta-data/", "de enlace local"),
    ("http://localhost:6379/", "«localhost» (127.0.0.1) tiene una dirección local"),
    ("https://[::ffff:10.0.0.5]/live.m3u8", "privada"),
    ("rtmp://192.168.1.20/live/cam", "privada"),
    ("srt://10.0.0.5:9000?mode=listener", "privada"),
    ("udp://239.1.1.1:5000", "multicast"),
    ("tcp://0.0.0.0:6379", "no especificada"),
    ("http://[fe80::1]/live.ts", "de enlace local"),
]


def test_a_pull_url_to_an_internal_address_is_refused_in_spanish(
    client: TestClient, world: World, queue: RecordingQueue
) -> None:
    h = world.headers("secretary")
    for url, why in INTERNAL:
        r = client.post(f"{V1}/live", json={"url": url}, headers=h)
        assert r.status_code == 422, (url, r.text)
        detail = r.json()["detail"]
        assert why in detail and "el servicio no lee de redes internas" in detail, detail
        assert "PLENARIA_LIVE_ALLOWED_HOSTS" in detail and "\n" not in detail
    assert queue.calls == [] and client.get(f"{V1}/jobs", headers=h).json() == []


def test_allowed_hosts_pass_and_tcp_udp_srt_lose_their_options(settings: Settings) -> None:
    client, queue = _live_client(
        settings, live_allowed_hosts="encoder.local, 10.0.0.0/24, fd00::/8"
    )
    with client:
        settings.storage_path.mkdir(parents=True, exist_ok=True)
        world = make_world(client.app.state.db, settings.storage_path)  # type: ignore[attr-defined]
        h = world.headers("admin")
        cases = [
            ("http://10.0.0.5/live.ts", "http://10.0.0.5/live.ts"),
            ("http://[fd00::5]/live.ts", "http://[fd00::5]/live.ts"),
            ("https://encoder.local/pleno.m3u8", "https://encoder.local/pleno.m3u8"),
            ("tcp://10.0.0.5:9000?listen=1&timeout=5", "tcp://10.0.0.5:9000"),
            ("udp://10.0.0.5:5000?localport=6379", "udp://10.0.0.5:5000"),
            (
                "srt://10.0.0.5:9000?mode=listener&streamid=pleno",
                "srt://10.0.0.5:9000?streamid=pleno",
            ),
        ]
        for url, stored in cases:
            r = client.post(f"{V1}/live", json={"url": url}, headers=h)
            assert r.status_code == 202, (url, r.text)
            row = world.job_row(r.json()["id"])
            assert row.live is not None and row.live["url"] == stored, (url, row.live)
        # Outside the allowed networks, still refused.
        r = client.post(f"{V1}/live", json={"url": "http://10.0.1.5/x.ts"}, headers=h)
        assert r.status_code == 422 and "privada" in r.json()["detail"]
    assert len(queue.calls) == len(cases)


def test_clerks_never_read_the_pull_urls_credentials(settings: Settings) -> None:
    url = "https://emisor:S3creto@sede.example.es/pleno/live.m3u8?token=T0ken"
    client, _ = _live_client(settings, live_allowed_hosts="sede.example.es")
    with client:
        settings.storage_path.mkdir(parents=True, exist_ok=True)
        world = make_world(client.app.state.db, settings.storage_path)  # type: ignore[attr-defined]
        r = client.post(f"{V1}/live", json={"url": url}, headers=world.headers("secretary"))
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        shown = "https://***@sede.example.es/pleno/live.m3u8?***"
        assert r.json()["live"]["url"] == shown
        for role in ("clerk", "secretary"):
            h = world.headers(role)
            for path in (f"{V1}/jobs/{job_id}", f"{V1}/jobs", f"/jobs/{job_id}"):
                seen = client.get(path, headers=h)
                assert seen.status_code == 200, (path, seen.text)
                assert "S3creto" not in seen.text and "T0ken" not in seen.text, path
                assert "emisor" not in seen.text, path
            page = client.get(f"/jobs/{job_id}", headers=h).text
            assert shown in page


def test_bad_requests_are_refused_in_one_line(client: TestClient, world: World) -> None:
    h = world.headers("admin")
    cases = [
        ({"url": "file:///etc/passwd"}, "el esquema debe ser uno de"),
        ({"url": "http://127.0.0.1:9/x.ts", "push": True}, "Indique url"),
        ({}, "Indique url"),
        ({"url": "http://127.0.0.1:9/x.ts", "live": {"max_chunk_s": 1}}, "Opciones del directo"),
        ({"url": "http://127.0.0.1:9/x.ts", "live": {"chunk": 1}}, "Opciones del directo"),
        (
            {"url": "http://127.0.0.1:9/x.ts", "options": {"nope": 1}},
            "Opciones del proceso no válidas",
        ),
    ]
    for body, expected in cases:
        r = client.post(f"{V1}/live", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        detail = r.json()["detail"]
        assert expected in detail and "\n" not in detail and "Traceback" not in detail


def test_a_push_session_gets_a_port_and_a_key_said_once(settings: Settings) -> None:
    one_port = settings.model_copy(
        update={"live_rtmp_ports": "19350-19350", "live_rtmp_public_host": "tv.example.es"}
    )
    queue = RecordingQueue()
    with TestClient(create_app(one_port, job_queue=queue, events_poll_s=0.05)) as client:
        one_port.storage_path.mkdir(parents=True, exist_ok=True)
        world = make_world(client.app.state.db, one_port.storage_path)  # type: ignore[attr-defined]
        h = world.headers("secretary")
        r = client.post(f"{V1}/live", json={"push": True}, headers=h)
        assert r.status_code == 202, r.text
        live = r.json()["live"]
        assert live["push_url"] == "rtmp://tv.example.es:19350/live"
        assert len(live["stream_key"]) >= 32
        assert live["publish_url"] == f"rtmp://tv.example.es:19350/live/{live['stream_key']}"
        job_id = r.json()["id"]
        # The database holds the key's SHA-256 only.
        row = world.job_row(job_id)
        assert row.live is not None and live["stream_key"] not in json.dumps(row.live)
        assert row.live["key_sha256"] == hashlib.sha256(live["stream_key"].encode()).hexdigest()
        # Later answers never show the key.
        for path in (f"{V1}/jobs/{job_id}", f"{V1}/jobs"):
            seen = client.get(path, headers=h)
            assert seen.status_code == 200 and live["stream_key"] not in seen.text
        # The only port is taken until that session ends.
        taken = client.post(f"{V1}/live", json={"push": True}, headers=h)
        assert taken.status_code == 409 and "PLENARIA_LIVE_RTMP_PORTS" in taken.json()["detail"]
        with world.db.transaction() as s:
            job_repo.set_job_state(job_repo.get_job(s, job_id), "done")
        again = client.post(f"{V1}/live", json={"push": True}, headers=h)
        assert again.status_code == 202, again.text
        assert again.json()["live"]["stream_key"] != live["stream_key"]


def test_stop_asks_the_recorder_to_end(client: TestClient, world: World) -> None:
    h = world.headers("secretary")
    job_id = world.job("a", "running", live=PULL)
    r = client.post(f"{V1}/live/{job_id}/stop", headers=h)
    assert r.status_code == 202, r.text
    assert r.json()["live"]["stop"] is True and r.json()["state"] == "running"
    row = world.job_row(job_id)
    assert row.live is not None and row.live["stop"] is True
    assert row.live["url"] == PULL["url"]  # the rest of the row is kept
    not_live = client.post(f"{V1}/live/{world.job('a', 'running')}/stop", headers=h)
    assert (
        not_live.status_code == 409 and "no es una sesión en directo" in not_live.json()["detail"]
    )
    ended = world.job("a", "done", live=PULL)
    assert client.post(f"{V1}/live/{ended}/stop", headers=h).status_code == 409


def test_the_partial_transcript_and_its_events(client: TestClient, world: World) -> None:
    h = world.headers("clerk")
    job_id = world.job("a", "running", live=PULL)
    r = client.get(f"{V1}/jobs/{job_id}/partial", headers=h)
    assert r.status_code == 200 and r.json() == {
        "job_id": job_id,
        "recording": True,
        "pieces": [],
        "chunks": [],
    }
    chunks: list[dict[str, Any]] = []
    _write_chunk(world, job_id, chunks, "Buenos días.", "Se abre la sesión.")
    got = client.get(f"{V1}/jobs/{job_id}/partial", headers=h).json()
    assert [(p["at"], p["speaker"], p["text"]) for p in got["pieces"]] == [
        ("0:00:00", "Speaker 1", "Buenos días."),
        ("0:00:01", "Speaker 1", "Se abre la sesión."),
    ]
    assert got["chunks"][0]["text_at"] - got["chunks"][0]["audio_end_at"] == 3.0

    def work() -> None:
        time.sleep(0.3)
        _write_chunk(world, job_id, chunks, "Primer punto del orden del día.")
        time.sleep(0.3)
        with world.db.transaction() as s:
            job_repo.set_job_state(job_repo.get_job(s, job_id), "done")

    worker = threading.Thread(target=work)
    worker.start()
    events: list[tuple[str, Any]] = []
    with client.stream("GET", f"{V1}/jobs/{job_id}/events", headers=h) as stream:
        kind = ""
        for line in stream.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                events.append((kind, json.loads(line[6:])))
    worker.join()
    partial = [d["pieces"] for k, d in events if k == "partial"]
    assert [[p["text"] for p in pieces] for pieces in partial] == [
        ["Buenos días.", "Se abre la sesión."],
        ["Primer punto del orden del día."],
    ]
    assert partial[1][0]["chunk"] == 1 and partial[1][0]["at"] == "0:00:20"
    assert events[-1][0] == "job" and events[-1][1]["state"] == "done"
    assert client.get(f"{V1}/jobs/{job_id}/partial", headers=h).json()["recording"] is False
    # A job on an uploaded file has no partial transcript.
    plain = client.get(f"{V1}/jobs/{world.job('a', 'running')}/partial", headers=h)
    assert plain.status_code == 404 and "no es un directo" in plain.json()["detail"]


def test_the_job_page_shows_the_text_so_far_and_a_stop_button(
    client: TestClient, world: World
) -> None:
    job_id = world.job("a", "running", live=PULL)
    _write_chunk(world, job_id, [], "Buenos días a todos.")
    page = client.get(f"/jobs/{job_id}", headers=world.headers("secretary"))
    assert page.status_code == 200
    assert '<h2 id="live-title">Transcripción en directo</h2>' in page.text
    assert "Buenos días a todos." in page.text
    assert 'id="live-stop"' in page.text and "Terminar la sesión" in page.text
    clerk = client.get(f"/jobs/{job_id}", headers=world.headers("clerk"))
    assert "Buenos días a todos." in clerk.text and 'id="live-stop"' not in clerk.text
    plain = client.get(f"/jobs/{world.job('a', 'running')}", headers=world.headers("clerk"))
    assert 'id="live-title"' not in plain.text and 'id="live-pieces"' not in plain.text
