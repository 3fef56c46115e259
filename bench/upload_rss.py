"""Peak memory of the API process while it takes a 2 GB tus upload.

Starts the uploads router alone in a uvicorn subprocess, uploads a real MP4
(moov first) followed by zero bytes up to the size asked, streamed from a
generator (the client holds one block at a time), and samples the server's
VmRSS / VmHWM from /proc during the transfer and the validation that follows.

    python bench/upload_rss.py [--gb 2] [--patch-mb 0]

``--patch-mb 0`` sends the whole file in one PATCH (the hardest case for the
server); a positive value sends PATCHes of that size, as tus clients do.
The target: a peak under 200 MB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "workers"))
from bigupload import mp4_header, sha256_of, status_kb, tus_upload
from servicekit import free_port

TARGET_MB = 200.0

SERVER = """
import sys
from pathlib import Path
import uvicorn
from fastapi import FastAPI
from plenaria.api.uploads import uploads_router
from plenaria.config import Settings

storage, port = sys.argv[1], int(sys.argv[2])
accepted = []
app = FastAPI()
app.include_router(uploads_router(
    Settings(storage_dir=Path(storage), max_upload_bytes=64 * 1024**3),
    lambda *a: accepted.append(a[0]),
    lambda: "bench",
))
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gb", type=float, default=2.0, help="upload size, GB (10^9 bytes)")
    parser.add_argument("--patch-mb", type=int, default=0, help="PATCH size, MB (0: one PATCH)")
    args = parser.parse_args()
    size = int(args.gb * 1e9)

    with tempfile.TemporaryDirectory(prefix="plenaria-upload-rss-") as tmp_name:
        tmp = Path(tmp_name)
        head = mp4_header(tmp)
        t0 = time.perf_counter()
        sha = sha256_of(head, size)
        print(f"source: {size / 1e9:.2f} GB, SHA-256 in {time.perf_counter() - t0:.1f} s")

        port = free_port()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(tmp / "storage"), str(port)], env=env
        )
        url = f"http://127.0.0.1:{port}/api/v1/uploads/"
        http = httpx.Client(timeout=600)
        try:
            for _ in range(300):
                try:
                    http.options(url)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            idle_kb = status_kb(server.pid, "VmRSS")
            peak = [0]
            done = threading.Event()

            def sample() -> None:
                while not done.is_set():
                    peak[0] = max(peak[0], status_kb(server.pid, "VmRSS"))
                    time.sleep(0.05)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()

            step = size if args.patch_mb <= 0 else args.patch_mb * 1_000_000
            t0 = time.perf_counter()
            _, reply = tus_upload(http, url, head, size, sha, step)
            if reply.status_code != 204:
                print(f"last PATCH: {reply.status_code} {reply.text}")
            elapsed = time.perf_counter() - t0
            done.set()
            sampler.join()
            hwm_kb = status_kb(server.pid, "VmHWM")
        finally:
            http.close()
            server.terminate()
            server.wait(timeout=30)

    peak_mb, hwm_mb, idle_mb = peak[0] / 1024, hwm_kb / 1024, idle_kb / 1024
    patches = "one PATCH" if args.patch_mb <= 0 else f"PATCHes of {args.patch_mb} MB"
    print(
        f"upload: {size / 1e9:.2f} GB in {patches}, {elapsed:.1f} s "
        f"({size / 1e6 / elapsed:.0f} MB/s, validation included); "
        f"final status {reply.status_code}"
    )
    print(
        f"server RSS: idle {idle_mb:.0f} MB, sampled peak {peak_mb:.0f} MB, VmHWM {hwm_mb:.0f} MB"
    )
    verdict = "yes" if hwm_mb < TARGET_MB else "NO"
    print(f"peak under {TARGET_MB:.0f} MB: {verdict}")


if __name__ == "__main__":
    main()
