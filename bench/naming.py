"""Naming speakers from voice profiles: right, wrong and unnamed speech, per source.

    .venv/bin/python bench/naming.py                          # the report set
    .venv/bin/python bench/naming.py --set tuning --calibrate # fit the score, pick defaults

For each recording, every speaker with enough speech is enrolled from its
first ENROLL_S seconds of speech alone (reference turns without overlap);
the rest of the recording is diarized as the pipeline does (silero VAD, the
embedded diarizer), the diarized speakers are named from the profiles
(``name_speakers``), and each enrolled person's remaining speech (enrollment
spans and overlap left out) is scored, 10 ms at a time: right (the diarized
speaker there carries the person's name), wrong (another person's name) or
unnamed. Speakers with too little speech to enroll are impostors: any name on
their speech is wrong.

Sets (bench/README.md): tuning = the tuning half of the AMI excerpts (13
people) and the tuning espeak-ng plenary; report = the other AMI half (14
other people) and pyannote's sample.wav (2 people) in the headline, a plenary
of other espeak-ng voices in its own row. ``--calibrate`` fits
``profiles.SCORE_SLOPE``/``SCORE_CENTER`` (class-balanced logistic regression
on cosines between diarized speakers' centroids and profiles) and prints the
threshold that lets at most 0.5 % of different-person pairs through; run it on
the tuning set only.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from _plenos import REAL_SPEAKERS
from diarization import DATA, SHARED, load_backend, parse_pairs, prepare
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
from plenaria.domain import Diarization, Segment
from plenaria.media.vad import detect_speech, load_vad_model

ENROLL_S = 5.0  # seconds of a person's clean speech enrolled
MIN_SCORED_S = 3.0  # ... and at least this much left to score, or the person is an impostor
FRAME_S = 0.01

SETS = {
    "tuning": (
        ("ami_tuning", "real"),
        ("pleno_tuning", "espeak"),
    ),
    "report": (
        ("mix_report", "real"),
        ("ami_report", "real"),
        ("sample", "real"),
        ("pleno_report", "espeak"),
    ),
}
# Real single-speaker recordings joined into turns; each person is enrolled from the
# first seconds of their recording, which are left out of the mix.
MIXES = {
    "mix_report": REAL_SPEAKERS,
}
MIX_TURN_S = 15.0
MIX_TURNS_EACH = 6


@dataclass
class Tally:
    right: float = 0.0
    wrong: float = 0.0
    unnamed: float = 0.0
    impostor: float = 0.0  # impostors' speech
    impostor_named: float = 0.0
    enrolled: int = 0
    impostors: int = 0

    @property
    def total(self) -> float:
        return self.right + self.wrong + self.unnamed

    def add(self, other: Tally) -> None:
        for k in vars(self):
            setattr(self, k, getattr(self, k) + getattr(other, k))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--set", choices=tuple(SETS), default="report")
    p.add_argument("--calibrate", action="store_true")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--naming", action="append", default=[], metavar="KEY=VALUE")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if not DATA.is_dir():
        print(f"Data folder {DATA} is missing. Stopping.")
        return 2
    naming = NamingOptions(**parse_pairs(args.naming))
    diarizer = load_backend("embedded", args.threads)
    assert isinstance(diarizer, EmbeddedDiarizer)
    vad = load_vad_model()
    same: list[float] = []
    different: list[float] = []
    totals: dict[str, Tally] = {}
    print(f"Set {args.set}; naming {naming.model_dump()}")
    head = f"{'source':<14}{'kind':<8}{'people':>7}{'right':>8}{'wrong':>8}{'unnamed':>9}"
    head += f"{'impostor speech named':>23}"
    print(head + "\n" + "-" * len(head))
    with tempfile.TemporaryDirectory(prefix="plenaria-naming-") as tmp:
        for name, kind in SETS[args.set]:
            if name in MIXES:
                rec, truth, profiles = _mix(diarizer, name, Path(tmp))
                enrolled_spans: dict[str, np.ndarray] = {}
            else:
                rec = _prepare(name, Path(tmp))
                truth = _truth(rec)
                profiles, enrolled_spans = _enroll(diarizer, rec.wav, truth)
            speech = detect_speech(rec.wav, vad)
            result = diarizer.diarize(rec.wav, speech, DiarizationOptions())
            speakers = name_speakers(result, profiles, naming)
            names = {s.id: s.name for s in speakers}
            tally = _score(result, names, truth, enrolled_spans, {p.name for p in profiles})
            totals.setdefault(kind, Tally()).add(tally)
            _pairs(result, truth, profiles, same, different)
            _row(name, kind, tally)
    print("-" * len(head))
    for kind, tally in totals.items():
        _row("all", kind, tally)
    if args.calibrate:
        calibrate(np.array(same), np.array(different))
    return 0


def _prepare(name: str, tmp: Path):  # type: ignore[no-untyped-def]
    if name == "pleno_report":
        from _plenos import Voice, generate
        from diarization import _from_truth

        voices: tuple[Voice, ...] = (Voice("es+m1", 45, 150), Voice("es+f2", 58, 160))
        voices += (Voice("es+Denis", 35, 170), Voice("es+Alicia", 62, 150))
        wav, truth = generate(voices, 240.0, seed=11)
        return _from_truth(name, wav, truth, tmp, "4 other espeak-ng voices")
    return prepare(name, tmp)


def _mix(diarizer: EmbeddedDiarizer, name: str, tmp: Path):  # type: ignore[no-untyped-def]
    """Turns of real single-speaker recordings, and each person enrolled from unused audio."""
    from _plenos import WavWriter, lay_turns
    from diarization import Recording
    from plenaria.media.audio import audio_duration, extract_audio

    people = []
    for k, (rel, enroll_s) in enumerate(MIXES[name]):
        wav = extract_audio(SHARED / rel, tmp / f"{name}-{k}.wav")
        who = Path(rel).stem
        pieces = diarizer.embed_segments(wav, [Segment(0.0, enroll_s)])
        profile = enroll(None, pieces, enroll_s, name=who, model_id=encoder_id(diarizer.model_id))
        people.append((who, wav, enroll_s, audio_duration(wav), profile))
    out = tmp / f"{name}.wav"
    writer = WavWriter(out)
    sources = [(who, wav, enroll_s, duration) for who, wav, enroll_s, duration, _ in people]
    truth: dict[str, list[Segment]] = {}
    for who, segment in lay_turns(writer, sources, MIX_TURNS_EACH, MIX_TURN_S):
        truth.setdefault(who, []).append(segment)
    writer.close()
    rec = Recording(name, out, audio_duration(out), len(people), None, "real speakers")
    return rec, truth, [p[-1] for p in people]


def _truth(rec) -> dict[str, list[Segment]]:  # type: ignore[no-untyped-def]
    out: dict[str, list[Segment]] = {}
    for seg, _, label in rec.reference.annotation.itertracks(yield_label=True):
        out.setdefault(str(label), []).append(Segment(float(seg.start), float(seg.end)))
    return {k: sorted(v) for k, v in out.items()}


def _alone(truth: dict[str, list[Segment]], who: str, n: int) -> np.ndarray:
    """Frames where ``who`` speaks and nobody else does."""
    mine = np.zeros(n, dtype=bool)
    others = np.zeros(n, dtype=bool)
    for spk, segs in truth.items():
        target = mine if spk == who else others
        for s in segs:
            target[round(s.start / FRAME_S) : round(s.end / FRAME_S)] = True
    return mine & ~others


def _runs(mask: np.ndarray) -> list[Segment]:
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return [
        Segment(a * FRAME_S, b * FRAME_S)
        for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True)
    ]


def _enroll(
    diarizer: EmbeddedDiarizer, wav: Path, truth: dict[str, list[Segment]]
) -> tuple[list[VoiceProfile], dict[str, np.ndarray]]:
    n = int(max(s.end for segs in truth.values() for s in segs) / FRAME_S) + 2
    profiles, spans = [], {}
    for who in truth:
        alone = _alone(truth, who, n)
        if alone.sum() * FRAME_S < ENROLL_S + MIN_SCORED_S:
            continue
        cut = int(np.flatnonzero(np.cumsum(alone) * FRAME_S >= ENROLL_S)[0]) + 1
        used = alone.copy()
        used[cut:] = False
        pieces = diarizer.embed_segments(wav, _runs(used))
        profiles.append(
            enroll(None, pieces, ENROLL_S, name=who, model_id=encoder_id(diarizer.model_id))
        )
        spans[who] = used
    return profiles, spans


def _score(
    result: Diarization,
    names: dict[str, str | None],
    truth: dict[str, list[Segment]],
    enrolled_spans: dict[str, np.ndarray],
    enrolled: set[str],
) -> Tally:
    n = int(max(s.end for segs in truth.values() for s in segs) / FRAME_S) + 2
    hyp = np.full(n, "", dtype=object)
    for t in result.turns:
        if not t.overlap:
            hyp[round(t.segment.start / FRAME_S) : round(t.segment.end / FRAME_S)] = (
                names.get(t.speaker) or ""
            )
    tally = Tally(enrolled=len(enrolled), impostors=len(truth) - len(enrolled))
    for who in truth:
        mask = _alone(truth, who, n)
        if who in enrolled_spans:
            mask &= ~np.pad(enrolled_spans[who], (0, max(0, n - len(enrolled_spans[who]))))[:n]
        got = hyp[mask]
        if who in enrolled:
            tally.right += float((got == who).sum()) * FRAME_S
            tally.unnamed += float((got == "").sum()) * FRAME_S
            tally.wrong += float(((got != who) & (got != "")).sum()) * FRAME_S
        else:
            tally.impostor += float(mask.sum()) * FRAME_S
            tally.impostor_named += float((got != "").sum()) * FRAME_S
    return tally


def _pairs(
    result: Diarization,
    truth: dict[str, list[Segment]],
    profiles: list[VoiceProfile],
    same: list[float],
    different: list[float],
) -> None:
    """Cosines of each diarized speaker's centroid with its majority person's profile and others."""
    for label in result.speakers:
        vec = result.centroid(label)
        if vec is None:
            continue
        talk = {
            who: sum(t.segment.overlap(s) for t in result.turns if t.speaker == label for s in segs)
            for who, segs in truth.items()
        }
        owner = max(talk, key=lambda k: talk[k])
        v = np.asarray(vec) / np.linalg.norm(vec)
        for p in profiles:
            cos = float(v @ p.vector)
            (same if p.name == owner else different).append(cos)


def _row(name: str, kind: str, t: Tally) -> None:
    def share(x: float) -> str:
        return f"{x / t.total:.1%}" if t.total else "-"

    imp = f"{t.impostor_named / t.impostor:.1%} of {t.impostor:.0f} s" if t.impostor else "-"
    print(
        f"{name:<14}{kind:<8}{f'{t.enrolled}+{t.impostors}':>7}{share(t.right):>8}"
        f"{share(t.wrong):>8}{share(t.unnamed):>9}{imp:>23}"
    )


def calibrate(same: np.ndarray, different: np.ndarray) -> None:
    """Class-balanced logistic fit of P(same | cosine); the threshold for 0.5 % false accepts."""
    from scipy.optimize import minimize

    x = np.concatenate([same, different])
    y = np.concatenate([np.ones(len(same)), np.zeros(len(different))])
    w = np.where(y == 1, 0.5 / max(len(same), 1), 0.5 / max(len(different), 1))

    def loss(params: np.ndarray) -> float:
        z = params[0] * (x - params[1])
        return float(np.sum(w * (np.logaddexp(0, -z) * y + np.logaddexp(0, z) * (1 - y))))

    fit = minimize(loss, np.array([10.0, 0.5]), method="Nelder-Mead")
    slope, center = fit.x
    print(f"\n{len(same)} same-person pairs: cosine {np.percentile(same, [0, 50, 100]).round(3)}")
    print(f"{len(different)} different: cosine {np.percentile(different, [0, 50, 100]).round(3)}")
    print(f"SCORE_SLOPE = {slope:.2f}\nSCORE_CENTER = {center:.4f}")
    cos_at = float(np.quantile(different, 0.995))
    prob = 1 / (1 + np.exp(-slope * (cos_at - center)))
    frr = float((same < cos_at).mean())
    print(
        f"cosine above 99.5 % of different pairs: {cos_at:.3f} -> threshold {prob:.3f} "
        f"(same pairs below it: {frr:.1%}); current score there: {calibrated_score(cos_at):.3f}"
    )


if __name__ == "__main__":
    sys.exit(main())
