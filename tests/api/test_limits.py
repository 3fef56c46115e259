"""Limits of the service: event streams per user, storage quota, free space, uploads purged."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from conftest import World
from plenaria.api.app import create_app
from plenaria.api.security import stream_slots
from plenaria.config import Settings
from plenaria.live.rtmp_gate import free_loopback_port


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` on a real uvicorn server in a thread (streams run concurrently); its URL."""
    port = free_loopback_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_event_streams_per_user_are_capped(settings: Settings, world: World) -> None:
    capped = settings.model_copy(update={"max_event_streams_per_user": 2})
    app = create_app(capped, events_poll_s=0.05)
    running = world.job("a", "running")
    slots = stream_slots(app)
    with serving(app) as url, httpx.Client(base_url=url, timeout=10) as http:
        clerk, secretary = world.headers("clerk"), world.headers("secretary")
        path = f"/api/v1/jobs/{running}/events"
        with http.stream("GET", path, headers=clerk) as one:
            assert one.status_code == 200
            lines = one.iter_lines()  # kept: a dropped iterator closes the stream
            assert next(lines).startswith("event: job")
            with http.stream("GET", path, headers=clerk) as two:
                assert two.status_code == 200
                r = http.get(path, headers=clerk)
                assert r.status_code == 429, r.text
                assert "PLENARIA_MAX_EVENT_STREAMS_PER_USER" in r.json()["detail"]
                assert r.json()["detail"].startswith("Ya tiene 2 seguimientos")
                with http.stream("GET", path, headers=secretary) as other_user:
                    assert other_user.status_code == 200  # the cap is per user
        # Closing the streams gives their slots back (the server notices within a poll).
        deadline = time.monotonic() + 5
        while slots.open_count(world.users["clerk"]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert slots.open_count(world.users["clerk"]) == 0
        with http.stream("GET", path, headers=clerk) as again:
            assert again.status_code == 200
        # A stream that ends by itself (the job is done) gives its slot back too.
        done = world.job("a", "done")
        for _ in range(3):
            r = http.get(f"/api/v1/jobs/{done}/events", headers=clerk)
            assert r.status_code == 200 and "event: job" in r.text


def _creation(length: int, name: str = "pleno.mp4") -> dict[str, str]:
    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    return {
        "Tus-Resumable": "1.0.0",
        "Upload-Length": str(length),
        "Upload-Metadata": f"filename {b64(name)},sha256 {b64('ab' * 32)}",
    }


def test_a_council_over_its_quota_cannot_upload(settings: Settings, world: World) -> None:
    quota = settings.model_copy(update={"council_quota_bytes": 10_000})
    with TestClient(create_app(quota)) as client:
        admin_a, admin_b = world.headers("admin"), world.headers("other")
        world.job("a", "done", outputs={"docx": b"d" * 3000})  # an original + 3000 bytes
        world.upload("a", content=b"v" * 2000)  # another original, 2000 bytes
        r = client.post("/api/v1/uploads/", headers={**admin_a, **_creation(4000)})
        assert r.status_code == 201, r.text  # 3000 + 2000 + 5 + 4000 bytes: fits
        r = client.post("/api/v1/uploads/", headers={**admin_a, **_creation(1000, "pleno 2.mp4")})
        assert r.status_code == 413, r.text  # the upload in progress counts
        detail = r.json()["detail"]
        assert detail.startswith("pleno 2.mp4 (1,0 kB) no cabe en el espacio de su ayuntamiento")
        assert "PLENARIA_COUNCIL_QUOTA_BYTES" in detail
        r = client.post("/api/v1/uploads/", headers={**admin_b, **_creation(9000)})
        assert r.status_code == 201, r.text  # the other council has its own quota
        created = list((world.storage / "uploads").glob("*/owner.json"))
        assert len(created) == 2  # the refused upload made no folder


def test_no_upload_without_free_disk_space(settings: Settings, world: World) -> None:
    import shutil

    free = shutil.disk_usage(world.storage).free
    gib, mib = 1024**3, 1024**2
    tight = settings.model_copy(update={"min_free_bytes": free - gib})  # 1 GiB may be used
    with TestClient(create_app(tight)) as client:
        headers = world.headers("secretary")
        r = client.post("/api/v1/uploads/", headers={**headers, **_creation(600 * mib)})
        assert r.status_code == 201, r.text
        # 600 MiB fit, but not beside the first upload's 600 MiB, still to be sent.
        r = client.post("/api/v1/uploads/", headers={**headers, **_creation(600 * mib)})
        assert r.status_code == 507, r.text
        assert r.json()["detail"].startswith("El servidor no tiene espacio para pleno.mp4")
        assert "PLENARIA_MIN_FREE_BYTES" in r.json()["detail"]
        location = client.post(
            "/api/v1/uploads/", headers={**headers, **_creation(300 * mib)}
        ).headers["location"]
        assert client.delete(location, headers={**headers, "Tus-Resumable": "1.0.0"}).is_success


def _wav(seconds: float = 1.0, rate: int = 16000) -> bytes:
    import io
    import math
    import struct
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = (
            int(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(int(rate * seconds))
        )
        w.writeframes(b"".join(struct.pack("<h", f) for f in frames))
    return out.getvalue()


def _upload(
    client: TestClient, headers: dict[str, str], data: bytes, name: str, again: bool = False
) -> str:
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    meta = _creation(len(data), name)
    meta["Upload-Metadata"] = (
        f"filename {base64.b64encode(name.encode()).decode()},"
        f"sha256 {base64.b64encode(digest.encode()).decode()}"
    )
    if again:  # the council has this recording: uploaded again on purpose
        meta["Upload-Metadata"] += f",allow_duplicate {base64.b64encode(b'true').decode()}"
    location = client.post("/api/v1/uploads/", headers={**headers, **meta}).headers["location"]
    patch = {
        **headers,
        "Tus-Resumable": "1.0.0",
        "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream",
    }
    r = client.patch(location, content=data, headers=patch)
    assert r.status_code == 204, r.text
    return location


def _copies(root: Path, data: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.read_bytes() == data]


def test_a_jobs_upload_is_kept_once_and_its_upload_copy_goes(
    client: TestClient, world: World
) -> None:
    from plenaria.uploads import ADOPTED_KEEP_S, UploadStore

    headers = world.headers("secretary")
    data = _wav()
    location = _upload(client, headers, data, "pleno.wav")
    upload_id = location.rstrip("/").rsplit("/", 1)[1]
    assert _copies(world.storage, data) == [world.storage / "uploads" / upload_id / upload_id]
    r = client.post("/api/v1/jobs", json={"upload_id": upload_id}, headers=headers)
    assert r.status_code == 202, r.text
    digest = client.get(location, headers=headers).json()["sha256"]
    kept = world.storage / "originals" / world.councils["a"] / digest
    assert _copies(world.storage, data) == [kept]  # the upload's copy is gone
    with world.db.session() as s:
        from plenaria.db.models import Job, Recording

        job = s.get(Job, r.json()["id"])
        assert job is not None
        recording = s.get(Recording, job.recording_id)
        assert (
            recording is not None
            and recording.storage_key == f"originals/{world.councils['a']}/{digest}"
        )
    # A client resuming the upload learns it is complete; a second job reads the same file.
    head = client.head(location, headers={**headers, "Tus-Resumable": "1.0.0"})
    assert head.status_code == 200 and head.headers["upload-offset"] == str(len(data))
    again = client.post("/api/v1/jobs", json={"upload_id": upload_id}, headers=headers)
    assert again.status_code == 202, again.text
    # The same recording uploaded once more (asked for): still one copy in storage.
    second = _upload(client, headers, data, "pleno otra vez.wav", again=True)
    second_id = second.rstrip("/").rsplit("/", 1)[1]
    r = client.post("/api/v1/jobs", json={"upload_id": second_id}, headers=headers)
    assert r.status_code == 202, r.text
    assert _copies(world.storage, data) == [kept]
    # Days later the uploads' records go too; the original stays.
    store = UploadStore(world.storage / "uploads")
    assert store.clean() == []
    assert sorted(store.clean(now=time.time() + ADOPTED_KEEP_S + 60)) == sorted(
        [upload_id, second_id]
    )
    assert not (world.storage / "uploads" / upload_id).exists() and kept.is_file()
