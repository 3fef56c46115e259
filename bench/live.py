"""Live lag: from the end of each chunk's audio to its text, with one transcription worker.

    .venv/bin/python bench/live.py                 # a generated pleno of about 3 minutes
    .venv/bin/python bench/live.py --minutes 6 --end-timeout-s 10
    .venv/bin/python bench/live.py --mode service  # only through the service's API

A generated pleno (espeak-ng voices, a video) is streamed in real time by
``ffmpeg -re ... -f mpegts -listen 1 http://127.0.0.1:PORT/`` and recorded twice:

- ``embedded``: by ``plenaria live`` (one process, one transcription thread, the
  bundled base model int8 on the CPU). A chunk's lag is the time from the arrival of
  its last sample to its text printed (from the session's ``<name>.live.json``).
- ``service``: by the service over its API (``POST /api/v1/live``): ``plenaria api``,
  a worker for the ``live`` queue (the recorder) and **one** worker process for every
  other queue (the chunks' ``transcribe:i``, then diarization and the outputs), on
  PostgreSQL and a Redis of its own. A chunk's lag is the time from the arrival of its
  last sample (as the recorder stamps it) to the moment this script, polling
  ``GET /api/v1/jobs/{id}/partial`` every 0.25 s, first sees its text.

For every chunk it prints its span, its length and its lag; then the median and
maximum lag against the target (< 2 x the chunk's length), the delay of the first
line after the stream started, the time from the end of the stream to the outputs,
and the WER of the final transcript against the script.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "live"))
sys.path.insert(0, str(ROOT / "tests" / "workers"))

from live_helpers import (  # noqa: E402  (the tests' stream server and runner)
    Sender,
    encode_clip,
    free_port,
    remux_ts,
    start_live,
    transcript_text,
    wer,
)


@dataclass
class Figures:
    title: str
    chunks: list[dict[str, float]]  # index, start_s, end_s, lag_s
    first_line_s: float
    outputs_after_end_s: float
    wer: float


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="Length of the pleno.")
    parser.add_argument("--end-timeout-s", type=float, default=10.0)
    parser.add_argument("--language", default="es")
    parser.add_argument("--mode", choices=("both", "embedded", "service"), default="both")
    args = parser.parse_args()

    from plenaria.cli.samples import SCRIPT, make_sample, render_script

    with tempfile.TemporaryDirectory(prefix="plenaria-bench-live-") as tmp_name:
        tmp = Path(tmp_name)
        _, lines = render_script(SCRIPT)
        repeat = max(1, int(args.minutes * 60 // (lines[-1].end + 1.0)) + 1)
        sample = make_sample(tmp / "sample", repeat=repeat)
        truth = json.loads(sample.with_name(sample.stem + ".truth.json").read_text("utf-8"))
        last = next((i for i, x in enumerate(truth) if x["end"] >= args.minutes * 60), None)
        last = len(truth) - 1 if last is None else last
        length = truth[last]["end"] + 0.5
        reference = " ".join(x["text"] for x in truth[: last + 1])
        stream = remux_ts(encode_clip(sample, tmp / "pleno.mp4", 0, length), tmp / "pleno.ts")
        print(f"Stream: {length:.0f} s generated pleno, real time over HTTP (MPEG-TS), 1 worker.")
        if args.mode in ("both", "embedded"):
            report(embedded(stream, length, reference, tmp / "embedded", args), args)
        if args.mode in ("both", "service"):
            report(service(stream, length, reference, tmp / "service", args), args)


def embedded(
    stream: Path, length: float, reference: str, tmp: Path, args: argparse.Namespace
) -> Figures:
    """``plenaria live``: one process, one transcription thread."""
    tmp.mkdir()
    sender = Sender(stream, free_port())
    started = time.monotonic()
    out = tmp / "out"
    run = start_live(
        sender.url, out, tmp, "-l", args.language, "--name", "pleno",
        "--end-timeout-s", str(args.end_timeout_s),
    )  # fmt: skip
    try:
        stream_end = sender.wait(timeout=length + 120)
        code = run.wait(timeout=600)
    finally:
        sender.kill()
        run.kill()
    if code != 0:
        raise SystemExit(f"plenaria live failed ({code}):\n{run.stderr[-3000:]}")
    cert = json.loads((out / "pleno.live.json").read_text(encoding="utf-8"))
    return Figures(
        "embedded (`plenaria live`)",
        cert["chunks"],
        run.lines[0][0] - started if run.lines else float("nan"),
        run.ended_at - stream_end,
        wer(reference, transcript_text(out / "pleno.json")),
    )


def service(
    stream: Path, length: float, reference: str, tmp: Path, args: argparse.Namespace
) -> Figures:
    """The service over its API: the recorder on a live worker, one worker for the rest."""
    import httpx
    import redis
    from servicekit import (
        RedisServer,
        Service,
        council_user_token,
        drop_pg,
        pg_database,
        start_server,
    )

    tmp.mkdir()
    broker = RedisServer(tmp)
    broker.start()
    url = pg_database()
    svc = Service(tmp, url, broker.url)
    try:
        svc.migrate()
        token = council_user_token(svc.env)
        api, server = start_server(svc.env, tmp / "api.log")
        svc.workers.append(api)
        svc.start_worker("live", "live")
        svc.start_worker("media,asr,diarization,default", "cpu")
        time.sleep(20)  # the workers load their models before the stream starts
        headers = {"Authorization": f"Bearer {token}"}
        sender = Sender(stream, free_port())
        body = {
            "url": sender.url,
            "name": "pleno",
            "options": {"transcription": {"language": args.language}},
            "live": {"end_timeout_s": args.end_timeout_s},
        }
        started = time.monotonic()
        r = httpx.post(f"{server}/api/v1/live", json=body, headers=headers, timeout=30)
        r.raise_for_status()
        job_id = r.json()["id"]
        seen: dict[int, float] = {}  # chunk -> Unix time its text was first in the API
        first_line = float("nan")
        stream_end = 0.0
        state = "queued"
        timing: list[dict[str, Any]] = []
        while state not in ("done", "failed", "cancelled"):
            partial = httpx.get(
                f"{server}/api/v1/jobs/{job_id}/partial", headers=headers, timeout=10
            ).json()
            now = time.time()
            for c in partial["chunks"]:
                seen.setdefault(int(c["index"]), now)
            if partial["pieces"] and math.isnan(first_line):
                first_line = time.monotonic() - started
            timing = partial["chunks"]
            if not stream_end and sender.proc.poll() is not None:
                stream_end = time.monotonic()
            state = httpx.get(f"{server}/api/v1/jobs/{job_id}", headers=headers).json()["state"]
            time.sleep(0.25)
        done_at = time.monotonic()
        sender.kill()
        if state != "done":
            raise SystemExit(f"the live job {state}:\n{svc.log('live')[-3000:]}")
        got = httpx.get(f"{server}/api/v1/jobs/{job_id}/outputs/json", headers=headers).json()
        final = " ".join(i["text"] for i in got["interventions"])
    finally:
        svc.stop()
        svc.database().dispose()
        drop_pg(url)
        redis.Redis.from_url(broker.url).flushdb()
        broker.kill()
    chunks = [
        {
            "index": c["index"],
            "start_s": c["start_s"],
            "end_s": c["end_s"],
            "lag_s": seen[int(c["index"])] - c["audio_end_at"],
        }
        for c in timing
    ]
    return Figures(
        "service (API, 1 worker)", chunks, first_line, done_at - stream_end, wer(reference, final)
    )


def report(fig: Figures, args: argparse.Namespace) -> None:
    chunks = fig.chunks
    print()
    print(f"### {fig.title}")
    print()
    print("| chunk | audio (s) | length (s) | lag (s) | lag / length |")
    print("|---:|---|---:|---:|---:|")
    lags, ratios = [], []
    for c in chunks:
        span = c["end_s"] - c["start_s"]
        lag = c["lag_s"]
        ratio = lag / span if span > 0 else float("nan")
        closing = " (end of stream)" if c is chunks[-1] else ""
        print(
            f"| {c['index']} | {c['start_s']:.1f}-{c['end_s']:.1f}{closing} | {span:.1f} "
            f"| {lag:.1f} | {ratio:.2f} |"
        )
        if c is not chunks[-1]:
            lags.append(lag)
            ratios.append(ratio)
    print()
    if lags:
        print(
            f"Lag over the {len(lags)} chunks closed in the stream: "
            f"median {statistics.median(lags):.1f} s, "
            f"max {max(lags):.1f} s; lag/length median {statistics.median(ratios):.2f}, "
            f"max {max(ratios):.2f} (target < 2: {'met' if max(ratios) < 2 else 'NOT met'})."
        )
    print(f"First transcript line {fig.first_line_s:.1f} s after the stream started.")
    print(
        f"Outputs written {fig.outputs_after_end_s:.1f} s after the stream ended "
        f"(of which {args.end_timeout_s:.0f} s waiting for a reconnection)."
    )
    print(f"Final transcript WER against the script: {fig.wer:.3f}.")


if __name__ == "__main__":
    main()
