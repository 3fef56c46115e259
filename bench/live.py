"""Live lag: from the end of each chunk's audio to its text, with one transcription worker.

    .venv/bin/python bench/live.py                 # a generated pleno of about 3 minutes
    .venv/bin/python bench/live.py --minutes 6 --end-timeout-s 10

A generated pleno (espeak-ng voices, a video) is streamed in real time by
``ffmpeg -re ... -f mpegts -listen 1 http://127.0.0.1:PORT/`` and recorded by
``plenaria live`` (embedded: one process, one transcription thread, the bundled
base model int8 on the CPU). For every chunk it prints its span, its length, and
its lag: the time from the arrival of the chunk's last sample to its text
(from the session's ``<name>.live.json``). Then the median and maximum lag
against the target (< 2 x the chunk's length), the delay of the first line
after the stream started, the time from the end of the stream to the outputs,
and the WER of the final transcript against the script.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "live"))

from live_helpers import (  # noqa: E402  (the tests' stream server and runner)
    Sender,
    encode_clip,
    free_port,
    remux_ts,
    start_live,
    transcript_text,
    wer,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="Length of the pleno.")
    parser.add_argument("--end-timeout-s", type=float, default=10.0)
    parser.add_argument("--language", default="es")
    args = parser.parse_args()

    from plenaria.samples import SCRIPT, make_sample, render_script

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
        final_wer = wer(reference, transcript_text(out / "pleno.json"))

    chunks = cert["chunks"]
    print(f"Stream: {length:.0f} s generated pleno, real time over HTTP (MPEG-TS), 1 worker.")
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
    print(
        f"Lag over the {len(lags)} chunks closed in the stream: "
        f"median {statistics.median(lags):.1f} s, "
        f"max {max(lags):.1f} s; lag/length median {statistics.median(ratios):.2f}, "
        f"max {max(ratios):.2f} (target < 2: {'met' if max(ratios) < 2 else 'NOT met'})."
    )
    first = run.lines[0][0] - started if run.lines else float("nan")
    print(f"First transcript line {first:.1f} s after the stream started.")
    print(
        f"Outputs written {run.ended_at - stream_end:.1f} s after the stream ended "
        f"(of which {args.end_timeout_s:.0f} s waiting for a reconnection)."
    )
    print(f"Final transcript WER against the script: {final_wer:.3f}.")


if __name__ == "__main__":
    main()
