"""Live sessions through the service: uvicorn, a worker for the live queue, one for the rest,
PostgreSQL and Redis, real models, a generated pleno streamed by ffmpeg on 127.0.0.1.

The partial transcript is read over the API (and its server-sent events) while the
stream plays; at its end the job finishes with its outputs, the original's SHA-256
and its gaps. A push with a wrong stream key is refused; a stop over the API ends
a pushed session with what was recorded.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from servicekit import (
    REDIS,
    Service,
    council_user_token,
    drop_pg,
    free_port,
    pg_database,
    start_server,
)

# The stream helpers of the command-line live tests (one folder over).
sys.path.insert(0, str(Path(__file__).parents[1] / "live"))
from live_helpers import Sender, encode_clip, push, remux_ts

from plenaria.cli.samples import make_sample

pytestmark = pytest.mark.integration

V1 = "/api/v1"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[Service, str, dict[str, str]]]:
    """The API and two workers (live; media, asr, diarization, default); the server URL and
    a secretary's bearer header."""
    import redis

    url = pg_database()
    svc = Service(tmp_path, url, f"{REDIS}/11")
    redis.Redis.from_url(svc.broker_url).flushdb()
    rtmp = free_port()
    svc.extra_env = {
        "PLENARIA_LIVE_RTMP_PORTS": f"{rtmp}-{rtmp}",
        "PLENARIA_LIVE_ALLOWED_HOSTS": "127.0.0.1",  # the test streams on loopback
    }
    try:
        svc.migrate()
        token = council_user_token(svc.env)
        api, server = start_server(svc.env, tmp_path / "api.log")
        svc.workers.append(api)
        svc.start_worker("live", "live")
        svc.start_worker("media,asr,diarization,default", "cpu")
        svc.wait_ready("live", "cpu")
        yield svc, server, {"Authorization": f"Bearer {token}"}
    finally:
        svc.stop()
        svc.database().dispose()
        drop_pg(url)
        redis.Redis.from_url(svc.broker_url).flushdb()


class Events:
    """The job's server-sent events, read in a thread: (monotonic time, event, data)."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.got: list[tuple[float, str, Any]] = []
        self._thread = threading.Thread(target=self._read, args=(url, headers), daemon=True)
        self._thread.start()

    def _read(self, url: str, headers: dict[str, str]) -> None:
        event = ""
        with httpx.stream("GET", url, headers=headers, timeout=None) as r:
            for line in r.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    self.got.append((time.monotonic(), event, json.loads(line[6:])))

    def pieces(self) -> list[dict[str, Any]]:
        return [p for _, e, d in self.got if e == "partial" for p in d["pieces"]]

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


def _wait_done(server: str, headers: dict[str, str], job_id: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = httpx.get(f"{server}{V1}/jobs/{job_id}", headers=headers, timeout=10).json()
        if job["state"] in ("done", "failed", "cancelled"):
            return dict(job)
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} not finished in {timeout} s: {job}")


def test_a_pulled_stream_is_transcribed_through_the_api_while_it_plays(
    service: tuple[Service, str, dict[str, str]], sample: Path, tmp_path: Path
) -> None:
    svc, server, headers = service
    clip = remux_ts(encode_clip(sample, tmp_path / "clip.mp4", 0, 60), tmp_path / "clip.ts")
    sender = Sender(clip, free_port())
    try:
        body = {
            "url": sender.url,
            "name": "pleno-directo",
            "options": {"transcription": {"language": "es"}, "make_proxy": False},
            "live": {"end_timeout_s": 5, "max_chunk_s": 20},
        }
        r = httpx.post(f"{server}{V1}/live", json=body, headers=headers, timeout=30)
        assert r.status_code == 202, r.text
        job = r.json()
        assert job["live"]["mode"] == "pull" and job["live"]["url"] == sender.url
        job_id = job["id"]
        events = Events(f"{server}{V1}/jobs/{job_id}/events", headers)
        early: list[dict[str, Any]] = []
        while sender.proc.poll() is None:  # the stream plays (ffmpeg -re): read the API
            got = httpx.get(f"{server}{V1}/jobs/{job_id}/partial", headers=headers, timeout=10)
            assert got.status_code == 200, got.text
            early = got.json()["pieces"]
            assert got.json()["recording"] is True
            time.sleep(1.0)
        stream_end = time.monotonic()
    finally:
        sender.kill()
    # Lines of transcript were in the API before the stream ended.
    assert len(early) >= 1, (svc.log("live"), svc.log("cpu"))
    for piece in early:
        assert 0 <= piece["start_s"] <= 62 and piece["speaker"] and piece["text"]
    done = _wait_done(server, headers, job_id, timeout=300)  # a loaded machine: minutes
    assert done["state"] == "done", (done, svc.log("live"), svc.log("cpu"))
    ended = time.monotonic()
    events.join(timeout=10)
    # The same pieces came as server-sent events, some before the stream ended.
    streamed = events.pieces()
    assert [p["text"] for p in streamed[: len(early)]] == [p["text"] for p in early]
    assert any(at < stream_end for at, e, _ in events.got if e == "partial")
    final = httpx.get(f"{server}{V1}/jobs/{job_id}/partial", headers=headers, timeout=10).json()
    assert final["recording"] is False and len(final["pieces"]) >= len(early)
    assert [p["text"] for p in streamed] == [p["text"] for p in final["pieces"]]
    # Every chunk was transcribed by the asr worker (the same task as an upload's).
    assert "step transcribe:0" in svc.log("cpu")
    assert "step record" in svc.log("live") and "step transcribe" not in svc.log("live")
    # The reconciler (every 2 s, stale after 8 s here) left the minute-long recorder alone.
    steps = svc.steps(job_id)
    assert steps["record"].attempts == 1 and steps["record"].state == "done"
    assert "requeue record" not in svc.log("live") + svc.log("cpu")
    chunks = [n for n in steps if n.startswith("transcribe:")]
    assert len(chunks) == len(final["chunks"]) >= 3  # one step per chunk (max 20 s each)
    # The certificate data: the SHA-256 of the recorded original, its size, no gap.
    cert = done["live"]["certificate"]
    original = svc.root / "storage" / "live" / job_id / "original.ts"
    assert cert["sha256"] == hashlib.sha256(original.read_bytes()).hexdigest()
    assert cert["size_bytes"] == original.stat().st_size and cert["gaps"] == []
    assert 55 <= cert["duration_s"] <= 65, cert
    # The outputs, downloadable; the transcript certifies the recorded original.
    assert {"json", "vtt", "srt", "docx"} <= set(done["outputs"]), done
    r = httpx.get(f"{server}{V1}/jobs/{job_id}/outputs/json", headers=headers, timeout=30)
    transcript = r.json()
    assert transcript["recording"]["sha256"] == cert["sha256"]
    assert transcript["recording"]["file_name"] == "pleno-directo.ts"
    text = " ".join(i["text"] for i in transcript["interventions"]).lower()
    assert "pleno" in text, text
    docx = httpx.get(f"{server}{V1}/jobs/{job_id}/outputs/docx", headers=headers, timeout=30)
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    print(f"outputs {ended - stream_end:.1f} s after the stream ended")


def test_a_push_with_a_wrong_key_is_refused_and_a_stop_ends_the_session(
    service: tuple[Service, str, dict[str, str]], sample: Path, tmp_path: Path
) -> None:
    svc, server, headers = service
    # Longer than the wait for the first piece on a loaded machine: the stop comes mid-clip.
    clip = encode_clip(sample, tmp_path / "clip.mp4", 0, 60)
    body = {
        "push": True,
        "options": {"transcription": {"language": "es"}, "make_proxy": False, "diarize": False},
        "live": {"end_timeout_s": 30},
    }
    r = httpx.post(f"{server}{V1}/live", json=body, headers=headers, timeout=30)
    assert r.status_code == 202, r.text
    job = r.json()
    live = job["live"]
    assert live["mode"] == "push" and live["stream_key"]
    assert live["publish_url"] == f"{live['push_url']}/{live['stream_key']}"
    job_id = job["id"]
    # The key is only in that answer.
    seen = httpx.get(f"{server}{V1}/jobs/{job_id}", headers=headers, timeout=10).json()
    assert seen["live"]["stream_key"] is None and live["stream_key"] not in json.dumps(seen)
    # A second push session finds the only port taken.
    taken = httpx.post(f"{server}{V1}/live", json=body, headers=headers, timeout=30)
    assert taken.status_code == 409, taken.text
    deadline = time.monotonic() + 90
    while "step record" not in svc.log("live"):  # the recorder listens
        assert time.monotonic() < deadline, svc.log("live")
        time.sleep(0.5)
    wrong = push(clip, f"{live['push_url']}/WRONG-{live['stream_key']}", timeout=60)
    assert wrong.returncode != 0
    assert "refused a push" in svc.log("live")
    original = svc.root / "storage" / "live" / job_id / "original.ts"
    assert not original.exists() or original.stat().st_size == 0  # nothing of it recorded
    pushing = threading.Thread(target=push, args=(clip, live["publish_url"], 90), daemon=True)
    pushing.start()
    deadline = time.monotonic() + 60
    while not httpx.get(f"{server}{V1}/jobs/{job_id}/partial", headers=headers).json()["pieces"]:
        assert time.monotonic() < deadline, svc.log("live")
        time.sleep(0.5)
    stop = httpx.post(f"{server}{V1}/live/{job_id}/stop", headers=headers, timeout=10)
    assert stop.status_code == 202 and stop.json()["live"]["stop"] is True
    done = _wait_done(server, headers, job_id, timeout=120)
    assert done["state"] == "done", (done, svc.log("live"), svc.log("cpu"))
    cert = done["live"]["certificate"]
    assert cert["connections"] == 1 and cert["duration_s"] < 55, cert  # stopped before its end
    assert cert["sha256"] == hashlib.sha256(original.read_bytes()).hexdigest()
    again = httpx.post(f"{server}{V1}/live/{job_id}/stop", headers=headers, timeout=10)
    assert again.status_code == 409
    pushing.join(timeout=60)


def test_a_recorder_whose_worker_dies_resumes_the_same_recording_after_a_gap(
    service: tuple[Service, str, dict[str, str]], sample: Path, tmp_path: Path
) -> None:
    svc, server, headers = service
    before = remux_ts(encode_clip(sample, tmp_path / "a.mp4", 0, 40), tmp_path / "a.ts")
    after = remux_ts(encode_clip(sample, tmp_path / "b.mp4", 45, 20), tmp_path / "b.ts")
    port = free_port()
    first = Sender(before, port)
    second: Sender | None = None
    try:
        body = {
            "url": first.url,
            "name": "pleno-resumido",
            "options": {"transcription": {"language": "es"}, "make_proxy": False, "diarize": False},
            "live": {"end_timeout_s": 15, "max_chunk_s": 10},
        }
        r = httpx.post(f"{server}{V1}/live", json=body, headers=headers, timeout=30)
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        folder = svc.root / "storage" / "live" / job_id
        deadline = time.monotonic() + 120
        while not (folder / "audio.wav").exists() or (folder / "audio.wav").stat().st_size < (
            44 + 15 * 32000
        ):  # 15 s recorded
            assert time.monotonic() < deadline, svc.log("live")
            time.sleep(0.2)
        live_worker = svc.workers[1]
        svc.kill_worker(live_worker)  # SIGKILL, the whole process group
        killed_at = (folder / "audio.wav").stat().st_size
        first.kill()
        second = Sender(after, port)  # the stream goes on: the rest of the pleno
        svc.start_worker("live", "live-again")
        svc.wait_ready("live-again")
        done = _wait_done(server, headers, job_id, timeout=300)
    finally:
        first.kill()
        if second is not None:
            second.kill()
    logs = svc.log("live-again")
    assert done["state"] == "done", (done, logs, svc.log("cpu"))
    assert "resuming the recording" in logs and "requeue record" in logs + svc.log("cpu")
    cert = done["live"]["certificate"]
    assert cert["connections"] == 2, cert
    assert len(cert["gaps"]) == 1, cert["gaps"]
    gap = cert["gaps"][0]
    recorded_before = (killed_at - 44) / 32000
    assert recorded_before - 1 <= gap["start_s"] <= recorded_before + 2, (gap, recorded_before)
    assert gap["length_s"] >= 5, gap  # the stale time (8 s) at least, minus some slack
    assert gap["start_s"] + gap["length_s"] + 17 <= cert["duration_s"], cert  # b.ts after it
    original = folder / "original.ts"
    assert cert["sha256"] == hashlib.sha256(original.read_bytes()).hexdigest()
    transcript = httpx.get(
        f"{server}{V1}/jobs/{job_id}/outputs/json", headers=headers, timeout=30
    ).json()
    assert transcript["recording"]["gaps"], transcript["recording"]
    back = gap["start_s"] + gap["length_s"]
    words = [w for i in transcript["interventions"] for w in i["words"] if w["start"] > back]
    assert len(words) >= 10, transcript["interventions"]  # the part after the gap transcribed
