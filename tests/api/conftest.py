"""API test fixtures: a real database (SQLite and PostgreSQL), the app, two councils.

The job queue is :class:`RecordingQueue`, a test double of the workers' Celery
queue that records the ids it is given (the real one is exercised end to end).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "db"))

from dbfixtures import db_url, migrated_url, pg_empty_database  # noqa: F401 (fixtures)

from plenaria.api.app import create_app
from plenaria.config import Settings
from plenaria.db import accounts, jobs
from plenaria.db.base import new_id
from plenaria.db.engine import Database
from plenaria.db.models import Council, Job, Upload

REDIS_TEST_URL = "redis://127.0.0.1:6379/3"
PASSWORD = "correct horse battery"


class RecordingQueue:
    """Records submit/cancel/retry calls; ``fail`` makes every call raise."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.fail = False

    def _record(self, action: str, job_id: str) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.calls.append((action, job_id))

    def submit(self, job_id: str) -> None:
        self._record("submit", job_id)

    def cancel(self, job_id: str) -> None:
        self._record("cancel", job_id)

    def retry(self, job_id: str) -> None:
        self._record("retry", job_id)


@dataclass
class World:
    """Council A (admin, secretary, clerk) and council B (admin), with a token each."""

    db: Database
    storage: Path
    councils: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who in self.tokens else {}

    def upload(self, council: str = "a", state: str = "complete", content: bytes = b"video") -> str:
        upload_id = new_id()
        key = f"uploads/{upload_id}/recording"
        (self.storage / key).parent.mkdir(parents=True, exist_ok=True)
        (self.storage / key).write_bytes(content)
        with self.db.transaction() as s:
            up = jobs.create_upload(
                s, self.councils[council], upload_id, "pleno 1.mp4", "ab" * 32, len(content)
            )
            jobs.set_upload_state(up, state, storage_key=key)
        return upload_id

    def job(
        self,
        council: str = "a",
        state: str = "queued",
        outputs: dict[str, bytes] | None = None,
        live: dict[str, Any] | None = None,
    ) -> str:
        with self.db.transaction() as s:
            cid = self.councils[council]
            rec = jobs.create_recording(s, cid, "uploads/x/recording", "pleno.mp4", 5, "cd" * 32)
            job = jobs.create_job(s, cid, rec.id, {}, created_by=None)
            job.live = live
            if state != "queued":
                jobs.set_job_state(job, state)
            for kind, data in (outputs or {}).items():
                key = f"outputs/{job.id}/out.{kind}"
                (self.storage / key).parent.mkdir(parents=True, exist_ok=True)
                (self.storage / key).write_bytes(data)
                jobs.add_output(s, job, kind, key, len(data))
            return job.id

    def job_row(self, job_id: str) -> Job:
        with self.db.session() as s:
            job = s.get(Job, job_id)
            assert job is not None
            return job

    def upload_row(self, upload_id: str) -> Upload | None:
        with self.db.session() as s:
            return s.get(Upload, upload_id)


def make_world(db: Database, storage: Path) -> World:
    world = World(db=db, storage=storage)
    people = {
        "admin": ("a", "admin"),
        "secretary": ("a", "secretary"),
        "clerk": ("a", "clerk"),
        "other": ("b", "admin"),
    }
    with db.transaction() as s:
        councils: dict[str, Council] = {
            "a": accounts.create_council(s, "villa-a", "Villa A"),
            "b": accounts.create_council(s, "villa-b", "Villa B"),
        }
        world.councils = {k: c.id for k, c in councils.items()}
        for who, (council, role) in people.items():
            email = f"{who}@{council}.example.org"
            user = accounts.create_user(s, councils[council], email, PASSWORD, role)
            world.users[who] = user.id
            world.emails[who] = email
            world.tokens[who] = accounts.create_token(s, user, f"{who} token")[1]
    return world


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with small costs: the same library and format, fast enough for many logins."""
    from argon2 import PasswordHasher

    from plenaria import accounts as credentials

    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(credentials, "_hasher", lambda: hasher)
    monkeypatch.setattr(credentials, "dummy_password_hash", lambda: hasher.hash("x" * 16))


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:  # noqa: F811 (the fixture above)
    return Settings(
        data_dir=tmp_path / "data",
        cache_dir=tmp_path / "cache",
        database_url=db_url,
        broker_url=REDIS_TEST_URL,
        login_attempts_per_minute=3,
        metrics_token=SecretStr("metrics-token-for-tests"),
        # The sede's stream host (test_live.py checks what is refused without such a list).
        live_allowed_hosts="sede.example.es",
    )


@pytest.fixture
def queue() -> RecordingQueue:
    return RecordingQueue()


@pytest.fixture
def app(settings: Settings, queue: RecordingQueue) -> FastAPI:
    return create_app(settings, job_queue=queue, events_poll_s=0.05)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def world(app: FastAPI, settings: Settings) -> World:
    settings.storage_path.mkdir(parents=True, exist_ok=True)
    return make_world(app.state.db, settings.storage_path)
