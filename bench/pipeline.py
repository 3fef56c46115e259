"""faster-whisper's two ways against the whole `plenaria process`, side by side, in one run.

    .venv/bin/python bench/pipeline.py FILE [FILE ...] [--beam 5] [--language es]
    .venv/bin/python bench/pipeline.py --generated 5,60      # generated plenaries, minutes

For each file, on the same machine, with the same weights (the bundled base),
compute type (int8 on the CPU; `--device cuda`: float16 on the GPU, diarization there
too), beam and threads (CTranslate2's default):
- bare: `WhisperModel.transcribe(file, beam_size=B)`, sequential, the usual way,
  consuming every segment;
- batched: faster-whisper's own `BatchedInferencePipeline(model).transcribe(file,
  beam_size=B, batch_size=8)`, with its own VAD;
- plenaria: `plenaria process FILE` end to end (hash, audio, VAD, chunks,
  batched transcription with word timestamps, diarization, assembly,
  JSON/VTT/SRT/DOCX, proxy), with an empty cache so nothing is reused but the
  models folder that `plenaria models prepare` (run by `make`) fills once; its
  transcription step (every `Transcriber.transcribe` call) is timed apart.
Each runs in its own process, started cold, so peak RSS is that process's own.
It prints wall times, ratios, real-time factors and peak RSS, then WER where a
reference exists (../shared/data, or the generated sample's script) and, for
every file, how far the systems' texts are from each other (WER of one against
another), which is all there is to say on files without a reference.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# ../shared/data beside the checkout (a worktree may sit one level deeper).
DATA = next(
    (p / "shared" / "data" for p in ROOT.parents if (p / "shared" / "data").is_dir()),
    ROOT.parent / "shared" / "data",
)
PY = sys.executable
Device = tuple[str, str]  # (device, CTranslate2 compute type)

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
from faster_whisper import BatchedInferencePipeline, WhisperModel
path, model_dir, beam, language = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] or None
batched = sys.argv[5] == "batched"
device, compute_type = sys.argv[6], sys.argv[7]
if device == "cuda":  # CTranslate2 from PyPI finds CUDA 12's cuBLAS/cuDNN in the [gpu] wheels
    from plenaria.transcription.cuda_libs import preload_cuda_libraries
    preload_cuda_libraries()
t0 = time.perf_counter()
model = WhisperModel(model_dir, device=device, compute_type=compute_type)
t1 = time.perf_counter()
if batched:
    segments, info = BatchedInferencePipeline(model).transcribe(
        path, beam_size=beam, language=language, batch_size=8
    )
else:
    segments, info = model.transcribe(path, beam_size=beam, language=language)
segments = [(s.start, s.end, s.text.strip()) for s in segments]
text = " ".join(t for _, _, t in segments)
wall = time.perf_counter() - t0
rss = peak_rss_mb()
print(json.dumps({"wall_s": wall, "transcribe_s": time.perf_counter() - t1, "text": text,
                  "peak_rss_mb": rss, "language": info.language, "segments": segments}))
"""
)


# The transcription step of `plenaria process`: the time spent in the recogniser's
# transcribe(), summed over chunks (a wrapper installed before the CLI runs; it only times).
TIMED_TRANSCRIBE = r"""
import time as _time
from plenaria.transcription.faster import FasterWhisperTranscriber as _T
SPENT = [0.0]
_inner = _T.transcribe
def _timed(self, *a, **k):
    t = _time.perf_counter()
    try:
        return _inner(self, *a, **k)
    finally:
        SPENT[0] += _time.perf_counter() - t
_T.transcribe = _timed
"""


def bundled_model_dir() -> str:
    code = (
        "from plenaria.config import get_settings;"
        "from plenaria.transcription.models import resolve_model;"
        "print(resolve_model(None, get_settings()).path)"
    )
    return subprocess.run(
        [PY, "-c", code], check=True, capture_output=True, text=True
    ).stdout.strip()


@functools.cache
def prepared_models_dir() -> str:
    """The models folder after `plenaria models prepare` (what `make` runs once): the
    diarization networks already in ONNX, as on any machine after its first job, so the
    cold cache of a run empties the steps' results, not this once-only export (which
    imports torch: 3-4 s and some 300 MB more at its peak)."""
    code = (
        "from plenaria.config import get_settings;"
        "from plenaria.cli.service import prepare_models;"
        "s = get_settings(); prepare_models(s); print(s.models_path)"
    )
    return (
        subprocess.run([PY, "-c", code], check=True, capture_output=True, text=True)
        .stdout.strip()
        .splitlines()[-1]
    )


def reference_for(path: Path) -> str | None:
    """A human reference from ../shared/data, or a generated sample's script beside it."""
    ref = REFERENCES.get(path.name)
    if ref is not None:
        return ref.read_text(encoding="utf-8")
    truth = path.with_suffix(".truth.json")
    if truth.exists():
        return " ".join(t["text"] for t in json.loads(truth.read_text(encoding="utf-8")))
    return None


def lines_for(path: Path) -> list[dict]:
    """The script's lines (start, end, text, language) of a generated pleno, or []."""
    truth = path.with_suffix(".truth.json")
    if not truth.exists():
        return []
    lines = json.loads(truth.read_text(encoding="utf-8"))
    return lines if all("language" in x for x in lines) else []


# The per-turn oracle: each line of the script cut out alone (0.3 s either side) and
# transcribed in its own language, forced; what language-per-turn transcription could reach.
ORACLE = r"""
import json, sys, wave
import numpy as np
from faster_whisper import WhisperModel
path, model_dir, beam, device, compute_type = sys.argv[1:6]
lines = json.loads(open(sys.argv[6], encoding="utf-8").read())
with wave.open(path) as w:
    rate = w.getframerate()
    x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
assert rate == 16000
model = WhisperModel(model_dir, device=device, compute_type=compute_type)
out = []
for line in lines:
    a, b = max(0, int((line["start"] - 0.3) * rate)), int((line["end"] + 0.3) * rate)
    segs, _ = model.transcribe(x[a:b], beam_size=int(beam), language=line["language"])
    out.append(" ".join(s.text.strip() for s in segs))
print(json.dumps(out))
"""


def run_oracle(path: Path, model_dir: str, beam: int, device: Device) -> list[str]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as f:
        json.dump(lines_for(path), f)
        f.flush()
        proc = subprocess.run(
            [PY, "-c", ORACLE, str(path), model_dir, str(beam), *device, f.name],
            check=True,
            capture_output=True,
            text=True,
        )
    return list(json.loads(proc.stdout.strip().splitlines()[-1]))


def run_faster_whisper(
    path: Path, model_dir: str, beam: int, language: str, how: str, device: Device
) -> dict:
    """faster-whisper alone, ``how`` = "bare" (sequential) or "batched", in its own process."""
    proc = subprocess.run(
        [PY, "-c", BARE, str(path), model_dir, str(beam), language, how, *device],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_plenaria(
    path: Path, beam: int, language: str, session: Path | None, device: Device
) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PLENARIA_CACHE_DIR": str(Path(tmp) / "cache")}
        env["PLENARIA_MODELS_DIR"] = prepared_models_dir()
        # The same device and precision for transcription and diarization.
        env["PLENARIA_DEVICE"], env["PLENARIA_COMPUTE_TYPE"] = device
        # Reuse the assembled bundled model, so both sides load the same files from disk.
        env["PLENARIA_WHISPER_MODEL"] = bundled_model_dir()
        cmd = [
            PY, "-c",
            PEAK_RSS + TIMED_TRANSCRIBE + "import sys, time\n"
            "from plenaria.cli import app\n"
            "t0 = time.perf_counter()\n"
            "try:\n app(sys.argv[1:], standalone_mode=False)\n"
            "finally:\n"
            " print('BENCH', time.perf_counter() - t0, peak_rss_mb(), SPENT[0], file=sys.stderr)",
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
        wall, rss, asr = (float(x) for x in line.split()[1:4])
        data = json.loads(next((Path(tmp) / "out").glob("*.json")).read_text(encoding="utf-8"))
        text = " ".join(i["text"] for i in data["interventions"])
        words = [
            (w["text"], w["start"], w["end"]) for i in data["interventions"] for w in i["words"]
        ]
        return {
            "words": words,
            "turns": [(i["start"], i["end"], i.get("language", "")) for i in data["interventions"]],
            "wall_s": wall,
            "transcribe_s": asr,
            "peak_rss_mb": rss,
            "text": text,
            "speakers": len(data["speakers"]),
            "language": ",".join(data.get("languages", [])),
        }


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
    from plenaria.cli.samples import SCRIPT, make_sample, render_script

    _, lines = render_script(SCRIPT)
    one = lines[-1].end + 1.0
    repeat = max(1, round(minutes * 60 / one))
    name = f"generated-{minutes:g}min"
    video = make_sample(folder, name=name, repeat=repeat)
    truth = json.loads((folder / f"{name}.truth.json").read_text(encoding="utf-8"))
    return video, " ".join(t["text"] for t in truth), folder / f"{name}.yaml"


def fmt(x: float | None, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--language", default="", help="force a language on both sides")
    ap.add_argument("--generated", default="", help="comma-separated minutes of generated plenary")
    ap.add_argument("--save", type=Path, help="write the measurements here (JSON) after each file")
    ap.add_argument("--tables", type=Path, help="only print the tables of a --save file")
    ap.add_argument(
        "--eval", action="store_true",
        help="add the evaluation set's generated plenos (bench/_evalset.py): WER per language",
    )  # fmt: skip
    ap.add_argument(
        "--oracle", action="store_true",
        help="on plenos with a script: also each line alone in its own language (the oracle)",
    )  # fmt: skip
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    ap.add_argument("--compute-type", default="", help="default: int8 on cpu, float16 on cuda")
    args = ap.parse_args(argv)
    if args.tables:
        saved = json.loads(args.tables.read_text(encoding="utf-8"))
        print_tables(saved["rows"], saved["beam"], saved.get("device", ["cpu", "int8"]))
        print_languages(saved["rows"])
        return
    device: Device = (
        args.device,
        args.compute_type or ("float16" if args.device == "cuda" else "int8"),
    )

    jobs: list[tuple[Path, str | None, Path | None, str]] = []
    for f in args.files:
        if not f.exists():
            raise SystemExit(f"{f}: not found (../shared/data missing? see its README)")
        jobs.append((f, reference_for(f), None, args.language))
    if args.eval:
        import _evalset

        for pleno in _evalset.evaldata.EVALUATION:
            wav = _evalset.pleno(pleno).wav
            jobs.append((wav, reference_for(wav), None, args.language))
    tmpdir = Path(tempfile.mkdtemp(prefix="plenaria-bench-"))
    for m in [float(x) for x in args.generated.split(",") if x]:
        video, ref, session = generated(m, tmpdir)
        jobs.append((video, ref, session, args.language or "es"))
    if not jobs:
        raise SystemExit("Give FILEs or --generated MINUTES.")

    model_dir = bundled_model_dir()
    rows: list[dict] = []
    for path, ref, session, language in jobs:
        dur = duration_s(path)
        out: dict = {"file": path.name, "dur": dur, "ref": ref, "lines": lines_for(path)}
        for how in ("bare", "batched"):
            note(f"… {path.name} ({dur / 60:.1f} min): faster-whisper {how}")
            out[how] = run_faster_whisper(path, model_dir, args.beam, language, how, device)
        note(f"… {path.name}: plenaria process")
        out["plenaria"] = run_plenaria(path, args.beam, language, session, device)
        if args.oracle and out["lines"] and path.suffix == ".wav":
            note(f"… {path.name}: each line alone in its language (oracle)")
            out["oracle"] = run_oracle(path, model_dir, args.beam, device)
        rows.append(out)
        if args.save:
            saved = {"beam": args.beam, "device": device, "rows": rows}
            args.save.write_text(json.dumps(saved), encoding="utf-8")
    print_tables(rows, args.beam, device)
    print_languages(rows)


def note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def print_tables(rows: list[dict], beam: int, device: Sequence[str]) -> None:
    where = "GPU" if device[0] == "cuda" else f"CPU, {os.cpu_count()} cores"
    print(f"\nmodel: bundled whisper base (CTranslate2 {device[1]}, {where}), beam {beam}\n")
    print(
        "| file | min | bare s | batched s | plenaria s | batched ASR s | plenaria ASR s "
        "| ASR / batched ASR "
        "| plenaria / bare | RTF bare | RTF batched | RTF plenaria "
        "| RSS bare MB | RSS batched MB | RSS plenaria MB |"
    )
    print("|---" * 15 + "|")
    for r in rows:
        b, q, p = r["bare"], r["batched"], r["plenaria"]
        d = r["dur"]
        print(
            f"| {r['file']} | {d / 60:.1f} | {b['wall_s']:.1f} | {q['wall_s']:.1f} "
            f"| {p['wall_s']:.1f} | {q['transcribe_s']:.1f} | {p['transcribe_s']:.1f} "
            f"| {p['transcribe_s'] / q['transcribe_s']:.2f} | {p['wall_s'] / b['wall_s']:.2f} "
            f"| {b['wall_s'] / d:.3f} | {q['wall_s'] / d:.3f} | {p['wall_s'] / d:.3f} "
            f"| {b['peak_rss_mb']:.0f} | {q['peak_rss_mb']:.0f} | {p['peak_rss_mb']:.0f} |"
        )
    print(
        "\n| file | WER bare | WER batched | WER plenaria | plenaria − best baseline "
        "| plenaria vs batched | plenaria vs bare | bare vs batched "
        "| language bare/batched/plenaria |"
    )
    print("|---" * 9 + "|")
    for r in rows:
        texts = {k: r[k]["text"] for k in ("bare", "batched", "plenaria")}
        scores = {k: wer(r["ref"], t) for k, t in texts.items()}
        margin = None
        if None not in scores.values():
            margin = scores["plenaria"] - min(scores["bare"], scores["batched"])  # type: ignore[type-var]
        print(
            f"| {r['file']} | {fmt(scores['bare'], '.3f')} | {fmt(scores['batched'], '.3f')} "
            f"| {fmt(scores['plenaria'], '.3f')} | {fmt(margin, '+.3f')} "
            f"| {fmt(wer(texts['batched'], texts['plenaria']), '.3f')} "
            f"| {fmt(wer(texts['bare'], texts['plenaria']), '.3f')} "
            f"| {fmt(wer(texts['batched'], texts['bare']), '.3f')} "
            f"| {'/'.join(r[k].get('language') or '-' for k in ('bare', 'batched', 'plenaria'))} |"
        )


def language_wers(r: dict) -> dict[str, dict[str, float | None]]:
    """WER of each system per language of the script's lines (plenos with a script)."""
    from _evalset import words_by_language

    lines = r.get("lines") or []
    if not lines:
        return {}
    hyps: dict[str, list[tuple[str, float, float]]] = {}
    for k in ("bare", "batched"):  # a segment's words spread over its time
        hyps[k] = [
            (w, a + (b - a) * (j + 0.5) / len(ws), a + (b - a) * (j + 0.5) / len(ws))
            for a, b, text in r[k].get("segments", [])
            for ws in [text.split()]
            for j, w in enumerate(ws)
        ]
    hyps["plenaria"] = [tuple(w) for w in r["plenaria"].get("words", [])]
    if "oracle" in r:
        hyps["oracle"] = [
            (w, float(x["start"]), float(x["end"]))
            for x, text in zip(lines, r["oracle"], strict=True)
            for w in text.split()
        ]
    out: dict[str, dict[str, float | None]] = {}
    for system, words in hyps.items():
        for lang, (ref, hyp) in words_by_language(lines, words).items():
            out.setdefault(lang, {})[system] = wer(ref, hyp)
    return out


def print_languages(rows: list[dict]) -> None:
    scored = [(r, language_wers(r)) for r in rows]
    scored = [(r, w) for r, w in scored if w]
    if not scored:
        return
    print(
        "\n| file | language of the lines | words | WER bare | WER batched | WER plenaria "
        "| WER oracle (each line alone, language forced) | plenaria − oracle "
        "| plenaria's interventions by language |"
    )
    print("|---" * 9 + "|")
    for r, by_lang in scored:
        turns = r["plenaria"].get("turns", [])
        said = ", ".join(
            f"{lang or '?'} {sum(1 for t in turns if t[2] == lang)}"
            for lang in sorted({t[2] for t in turns})
        )
        for lang, w in by_lang.items():
            n = sum(len(normalise(x["text"]).split()) for x in r["lines"] if x["language"] == lang)
            gap = None
            if w.get("plenaria") is not None and w.get("oracle") is not None:
                gap = w["plenaria"] - w["oracle"]  # type: ignore[operator]
            print(
                f"| {r['file']} | {lang} | {n} | {fmt(w.get('bare'), '.3f')} "
                f"| {fmt(w.get('batched'), '.3f')} | {fmt(w.get('plenaria'), '.3f')} "
                f"| {fmt(w.get('oracle'), '.3f')} | {fmt(gap, '+.3f')} | {said} |"
            )


if __name__ == "__main__":
    main()
