"""The evaluation set (never tuned on) and the calibration split, rendered and cached.

Three kinds of recording, none in the tuning set (bench/README.md, "Evaluation set"):

- generated plenos of ``tests/evaldata.py``: ``eval-es-valdemora`` (Spanish, 4 espeak-ng
  voices of no other use, music before the session, 40 s recess, room noise at 25 dB SNR,
  137 s) and ``eval-ca-rocafort`` (Catalan with Spanish turns: festival's Ona, two espeak-ng
  Catalan voices, two Spanish ones, 73 s). One member of each is never enrolled: any name
  on that voice is wrong. The others enrol from 18-23 s of other sentences, read apart.
- ``real-mix``: turns of 15 s of four real single-speaker recordings of ../shared/data
  (Gerard and Maria reading Viquipèdia articles in Catalan, the LibriVox UDHR reader, the
  gossos.mp3 speaker), three turns each (about 3 minutes); each is enrolled from the first
  15 s (gossos: 10 s) of their file, left out of the mix. Same people as the old report
  set's naming mix, not in the tuning set.
- the report set's real recordings with references: pyannote's sample.wav, the AMI
  report half (bench/diarization.py), dosparlants.mp3 (count only).

- ``eval-long`` (``evaluate.py --long HOURS``): the nine members of both generated plenos
  over hours, for the speaker count (``long_pleno``).

The calibration split (``cal-es-montalbo``, ``cal-ca-vilanova``) is generated the same way
from other scripts and voices; thresholds are fitted on it (and the tuning set), never on
the evaluation recordings.

Rendered files are kept under ``$PLENARIA_EVAL_CACHE`` (default ``~/.cache/plenaria-eval``),
named by a hash of what made them, so a second run reuses them; nothing is written into
the repository. Each generated pleno gets ``NAME.wav``, ``NAME.truth.json`` (lines with
speaker and language: ``bench/pipeline.py`` scores WER against it) and ``NAME.rttm``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import evaldata  # noqa: E402  (tests/evaldata.py: the scripts and voices)
from _plenos import REAL_SPEAKERS, WavWriter, lay_turns  # noqa: E402
from plenaria.domain import Segment  # noqa: E402

CACHE = Path(os.environ.get("PLENARIA_EVAL_CACHE", Path.home() / ".cache" / "plenaria-eval"))
VERSION = "1"  # bump when rendering changes

REAL_MIX = REAL_SPEAKERS
MIX_TURN_S = 15.0
MIX_TURNS_EACH = 3


@dataclass(frozen=True)
class Rendered:
    """A recording with who speaks when, and enrolment audio for the enrolled people."""

    name: str
    wav: Path
    truth: list[tuple[str, Segment]]  # (person, span of speech)
    enrol: dict[str, Path]  # person -> a WAV of their enrolment speech (10-30 s)
    lines: list[dict[str, object]]  # the script with times and languages ([] for real speech)


def _key(*parts: object) -> str:
    return hashlib.sha256(repr((VERSION, *parts)).encode()).hexdigest()[:10]


def pleno(p: evaldata.Pleno) -> Rendered:
    """A generated pleno, rendered once and cached."""
    folder = CACHE / f"{p.name}-{_key(p)}"
    wav = folder / f"{p.name}.wav"
    truth_json = wav.with_suffix(".truth.json")
    enrolled = [k for k, m in p.members.items() if m.enrolled]
    if not truth_json.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        audio, lines = evaldata.render(p)
        evaldata.write_wav(wav, audio)
        for k in enrolled:
            name = p.members[k].name
            evaldata.write_wav(folder / f"enrol-{_slug(name)}.wav", evaldata.enrolment_audio(p, k))
        _write_rttm(wav.with_suffix(".rttm"), _truth_of(lines))
        truth_json.write_text(json.dumps(lines, ensure_ascii=False, indent=1), encoding="utf-8")
    lines = json.loads(truth_json.read_text(encoding="utf-8"))
    enrol = {p.members[k].name: folder / f"enrol-{_slug(p.members[k].name)}.wav" for k in enrolled}
    return Rendered(p.name, wav, _truth_of(lines), enrol, lines)


LONG_TURN_SENTENCES = 2  # lines per turn in the long pleno
LONG_RECESS_S = 90.0  # nobody speaks, half-way


def long_pleno(hours: float, seed: int = 18) -> Rendered:
    """About ``hours`` of turns by the nine members of the two evaluation plenos (their
    voices, enrolments and unseen members), each reading the evaluation scripts' lines in
    their own language, in a random order where each speaks about as often and never
    twice running; music before it and a recess half-way. Written piece by piece (an hour
    is never held in memory), cached like the others. The speaker count's recording."""
    from _plenos import WavWriter, schedule

    members = [*evaldata.EVAL_ES.members.values(), *evaldata.EVAL_CA.members.values()]
    folder = CACHE / f"eval-long-{_key(hours, seed, LONG_TURN_SENTENCES, LONG_RECESS_S, members)}"
    wav = folder / "eval-long.wav"
    truth_json = wav.with_suffix(".truth.json")
    pool = {
        lang: [x for p in evaldata.EVALUATION for x in p.parts if isinstance(x, evaldata.Line)
               and (x.language or p.language) == lang]
        for lang in ("es", "ca")
    }  # fmt: skip
    speaks = {m.name: "ca" if m.voice.startswith(("festival", "ca+")) else "es" for m in members}
    enrolled = {
        m.name: (p, k) for p in evaldata.EVALUATION for k, m in p.members.items() if m.enrolled
    }
    enrol = {name: folder / f"enrol-{_slug(name)}.wav" for name in enrolled}
    if not truth_json.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        clips = {
            m.name: [evaldata.synthesize(m, x.text) for x in pool[speaks[m.name]]] for m in members
        }
        mean_s = float(np.mean([len(c) for cs in clips.values() for c in cs])) / evaldata.RATE
        turn_s = LONG_TURN_SENTENCES * (mean_s + 0.5) + 1.2
        order = schedule(len(members), int(hours * 3600 / turn_s), seed)
        rng = np.random.default_rng(seed)
        writer = WavWriter(wav)
        writer.clip(evaldata.music(12.0, seed))
        lines: list[dict[str, object]] = []
        for k, v in enumerate(order):
            if k == len(order) // 2:
                writer.silence(LONG_RECESS_S)
            writer.silence(float(rng.uniform(0.9, 1.6)))
            m = members[v]
            for j in range(LONG_TURN_SENTENCES):
                n = (k + j) % len(clips[m.name])
                seg = writer.clip(clips[m.name][n])
                text = pool[speaks[m.name]][n].text
                line = {"start": round(seg.start, 3), "end": round(seg.end, 3), "text": text}
                lines.append(
                    {**line, "speaker": m.name, "voice": m.label, "language": speaks[m.name]}
                )
                writer.silence(0.5)
        writer.close()
        for name, (p, key) in enrolled.items():
            evaldata.write_wav(enrol[name], evaldata.enrolment_audio(p, key))
        _write_rttm(wav.with_suffix(".rttm"), _truth_of(lines))
        truth_json.write_text(json.dumps(lines, ensure_ascii=False), encoding="utf-8")
    lines = json.loads(truth_json.read_text(encoding="utf-8"))
    return Rendered("eval-long", wav, _truth_of(lines), enrol, lines)


def real_mix(shared: Path) -> Rendered:
    """Turns of real single-speaker recordings; each person enrolled from unused audio."""
    from plenaria.media.audio import audio_duration, extract_audio, read_audio

    folder = CACHE / f"real-mix-{_key(REAL_MIX, MIX_TURN_S, MIX_TURNS_EACH)}"
    wav = folder / "real-mix.wav"
    truth_file = folder / "real-mix.truth.json"
    people = [Path(rel).stem for rel, _ in REAL_MIX]
    enrol = {who: folder / f"enrol-{k}.wav" for k, who in enumerate(people)}
    if not truth_file.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        sources = []
        for k, (rel, enrol_s) in enumerate(REAL_MIX):
            src = extract_audio(shared / rel, folder / f"source-{k}.wav")
            evaldata.write_wav(enrol[people[k]], read_audio(src, Segment(0.0, enrol_s)))
            sources.append((people[k], src, enrol_s, audio_duration(src)))
        writer = WavWriter(wav)
        truth = lay_turns(writer, sources, MIX_TURNS_EACH, MIX_TURN_S)
        writer.close()
        for _, src, _, _ in sources:
            src.unlink()
        rows = [{"speaker": w, "start": s.start, "end": s.end} for w, s in truth]
        _write_rttm(wav.with_suffix(".rttm"), truth)
        truth_file.write_text(json.dumps(rows), encoding="utf-8")
    rows = json.loads(truth_file.read_text(encoding="utf-8"))
    truth = [(r["speaker"], Segment(r["start"], r["end"])) for r in rows]
    return Rendered("real-mix", wav, truth, enrol, [])


def _truth_of(lines: list[dict[str, object]]) -> list[tuple[str, Segment]]:
    return [
        (str(x["speaker"]), Segment(float(str(x["start"])), float(str(x["end"])))) for x in lines
    ]


def _slug(name: str) -> str:
    from plenaria.diarization.profiles import profile_id

    return profile_id(name)


def _write_rttm(path: Path, truth: list[tuple[str, Segment]]) -> None:
    from _plenos import write_truth

    write_truth(path, truth)


def words_by_language(
    lines: list[dict[str, object]], words: list[tuple[str, float, float]], slack_s: float = 0.5
) -> dict[str, tuple[str, str]]:
    """Reference and hypothesis text per language of the script's lines.

    Each recognised word (text, start, end) goes to the line whose time holds its middle
    (within ``slack_s``; else the nearest line), so the WER of each language is scored on
    the turns said in it, whatever language the recogniser thought it heard.
    """
    if not lines:
        return {}
    spans = np.array([[float(str(x["start"])), float(str(x["end"]))] for x in lines])
    hyp: list[list[str]] = [[] for _ in lines]
    for text, start, end in words:
        middle = (start + end) / 2
        inside = np.flatnonzero(
            (spans[:, 0] - slack_s <= middle) & (middle <= spans[:, 1] + slack_s)
        )
        if len(inside):
            k = int(inside[0])
        else:
            dist = np.maximum(spans[:, 0] - middle, middle - spans[:, 1])
            k = int(np.argmin(dist))
        hyp[k].append(text)
    out: dict[str, tuple[list[str], list[str]]] = {}
    for line, heard in zip(lines, hyp, strict=True):
        ref, got = out.setdefault(str(line["language"]), ([], []))
        ref.append(str(line["text"]))
        got += heard
    return {lang: (" ".join(r), " ".join(h)) for lang, (r, h) in out.items()}
