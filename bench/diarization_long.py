"""Peak memory and speed of the embedded diarizer on a long generated plenary (5 hours).

    .venv/bin/python bench/diarization_long.py            # 5 hours, six espeak-ng voices
    .venv/bin/python bench/diarization_long.py --hours 1

The recording is written piece by piece from espeak-ng clips (bench/_plenos.py,
cached in the system's temporary folder), then diarized in a fresh process,
given the whole file as speech, as the pipeline would behind a VAD. The
child's peak resident memory (VmHWM) is the figure: the acceptance line is
under 1.5 GB for 5 hours. It also prints the real-time factor, the speaker
count and how much of each voice's speech went to its own label.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from _plenos import TUNING_VOICES, generate, read_truth

ROOT = Path(__file__).resolve().parents[1]
TARGET_PEAK_MB = 1536.0


CHILD = r"""
import json, sys, time
from pathlib import Path
from plenaria.config import get_settings
from plenaria.diarization.base import DiarizationOptions
from plenaria.diarization.embedded import EmbeddedDiarizer
from plenaria.domain import Segment
from plenaria.media.audio import audio_duration

wav, threads = Path(sys.argv[1]), int(sys.argv[2])
diarizer = EmbeddedDiarizer.load(get_settings().models_path, threads=threads)
duration = audio_duration(wav)
started = time.perf_counter()
result = diarizer.diarize(wav, [Segment(0.0, duration)], DiarizationOptions())
elapsed = time.perf_counter() - started
peak = 0.0
for line in Path("/proc/self/status").read_text().splitlines():
    if line.startswith("VmHWM:"):
        peak = float(line.split()[1]) / 1024
print(json.dumps({
    "seconds": elapsed, "duration": duration, "peak_mb": peak,
    "turns": [[t.speaker, t.segment.start, t.segment.end, t.overlap] for t in result.turns],
}))
"""


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hours", type=float, default=5.0)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    t0 = time.perf_counter()
    wav, truth = generate(TUNING_VOICES, args.hours * 3600.0, seed=5)
    print(f"{wav} ({len(truth)} sentences) ready in {time.perf_counter() - t0:.0f} s")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(wav), str(args.threads)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        print(out.stderr[-3000:])
        return 1
    r = json.loads(out.stdout.strip().splitlines()[-1])
    turns = r["turns"]
    labels = {t[0] for t in turns}
    # Each voice's speech: how much its majority label holds.
    truth = read_truth(wav.with_suffix(".rttm"))
    own = total = 0.0
    per_voice: dict[str, dict[str, float]] = {}
    ends = sorted((t[1], t[2], t[0]) for t in turns if not t[3])
    import bisect

    starts = [e[0] for e in ends]
    for voice, seg in truth:
        i = max(0, bisect.bisect_right(starts, seg.start) - 1)
        got = per_voice.setdefault(voice, {})
        while i < len(ends) and ends[i][0] < seg.end:
            a, b, label = ends[i]
            got[label] = got.get(label, 0.0) + max(0.0, min(b, seg.end) - max(a, seg.start))
            i += 1
        total += seg.duration
    for got in per_voice.values():
        own += max(got.values()) if got else 0.0
    mark = "PASS" if r["peak_mb"] < TARGET_PEAK_MB else "FAIL"
    print(
        f"{r['duration'] / 3600:.2f} h diarized in {r['seconds']:.0f} s "
        f"(RTF {r['seconds'] / r['duration']:.3f}, {args.threads} threads, "
        f"load {os.getloadavg()[0]:.1f}); peak RSS {r['peak_mb']:.0f} MB "
        f"(< {TARGET_PEAK_MB:.0f} MB {mark}); {len(labels)} labels for "
        f"{len(per_voice)} voices; speech under its voice's main label {own / total:.1%}"
    )
    return 0 if mark == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
