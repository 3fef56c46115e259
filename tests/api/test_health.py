"""Health, readiness (database and broker really checked), metrics, the OpenAPI schema."""

from __future__ import annotations

from datetime import timedelta

import redis
from fastapi.testclient import TestClient

from conftest import REDIS_TEST_URL, World
from plenaria.api.app import create_app
from plenaria.config import Settings
from plenaria.db import jobs as job_repo
from plenaria.db.base import utcnow


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/api/v1/health").json() == {"status": "ok"}
    r = client.get("/api/v1/ready")  # the test database and this machine's Redis
    assert r.status_code == 200, r.text


def test_ready_names_what_is_down(settings: Settings) -> None:
    dead_broker = settings.model_copy(update={"broker_url": "redis://127.0.0.1:1/0"})
    with TestClient(create_app(dead_broker)) as client:
        r = client.get("/api/v1/ready")
        assert r.status_code == 503
        assert r.json()["detail"].startswith("Not ready: broker (")
        assert "database" not in r.json()["detail"]
    dead_db = settings.model_copy(update={"database_url": "postgresql://nobody@127.0.0.1:1/none"})
    with TestClient(create_app(dead_db)) as client:
        r = client.get("/api/v1/ready")
        assert r.status_code == 503
        assert r.json()["detail"].startswith("Not ready: database (")


def test_metrics_jobs_steps_and_queue_depth(client: TestClient, world: World) -> None:
    world.job("a", "queued")
    world.job("b", "queued")
    done = world.job("a", "done")
    with world.db.transaction() as s:
        job = job_repo.get_job(s, done)
        for name, seconds in (("probe", 2.0), ("transcribe:1", 40.0), ("transcribe:2", 100.0)):
            step = job_repo.ensure_step(s, job, name)
            job_repo.set_step_state(step, "done")
            step.started_at = utcnow() - timedelta(seconds=seconds)
    r_redis = redis.Redis.from_url(REDIS_TEST_URL)
    r_redis.delete("asr")
    r_redis.rpush("asr", "a", "b", "c")
    try:
        text = client.get("/metrics").text
    finally:
        r_redis.delete("asr")
        r_redis.close()
    assert 'plenaria_jobs{state="queued"} 2.0' in text
    assert 'plenaria_jobs{state="done"} 1.0' in text
    assert 'plenaria_jobs{state="failed"} 0.0' in text
    assert 'plenaria_step_duration_seconds_count{step="transcribe"} 2.0' in text
    assert 'plenaria_step_duration_seconds_bucket{le="60.0",step="transcribe"} 1.0' in text
    assert 'plenaria_step_duration_seconds_bucket{le="5.0",step="probe"} 1.0' in text
    assert 'plenaria_queue_depth{queue="asr"} 3.0' in text
    assert 'plenaria_queue_depth{queue="media"} 0.0' in text


def test_openapi_and_docs_under_v1(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/jobs/{job_id}/outputs/{kind}" in schema["paths"]
    assert "/api/v1/auth/login" in schema["paths"]
    public = schema["components"]["schemas"]
    for name in ("UserPublic", "TokenPublic", "TokenCreated", "JobPublic"):
        props = set(public[name]["properties"])
        assert not props & {"password_hash", "token_hash", "storage_key"}, name
    assert "swagger" in client.get("/api/v1/docs").text.lower()
    r = client.get("/api/v1/nowhere")
    assert r.status_code == 404 and r.json() == {"detail": "Not Found"}


def test_api_docs_work_offline(client: TestClient) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    import re

    urls = re.findall(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""", page.text)
    assert urls and not [u for u in urls if u.startswith(("http:", "https:", "//"))], urls
    for url in urls:
        if url.startswith("/static/"):
            asset = client.get(url)
            assert asset.status_code == 200 and len(asset.content) > 500, url
