"""The same recording twice: the tus creation offers the council's existing session."""

from __future__ import annotations

import base64
from typing import Any

from fastapi.testclient import TestClient

from conftest import World
from plenaria.db import jobs as job_repo

UPLOADS = "/api/v1/uploads/"
SHA = "cd" * 32  # the SHA-256 of World.job's recordings


def _b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def _create(client: TestClient, world: World, who: str = "admin", **extra: str) -> Any:
    meta = f"filename {_b64('pleno otra vez.mp4')},sha256 {_b64(SHA)}"
    for key, value in extra.items():
        meta += f",{key} {_b64(value)}"
    headers = {
        **world.headers(who),
        "Tus-Resumable": "1.0.0",
        "Upload-Length": "1000",
        "Upload-Metadata": meta,
    }
    return client.post(UPLOADS, headers=headers)


def test_a_recording_already_processed_offers_its_session(client: TestClient, world: World) -> None:
    job_id = world.job("a", "done")
    with world.db.transaction() as s:
        job = job_repo.get_job(s, job_id)
        created = job.created_at
    reply = _create(client, world)
    assert reply.status_code == 409, reply.text
    body = reply.json()
    assert body["detail"].startswith(
        f"Esta grabación ya se subió el {created:%d/%m/%Y}; abra la sesión existente."
    )
    assert body["existing"] == {"session_id": None, "job_id": job_id, "url": f"/jobs/{job_id}"}
    assert not (world.storage / "uploads").is_dir() or not [
        p for p in (world.storage / "uploads").iterdir() if not p.name.startswith(".")
    ], "nothing was created"

    # Asked for on purpose, it is created; another council has no such recording.
    assert _create(client, world, allow_duplicate="true").status_code == 201
    assert _create(client, world, "other").status_code == 201


def test_a_failed_job_does_not_stop_a_new_upload(client: TestClient, world: World) -> None:
    world.job("a", "failed")
    assert _create(client, world).status_code == 201
