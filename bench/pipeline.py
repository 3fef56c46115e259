"""Bare faster-whisper against the whole `plenaria process`, side by side, in one run.

    .venv/bin/python bench/pipeline.py FILE [FILE ...] [--beam 5] [--language es]
    .venv/bin/python bench/pipeline.py --generated 5,60      # generated plenaries, minutes

For each file, on the same machine, model (the bundled base) and beam:
- bare: `WhisperModel.transcribe(file, beam_size=B)`, sequential, the usual way
  (int8 on CPU, its defaults otherwise), consuming every segment;
- plenaria: `plenaria process FILE` end to end (hash, audio, VAD, chunks,
  batched transcription, diarization, assembly, JSON/VTT/SRT/DOCX, proxy),
  with an empty cache so nothing is reused.
Each runs in its own process, so peak RSS is that process's own. It prints wall
time, the ratio plenaria/bare, real-time factors, peak RSS, and WER where a
reference exists (../shared/data, or the generated sample's script).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
PY = sys.executable

# Human references in ../shared/data for files the benchmark may be given.
REFERENCES = {
    "udhr_preamble_en.mp3": DATA / "long" / "udhr_preamble_en.txt",
}

# Peak RSS of this process's own memory: VmHWM, which exec starts afresh. (ru_maxrss is not:
# Linux carries the parent's high-water mark across fork and exec into the child's figure.)
PEAK_RSS = r"""
def peak_rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

BARE = (
    PEAK_RSS
    + r"""
import json, sys, time
from faster_whisper import WhisperModel
path, model_dir, beam, language = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] or None
t0 = time.perf_counter()
model = WhisperModel(model_dir, device="cpu", compute_type="int8")
segments, info = model.transcribe(path, beam_size=beam, language=language)
text = " ".join(s.text.strip() for s in segments)
wall = time.perf_counter() - t0
rss = peak_rss_mb()
print(json.dumps({"wall_s": wall, "text": text, "peak_rss_mb": rss, "language": info.language}))
"""
)


def bundled_model_dir() -> str:
    code = (
        "from plenaria.config import get_settings;"
        "from plenaria.transcription.models import resolve_model;"
        "print(resolve_model(None, get_settings()).path)"
    )
    return subprocess.run(
        [PY, "-c", code], check=True, capture_output=True, text=True
    ).stdout.strip()


def reference_for(path: Path) -> str | None:
    """A human reference from ../shared/data, or a generated sample's script beside it."""
    ref = REFERENCES.get(path.name)
    if ref is not None:
        return ref.read_text(encoding="utf-8")
    truth = path.with_suffix(".truth.json")
    if truth.exists():
        return " ".join(t["text"] for t in json.loads(truth.read_text(encoding="utf-8")))
    return None


def run_bare(path: Path, model_dir: str, beam: int, language: str) -> dict:
    proc = subprocess.run(
        [PY, "-c", BARE, str(path), model_dir, str(beam), language],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_plenaria(path: Path, beam: int, language: str, session: Path | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PLENARIA_CACHE_DIR": str(Path(tmp) / "cache")}
        # Reuse the assembled bundled model, so both sides load the same files from disk.
        env["PLENARIA_WHISPER_MODEL"] = bundled_model_dir()
        cmd = [
            PY, "-c",
            PEAK_RSS + "import sys, time\n"
            "from plenaria.cli import app\n"
            "t0 = time.perf_counter()\n"
            "try:\n app(sys.argv[1:], standalone_mode=False)\n"
            "finally:\n"
            " print('BENCH', time.perf_counter() - t0, peak_rss_mb(), file=sys.stderr)",
            "process", str(path), "--out", str(Path(tmp) / "out"), "--beam-size", str(beam),
        ]  # fmt: skip
        if language:
            cmd += ["--language", language]
        if session is not None:
            cmd += ["--session", str(session)]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"plenaria failed on {path}:\n{proc.stderr[-3000:]}")
        line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("BENCH "))
        wall, rss = (float(x) for x in line.split()[1:3])
        data = json.loads(next((Path(tmp) / "out").glob("*.json")).read_text(encoding="utf-8"))
        text = " ".join(i["text"] for i in data["interventions"])
        return {"wall_s": wall, "peak_rss_mb": rss, "text": text, "speakers": len(data["speakers"])}


def normalise(text: str) -> str:
    text = text.lower().replace("’", "'")
    text = re.sub(r"[^\w\s']", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def wer(reference: str | None, hypothesis: str) -> float | None:
    if not reference:
        return None
    import jiwer

    return float(jiwer.wer(normalise(reference), normalise(hypothesis)))


def duration_s(path: Path) -> float:
    code = (
        "import sys, pathlib; from plenaria.media.probe import probe;"
        "print(probe(pathlib.Path(sys.argv[1]))[1])"
    )
    return float(
        subprocess.run(
            [PY, "-c", code, str(path)], check=True, capture_output=True, text=True
        ).stdout
    )


def generated(minutes: float, folder: Path) -> tuple[Path, str, Path]:
    """A generated plenary of about ``minutes``, its reference text and session file."""
    from plenaria.samples import SCRIPT, make_sample, render_script

    _, lines = render_script(SCRIPT)
    one = lines[-1].end + 1.0
    repeat = max(1, round(minutes * 60 / one))
    name = f"generated-{minutes:g}min"
    video = make_sample(folder, name=name, repeat=repeat)
    truth = json.loads((folder / f"{name}.truth.json").read_text(encoding="utf-8"))
    return video, " ".join(t["text"] for t in truth), folder / f"{name}.yaml"


def fmt(x: float | None, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--language", default="", help="force a language on both sides")
    ap.add_argument("--generated", default="", help="comma-separated minutes of generated plenary")
    args = ap.parse_args()

    jobs: list[tuple[Path, str | None, Path | None, str]] = []
    for f in args.files:
        if not f.exists():
            raise SystemExit(f"{f}: not found (../shared/data missing? see its README)")
        jobs.append((f, reference_for(f), None, args.language))
    tmpdir = Path(tempfile.mkdtemp(prefix="plenaria-bench-"))
    for m in [float(x) for x in args.generated.split(",") if x]:
        video, ref, session = generated(m, tmpdir)
        jobs.append((video, ref, session, args.language or "es"))
    if not jobs:
        raise SystemExit("Give FILEs or --generated MINUTES.")

    model_dir = bundled_model_dir()
    rows = []
    for path, ref, session, language in jobs:
        dur = duration_s(path)
        print(
            f"… {path.name} ({dur / 60:.1f} min): bare faster-whisper", file=sys.stderr, flush=True
        )
        bare = run_bare(path, model_dir, args.beam, language)
        print(f"… {path.name}: plenaria process", file=sys.stderr, flush=True)
        plen = run_plenaria(path, args.beam, language, session)
        rows.append(
            (
                path.name,
                dur,
                bare["wall_s"],
                plen["wall_s"],
                plen["wall_s"] / bare["wall_s"],
                bare["wall_s"] / dur,
                plen["wall_s"] / dur,
                bare["peak_rss_mb"],
                plen["peak_rss_mb"],
                wer(ref, bare["text"]),
                wer(ref, plen["text"]),
            )
        )
    cpu = os.cpu_count()
    print(f"\nmodel: bundled whisper base (CTranslate2 int8, CPU, {cpu} cores), beam {args.beam}\n")
    head = (
        "| file | min | bare s | plenaria s | ratio | RTF bare | RTF plenaria "
        "| RSS bare MB | RSS plenaria MB | WER bare | WER plenaria |"
    )
    print(head)
    print("|---" * 11 + "|")
    for r in rows:
        print(
            f"| {r[0]} | {r[1] / 60:.1f} | {r[2]:.1f} | {r[3]:.1f} | {r[4]:.2f} "
            f"| {r[5]:.3f} | {r[6]:.3f} "
            f"| {r[7]:.0f} | {r[8]:.0f} | {fmt(r[9], '.3f')} | {fmt(r[10], '.3f')} |"
        )


if __name__ == "__main__":
    main()
