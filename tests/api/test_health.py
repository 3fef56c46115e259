"""Health, readiness (database and broker really checked), metrics, the OpenAPI schema."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis
from fastapi.testclient import TestClient
from pydantic import SecretStr

from conftest import REDIS_TEST_URL, World
from plenaria.api.app import create_app
from plenaria.config import Settings
from plenaria.db import jobs as job_repo
from plenaria.db.base import utcnow
from plenaria.errors import ConfigError


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/api/v1/health").json() == {"status": "ok"}
    r = client.get("/api/v1/ready")  # the test database and this machine's Redis
    assert r.status_code == 200, r.text


def test_ready_names_what_is_down_and_no_more(settings: Settings) -> None:
    dead_broker = settings.model_copy(update={"broker_url": "redis://127.0.0.1:1/0"})
    with TestClient(create_app(dead_broker)) as client:
        for path in ("/api/v1/ready", "/ready"):
            r = client.get(path)
            assert r.status_code == 503
            detail = r.json()["detail"]
            assert detail.startswith("No está listo: no responde el broker."), detail
            assert "base de datos" not in detail
            assert "127.0.0.1" not in detail and "111" not in detail and "Error" not in detail
    dead_db = settings.model_copy(update={"database_url": "postgresql://nobody@127.0.0.1:1/none"})
    with TestClient(create_app(dead_db)) as client:
        r = client.get("/api/v1/ready")
        assert r.status_code == 503
        detail = r.json()["detail"]
        assert detail.startswith("No está listo: no responde la base de datos"), detail
        assert "nobody" not in detail and "Operational" not in detail


def test_health_and_ready_at_the_root(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").status_code == 200
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/health" in paths and "/health" not in paths


def test_metrics_need_the_token_or_an_internal_address(settings: Settings) -> None:
    closed = settings.model_copy(update={"metrics_token": None})
    with TestClient(create_app(closed)) as client:  # neither configured: closed
        r = client.get("/metrics")
        assert r.status_code == 403 and "PLENARIA_METRICS_TOKEN" in r.json()["detail"]
    with_token = settings.model_copy(update={"metrics_token": SecretStr("s3cret-metrics")})
    with TestClient(create_app(with_token)) as client:
        assert client.get("/metrics").status_code == 401
        wrong = {"Authorization": "Bearer s3cret-metricz"}
        assert client.get("/metrics", headers=wrong).status_code == 401
        r = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics"})
        assert r.status_code == 200 and "plenaria_jobs" in r.text
    # TestClient's address is "testclient", never inside a network: a real one is.
    inside = closed.model_copy(update={"metrics_networks": "10.0.0.0/8, 127.0.0.1"})
    with TestClient(create_app(inside), client=("127.0.0.1", 5000)) as client:
        assert client.get("/metrics").status_code == 200
    with TestClient(create_app(inside), client=("192.0.2.7", 5000)) as client:
        assert client.get("/metrics").status_code == 403
    bad = closed.model_copy(update={"metrics_networks": "10.0.0.0/8, intranet"})
    with pytest.raises(ConfigError, match="intranet"):
        create_app(bad)


METRICS = {"Authorization": "Bearer metrics-token-for-tests"}


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
        text = client.get("/metrics", headers=METRICS).text
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
    assert r.status_code == 404 and r.json() == {
        "detail": "No existe esa dirección; revise la URL."
    }


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
