"""Fit the two constants of ``plenaria.diarization.profiles.calibrated_score``.

    .venv/bin/python bench/calibrate_voices.py [--no-shared] [--target-far 0.002]

Measures the cosine similarity of voice embeddings (resemblyzer, through the
embedded diarizer) between two "sides": a side is the L2-normalised mean of
the window embeddings of a few sentences or turns, as a voice profile and a
diarized speaker are. Pairs of sides of one voice (other texts, other
language, other stretch of the meeting) are "same"; pairs of two voices are
"different".

Voices:
- espeak-ng: the variants m1-m7 and f1-f5, each speaking es, es-419 and ca
  (one timbre speaking three accents is one voice); festival's Catalan "ona";
- ../shared/data/diarization (read only, when present): the 27 AMI speakers
  and the two of pyannote's sample, cut from their .rttm labels (overlapped
  speech removed), each split into two sides (by excerpt when the speaker is in
  two, else first and second half).

A logistic ``p = 1 / (1 + exp(-slope * (cosine - center)))`` is fitted by
class-balanced log loss; it prints the pair counts, the constants, and the
false accept / false reject rates at the chosen threshold (the smallest
probability at which at most ``--target-far`` of the different pairs pass).
"""

from __future__ import annotations

import argparse
import io
import itertools
import subprocess
import sys
import tempfile
import wave
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.signal import resample_poly

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "diarization"
RATE = 16_000

ES = (
    "Buenas tardes. Se abre la sesión ordinaria del pleno del ayuntamiento.",
    "Pasamos al primer punto del orden del día, la aprobación del acta anterior.",
    "La propuesta actualiza la tarifa del agua y crea una tarifa social para las familias.",
    "Nuestro grupo votará en contra porque el presupuesto no atiende a los barrios.",
    "Señor secretario, proceda a la lectura de la moción presentada por la oposición.",
    "Queda aprobada por mayoría absoluta con los votos favorables del equipo de gobierno.",
)
CA = (
    "Bona tarda. S'obre la sessió ordinària del ple de l'ajuntament.",
    "Passem al primer punt de l'ordre del dia, l'aprovació de l'acta anterior.",
    "La proposta actualitza la tarifa de l'aigua i crea una tarifa social per a les famílies.",
    "El nostre grup votarà en contra perquè el pressupost no arriba als barris.",
    "Senyor secretari, procedeixi a la lectura de la moció presentada per l'oposició.",
    "Queda aprovada per majoria absoluta amb els vots favorables de l'equip de govern.",
)
VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5")
LANGUAGES = {"es": ES, "es-419": ES, "ca": CA}
SENTENCES_PER_SIDE = 2


def read_wav(raw: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(raw)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768
    x = resample_poly(x, RATE, rate) if rate != RATE else x
    loud = np.flatnonzero(np.abs(x) > 1e-3)
    return x[loud[0] : loud[-1] + 1] if len(loud) else x


def espeak(text: str, voice: str) -> np.ndarray:
    cmd = ["espeak-ng", "-v", voice, "--stdout", text]
    return read_wav(subprocess.run(cmd, capture_output=True, check=True).stdout)


def festival_ca(text: str, tmp: Path) -> np.ndarray:
    out = tmp / "festival.wav"
    subprocess.run(
        ["text2wave", "-eval", "(voice_upc_ca_ona_hts)", "-o", str(out)],
        input=text.encode("utf-8"),
        capture_output=True,
        check=True,
    )
    return read_wav(out.read_bytes())


def write_wav(path: Path, x: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)


def side_of(diarizer: object, wav: Path, segments: list, options: object) -> np.ndarray | None:
    windows = diarizer.embed_segments(wav, segments, options)  # type: ignore[attr-defined]
    return unit(windows.mean(axis=0)) if len(windows) else None


def synthetic_sides(diarizer: object, options: object, tmp: Path) -> list[tuple[str, np.ndarray]]:
    """(voice, side) for every espeak variant x language, and festival's ona."""
    from plenaria.domain import Segment

    sides: list[tuple[str, np.ndarray]] = []

    def add(voice: str, clips: list[np.ndarray]) -> None:
        gap = np.zeros(int(0.4 * RATE))
        for k in range(0, len(clips) - SENTENCES_PER_SIDE + 1, SENTENCES_PER_SIDE):
            part = clips[k : k + SENTENCES_PER_SIDE]
            audio = np.concatenate([np.concatenate([c, gap]) for c in part])
            wav = write_wav(tmp / "side.wav", audio)
            side = side_of(diarizer, wav, [Segment(0.0, len(audio) / RATE)], options)
            if side is not None:
                sides.append((voice, side))

    for variant in VARIANTS:
        for lang, texts in LANGUAGES.items():
            add(f"espeak:{variant}", [espeak(t, f"{lang}+{variant}") for t in texts])
    add("festival:ona", [festival_ca(t, tmp) for t in CA])
    return sides


def rttm_sides(
    diarizer: object, options: object, audio: Path, rttm: Path, tmp: Path, excerpt_s: float
) -> list[tuple[str, np.ndarray]]:
    """Two sides per speaker of an RTTM, from their speech that no one else overlaps."""
    from plenaria.domain import Segment
    from plenaria.media.audio import extract_audio

    wav = extract_audio(audio, tmp / f"{audio.stem}.wav")
    turns: list[tuple[str, Segment]] = []
    for line in rttm.read_text(encoding="utf-8").splitlines():
        f = line.split()
        if len(f) >= 8 and f[0] == "SPEAKER":
            start, dur = float(f[3]), float(f[4])
            turns.append((f[7], Segment(start, start + dur)))
    clean: dict[str, list[Segment]] = defaultdict(list)
    for who, seg in turns:
        pieces = [seg]
        for other, o in turns:
            if other == who:
                continue
            cut: list[Segment] = []
            for p in pieces:
                if p.overlap(o) <= 0:
                    cut.append(p)
                    continue
                if o.start > p.start:
                    cut.append(Segment(p.start, o.start))
                if o.end < p.end:
                    cut.append(Segment(o.end, p.end))
            pieces = cut
        clean[who] += [p for p in pieces if p.duration >= 0.8]
    sides: list[tuple[str, np.ndarray]] = []
    for who, segs in clean.items():
        segs.sort()
        by_excerpt: dict[int, list[Segment]] = defaultdict(list)
        for s in segs:
            by_excerpt[int(s.start // excerpt_s)].append(s)
        groups = [g for g in by_excerpt.values() if sum(s.duration for s in g) >= 2.5]
        if len(groups) < 2:
            total, acc, half = sum(s.duration for s in segs), 0.0, 0
            for i, s in enumerate(segs):
                acc += s.duration
                if acc >= total / 2:
                    half = i + 1
                    break
            groups = [segs[:half], segs[half:]]
        for g in groups:
            if sum(s.duration for s in g) >= 2.5:
                side = side_of(diarizer, wav, g, options)
                if side is not None:
                    sides.append((f"{audio.stem}:{who}", side))
    return sides


def clones(sides: list[tuple[str, np.ndarray]], margin: float) -> set[frozenset[str]]:
    """Voice pairs the encoder cannot tell apart: mean cosine between them within ``margin``
    of the mean cosine within either (espeak variants that differ by one formant tweak)."""
    by_voice: dict[str, np.ndarray] = {}
    for v in dict.fromkeys(v for v, _ in sides):
        by_voice[v] = np.stack([x for w, x in sides if w == v])
    within = {}
    for v, x in by_voice.items():
        c = x @ x.T
        within[v] = float(c[np.triu_indices(len(x), 1)].mean()) if len(x) > 1 else 1.0
    out: set[frozenset[str]] = set()
    for a, b in itertools.combinations(by_voice, 2):
        between = float((by_voice[a] @ by_voice[b].T).mean())
        if between > min(within[a], within[b]) - margin:
            out.add(frozenset((a, b)))
    return out


def pairs(
    sides: list[tuple[str, np.ndarray]], skip: set[frozenset[str]] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    skip = skip or set()
    same, diff = [], []
    for (va, a), (vb, b) in itertools.combinations(sides, 2):
        if va == vb:
            same.append(float(a @ b))
        elif frozenset((va, vb)) not in skip:
            diff.append(float(a @ b))
    return np.array(same), np.array(diff)


def fit(same: np.ndarray, diff: np.ndarray) -> tuple[float, float]:
    """Slope and center of the logistic, by class-balanced log loss."""

    def loss(theta: np.ndarray) -> float:
        slope, center = theta
        zs = slope * (same - center)
        zd = slope * (diff - center)
        return float(np.mean(np.logaddexp(0, -zs)) + np.mean(np.logaddexp(0, zd)))

    res = minimize(loss, x0=np.array([10.0, 0.8]), method="Nelder-Mead")
    return float(res.x[0]), float(res.x[1])


def score(cos: np.ndarray, slope: float, center: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-slope * (cos - center)))


def report(
    name: str, same: np.ndarray, diff: np.ndarray, slope: float, center: float, t: float
) -> None:
    if not len(same) or not len(diff):
        return
    far = float(np.mean(score(diff, slope, center) >= t))
    frr = float(np.mean(score(same, slope, center) < t))
    print(
        f"{name:<10} same {len(same):>5} (cos {same.min():.3f}..{same.max():.3f}, "
        f"median {np.median(same):.3f})  different {len(diff):>6} (cos {diff.min():.3f}.."
        f"{diff.max():.3f}, median {np.median(diff):.3f})  FAR {far:.4f}  FRR {frr:.4f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-shared", action="store_true", help="espeak/festival voices only")
    ap.add_argument("--target-far", type=float, default=0.002)
    ap.add_argument(
        "--clone-margin",
        type=float,
        default=0.05,
        help="leave out voice pairs whose mean cosine is this close to their own (0: none)",
    )
    ap.add_argument("--sides", type=Path, help="keep the measured sides in this .npz, reuse it")
    args = ap.parse_args()
    if args.sides is not None and args.sides.is_file():
        with np.load(args.sides) as z:
            sets = {
                k: list(zip(z[f"{k}_voices"].tolist(), z[f"{k}_sides"], strict=True))
                for k in z["sets"].tolist()
            }
    else:
        sets = measure(args.no_shared)
        if args.sides is not None:
            arrays = {f"{k}_voices": np.array([v for v, _ in s]) for k, s in sets.items()}
            arrays |= {f"{k}_sides": np.stack([x for _, x in s]) for k, s in sets.items()}
            np.savez(args.sides, sets=np.array(list(sets)), **arrays)
    analyse(sets, args.target_far, args.clone_margin)


def measure(no_shared: bool) -> dict[str, list[tuple[str, np.ndarray]]]:

    import torch

    from plenaria.diarization.base import DiarizationOptions
    from plenaria.diarization.embedded import EmbeddedDiarizer

    torch.set_num_threads(2)
    diarizer = EmbeddedDiarizer("cpu")
    options = DiarizationOptions()
    sets: dict[str, list[tuple[str, np.ndarray]]] = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        sets["synthetic"] = synthetic_sides(diarizer, options, tmp)
        if not no_shared:
            if not DATA.is_dir():
                print(f"{DATA} not found: measuring synthetic voices only.", file=sys.stderr)
            else:
                ami = DATA / "ami_excerpts_concat.flac"
                sets["ami"] = rttm_sides(
                    diarizer, options, ami, ami.with_suffix(".rttm"), tmp, 30.0
                )
                sample = DATA / "sample.wav"
                sets["ami"] += rttm_sides(
                    diarizer, options, sample, sample.with_suffix(".rttm"), tmp, 1e9
                )
    return sets


def analyse(
    sets: dict[str, list[tuple[str, np.ndarray]]], target_far: float, clone_margin: float
) -> None:
    all_sides = [s for v in sets.values() for s in v]
    # Only synthetic voices are judged clones: two real people stay two people.
    skip = clones([s for s in all_sides if s[0].startswith("espeak:")], clone_margin)
    for pair in sorted(sorted(p) for p in skip):
        print(f"left out as one voice to the encoder: {' / '.join(pair)}")
    measured = {k: pairs(v, skip) for k, v in sets.items()}
    # Different pairs across sets too (a synthetic voice is nobody in the meetings).
    same, diff = pairs(all_sides, skip)
    measured["all"] = (same, diff)
    slope, center = fit(same, diff)
    # The threshold: the lowest probability letting at most target_far of the different pairs in.
    far_cut = float(np.quantile(diff, 1 - target_far))
    t = min(0.99, float(np.ceil(score(np.array([far_cut]), slope, center)[0] * 100) / 100))
    print(f"sides: {', '.join(f'{k} {len(v)}' for k, v in sets.items())}")
    print(f"fitted: SCORE_SLOPE = {slope:.2f}, SCORE_CENTER = {center:.4f}")
    cos_t = center + np.log(t / (1 - t)) / slope
    print(f"threshold (FAR <= {target_far}): {t:.2f} (cosine {cos_t:.3f})")
    for name, (s, d) in measured.items():
        report(name, s, d, slope, center, t)
    for alt in (0.5, 0.7, 0.9, 0.95):
        far = float(np.mean(score(diff, slope, center) >= alt))
        frr = float(np.mean(score(same, slope, center) < alt))
        print(f"  at threshold {alt:.2f}: FAR {far:.4f}  FRR {frr:.4f}")


if __name__ == "__main__":
    main()
