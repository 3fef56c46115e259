"""Diarization error rate, speaker count and speed, on a tuning set and on a report set.

    .venv/bin/python bench/diarization.py                    # the report set, defaults
    .venv/bin/python bench/diarization.py --set tuning --grid cluster_threshold=.8,.9,1.0
    .venv/bin/python bench/diarization.py --set tuning --option step_s=2 --speech whole
    .venv/bin/python bench/diarization.py --backend pyannote  # PLENARIA_PYANNOTE_PIPELINE=...

The two sets share no recording and no speaker (bench/README.md lists them):

- tuning: the AMI excerpts of seven meetings' speakers (tst00-01, trñ00, trn01-03,
  trn05: 13 people), a generated 5-minute plenary of six espeak-ng voices, and
  Picovoice's 3-speaker test (speaker count only: its truth has no times).
- report: pyannote's sample.wav (2 people, not AMI), the AMI excerpts of the
  other meetings (dev00-01, trn04, trn06-09: 14 other people), the whole AMI
  concatenation (the issue's figure; half of it is the tuning half), and a
  Catalan interview, dosparlants.mp3 (2 people; speaker count only: its
  reference is a model's output in 2 s steps, not a person's).

Defaults are picked with ``--set tuning`` only. It runs what the pipeline
runs: extract_audio (16 kHz WAV), silero VAD, then the diarizer, loaded once
(loading and a warm-up call are timed apart and left out of the real-time
factor). DER strict: no collar, overlap scored; lenient: 0.25 s collar,
overlap skipped (pyannote.metrics, the ``bench`` extra).

Note: pyannote segmentation-3.0 was trained on AMI (among other corpora), so
the AMI figures flatter it; sample.wav and the generated plenaries are not in
its training data as far as its model card says.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from _rttm import Reference, Score, load_reference, score
from plenaria.config import get_settings
from plenaria.diarization.base import DiarizationOptions, Diarizer
from plenaria.domain import Segment, Turn
from plenaria.errors import PlenariaError
from plenaria.media.audio import audio_duration, extract_audio, read_audio
from plenaria.media.vad import VadModel, VadOptions, detect_speech, load_vad_model

ROOT = Path(__file__).resolve().parents[1]
# ../shared/data beside the checkout, or PLENARIA_BENCH_DATA (from a git worktree elsewhere).
SHARED = Path(os.environ.get("PLENARIA_BENCH_DATA", ROOT.parent / "shared" / "data"))
DATA = SHARED / "diarization"

AMI = "ami_excerpts_concat.flac"
# Excerpts (30 s each, in file order) grouped so that no speaker is in both halves.
AMI_TUNING = (0, 1, 4, 5, 6, 7, 9)  # tst00 tst01 trñ00 trn01 trn02 trn03 trn05
AMI_REPORT = (2, 3, 8, 10, 11, 12, 13)  # dev00 dev01 trn04 trn06 trn07 trn08 trn09
EXCERPT_S = 30.0

SETS = {
    "tuning": ("ami_tuning", "pleno_tuning", "picovoice"),
    "report": ("sample", "ami_report", "ami_all", "dosparlants"),
}
# Acceptance (report set): (which DER, at most).
TARGETS = {"sample": ("lenient", 0.05), "ami_all": ("strict", 0.20)}
TARGET_RTF = 0.05


@dataclass(frozen=True)
class Recording:
    name: str
    wav: Path
    duration_s: float
    speakers: int  # true number of speakers
    reference: Reference | None  # None: count only
    note: str = ""


@dataclass(frozen=True)
class Result:
    recording: Recording
    turns: tuple[Turn, ...]
    vad_s: float
    diarize_s: float
    score: Score | None
    cpu_s: float = 0.0  # CPU time of the process (all threads) for VAD and diarization

    @property
    def cpu_rtf(self) -> float:
        return self.cpu_s / self.recording.duration_s

    @property
    def rtf(self) -> float:
        return (self.vad_s + self.diarize_s) / self.recording.duration_s

    @property
    def found(self) -> int:
        return len({t.speaker for t in self.turns})


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not DATA.is_dir():
        print(f"Data folder {DATA} is missing; see ../shared/data/README.md. Stopping.")
        return 2
    try:
        import pyannote.metrics  # noqa: F401
    except ImportError:
        print("Scoring needs pyannote.metrics: .venv/bin/pip install 'plenaria[bench]'")
        return 2
    try:
        options = build_options(parse_pairs(args.option))
        vad_options = VadOptions(**parse_pairs(args.vad))
        grid = parse_grid(args.grid)
        names = args.files or list(SETS[args.set])
        with tempfile.TemporaryDirectory(prefix="plenaria-bench-") as tmp:
            recordings = [prepare(name, Path(tmp)) for name in names]
            return run(args, recordings, options, vad_options, grid)
    except (PlenariaError, ValueError, ValidationError) as e:
        print(f"error: {e}")
        return 2


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=("embedded", "pyannote"), default="embedded")
    p.add_argument("--set", choices=tuple(SETS), default="report")
    p.add_argument("--files", nargs="+", help="recordings by name (see SETS), instead of a set")
    p.add_argument(
        "--speech", choices=("vad", "whole"), default="vad",
        help="regions given to the diarizer: silero VAD's (as the pipeline) or the whole file",
    )  # fmt: skip
    p.add_argument("--threads", type=int, default=2, help="onnxruntime threads per model")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--vad", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2")
    p.add_argument("--repeat", type=int, default=1, help="timed runs per file (best kept)")
    p.add_argument(
        "--oracle", action="store_true",
        help="also score oracle clustering: each local speaker given its true majority speaker "
        "(what the segmentation leaves for any clustering to reach)",
    )  # fmt: skip
    return p.parse_args(argv)


def parse_value(text: str) -> Any:
    if text.lower() in ("none", "null"):
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_pairs(pairs: Sequence[str]) -> dict[str, Any]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"{pair!r} is not KEY=VALUE")
        out[key.strip()] = parse_value(value.strip())
    return out


def parse_grid(specs: Sequence[str]) -> dict[str, list[Any]]:
    grid = {}
    for spec in specs:
        key, sep, values = spec.partition("=")
        if not sep or not values:
            raise ValueError(f"{spec!r} is not KEY=V1,V2,...")
        grid[key.strip()] = [parse_value(v.strip()) for v in values.split(",")]
    return grid


def build_options(fields: dict[str, Any]) -> DiarizationOptions:
    try:
        return DiarizationOptions(**fields)
    except ValidationError as e:
        first = e.errors()[0]
        raise ValueError(f"bad option {'.'.join(map(str, first['loc']))}: {first['msg']}") from e


# --- the recordings --------------------------------------------------------------------


def prepare(name: str, tmp: Path) -> Recording:
    if name == "sample":
        return _with_rttm(DATA / "sample.wav", tmp, "sample")
    if name == "ami_all":
        return _with_rttm(DATA / AMI, tmp, "ami_all", "the tuning half included")
    if name in ("ami_tuning", "ami_report"):
        return _ami_half(name, AMI_TUNING if name == "ami_tuning" else AMI_REPORT, tmp)
    if name == "pleno_tuning":
        from _plenos import TUNING_VOICES, generate

        wav, truth = generate(TUNING_VOICES, 300.0)
        return _from_truth(name, wav, truth, tmp, "6 espeak-ng voices")
    if name == "picovoice":
        wav = extract_audio(DATA / "picovoice_diarization_test.wav", tmp / "picovoice.wav")
        return Recording(name, wav, audio_duration(wav), 3, None, "count only")
    if name == "dosparlants":
        wav = extract_audio(SHARED / "asr" / "dosparlants.mp3", tmp / "dosparlants.wav")
        return Recording(name, wav, audio_duration(wav), 2, None, "count only, Catalan")
    raise ValueError(
        f"unknown recording {name!r}; known: {sorted(set(itertools.chain(*SETS.values())))}"
    )


def _with_rttm(src: Path, tmp: Path, name: str, note: str = "") -> Recording:
    wav = extract_audio(src, tmp / f"{name}.wav")
    duration = audio_duration(wav)
    ref = load_reference(src.with_suffix(".rttm"), duration)
    return Recording(name, wav, duration, ref.speakers, ref, note)


def _ami_half(name: str, excerpts: tuple[int, ...], tmp: Path) -> Recording:
    """Chosen AMI excerpts joined into one WAV, their reference turns moved with them."""
    from _plenos import WavWriter

    full = extract_audio(DATA / AMI, tmp / "ami_full.wav")
    rttm = DATA / AMI.replace(".flac", ".rttm")
    rows = [line.split() for line in rttm.read_text(encoding="utf-8").splitlines() if line]
    wav = tmp / f"{name}.wav"
    writer = WavWriter(wav)
    truth: list[tuple[str, Segment]] = []
    for e in excerpts:
        span = Segment(e * EXCERPT_S, (e + 1) * EXCERPT_S)
        offset = writer.now_s - span.start
        writer.clip(read_audio(full, span))
        for f in rows:
            start, end = float(f[3]), float(f[3]) + float(f[4])
            a, b = max(start, span.start), min(end, span.end)
            if b > a:
                truth.append((f[7], Segment(a + offset, b + offset)))
    writer.close()
    return _from_truth(name, wav, truth, tmp, f"{len(excerpts)} excerpts")


def _from_truth(
    name: str, wav: Path, truth: list[tuple[str, Segment]], tmp: Path, note: str
) -> Recording:
    from _plenos import write_truth

    rttm = tmp / f"{name}.rttm"
    write_truth(rttm, truth)
    duration = audio_duration(wav)
    ref = load_reference(rttm, duration)
    return Recording(name, wav, duration, ref.speakers, ref, note)


# --- running ---------------------------------------------------------------------------


def load_backend(backend: str, threads: int) -> Diarizer:
    if backend == "embedded":
        from plenaria.diarization.embedded import EmbeddedDiarizer

        return EmbeddedDiarizer.load(get_settings().models_path, threads=threads)
    from plenaria.diarization.loader import load_diarizer

    diarizer = load_diarizer(get_settings().model_copy(update={"diarization_backend": backend}))
    assert diarizer is not None
    return diarizer


def run(
    args: argparse.Namespace,
    recordings: Sequence[Recording],
    options: DiarizationOptions,
    vad_options: VadOptions,
    grid: dict[str, list[Any]],
) -> int:
    t0 = time.perf_counter()
    vad_model = load_vad_model()
    diarizer = load_backend(args.backend, args.threads)
    t1 = time.perf_counter()
    warm = recordings[0]
    diarizer.diarize(warm.wav, [Segment(0.0, min(30.0, warm.duration_s))], options)
    t2 = time.perf_counter()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"{args.backend} diarizer ({getattr(diarizer, 'model_id', '')}), {args.threads} "
        f"onnxruntime thread(s), {os.cpu_count()} cores, load average {load} at start"
    )
    print(f"Not in RTF: loading {t1 - t0:.2f} s; warm-up {t2 - t1:.2f} s. Speech: {args.speech}")
    speech = {r.name: _speech(r, vad_model, vad_options, args.speech) for r in recordings}
    if grid:
        return run_grid(diarizer, recordings, speech, options, grid)
    print(f"Set: {args.set if not args.files else 'chosen files'}; options: {_changed(options)}")
    results = [
        diarize(diarizer, vad_model, r, options, vad_options, args.speech, args.repeat)
        for r in recordings
    ]
    print_results(results)
    if args.oracle:
        print_oracle(diarizer, recordings, speech, options)
    return 0


def print_oracle(
    diarizer: Diarizer,
    recordings: Sequence[Recording],
    speech: dict[str, tuple[Segment, ...]],
    options: DiarizationOptions,
) -> None:
    """Strict DER with every embedded local speaker given its true majority speaker."""
    from plenaria.diarization.base import normalize_regions
    from plenaria.diarization.embedded import (
        EmbeddedDiarizer,
        WavReader,
        turns_from_assignment,
    )
    from plenaria.diarization.windows import FRAME_DURATION_S, FRAME_STEP_S, plan_windows

    if not isinstance(diarizer, EmbeddedDiarizer):
        print("\n--oracle needs the embedded backend.")
        return
    print("\nOracle clustering (each local speaker given its true majority speaker):")
    head = f"{'recording':<14}{'DER strict':>12}{'DER lenient':>13}{'confusion':>11}"
    head += f"{'main voice of a local speaker':>31}"
    print(head + "\n" + "-" * len(head))
    for rec in recordings:
        if rec.reference is None:
            continue
        regions = normalize_regions(speech[rec.name], rec.duration_s)
        with WavReader(rec.wav) as reader:
            starts = plan_windows(regions, rec.duration_s, options.step_s)
            found = diarizer.analyse_windows(reader, starts, options)
        ann = rec.reference.annotation
        people = sorted(ann.labels())
        n_windows, n_frames, n_local = found.activity.shape
        assignment = np.full((n_windows, n_local), -1, dtype=np.int64)
        for c, start in enumerate(found.starts):
            t = start + np.arange(n_frames) * FRAME_STEP_S + FRAME_DURATION_S / 2
            ref = np.zeros((n_frames, len(people)), dtype=np.int64)
            for seg, _, who in ann.itertracks(yield_label=True):
                ref[(t >= seg.start) & (t < seg.end), people.index(who)] = 1
            for k in np.flatnonzero(found.embedded[c]):
                heard = ref[found.activity[c, :, k].astype(bool)].sum(axis=0)
                if heard.max() > 0:
                    assignment[c, k] = int(np.argmax(heard))
        turns = turns_from_assignment(found, assignment, people, regions, rec.duration_s, options)
        s = score(rec.reference, turns)
        mains = len(set(assignment[assignment >= 0].tolist()))
        print(
            f"{rec.name:<14}{s.strict:>12.1%}{s.lenient:>13.1%}{s.share(s.confusion_s):>11.1%}"
            f"{f'{mains}/{rec.speakers}':>31}"
        )


def _speech(
    rec: Recording, vad_model: VadModel, vad_options: VadOptions, mode: str
) -> tuple[Segment, ...]:
    if mode == "whole":
        return (Segment(0.0, rec.duration_s),)
    return tuple(detect_speech(rec.wav, vad_model, vad_options))


def diarize(
    diarizer: Diarizer,
    vad_model: VadModel,
    rec: Recording,
    options: DiarizationOptions,
    vad_options: VadOptions,
    mode: str,
    repeat: int = 1,
) -> Result:
    """VAD and diarization of ``rec``; times are the best of ``repeat`` runs (shared machine)."""
    vad_s = diarize_s = cpu_s = float("inf")
    turns: tuple[Turn, ...] = ()
    for _ in range(max(1, repeat)):
        c0, t0 = time.process_time(), time.perf_counter()
        speech = _speech(rec, vad_model, vad_options, mode)
        t1 = time.perf_counter()
        turns = diarizer.diarize(rec.wav, speech, options).turns
        t2, c2 = time.perf_counter(), time.process_time()
        vad_s, diarize_s = min(vad_s, t1 - t0), min(diarize_s, t2 - t1)
        cpu_s = min(cpu_s, c2 - c0)
    scored = score(rec.reference, turns) if rec.reference is not None else None
    return Result(rec, turns, vad_s, diarize_s, scored, cpu_s)


def print_results(results: Sequence[Result]) -> None:
    head = f"{'recording':<14}{'dur s':>7}{'spk found/true':>16}{'DER strict':>12}"
    head += f"{'DER lenient':>13}{'RTF':>8}{'CPU RTF':>9}  targets / notes"
    print("\n" + head + "\n" + "-" * len(head))
    for r in results:
        rec, s = r.recording, r.score
        marks = [_mark(f"count {r.found}/{rec.speakers}", abs(r.found - rec.speakers), 1, "")]
        if s is not None and rec.name in TARGETS:
            kind, limit = TARGETS[rec.name]
            value = s.strict if kind == "strict" else s.lenient
            marks.insert(0, _mark(f"{kind} {value:.1%}", value, limit, "%"))
        if rec.note:
            marks.append(rec.note)
        strict = f"{s.strict:.1%}" if s else "-"
        lenient = f"{s.lenient:.1%}" if s else "-"
        print(
            f"{rec.name:<14}{rec.duration_s:>7.1f}{f'{r.found}/{rec.speakers}':>16}{strict:>12}"
            f"{lenient:>13}{r.rtf:>8.3f}{r.cpu_rtf:>9.3f}  " + "; ".join(marks)
        )
    total = sum(r.recording.duration_s for r in results)
    spent = sum(r.vad_s + r.diarize_s for r in results)
    cpu = sum(r.cpu_s for r in results)
    print(f"\nRTF over all: {spent / total:.3f} ({_mark('', spent / total, TARGET_RTF, '')})")
    print(
        f"CPU time (VAD + diarization, all threads of this process): {cpu:.1f} s for "
        f"{total:.0f} s of audio = {cpu / total:.3f} x real time (less affected by other load)"
    )
    print("\nWhere the strict error comes from (share of scored reference speech):")
    head = f"{'recording':<14}{'miss (silent)':>14}{'miss (overlap)':>16}{'false alarm':>13}"
    head += f"{'confusion':>11}{'ref overlap':>13}"
    print(head + "\n" + "-" * len(head))
    for r in results:
        s = r.score
        if s is None:
            continue
        print(
            f"{r.recording.name:<14}{s.share(s.missed_silent_s):>14.1%}"
            f"{s.share(s.missed_overlap_s):>16.1%}{s.share(s.false_alarm_s):>13.1%}"
            f"{s.share(s.confusion_s):>11.1%}{s.share(s.overlap_s):>13.1%}"
        )


def run_grid(
    diarizer: Diarizer,
    recordings: Sequence[Recording],
    speech: dict[str, tuple[Segment, ...]],
    base: DiarizationOptions,
    grid: dict[str, list[Any]],
) -> int:
    """Every combination over every recording, ranked by :func:`badness` (tuning set only)."""
    keys = list(grid)
    rows: list[tuple[float, dict[str, Any], list[Result]]] = []
    # Options of the clustering and reconstruction only: the models' work is done once.
    windows: dict[str, Any] | None = {} if set(keys) <= LATE_OPTIONS else None
    combos = list(itertools.product(*grid.values()))
    print(f"Grid: {len(combos)} combinations x {len(recordings)} recordings")
    for n, values in enumerate(combos, 1):
        combo = dict(zip(keys, values, strict=True))
        try:
            options = build_options({**base.model_dump(exclude_defaults=True), **combo})
        except ValueError as e:
            print(f"  skip {combo}: {e}")
            continue
        results = []
        for rec in recordings:
            t0 = time.perf_counter()
            turns = _diarize_reusing(diarizer, rec, speech[rec.name], options, windows)
            elapsed = time.perf_counter() - t0
            scored = score(rec.reference, turns) if rec.reference is not None else None
            results.append(Result(rec, turns, 0.0, elapsed, scored))
        rows.append((badness(results), combo, results))
        print(f"  {n}/{len(combos)} {_fmt_combo(combo)}: {_fmt_results(results)}", flush=True)
    rows.sort(key=lambda row: row[0])
    print(
        "\nBest (mean strict DER over the scored files, +10 points per count off by more than 1):"
    )
    for bad, combo, results in rows[:10]:
        print(f"  {bad:6.3f}  {_fmt_combo(combo)}: {_fmt_results(results)}")
    return 0


LATE_OPTIONS = {
    "cluster_threshold",
    "centred_threshold",
    "min_cluster_s",
    "min_clean_s",
    "min_duration_off_s",
    "count_bias",
    "crop_to_speech",
    "min_speakers",
    "max_speakers",
    "max_cluster_embeddings",
}


def _diarize_reusing(
    diarizer: Diarizer,
    rec: Recording,
    speech: tuple[Segment, ...],
    options: DiarizationOptions,
    windows: dict[str, Any] | None,
) -> tuple[Turn, ...]:
    """Turns; with ``windows`` (a dict), the embedded models run once per recording."""
    from plenaria.diarization.base import normalize_regions
    from plenaria.diarization.embedded import (
        EmbeddedDiarizer,
        WavReader,
        diarization_from_windows,
    )
    from plenaria.diarization.windows import plan_windows

    if windows is None or not isinstance(diarizer, EmbeddedDiarizer):
        return diarizer.diarize(rec.wav, speech, options).turns
    regions = normalize_regions(speech, rec.duration_s)
    if rec.name not in windows:
        with WavReader(rec.wav) as reader:
            starts = plan_windows(regions, rec.duration_s, options.step_s)
            windows[rec.name] = diarizer.analyse_windows(reader, starts, options)
    found = windows[rec.name]
    return diarization_from_windows(
        found, regions, rec.duration_s, options, diarizer.model_id
    ).turns


def badness(results: Sequence[Result]) -> float:
    ders = [r.score.strict for r in results if r.score is not None]
    miscount = sum(abs(r.found - r.recording.speakers) > 1 for r in results)
    return float(np.mean(ders) if ders else 0.0) + 0.1 * miscount


def _fmt_combo(combo: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in combo.items())


def _fmt_results(results: Sequence[Result]) -> str:
    return " | ".join(
        f"{r.recording.name[:10]} "
        + (f"{r.score.strict:.1%}/{r.score.lenient:.1%} " if r.score else "")
        + f"spk {r.found}/{r.recording.speakers} {r.diarize_s:.1f}s"
        for r in results
    )


def _mark(label: str, value: float, limit: float, unit: str) -> str:
    shown = f"{limit:.0%}" if unit == "%" else f"{limit:g}"
    op = "≤" if unit == "%" or label == "" else "off by ≤"
    return f"{label} {op} {shown} {'PASS' if value <= limit else 'FAIL'}".strip()


def _changed(options: DiarizationOptions) -> str:
    changed = options.model_dump(exclude_defaults=True)
    return ", ".join(f"{k}={v}" for k, v in changed.items()) or "defaults"


if __name__ == "__main__":
    sys.exit(main())
