"""Jobs over the API: creation from an upload, status, events, cancel, retry, outputs."""

from __future__ import annotations

import json
import threading
import time

from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import RecordingQueue, World
from plenaria.db import jobs as job_repo
from plenaria.db.models import AuditEntry, PlenarySession, Recording

V1 = "/api/v1"


def _actions(world: World) -> set[str]:
    with world.db.session() as s:
        return {e.action for e in s.scalars(select(AuditEntry))}


def test_create_job_from_a_complete_upload(
    client: TestClient, world: World, queue: RecordingQueue
) -> None:
    upload_id = world.upload("a", content=b"0123456789")
    body = {
        "upload_id": upload_id,
        "session": {
            "id": "2024-05-pleno",
            "date": "2024-05-30",
            "agenda": ["Actas", "Presupuestos"],
        },
        "options": {"vad": {"threshold": 0.4}, "make_proxy": False},
    }
    r = client.post(f"{V1}/jobs", json=body, headers=world.headers("secretary"))
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == f"{V1}/jobs/{job['id']}"
    assert job["state"] == "queued" and job["progress"] == 0 and job["outputs"] == []
    assert queue.calls == [("submit", job["id"])]
    row = world.job_row(job["id"])
    assert row.options == {"vad": {"threshold": 0.4}, "make_proxy": False}
    assert row.created_by == world.users["secretary"]
    with world.db.session() as s:
        plenary = s.get(PlenarySession, job["session_id"])
        assert plenary is not None and plenary.slug == "2024-05-pleno"
        assert [a["title"] for a in plenary.agenda] == ["Actas", "Presupuestos"]
        recording = s.get(Recording, row.recording_id)
        assert recording is not None
        assert (recording.size, recording.file_name) == (10, "pleno 1.mp4")
    # A second job of the same upload, on the stored session, reuses the recording.
    body2 = {"upload_id": upload_id, "session_id": job["session_id"]}
    r2 = client.post(f"{V1}/jobs", json=body2, headers=world.headers("admin"))
    assert r2.status_code == 202, r2.text
    assert world.job_row(r2.json()["id"]).recording_id == row.recording_id
    assert "job.create" in _actions(world)


def test_job_creation_refuses_bad_input_with_one_line(
    client: TestClient, world: World, queue: RecordingQueue
) -> None:
    h = world.headers("secretary")
    ok = world.upload("a")
    cases = [
        (
            {"upload_id": ok, "options": {"vad": {"colour": 1}}},
            422,
            "vad.colour: campo desconocido",
        ),
        ({"upload_id": ok, "options": {"no_such_option": True}}, 422, "no_such_option"),
        ({"upload_id": ok, "options": {"vad": {"threshold": 7}}}, 422, "threshold"),
        ({"upload_id": ok, "session": {"colour": "red"}}, 422, "campo(s) desconocido(s)"),
        ({"upload_id": ok, "surprise": 1}, 422, "surprise"),
        ({"upload_id": world.upload("b")}, 404, "No existe la subida"),
        ({"upload_id": "f" * 32}, 404, "No existe la subida"),
        ({"upload_id": world.upload("a", state="receiving")}, 409, "no está completa"),
        ({"upload_id": ok, "session_id": "0" * 32}, 404, "No existe la sesión"),
        ({"upload_id": ok, "session_id": "0" * 32, "session": {}}, 422, "Dé solo uno"),
    ]
    for body, status, words in cases:
        r = client.post(f"{V1}/jobs", json=body, headers=h)
        assert r.status_code == status, (body, r.text)
        detail = r.json()["detail"]
        assert words in detail and "\n" not in detail, detail
    assert queue.calls == []
    assert client.get(f"{V1}/jobs", headers=h).json() == []


def test_a_queue_failure_is_503_and_the_job_is_failed_not_lost(
    client: TestClient, world: World, queue: RecordingQueue
) -> None:
    queue.fail = True
    r = client.post(
        f"{V1}/jobs", json={"upload_id": world.upload()}, headers=world.headers("admin")
    )
    assert r.status_code == 503 and "no se pudo poner en cola" in r.json()["detail"]
    [job] = client.get(f"{V1}/jobs", headers=world.headers("admin")).json()
    assert job["state"] == "failed" and job["error"].startswith("El proceso no se pudo poner")
    assert "broker down" not in job["error"]  # the exception's text goes to the log
    queue.fail = False
    r = client.post(f"{V1}/jobs/{job['id']}/retry", headers=world.headers("admin"))
    assert r.status_code == 202 and r.json()["state"] == "queued"
    assert queue.calls == [("retry", job["id"])]


def test_list_filter_cancel_retry(client: TestClient, world: World, queue: RecordingQueue) -> None:
    h = world.headers("secretary")
    running = world.job("a", "running")
    done = world.job("a", "done", outputs={"srt": b"1", "json": b"{}"})
    world.job("b", "queued")
    listed = {j["id"]: j["outputs"] for j in client.get(f"{V1}/jobs", headers=h).json()}
    assert listed == {running: [], done: ["json", "srt"]}
    assert client.get(f"{V1}/jobs/{done}", headers=h).json()["outputs"] == ["json", "srt"]
    assert [j["id"] for j in client.get(f"{V1}/jobs?state=done", headers=h).json()] == [done]
    assert client.get(f"{V1}/jobs?state=sleeping", headers=h).status_code == 422
    assert client.get(f"{V1}/jobs?limit=0", headers=h).status_code == 422
    r = client.delete(f"{V1}/jobs/{running}", headers=h)
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    assert r.json()["finished_at"] is not None
    r = client.delete(f"{V1}/jobs/{done}", headers=h)
    assert r.status_code == 409 and r.json()["detail"].startswith(
        f"El proceso {done} ya está terminado"
    )
    r = client.post(f"{V1}/jobs/{done}/retry", headers=h)
    assert r.status_code == 409
    r = client.post(f"{V1}/jobs/{running}/retry", headers=h)
    assert r.status_code == 202 and r.json()["attempts"] == 1
    assert queue.calls == [("cancel", running), ("retry", running)]
    assert {"job.cancel", "job.retry"} <= _actions(world)


def test_events_stream_the_job_until_it_ends(client: TestClient, world: World) -> None:
    job_id = world.job("a", "running")
    first_seen = threading.Event()

    def work() -> None:
        # The job changes only once the stream has sent its first event, however slow the machine.
        first_seen.wait(timeout=30)
        for progress in (0.25, 0.5):
            time.sleep(0.3)
            with world.db.transaction() as s:
                job_repo.get_job(s, job_id).progress = progress
        time.sleep(0.3)
        with world.db.transaction() as s:
            job_repo.set_job_state(job_repo.get_job(s, job_id), "done")

    worker = threading.Thread(target=work)
    worker.start()
    events = []
    with client.stream("GET", f"{V1}/jobs/{job_id}/events", headers=world.headers("clerk")) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
                first_seen.set()
    worker.join()
    progress = [e["progress"] for e in events]
    assert progress[0] == 0 and progress[-1] == 1.0
    assert 0.25 in progress and 0.5 in progress
    assert [e["state"] for e in events][-1] == "done"
    assert all(e["id"] == job_id for e in events)


def test_outputs_download_and_proxy_range(client: TestClient, world: World) -> None:
    video = bytes(range(256)) * 40  # 10240 bytes
    job_id = world.job("a", "done", outputs={"docx": b"PK\x03\x04 acta", "proxy": video})
    h = world.headers("clerk")
    r = client.get(f"{V1}/jobs/{job_id}", headers=h)
    assert sorted(r.json()["outputs"]) == ["docx", "proxy"]
    r = client.get(f"{V1}/jobs/{job_id}/outputs/docx", headers=h)
    assert r.status_code == 200 and r.content == b"PK\x03\x04 acta"
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert r.headers["content-disposition"].startswith("attachment")
    r = client.get(f"{V1}/jobs/{job_id}/outputs/proxy", headers={**h, "Range": "bytes=1000-1999"})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"bytes 1000-1999/{len(video)}"
    assert r.content == video[1000:2000]
    r = client.get(f"{V1}/jobs/{job_id}/outputs/proxy", headers={**h, "Range": "bytes=-100"})
    assert r.status_code == 206 and r.content == video[-100:]
    r = client.get(f"{V1}/jobs/{job_id}/outputs/proxy", headers=h)
    assert r.status_code == 200 and r.content == video
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["content-disposition"].startswith("inline")
    r = client.get(f"{V1}/jobs/{job_id}/outputs/proxy", headers={**h, "Range": "bytes=99999-"})
    assert r.status_code == 416
    r = client.get(f"{V1}/jobs/{job_id}/outputs/srt", headers=h)
    assert r.status_code == 404 and r.json()["detail"].startswith(
        f"El proceso {job_id} no tiene resultado srt (estado: terminado)."
    )
    r = client.get(f"{V1}/jobs/{job_id}/outputs/exe", headers=h)
    assert r.status_code == 422 and "kind" in r.json()["detail"]


def test_an_output_key_outside_storage_is_not_served(client: TestClient, world: World) -> None:
    job_id = world.job("a", "done")
    secret = world.storage.parent / "secret.txt"
    secret.write_text("do not serve")
    with world.db.transaction() as s:
        job_repo.add_output(s, job_repo.get_job(s, job_id), "json", "../secret.txt", 12)
    r = client.get(f"{V1}/jobs/{job_id}/outputs/json", headers=world.headers("admin"))
    assert r.status_code == 404 and "ya no está guardado" in r.json()["detail"]


def test_an_accepted_upload_is_recorded_for_its_council_only(
    client: TestClient, world: World, queue: RecordingQueue
) -> None:
    from plenaria.api.upload_records import record_accepted_upload
    from plenaria.domain import Recording as Probed

    upload_id = "e" * 32
    path = world.storage / "uploads" / upload_id / upload_id
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x00" * 64)
    probed = Probed("pleno.mp4", "ef" * 32, 64, 12.5, "mov,mp4,m4a,3gp,3g2,mj2")
    record = record_accepted_upload(world.db, world.storage)
    meta = {"filename": "pleno de mayo.mp4", "sha256": "ef" * 32, "council_id": world.councils["a"]}
    record(upload_id, path, meta, probed)
    record(upload_id, path, meta, probed)  # called twice: recorded once
    with world.db.session() as s:
        [recording] = s.scalars(select(Recording)).all()
        assert recording.storage_key == f"uploads/{upload_id}/{upload_id}"
        assert recording.probe is not None and recording.probe["duration_s"] == 12.5
        assert recording.file_name == "pleno de mayo.mp4"
    r = client.post(f"{V1}/jobs", json={"upload_id": upload_id}, headers=world.headers("other"))
    assert r.status_code == 404
    r = client.post(f"{V1}/jobs", json={"upload_id": upload_id}, headers=world.headers("admin"))
    assert r.status_code == 202, r.text
    assert world.job_row(r.json()["id"]).recording_id == recording.id
    kept = world.storage / "originals" / world.councils["a"] / ("ef" * 32)
    assert kept.read_bytes() == b"\x00" * 64 and not path.exists()  # moved, not copied
    kept.unlink()  # a lost original: its row stays, its file is gone
    r = client.post(f"{V1}/jobs", json={"upload_id": upload_id}, headers=world.headers("admin"))
    assert r.status_code == 404 and "ya no está guardada" in r.json()["detail"]
