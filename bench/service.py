"""The service under load, in one run: throughput, endpoint latency, upload memory.

Deploys the production stack on this machine (``plenaria api`` under uvicorn,
Celery workers, PostgreSQL on 127.0.0.1:5432, a redis-server of its own) and
prints, side by side:

1. jobs per hour with 1 and with 2 workers, and their ratio (target >= 1.8x).
   Each run has a fresh database and storage, so no result is reused; the same
   N distinct generated recordings are uploaded with tus and queued at once.
   Every worker serves every queue with one process and one CPU thread.
2. p50/p95 latency of the job status and output download endpoints under a
   bounded loopback load, measured while a job runs (target p95 < 50 ms).
3. the API process's peak RSS (VmHWM) while it takes a 2 GB tus upload
   (target < 200 MB).

    .venv/bin/python bench/service.py [--jobs 4] [--gb 2] [--requests 400]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests" / "workers")]

from servicekit import (  # noqa: E402
    RedisServer,
    Service,
    council_user_token,
    drop_pg,
    free_port,
    pg_database,
    plenaria,
    start_process,
    stop_process,
    wait_http,
)

from plenaria.client import Client, UploadState, upload_file, upload_id_of  # noqa: E402
from plenaria.samples import SCRIPT, render_script, write_wav  # noqa: E402
from upload_rss import _blocks, _mp4_header, _status_kb  # noqa: E402

OPTIONS = {"make_proxy": True, "diarize": True}
SECRET = "bench-secret-" + "x" * 40


def recordings(folder: Path, n: int) -> list[Path]:
    """N distinct recordings of about 25 s (different lines, so no cached result is shared)."""
    out = []
    for i in range(n):
        lines = [SCRIPT[(i + k) % len(SCRIPT)] for k in range(5)]
        audio, _ = render_script(lines, pause_s=0.6 + 0.1 * i)
        out.append(write_wav(folder / f"pleno-{i}.wav", audio))
    return out


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
            },
        )
        env = self.service.env
        assert plenaria(env, "db", "upgrade").returncode == 0
        self.token = council_user_token(env, "bench")
        self.port = free_port()
        self.api = start_process(env, root / "api.log", "api", "--port", str(self.port))
        self.server = f"http://127.0.0.1:{self.port}"
        wait_http(f"{self.server}/api/v1/health")

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


def throughput(root: Path, files: list[Path], workers: int) -> tuple[float, float]:
    """(jobs per hour, seconds) for all files with this many workers."""
    stack = Stack(root)
    try:
        names = [f"w{i}" for i in range(workers)]
        for name in names:
            stack.service.start_worker("media,asr,diarization,default", name)
        wait_ready(stack, names)
        state = UploadState(root / "submit-state.json")
        with stack.client() as client:
            uploads = [upload_id_of(upload_file(client, f, state)[0]) for f in files]
            started = time.perf_counter()
            ids = [client.create_job(u, None, OPTIONS)["id"] for u in uploads]
            for job_id in ids:
                client.wait(job_id, poll_s=0.5)
            elapsed = time.perf_counter() - started
        return len(files) * 3600 / elapsed, elapsed
    finally:
        stack.close()


def latency(root: Path, files: list[Path], n_requests: int) -> dict[str, list[float]]:
    """Milliseconds per request of the status and download endpoints while a job runs."""
    stack = Stack(root)
    try:
        stack.service.start_worker("media,asr,diarization,default", "w0")
        wait_ready(stack, ["w0"])
        state = UploadState(root / "submit-state.json")
        with stack.client() as client:
            first = upload_id_of(upload_file(client, files[0], state)[0])
            done_id = client.create_job(first, None, OPTIONS)["id"]
            client.wait(done_id, poll_s=0.5)
            second = upload_id_of(upload_file(client, files[1], state)[0])
            running_id = client.create_job(second, None, OPTIONS)["id"]
        headers = {"Authorization": f"Bearer {stack.token}"}
        targets = {
            "GET /jobs/{id} (status)": f"{stack.server}/api/v1/jobs/{running_id}",
            "GET /jobs/{id}/outputs/json": f"{stack.server}/api/v1/jobs/{done_id}/outputs/json",
            "GET /jobs/{id}/outputs/proxy (Range 64 KB)": (
                f"{stack.server}/api/v1/jobs/{done_id}/outputs/proxy"
            ),
        }
        results: dict[str, list[float]] = {}
        with httpx.Client(headers=headers, timeout=30) as http:
            while http.get(targets["GET /jobs/{id} (status)"]).json()["state"] != "running":
                time.sleep(0.2)
        for label, url in targets.items():
            extra = {"Range": "bytes=0-65535"} if "Range" in label else {}

            def one(_: int, url: str = url, extra: dict[str, str] = extra) -> float:
                with httpx.Client(headers=headers, timeout=30) as http:
                    t0 = time.perf_counter()
                    reply = http.get(url, headers=extra)
                    ms = (time.perf_counter() - t0) * 1000
                    reply.raise_for_status()
                    return ms

            with ThreadPoolExecutor(max_workers=4) as pool:  # bounded: 4 clients at once
                results[label] = list(pool.map(one, range(n_requests)))
        with stack.client() as client:
            still = client.job(running_id)["state"]
        print(f"  (the job was {still} at the end of the latency run)")
        return results
    finally:
        stack.close()


def upload_peak(root: Path, gigabytes: float) -> tuple[float, float, float]:
    """(idle MB, peak VmHWM MB, seconds) of the API process during one big tus upload."""
    stack = Stack(root)
    try:
        size = int(gigabytes * 1e9)
        head = _mp4_header(root)
        digest = hashlib.sha256()
        for block in _blocks(head, size):
            digest.update(block)
        pid = _uvicorn_pid(stack)
        idle = _status_kb(pid, "VmRSS") / 1024
        meta = ",".join(
            f"{k} {base64.b64encode(v.encode()).decode()}"
            for k, v in {"filename": "big.mp4", "sha256": digest.hexdigest()}.items()
        )
        tus = {"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {stack.token}"}
        url = f"{stack.server}/api/v1/uploads/"
        t0 = time.perf_counter()
        with httpx.Client(timeout=900) as http:
            created = http.post(
                url, headers={**tus, "Upload-Length": str(size), "Upload-Metadata": meta}
            )
            created.raise_for_status()
            location = created.headers["Location"]
            if location.startswith("/"):
                location = stack.server + location
            step = 256 * 1_000_000
            offset = 0
            while offset < size:
                stop = min(size, offset + step)
                reply = http.patch(
                    location,
                    content=_blocks(head, size, offset, stop),
                    headers={
                        **tus,
                        "Upload-Offset": str(offset),
                        "Content-Length": str(stop - offset),
                        "Content-Type": "application/offset+octet-stream",
                    },
                )
                if reply.status_code != 204:  # the zeros after the header are refused at the end
                    break
                offset = stop
        elapsed = time.perf_counter() - t0
        return idle, _status_kb(pid, "VmHWM") / 1024, elapsed
    finally:
        stack.close()


def _uvicorn_pid(stack: Stack) -> int:
    return stack.api.pid  # plenaria api runs uvicorn in its own process (one web worker)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=4, help="recordings per throughput run")
    parser.add_argument("--gb", type=float, default=2.0, help="size of the big upload, GB")
    parser.add_argument("--requests", type=int, default=400, help="requests per endpoint")
    parser.add_argument("--skip", default="", help="comma list: throughput,latency,upload")
    args = parser.parse_args()
    skip = set(args.skip.split(","))
    with tempfile.TemporaryDirectory(prefix="plenaria-bench-service-") as tmp_name:
        tmp = Path(tmp_name)
        files = recordings(tmp, max(args.jobs, 2))
        total_s = sum(f.stat().st_size for f in files) / 32000
        print(f"{len(files)} recordings, {total_s:.0f} s of audio in all")
        rows: list[str] = []
        if "throughput" not in skip:
            one, t1 = throughput(tmp / "one", files[: args.jobs], 1)
            two, t2 = throughput(tmp / "two", files[: args.jobs], 2)
            rows += [
                f"| jobs per hour, 1 worker | {one:.0f} ({t1:.0f} s for {args.jobs} jobs) | |",
                f"| jobs per hour, 2 workers | {two:.0f} ({t2:.0f} s) | |",
                f"| ratio 2 / 1 workers | **{two / one:.2f}x** | >= 1.8x |",
            ]
        if "latency" not in skip:
            for label, ms in latency(tmp / "lat", files, args.requests).items():
                rows.append(
                    f"| {label}: p50 / p95 / max, {len(ms)} requests | "
                    f"{statistics.median(ms):.1f} / **{pct(ms, 0.95):.1f}** / {max(ms):.1f} ms "
                    "| p95 < 50 ms |"
                )
        if "upload" not in skip:
            idle, peak, secs = upload_peak(tmp / "up", args.gb)
            rows.append(
                f"| API RSS during a {args.gb:.0f} GB tus upload ({secs:.0f} s) | "
                f"idle {idle:.0f} MB, peak **{peak:.0f} MB** | < 200 MB |"
            )
        print("\n| measure | result | target |\n|---|---|---|")
        print("\n".join(rows))


if __name__ == "__main__":
    main()
