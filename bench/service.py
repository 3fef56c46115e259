"""The service under load, in one run: throughput, endpoint latency, upload memory.

Deploys the production stack on this machine (``plenaria api`` under uvicorn,
Celery workers, PostgreSQL on 127.0.0.1:5432, a redis-server of its own) and
prints, side by side:

1. jobs per hour with 1 and with 2 workers, and their ratio (target >= 1.8x).
   Each run has a fresh database and storage, so no result is reused; the same
   N distinct generated recordings (about 30 s each) are uploaded with tus and
   queued at once. Every worker serves every queue with one process and one CPU
   thread. The time is the server's: from the first job's creation to the last
   one's end (the jobs' own timestamps, not the client's polling). The workers'
   CPU seconds per job are printed beside it: on a busy machine a ratio below 2
   with the same CPU per job means the cores were not free, not that the work grew.
2. p50/p95 latency of the job status and output download endpoints under a
   bounded loopback load (4 clients, each with one kept-alive connection, as
   a browser or an integration holds), measured while a long job runs on one
   worker (target p95 < 50 ms); the run says whether the job was running from
   its first request to its last. The API's CPU time per request (from
   /proc) is printed too: unlike wall time it does not depend on what else
   the machine runs.
3. the API process's peak RSS (VmHWM) while it takes a 2 GB tus upload
   (target < 200 MB).

    .venv/bin/python bench/service.py [--jobs 8] [--gb 2] [--requests 400]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import wave
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests" / "workers")]

from bigupload import mp4_header, sha256_of, status_kb, tus_upload  # noqa: E402
from servicekit import (  # noqa: E402
    RedisServer,
    Service,
    council_user_token,
    drop_pg,
    pg_database,
    plenaria,
    start_server,
    stop_process,
)

from plenaria.cli.client import Client, UploadState, upload_file, upload_id_of  # noqa: E402
from plenaria.cli.samples import SCRIPT, render_script, write_wav  # noqa: E402

OPTIONS = {"make_proxy": True, "diarize": True}
SECRET = "bench-secret-" + "x" * 40
CLIENTS = 4  # the latency run's bounded load: this many requests at once, no more
WARMUP = 20  # requests per endpoint before the clock starts (connections, caches)


def recordings(folder: Path, n: int) -> list[Path]:
    """N distinct recordings of 30-40 s (different lines, so no cached result is shared)."""
    out = []
    for i in range(n):
        lines = [SCRIPT[(i + k) % len(SCRIPT)] for k in range(6)]
        audio, _ = render_script(lines, pause_s=0.6 + 0.1 * (i % 8), lead_s=1.0 + 0.01 * i)
        out.append(write_wav(folder / f"pleno-{i}.wav", audio))
    return out


def long_recording(folder: Path) -> Path:
    """About 5 minutes: the job that keeps a worker busy during the whole latency run."""
    audio, _ = render_script(SCRIPT, pause_s=0.8, repeat=2)
    return write_wav(folder / "pleno-long.wav", audio)


def seconds_of(wav: Path) -> float:
    with wave.open(str(wav)) as w:
        return w.getnframes() / w.getframerate()


class Stack:
    """PostgreSQL database + own redis-server + plenaria api, fresh for each measurement."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True)
        self.redis = RedisServer(root)
        self.redis.start()
        self.db_url = pg_database()
        self.service = Service(
            root,
            self.db_url,
            self.redis.url,
            extra_env={
                "PLENARIA_ENV": "production",
                "PLENARIA_SECRET_KEY": SECRET,
                "PLENARIA_CPU_THREADS": "1",
                "PLENARIA_MAX_UPLOAD_BYTES": str(64 * 1024**3),
                "OMP_NUM_THREADS": "1",
                # Production's defaults, not the tests' short ones (servicekit).
                "PLENARIA_STALE_AFTER_S": "120",
                "PLENARIA_RECONCILE_EVERY_S": "30",
            },
        )
        env = self.service.env
        assert plenaria(env, "db", "upgrade").returncode == 0
        self.token = council_user_token(env, "bench")
        self.api, self.server = start_server(env, root / "api.log", ready="/api/v1/health")

    def client(self) -> Client:
        return Client(self.server, self.token, timeout_s=600)

    def close(self) -> None:
        self.service.stop()
        stop_process(self.api)
        self.service.database().dispose()
        drop_pg(self.db_url)
        self.redis.kill()


def wait_ready(stack: Stack, names: list[str], timeout_s: float = 180) -> None:
    """Until every worker logged that it is ready (models load before the clock starts)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if all(" ready." in stack.service.log(n) for n in names):
            return
        time.sleep(0.5)
    raise RuntimeError("workers did not start")


def throughput(root: Path, files: list[Path], workers: int) -> tuple[float, float, float]:
    """(jobs per hour, seconds, workers' CPU seconds per job) for all files."""
    stack = Stack(root)
    try:
        names = [f"w{i}" for i in range(workers)]
        procs = [
            stack.service.start_worker("media,asr,diarization,default", name) for name in names
        ]
        wait_ready(stack, names)
        state = UploadState(root / "submit-state.json")
        with stack.client() as client:
            uploads = [upload_id_of(upload_file(client, f, state)[0]) for f in files]
            wait_idle([p.pid for p in procs])  # models loaded in the pool processes
            cpu_before = sum(group_cpu_s(p.pid) for p in procs)
            ids = [client.create_job(u, None, OPTIONS)["id"] for u in uploads]
            jobs = [client.wait(job_id, poll_s=1.0) for job_id in ids]
            cpu = sum(group_cpu_s(p.pid) for p in procs) - cpu_before
        # The server's clock: first creation to last end (no polling delay in it).
        start = min(_when(j["created_at"]) for j in jobs)
        end = max(_when(j["finished_at"]) for j in jobs)
        elapsed = (end - start).total_seconds()
        return len(files) * 3600 / elapsed, elapsed, cpu / len(files)
    finally:
        stack.close()


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def group_cpu_s(pgid: int) -> float:
    """User+system CPU seconds of a process group (a worker: main, pool child, ffmpeg)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[2]) == pgid:  # pgrp; then utime, stime, cutime, cstime
            total += sum(int(f) for f in fields[11:15])
    return total / tick


def wait_idle(pgids: list[int], timeout_s: float = 120) -> None:
    """Until these process groups use (almost) no CPU for a second."""
    deadline = time.monotonic() + timeout_s
    last = sum(group_cpu_s(g) for g in pgids)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = sum(group_cpu_s(g) for g in pgids)
        if now - last < 0.05 * len(pgids):
            return
        last = now


def process_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Latency:
    """Per endpoint: milliseconds per request, and the API's CPU milliseconds per request."""

    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = {}
        self.api_cpu_ms: dict[str, float] = {}
        self.job_states: list[str] = []

    @property
    def job_ran_throughout(self) -> bool:
        return all(state == "running" for state in self.job_states)


def latency(root: Path, done_file: Path, long_file: Path, n_requests: int) -> Latency:
    """The status and download endpoints while a long job runs on one worker."""
    stack = Stack(root)
    try:
        stack.service.start_worker("media,asr,diarization,default", "w0")
        wait_ready(stack, ["w0"])
        state = UploadState(root / "submit-state.json")
        with stack.client() as client:
            first = upload_id_of(upload_file(client, done_file, state)[0])
            done_id = client.create_job(first, None, OPTIONS)["id"]
            client.wait(done_id, poll_s=0.5)
            second = upload_id_of(upload_file(client, long_file, state)[0])
            running_id = client.create_job(second, None, OPTIONS)["id"]
        status_url = f"{stack.server}/api/v1/jobs/{running_id}"
        outputs = f"{stack.server}/api/v1/jobs/{done_id}/outputs"
        targets: dict[str, tuple[str, dict[str, str]]] = {
            "GET /jobs/{id} (status)": (status_url, {}),
            "GET /jobs/{id}/outputs/json": (f"{outputs}/json", {}),
            "GET /jobs/{id}/outputs/proxy (Range 64 KB)": (
                f"{outputs}/proxy",
                {"Range": "bytes=0-65535"},
            ),
        }
        headers = {"Authorization": f"Bearer {stack.token}"}
        # One kept-alive connection per client thread, made before the clock starts.
        local = threading.local()
        made: list[httpx.Client] = []

        def http() -> httpx.Client:
            if not hasattr(local, "client"):
                local.client = httpx.Client(headers=headers, timeout=30)
                made.append(local.client)
            client: httpx.Client = local.client
            return client

        def job_state() -> str:
            return str(http().get(status_url).json()["state"])

        result = Latency()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:  # bounded: 4 clients at once
            while (now := job_state()) != "running":
                if now in ("done", "failed", "cancelled"):
                    raise RuntimeError(f"the long job was {now} before the latency run began")
                time.sleep(0.2)
            for label, (url, extra) in targets.items():

                def one(_: int, url: str = url, extra: dict[str, str] = extra) -> float:
                    t0 = time.perf_counter()
                    reply = http().get(url, headers=extra)
                    ms = (time.perf_counter() - t0) * 1000
                    reply.raise_for_status()
                    return ms

                list(pool.map(one, range(WARMUP)))
                result.job_states.append(job_state())
                cpu0 = process_cpu_s(stack.api.pid)
                result.ms[label] = list(pool.map(one, range(n_requests)))
                cpu = process_cpu_s(stack.api.pid) - cpu0
                result.api_cpu_ms[label] = cpu * 1000 / n_requests
                result.job_states.append(job_state())
        for client in made:
            client.close()
        if result.job_ran_throughout:
            print("  the long job was running from the first measured request to the last")
        else:
            print(
                "  WARNING: the long job was not running all along (states "
                f"{', '.join(result.job_states)}): these latencies are not under load"
            )
        return result
    finally:
        stack.close()


def upload_peak(root: Path, gigabytes: float) -> tuple[float, float, float]:
    """(idle MB, peak VmHWM MB, seconds) of the API process during one big tus upload."""
    stack = Stack(root)
    try:
        size = int(gigabytes * 1e9)
        head = mp4_header(root)
        digest = sha256_of(head, size)
        pid = _uvicorn_pid(stack)
        idle = status_kb(pid, "VmRSS") / 1024
        t0 = time.perf_counter()
        with httpx.Client(timeout=900) as http:
            _, reply = tus_upload(
                http,
                f"{stack.server}/api/v1/uploads/",
                head,
                size,
                digest,
                256 * 1_000_000,
                {"Authorization": f"Bearer {stack.token}"},
            )
        reply.raise_for_status()
        elapsed = time.perf_counter() - t0
        return idle, status_kb(pid, "VmHWM") / 1024, elapsed
    finally:
        stack.close()


def _uvicorn_pid(stack: Stack) -> int:
    return stack.api.pid  # plenaria api runs uvicorn in its own process (one web worker)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=8, help="recordings per throughput run")
    parser.add_argument("--gb", type=float, default=2.0, help="size of the big upload, GB")
    parser.add_argument("--requests", type=int, default=400, help="requests per endpoint")
    parser.add_argument("--skip", default="", help="comma list: throughput,latency,upload")
    args = parser.parse_args()
    skip = set(args.skip.split(","))
    with tempfile.TemporaryDirectory(prefix="plenaria-bench-service-") as tmp_name:
        tmp = Path(tmp_name)
        files = recordings(tmp, max(args.jobs, 1))
        total_s = sum(seconds_of(f) for f in files[: args.jobs])
        print(f"{args.jobs} recordings, {total_s:.0f} s of audio in all")
        rows: list[str] = []
        if "throughput" not in skip:
            one, t1, cpu1 = throughput(tmp / "one", files[: args.jobs], 1)
            two, t2, cpu2 = throughput(tmp / "two", files[: args.jobs], 2)
            rows += [
                f"| jobs per hour, 1 worker | {one:.0f} ({t1:.0f} s for {args.jobs} jobs; "
                f"worker CPU {cpu1:.1f} s/job) | |",
                f"| jobs per hour, 2 workers | {two:.0f} ({t2:.0f} s; "
                f"worker CPU {cpu2:.1f} s/job) | |",
                f"| ratio 2 / 1 workers | **{two / one:.2f}x** | >= 1.8x |",
            ]
        if "latency" not in skip:
            long_file = long_recording(tmp)
            print(f"latency run: a job of {seconds_of(long_file):.0f} s of audio runs meanwhile")
            result = latency(tmp / "lat", files[0], long_file, args.requests)
            under = "" if result.job_ran_throughout else " (NOT while the job ran)"
            for label, ms in result.ms.items():
                rows.append(
                    f"| {label}: p50 / p95 / max, {len(ms)} requests{under} | "
                    f"{statistics.median(ms):.1f} / **{pct(ms, 0.95):.1f}** / {max(ms):.1f} ms; "
                    f"API CPU {result.api_cpu_ms[label]:.1f} ms/request | p95 < 50 ms |"
                )
        if "upload" not in skip:
            idle, peak, secs = upload_peak(tmp / "up", args.gb)
            rows.append(
                f"| API RSS during a {args.gb:g} GB tus upload ({secs:.0f} s) | "
                f"idle {idle:.0f} MB, peak **{peak:.0f} MB** | < 200 MB |"
            )
        print("\n| measure | result | target |\n|---|---|---|")
        print("\n".join(rows))


if __name__ == "__main__":
    main()
