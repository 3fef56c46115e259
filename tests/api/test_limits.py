"""Limits of the service: event streams per user, storage quota, free space, uploads purged."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from conftest import World
from fastapi import FastAPI

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
                assert r.json()["detail"].startswith("Ya tienes 2 seguimientos")
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
