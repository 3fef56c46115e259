"""Speaker count, DER and naming on the tuning set and the evaluation set, side by side.

    PYTHONPATH=src .venv/bin/python bench/evaluate.py                  # both sets, defaults
    PYTHONPATH=src .venv/bin/python bench/evaluate.py --option centred_threshold=0.85
    PYTHONPATH=src .venv/bin/python bench/evaluate.py --naming threshold=0.95
    PYTHONPATH=src .venv/bin/python bench/evaluate.py --calibrate   # on the calibration split
    PYTHONPATH=src .venv/bin/python bench/evaluate.py --asr         # and WER, time (minutes)
    PYTHONPATH=src .venv/bin/python bench/evaluate.py --sets long --long 1   # an hour, 9 voices

One run, one diarizer, the pipeline's way (extract_audio, silero VAD, the embedded
diarizer), over the sets of bench/README.md ("Evaluation set"):

- tuning: the AMI tuning half, the tuning espeak-ng pleno, Picovoice (count only);
- evaluation (never tuned on): the two generated plenos of ``tests/evaldata.py``, the
  real-speech mix, sample.wav, the AMI report half, dosparlants.mp3 (count only);
- calibration (``--calibrate`` only): the calibration split of ``tests/evaldata.py``.

Per recording: speakers found / true (goal ±1), DER strict and lenient (pyannote.metrics;
lenient = 0.25 s collar, overlap skipped), and naming: each enrolled person's remaining
speech, 10 ms at a time, given the right name, a wrong one, or none, and how much of the
speech of people never enrolled got a name (wrong by definition). Enrolment is 10-30 s per
person: the generated plenos' members read other sentences (18-23 s), the real readers give
the first 15 s of their file, and in AMI and the tuning pleno each person's first 10 s of
speech alone (people with less are never enrolled).

``--calibrate`` runs a grid of the clustering thresholds on the calibration split and the
tuning set (the models' work done once per recording), and fits the naming score's
threshold on the same recordings' speaker/profile pairs. A default changes only when the
evaluation set does not get worse: run again with ``--option``/``--naming`` to check.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import _evalset
import naming as nm
from _der import der
from diarization import (
    AMI,
    AMI_REPORT,
    AMI_TUNING,
    DATA,
    EXCERPT_S,
    SHARED,
    Recording,
    _diarize_reusing,
    build_options,
    load_backend,
    parse_grid,
    parse_pairs,
)
from evaldata import (  # tests/evaldata.py: _evalset, imported first, puts tests/ on the path
    CAL_CA,
    CAL_CA2,
    CAL_ES,
    CAL_ES2,
    EVAL_CA,
    EVAL_ES,
)
from plenaria.diarization.base import DiarizationOptions
from plenaria.diarization.embedded import EmbeddedDiarizer
from plenaria.diarization.models import encoder_id
from plenaria.diarization.profiles import (
    NamingOptions,
    VoiceProfile,
    calibrated_score,
    enroll,
    name_speakers,
)
from plenaria.domain import Segment
from plenaria.media.audio import audio_duration, extract_audio, read_audio
from plenaria.media.vad import detect_speech, load_vad_model

ENROL_IN_RECORDING_S = 10.0
SETS = {
    "tuning": ("ami_tuning", "pleno_tuning", "picovoice"),
    "evaluation": ("eval-es", "eval-ca", "real-mix", "sample", "ami_report", "dosparlants"),
    "calibration": ("cal-es", "cal-ca", "cal-es2", "cal-ca2"),
    "long": ("eval-long",),  # --long HOURS: the evaluation voices over hours (count above all)
}
LONG_HOURS = 1.0
PLENOS = {
    "eval-es": EVAL_ES,
    "eval-ca": EVAL_CA,
    "cal-es": CAL_ES,
    "cal-ca": CAL_CA,
    "cal-es2": CAL_ES2,
    "cal-ca2": CAL_CA2,
}
NO_NAMING = {"picovoice", "dosparlants"}
VERBOSE = False


@dataclass
class Item:
    """A recording, who speaks when (None: count only), and how its people enrol."""

    name: str
    wav: Path
    duration_s: float
    speakers: int
    truth: list[tuple[str, Segment]] | None
    enrol: Any = None  # dict person -> enrolment WAV, "self" (from the recording), or None

    @property
    def people(self) -> dict[str, list[Segment]]:
        return _by_person(self.truth or [])


def load(name: str, tmp: Path) -> Item:
    if name == "eval-long":
        r = _evalset.long_pleno(LONG_HOURS)
        return _item(name, r.wav, r.truth, r.enrol)
    if name in PLENOS or name == "real-mix":
        r = _evalset.pleno(PLENOS[name]) if name in PLENOS else _evalset.real_mix(SHARED)
        return _item(name, r.wav, r.truth, r.enrol)
    if name in ("ami_tuning", "ami_report"):
        wav, truth = _ami_half(name, AMI_TUNING if name == "ami_tuning" else AMI_REPORT, tmp)
        return _item(name, wav, truth, "self")
    if name == "pleno_tuning":
        from _plenos import TUNING_VOICES, generate

        wav, truth = generate(TUNING_VOICES, 300.0)
        return _item(name, wav, truth, "self")
    if name == "sample":
        wav = extract_audio(DATA / "sample.wav", tmp / "sample.wav")
        return _item(name, wav, _rttm_rows(DATA / "sample.rttm"), "self")
    counts = {"picovoice": ("diarization/picovoice_diarization_test.wav", 3)}
    counts["dosparlants"] = ("asr/dosparlants.mp3", 2)
    rel, speakers = counts[name]
    wav = extract_audio(SHARED / rel, tmp / f"{name}.wav")
    return Item(name, wav, audio_duration(wav), speakers, None)


def _item(name: str, wav: Path, truth: list[tuple[str, Segment]], enrol: Any) -> Item:
    return Item(name, wav, audio_duration(wav), len({w for w, _ in truth}), truth, enrol)


def _rttm_rows(
    path: Path, span: Segment | None = None, shift: float = 0.0
) -> list[tuple[str, Segment]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        f = line.split()
        if not f:
            continue
        start, end = float(f[3]), float(f[3]) + float(f[4])
        if span is not None:
            start, end = max(start, span.start), min(end, span.end)
        if end > start:
            out.append((f[7], Segment(start + shift, end + shift)))
    return out


def _ami_half(
    name: str, excerpts: tuple[int, ...], tmp: Path
) -> tuple[Path, list[tuple[str, Segment]]]:
    """Chosen AMI excerpts joined into one WAV, their reference turns moved with them."""
    from _plenos import WavWriter

    full = extract_audio(DATA / AMI, tmp / "ami_full.wav")
    rttm = DATA / AMI.replace(".flac", ".rttm")
    wav = tmp / f"{name}.wav"
    writer = WavWriter(wav)
    truth: list[tuple[str, Segment]] = []
    for e in excerpts:
        span = Segment(e * EXCERPT_S, (e + 1) * EXCERPT_S)
        truth += _rttm_rows(rttm, span, writer.now_s - span.start)
        writer.clip(read_audio(full, span))
    writer.close()
    return wav, truth


def _by_person(truth: list[tuple[str, Segment]]) -> dict[str, list[Segment]]:
    out: dict[str, list[Segment]] = {}
    for who, seg in truth:
        out.setdefault(who, []).append(seg)
    return {k: sorted(v) for k, v in out.items()}


def profiles_for(
    diarizer: EmbeddedDiarizer, item: Item
) -> tuple[list[VoiceProfile], dict[str, np.ndarray]]:
    if item.enrol == "self":
        nm.ENROLL_S = ENROL_IN_RECORDING_S
        assert item.truth is not None
        return nm._enroll(diarizer, item.wav, item.people)
    out = []
    for who, wav in item.enrol.items():
        seconds = audio_duration(wav)
        pieces = diarizer.embed_segments(wav, [Segment(0.0, seconds)])
        model = encoder_id(diarizer.model_id)
        out.append(enroll(None, pieces, seconds, name=who, model_id=model))
    return out, {}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sets", default="tuning,evaluation")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--naming", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--calibrate", action="store_true")
    p.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--save", type=Path)
    p.add_argument(
        "--long", type=float, metavar="HOURS",
        help="add the long evaluation pleno of HOURS (the 9 evaluation voices; --sets long: "
        "it alone)",
    )  # fmt: skip
    p.add_argument("-v", "--verbose", action="store_true", help="each label's voice and name")
    p.add_argument(
        "--asr", action="store_true",
        help="then WER (per language, with the per-turn oracle) and time against faster-whisper "
        "sequential and batched: bench/pipeline.py --eval --generated 2.5 --oracle",
    )  # fmt: skip
    args = p.parse_args(argv)
    global VERBOSE, LONG_HOURS
    VERBOSE = args.verbose
    LONG_HOURS = args.long or LONG_HOURS
    logging.basicConfig(level=logging.WARNING)
    if not DATA.is_dir():
        print(f"Data folder {DATA} is missing; see ../shared/data/README.md. Stopping.")
        return 2
    options = build_options(parse_pairs(args.option))
    naming = NamingOptions(**parse_pairs(args.naming))
    diarizer = load_backend("embedded", args.threads)
    assert isinstance(diarizer, EmbeddedDiarizer)
    vad = load_vad_model()
    sets = ["calibration"] if args.calibrate else args.sets.split(",")
    if args.long and "long" not in sets:
        sets.append("long")
    with tempfile.TemporaryDirectory(prefix="plenaria-eval-") as tmp:
        items = {s: [load(n, Path(tmp)) for n in SETS[s]] for s in sets}
        if args.calibrate:
            items["tuning"] = [load(n, Path(tmp)) for n in SETS["tuning"]]
            return calibrate(diarizer, vad, items, options, args.grid)
        print(f"options: {_changed(options)}; naming: {naming.model_dump()}")
        rows = [
            evaluate(diarizer, vad, s, item, options, naming) for s in sets for item in items[s]
        ]
    print_table(rows)
    if args.save:
        args.save.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    if args.asr:
        import subprocess

        script = Path(__file__).with_name("pipeline.py")
        cmd = [sys.executable, str(script), "--eval", "--generated", "2.5", "--oracle"]
        print("\nTranscription, tuning-like (generated-2.5min) and evaluation plenos:", flush=True)
        return subprocess.run(cmd, check=False).returncode
    return 0


def evaluate(
    diarizer: EmbeddedDiarizer,
    vad: Any,
    which: str,
    item: Item,
    options: DiarizationOptions,
    naming: NamingOptions,
) -> dict[str, Any]:
    speech = detect_speech(item.wav, vad)
    result = diarizer.diarize(item.wav, speech, options)
    found = len({t.speaker for t in result.turns})
    row: dict[str, Any] = {"set": which, "name": item.name, "dur": item.duration_s}
    row.update(found=found, true=item.speakers)
    if item.truth is not None:
        s = der(item.truth, result.turns, item.duration_s)
        row.update(strict=s.strict, lenient=s.lenient)
    if item.enrol is not None and item.truth:
        profiles, spans = profiles_for(diarizer, item)
        speakers = name_speakers(result, profiles, naming)
        names = {sp.id: sp.name for sp in speakers}
        t = nm._score(result, names, item.people, spans, {p.name for p in profiles})
        row.update(
            right_s=t.right, wrong_s=t.wrong, unnamed_s=t.unnamed, enrolled=t.enrolled,
            impostors=t.impostors, impostor_s=t.impostor, impostor_named_s=t.impostor_named,
        )  # fmt: skip
        row["labels"] = _labels(result, speakers, item.people)
        row["labels_named_wrong"] = sum(1 for x in row["labels"] if x["name"] and not x["right"])
    print(_line(row), flush=True)
    for x in row.get("labels", []) if VERBOSE else []:
        score = "-" if x["score"] is None else f"{x['score']:.3f}"
        print(f"    {x['label']}: {x['share']:.0%} {x['main']}; named {x['name']} ({score})")
    return row


def _labels(
    result: Any, speakers: Sequence[Any], people: dict[str, list[Segment]]
) -> list[dict[str, Any]]:
    """Each diarized label: the person who says most of it, that share, its name and score.

    A label named after someone who is not its main voice is a wrong name (the naming's
    fault); a person's speech under another person's rightly named label is diarization's.
    """
    out = []
    for sp in speakers:
        talk = {
            who: sum(t.segment.overlap(s) for t in result.turns if t.speaker == sp.id for s in segs)
            for who, segs in people.items()
        }
        total = sum(talk.values())
        main = max(talk, key=talk.__getitem__) if total else ""
        share = talk[main] / total if total else 0.0
        out.append(
            {"label": sp.id, "main": main, "share": share, "name": sp.name, "score": sp.score,
             "right": sp.name == main}
        )  # fmt: skip
    return out


def _line(r: dict[str, Any]) -> str:
    count = f"{r['found']}/{r['true']}"
    out = f"{r['set']:<12}{r['name']:<14}{r['dur']:>6.0f}{count:>8}"
    out += f"{_pct(r.get('strict')):>9}{_pct(r.get('lenient')):>9}"
    total = r.get("right_s", 0) + r.get("wrong_s", 0) + r.get("unnamed_s", 0)
    for k in ("right_s", "wrong_s", "unnamed_s"):
        out += f"{_pct(r[k] / total) if total else '-':>9}"
    named = [x for x in r.get("labels", []) if x["name"]]
    ok = f"{len(named) - r['labels_named_wrong']}/{len(named)}" if "labels" in r else "-"
    out += f"{ok:>10}"
    if r.get("impostor_s"):
        out += f"{_pct(r['impostor_named_s'] / r['impostor_s']):>9} of {r['impostor_s']:.0f} s"
    else:
        out += f"{'-':>9}"
    return out


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def print_table(rows: list[dict[str, Any]]) -> None:
    head = f"{'set':<12}{'recording':<14}{'s':>6}{'count':>8}{'strict':>9}{'lenient':>9}"
    head += f"{'right':>9}{'wrong':>9}{'unnamed':>9}{'names ok':>10}{'unseen named':>13}"
    print("\n" + head + "\n" + "-" * len(head))
    for r in rows:
        print(_line(r))
    print("-" * len(head))
    for which in dict.fromkeys(r["set"] for r in rows):
        mine = [r for r in rows if r["set"] == which]
        ok = sum(abs(r["found"] - r["true"]) <= 1 for r in mine)
        scored = [r for r in mine if "strict" in r]
        w = [r["dur"] for r in scored]
        strict = np.average([r["strict"] for r in scored], weights=w) if scored else None
        lenient = np.average([r["lenient"] for r in scored], weights=w) if scored else None
        named = [r for r in mine if "right_s" in r]
        right, wrong, unnamed = (
            sum(r[k] for r in named) for k in ("right_s", "wrong_s", "unnamed_s")
        )
        total = right + wrong + unnamed
        imp = sum(r.get("impostor_s", 0) for r in named)
        named_labels = sum(1 for r in named for x in r.get("labels", []) if x["name"])
        named_ok = named_labels - sum(r.get("labels_named_wrong", 0) for r in named)
        imp_named = sum(r.get("impostor_named_s", 0) for r in named)
        print(
            f"{which:<12}{'all':<14}{'':>6}{f'±1 {ok}/{len(mine)}':>8}{_pct(strict):>9}"
            f"{_pct(lenient):>9}{_pct(right / total) if total else '-':>9}"
            f"{_pct(wrong / total) if total else '-':>9}"
            f"{_pct(unnamed / total) if total else '-':>9}"
            f"{f'{named_ok}/{named_labels}':>10}{_pct(imp_named / imp) if imp else '-':>9}"
        )
    print("(DER: weighted by duration; right/wrong/unnamed: share of enrolled people's speech,")
    print(" 10 ms at a time; names ok: named labels whose main voice is that person; unseen")
    print(" named: share of never-enrolled people's speech under a name, all of it wrong)")


def calibrate(
    diarizer: EmbeddedDiarizer,
    vad: Any,
    items: dict[str, list[Item]],
    base: DiarizationOptions,
    grid_specs: Sequence[str],
) -> int:
    """The clustering thresholds' grid, then the naming threshold, on calibration + tuning."""
    grid = parse_grid(grid_specs) or {
        "centred_threshold": [0.8, 0.85, 0.9, 0.95, 1.0],
        "cluster_threshold": [0.5, 0.6, 0.7],
    }
    pool = items["calibration"] + items["tuning"]
    speech = {i.name: tuple(detect_speech(i.wav, vad)) for i in pool}
    windows: dict[str, Any] = {}
    print(f"Calibration on {[i.name for i in pool]}")
    ranked = []
    for values in itertools.product(*grid.values()):
        combo = dict(zip(grid, values, strict=True))
        options = build_options({**base.model_dump(exclude_defaults=True), **combo})
        cells, off, ders = [], 0, []
        for i in pool:
            rec = Recording(i.name, i.wav, i.duration_s, i.speakers, None)
            turns = _diarize_reusing(diarizer, rec, speech[i.name], options, windows)
            found = len({t.speaker for t in turns})
            off += abs(found - i.speakers) > 1
            cell = f"{i.name[:8]} {found}/{i.speakers}"
            if i.truth is not None:
                s = der(i.truth, turns, i.duration_s)
                ders.append(s.strict)
                cell += f" {s.strict:.1%}"
            cells.append(cell)
        bad = off + float(np.mean(ders))
        ranked.append((bad, combo))
        print(f"  {combo}: off by >1 on {off}; " + " | ".join(cells), flush=True)
    ranked.sort(key=lambda x: x[0])
    print("\nBest (recordings off by more than 1, then mean strict DER):")
    for bad, combo in ranked[:5]:
        print(f"  {bad:.3f} {combo}")
    same: list[float] = []
    different: list[float] = []
    for i in pool:
        if i.enrol is None or i.truth is None:
            continue
        profiles, _ = profiles_for(diarizer, i)
        result = diarizer.diarize(i.wav, list(speech[i.name]), base)
        nm._pairs(result, i.people, profiles, same, different)
    nm.calibrate(np.array(same), np.array(different))
    worst = float(np.max(different))
    print(
        f"highest different-person cosine {worst:.3f} (score {calibrated_score(worst):.3f}); "
        f"same-person cosines below it: {float(np.mean(np.array(same) < worst)):.1%}"
    )
    return 0


def _changed(options: DiarizationOptions) -> str:
    changed = options.model_dump(exclude_defaults=True)
    return ", ".join(f"{k}={v}" for k, v in changed.items()) or "defaults"


if __name__ == "__main__":
    sys.exit(main())
