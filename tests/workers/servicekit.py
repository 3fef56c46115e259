"""Real service processes for the worker tests: Celery workers, Redis, PostgreSQL.

Workers run as ``python -m plenaria worker`` in their own process group (so a
test can SIGKILL a whole worker), configured by environment variables only, as
in production.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from models_folder import shared_models_dir
from plenaria.config import Settings
from plenaria.db import accounts
from plenaria.db import jobs as repo
from plenaria.db.engine import Database
from plenaria.db.migrate import upgrade
from plenaria.db.models import Job, JobStep
from plenaria.live.rtmp_gate import free_loopback_port as free_port

REDIS = "redis://127.0.0.1:6379"
PG_SERVER = os.environ.get("PLENARIA_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


def pg_database() -> str:
    """A fresh PostgreSQL database for one test; dropped by :func:`drop_pg`."""
    from sqlalchemy import create_engine, text

    name = f"workers_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        f"{PG_SERVER.replace('postgresql://', 'postgresql+psycopg://')}/postgres",
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{PG_SERVER}/{name}"


def drop_pg(url: str) -> None:
    from sqlalchemy import create_engine, text

    server, name = url.rsplit("/", 1)
    admin = create_engine(
        f"{server.replace('postgresql://', 'postgresql+psycopg://')}/postgres",
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class RedisServer:
    """A redis-server of the test's own, on its own port, with no persistence."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Until a redis-server of this object's own answers on its port.

        The port was free when chosen, but under ``pytest -n`` another test may take it
        before redis binds: then this redis exits and the socket that answers is someone
        else's. So the server must answer with its own process id, or it starts again on
        another port.
        """
        for _ in range(5):
            self.proc = self._spawn()
            if self._answers():
                return
            self.kill()
            self.port = free_port()
        raise RuntimeError("redis-server did not start")

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
        )

    def _answers(self) -> bool:
        import redis

        assert self.proc is not None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                client = redis.Redis(port=self.port, socket_timeout=1)
                pid = int(client.info("server")["process_id"])
                client.close()
                return pid == self.proc.pid
            except (redis.RedisError, OSError):
                time.sleep(0.05)
        return False

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@dataclass
class Service:
    """One deployment: environment, database, storage, the workers started."""

    root: Path
    database_url: str
    broker_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLENARIA_")} | {
            "PLENARIA_DATA_DIR": str(self.root / "data"),
            "PLENARIA_CACHE_DIR": str(self.root / "cache"),
            "PLENARIA_MODELS_DIR": str(shared_models_dir()),
            "PLENARIA_STORAGE_DIR": str(self.root / "storage"),
            "PLENARIA_DATABASE_URL": self.database_url,
            "PLENARIA_BROKER_URL": self.broker_url,
            "PLENARIA_STALE_AFTER_S": "8",
            "PLENARIA_RECONCILE_EVERY_S": "2",
            "PYTHONUNBUFFERED": "1",
        }
        return env | self.extra_env

    @property
    def settings(self) -> Settings:
        return Settings(
            data_dir=self.root / "data",
            cache_dir=self.root / "cache",
            models_dir=shared_models_dir(),
            storage_dir=self.root / "storage",
            database_url=self.database_url,
            broker_url=self.broker_url,
            stale_after_s=8,
            reconcile_every_s=2,
        )

    def database(self) -> Database:
        return Database.from_settings(self.settings)

    def migrate(self) -> None:
        upgrade(self.settings)

    def start_worker(self, queues: str, name: str) -> subprocess.Popen[bytes]:
        log = (self.root / f"worker-{name}.log").open("ab")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "plenaria",
                "worker",
                "--queues",
                queues,
                "--concurrency",
                "1",
                "--name",
                f"{name}@test",
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killpg takes all of it
        )
        self.workers.append(proc)
        return proc

    def kill_worker(self, proc: subprocess.Popen[bytes]) -> None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=20)
                except (subprocess.TimeoutExpired, ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()

    def log(self, name: str) -> str:
        path = self.root / f"worker-{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_ready(self, *names: str, timeout_s: float = 120.0) -> None:
        """Until each named worker says it is ready (Celery's "... ready."): a step queued
        before, on a loaded machine, would wait past the reconciler's stale time."""
        deadline = time.monotonic() + timeout_s
        for name in names:
            while " ready." not in self.log(name):
                assert time.monotonic() < deadline, f"worker {name} not ready: {self.log(name)}"
                time.sleep(0.2)

    # -- data -------------------------------------------------------------------------------

    def add_job(self, recording: Path, options: dict[str, object]) -> str:
        """A council, a complete upload of ``recording`` and a queued job for it."""
        upload_id = uuid.uuid4().hex
        key = f"uploads/{upload_id}/original"
        dest = self.root / "storage" / key
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(recording, dest)
        sha = hashlib.sha256(dest.read_bytes()).hexdigest()
        size = dest.stat().st_size
        with self.database().transaction() as s:
            council = accounts.create_council(s, f"c{upload_id[:8]}", "Villaejemplo")
            upload = repo.create_upload(
                s, council.id, upload_id, recording.name, sha, size, storage_key=key
            )
            repo.set_upload_state(upload, "complete")
            rec = repo.create_recording(
                s, council.id, key, recording.name, size, sha, upload_id=upload_id
            )
            job = repo.create_job(s, council.id, rec.id, options)
            return job.id

    def submit(self, job_id: str) -> None:
        from plenaria.workers.queue import CeleryJobQueue

        CeleryJobQueue(self.settings).submit(job_id)

    def job(self, job_id: str) -> Job:
        with self.database().session() as s:
            job = s.get(Job, job_id)
            assert job is not None
            s.expunge(job)
            return job

    def steps(self, job_id: str) -> dict[str, JobStep]:
        with self.database().session() as s:
            rows = list(s.query(JobStep).filter(JobStep.job_id == job_id))
            for r in rows:
                s.expunge(r)
            return {r.name: r for r in rows}

    def wait(self, job_id: str, states: tuple[str, ...], timeout_s: float) -> Job:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            job = self.job(job_id)
            if job.state in states:
                return job
            time.sleep(0.5)
        raise AssertionError(
            f"job {job_id} is {self.job(job_id).state} after {timeout_s} s; steps: "
            + ", ".join(f"{n}={s.state}" for n, s in sorted(self.steps(job_id).items()))
        )

    def wait_steps(self, job_id: str, done_prefix: str, count: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            done = [
                n
                for n, s in self.steps(job_id).items()
                if n.startswith(done_prefix) and s.state == "done"
            ]
            if len(done) >= count:
                return
            time.sleep(0.2)
        raise AssertionError(f"fewer than {count} {done_prefix} steps done in {timeout_s} s")


def processes(service: Service) -> Iterator[Service]:
    try:
        yield service
    finally:
        service.stop()


def make_video(wav: Path, dest: Path) -> Path:
    """A small H.264/AAC MP4 of ``wav`` with a plain picture, as a council's camera would."""
    from plenaria.media.ffmpeg import ffmpeg_binary

    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=navy:s=320x180:r=10"]
        + ["-i", str(wav), "-shortest", "-c:v", "libx264", "-preset", "ultrafast"]
        + ["-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", str(dest)],
        check=True,
    )
    return dest


def plenaria(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run a plenaria command as an operator would, with the deployment's environment."""
    return subprocess.run(
        [sys.executable, "-m", "plenaria", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )


def wait_http(url: str, timeout_s: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer 200 in {timeout_s} s")


def start_process(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "plenaria", *args],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def start_server(
    env: dict[str, str], log: Path, command: str = "api", ready: str = "/api/v1/ready"
) -> tuple[subprocess.Popen[bytes], str]:
    """``plenaria api`` (or ``serve``) on a free loopback port, once ``ready`` answers 200."""
    port = free_port()
    proc = start_process(env, log, command, "--port", str(port))
    server = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{server}{ready}")
    except AssertionError:
        stop_process(proc)
        raise
    return proc, server


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def council_user_token(env: dict[str, str], slug: str = "villa") -> str:
    """A council, a secretary and an API token, made with the admin commands; the token."""
    email = f"sec@{slug}.es"
    for args, stdin in (
        (("admin", "create-council", slug, "--name", slug.capitalize()), ""),
        (
            ("admin", "create-user", email, "--council", slug)
            + ("--role", "secretary", "--password-stdin"),
            "una clave larga y segura\n",
        ),
    ):
        done = plenaria(env, *args, stdin=stdin)
        assert done.returncode == 0, done.stderr
    made = plenaria(env, "admin", "create-token", email, "--name", "sede")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token and "\n" not in token
    return token
