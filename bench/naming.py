"""Naming benchmark: enroll people from some recordings, name them in others.

    .venv/bin/python bench/naming.py                     # thresholds 0.9, 0.98 (default), 0.995
    .venv/bin/python bench/naming.py --thresholds 0.5,0.98 --details

Three tracks, one voice store holding every enrolled person of all of them
(a bigger store is a harder test: more names to get wrong):

- council: a synthetic municipal council. 14 people (espeak-ng voices in es,
  es-419 and ca with their own variant and pitch, and festival's Catalan
  "ona"); 10 are enrolled from a reading of other sentences than those they
  say in the sessions, 4 never are. Three plenary sessions of ~3 minutes,
  written as MP3, where the people present take the floor several times
  (long turns and one-word answers), with two guests from the Catalan radio
  recordings in ../shared/data/long, a reverberant room, noise and a
  different level per microphone that the enrollment reading did not have.
- ami: the AMI excerpts of ../shared/data/diarization. People heard in two
  excerpts are enrolled from their speech (no one else talking) in one
  excerpt and named in the other; every other speaker of a test excerpt is
  not enrolled. Each test excerpt is processed as its own recording.
- impostors: recordings of nobody enrolled (pyannote's sample, Picovoice's
  three speakers, the Catalan two-speaker interview, the first two minutes of
  each long Catalan recording): every name given there is wrong.

Each test recording goes through the pieces `plenaria process` runs:
extract_audio, silero VAD (detect_speech), EmbeddedDiarizer.diarize,
speaker_embeddings, then name_speakers against the store's profiles.
Enrollment is plenaria.voices.enroll_from_audio on a clip of the person.
Scoring is by reference speech time at 10 ms, overlapped speech left out:
of enrolled people's speech, the share given their name, a wrong name, or no
name; of everyone else's speech, the share given a name (always wrong).
The data folder is read, never copied; the benchmark stops if it is missing.
"""

from __future__ import annotations

import argparse
import io
import logging
import subprocess
import sys
import tempfile
import time
import wave
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.signal import fftconvolve, resample_poly

from plenaria.diarization.base import DiarizationOptions
from plenaria.diarization.embedded import EmbeddedDiarizer
from plenaria.diarization.profiles import (
    DEFAULT_MARGIN_COS,
    DEFAULT_THRESHOLD,
    NamingOptions,
    name_speakers,
)
from plenaria.domain import Segment, Turn
from plenaria.media.audio import SAMPLE_RATE, audio_duration, extract_audio, read_audio
from plenaria.media.ffmpeg import ffmpeg_binary
from plenaria.media.vad import VadModel, detect_speech, load_vad_model
from plenaria.voices import VoiceStore, enroll_from_audio

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RATE = SAMPLE_RATE
FRAME_S = 0.01
SEED = 7

# The council: (name, voice, language); "ona" is festival's Catalan voice, the
# others espeak-ng "lang+variant" with a pitch (0-99). The first 10 are enrolled.
ROSTER = (
    ("Núria Puig", "ona", "ca", 0),
    ("Jordi Serra", "ca+m3", "ca", 40),
    ("Marta Vidal", "ca+f2", "ca", 60),
    ("Antonio López", "es+m1", "es", 35),
    ("Carmen Ruiz", "es+f4", "es", 55),
    ("Pere Font", "ca+klatt2", "ca", 50),
    ("Lucía Martín", "es+steph", "es", 55),
    ("Josep Roca", "ca+m7", "ca", 30),
    ("Elena Sanz", "es+Andrea", "es", 50),
    ("Miguel Torres", "es-419+Henrique", "es", 45),
    ("Xavier Mas", "ca+m5", "ca", 45),
    ("Rosa Pons", "ca+Annie", "ca", 60),
    ("David Gil", "es+m2", "es", 40),
    ("Sofía Castro", "es+Alicia", "es", 60),
)
ENROLLED = 10
ENROLL_TEXT = {
    "es": (
        "Buenas tardes, me llamo como consta en el acta y soy concejal de este ayuntamiento.",
        "Leo este texto para que el sistema aprenda mi voz antes de la próxima sesión.",
        "El otoño llega a la ciudad con lluvias suaves y hojas amarillas en los parques.",
        "En la plaza mayor hay un mercado cada sábado, con fruta, pan y flores del valle.",
        "Los vecinos del barrio antiguo piden más luz en las calles y bancos a la sombra.",
        "Mañana visitaremos la biblioteca nueva, que abrirá sus puertas en primavera.",
    ),
    "ca": (
        "Bona tarda, em dic com consta a l'acta i sóc regidor d'aquest ajuntament.",
        "Llegeixo aquest text perquè el sistema aprengui la meva veu abans de la sessió.",
        "La tardor arriba a la ciutat amb pluges suaus i fulles grogues als parcs.",
        "A la plaça major hi ha mercat cada dissabte, amb fruita, pa i flors de la vall.",
        "Els veïns del barri vell demanen més llum als carrers i bancs a l'ombra.",
        "Demà visitarem la biblioteca nova, que obrirà les portes a la primavera.",
    ),
}
# Session speech: one piece of each "|" list in turn (never an enrollment sentence).
SESSION_TEXT = {
    "es": (
        "Nuestro grupo|El equipo de gobierno|La comisión de hacienda|Esta alcaldía|La oposición",
        "propone aprobar|votará en contra de|pide retirar|quiere enmendar|se abstiene en",
        "la modificación del presupuesto municipal|la ordenanza de terrazas y veladores|"
        "el contrato de limpieza viaria|la tasa de recogida de residuos|el plan de movilidad",
        "porque no atiende a los barrios del norte.|tal como se acordó en la junta de "
        "portavoces.|después del informe favorable de intervención.|y solicita que conste en "
        "el acta.|sin el dictamen previo de la comisión.",
    ),
    "ca": (
        "El nostre grup|L'equip de govern|La comissió d'hisenda|Aquesta alcaldia|L'oposició",
        "proposa aprovar|votarà en contra de|demana retirar|vol esmenar|s'absté en",
        "la modificació del pressupost municipal|l'ordenança de terrasses|el contracte de "
        "neteja viària|la taxa de recollida de residus|el pla de mobilitat sostenible",
        "perquè no arriba als barris del nord.|tal com es va acordar a la junta de portaveus.|"
        "després de l'informe favorable d'intervenció.|i demana que consti en acta.|"
        "sense el dictamen previ de la comissió.",
    ),
}
SHORT_TEXT = {
    "es": ("A favor.", "Sí, gracias.", "En contra.", "Abstención."),
    "ca": ("A favor.", "Sí, gràcies.", "En contra.", "Abstenció."),
}
# AMI: excerpts (index into .segments.txt) used only for enrollment.
# Two folds, each enrolling from one set of excerpts and naming in the others.
AMI_FOLDS = (frozenset({0, 2, 7, 10, 11}), frozenset({1, 3, 4, 12, 13}))
AMI_MIN_ENROLL_S = 5.0
IMPOSTOR_HEAD_S = 120.0
ROOM_RT60_S = 0.6  # the council hall's reverberation time
ROOM_DRR_DB = 8.0  # direct-to-reverberant ratio at a desk microphone
NOISE_DBFS = -50.0


@dataclass(frozen=True)
class TestRecording:
    """A recording to name speakers in, with reference turns (speaker -> enrolled name)."""

    track: str
    name: str
    wav: Path
    reference: tuple[tuple[str, Segment], ...]
    who: dict[str, str | None]  # reference speaker -> the enrolled person's name, or None
    stores: tuple[str, ...] = ("council", "ami-1")  # whose profiles it is named against


@dataclass(frozen=True)
class Processed:
    recording: TestRecording
    turns: tuple[Turn, ...]
    embeddings: dict[str, np.ndarray]


@dataclass
class Tally:
    """Seconds of reference speech by outcome."""

    right: float = 0.0
    wrong: float = 0.0
    unnamed: float = 0.0
    missed: float = 0.0  # part of unnamed: no diarized turn at all (VAD miss)
    other_named: float = 0.0  # speech of people not enrolled given a name
    other_total: float = 0.0
    wrong_names: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, o: Tally) -> None:
        self.right += o.right
        self.wrong += o.wrong
        self.unnamed += o.unnamed
        self.missed += o.missed
        self.other_named += o.other_named
        self.other_total += o.other_total
        for k, v in o.wrong_names.items():
            self.wrong_names[k] += v

    @property
    def enrolled_total(self) -> float:
        return self.right + self.wrong + self.unnamed


# --- audio making -------------------------------------------------------------


def _read_wav_bytes(raw: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(raw)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768
    x = resample_poly(x, RATE, rate) if rate != RATE else x
    loud = np.flatnonzero(np.abs(x) > 1e-3)
    return x[loud[0] : loud[-1] + 1] if len(loud) else x


def speak(voice: str, pitch: int, text: str, tmp: Path) -> np.ndarray:
    if voice == "ona":
        out = tmp / "festival.wav"
        subprocess.run(
            ["text2wave", "-eval", "(voice_upc_ca_ona_hts)", "-o", str(out)],
            input=text.encode("utf-8"),
            capture_output=True,
            check=True,
        )
        return _read_wav_bytes(out.read_bytes())
    cmd = ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", "150", "--stdout", text]
    return _read_wav_bytes(subprocess.run(cmd, capture_output=True, check=True).stdout)


def write_wav(path: Path, x: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def encode_mp3(wav: Path) -> Path:
    mp3 = wav.with_suffix(".mp3")
    cmd = [ffmpeg_binary(), "-y", "-loglevel", "error", "-i", str(wav), "-b:a", "64k", str(mp3)]
    subprocess.run(cmd, check=True)
    return mp3


def room(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``x`` through a desk microphone in a hall: an exponentially decaying noise impulse
    response (RT60 ROOM_RT60_S) whose tail carries ROOM_DRR_DB less energy than the direct path."""
    n = int(ROOM_RT60_S * RATE)
    decay = np.exp(-6.9 * np.arange(n) / RATE / ROOM_RT60_S)
    ir = rng.normal(size=n) * decay
    ir *= np.sqrt(10 ** (-ROOM_DRR_DB / 10) / float(np.sum(ir[1:] ** 2)))
    ir[0] = 1.0
    y = fftconvolve(x, ir)[: len(x)]
    return y / max(1e-9, float(np.max(np.abs(y)))) * float(np.max(np.abs(x)))


# --- the synthetic council ------------------------------------------------------


def council(
    stores: dict[str, VoiceStore], diarizer: EmbeddedDiarizer, tmp: Path
) -> list[TestRecording]:
    rng = np.random.default_rng(SEED)
    store = stores.setdefault("council", VoiceStore(tmp / "voices-council"))
    for k, (name, voice, lang, pitch) in enumerate(ROSTER[:ENROLLED]):
        # A clip of an earlier session: the same hall, another seat's microphone.
        reading = [room(speak(voice, pitch, s, tmp), rng) for s in ENROLL_TEXT[lang]]
        audio = np.concatenate([np.concatenate([r, np.zeros(int(0.5 * RATE))]) for r in reading])
        audio = 0.5 * audio + rng.normal(size=len(audio)) * 10 ** (NOISE_DBFS / 20)
        clip = write_wav(tmp / f"enroll-{k}.wav", audio)
        enroll_from_audio(diarizer, store, name, [(clip, None)], role="concejal")
    guests = sorted((DATA / "long").glob("*.ogg"))
    recordings = []
    for k in range(3):
        present = list(rng.choice(ENROLLED, size=7, replace=False)) + list(
            rng.choice(range(ENROLLED, len(ROSTER)), size=2, replace=False)
        )
        order = [int(i) for i in present for _ in range(int(rng.integers(2, 5)))]
        rng.shuffle(order)
        gains = {i: 10 ** (rng.uniform(-8, 2) / 20) for i in present}
        pieces: list[np.ndarray] = []
        reference: list[tuple[str, Segment]] = []
        t = 0.5
        pieces.append(np.zeros(int(0.5 * RATE)))
        slots: list[tuple[str, np.ndarray]] = []
        for i in order:
            name, voice, lang, pitch = ROSTER[i]
            if rng.random() < 0.25:
                text = str(rng.choice(SHORT_TEXT[lang]))
            else:
                parts = [p.split("|") for p in SESSION_TEXT[lang]]
                text = " ".join(
                    " ".join(str(rng.choice(p)) for p in parts)
                    for _ in range(int(rng.integers(1, 3)))
                )
            slots.append((name, room(speak(voice, pitch, text, tmp), rng) * gains[i]))
        for g, guest in enumerate(guests[2 * k : 2 * k + 2]):
            slots.insert(
                int(rng.integers(1, len(slots))), (f"guest:{guest.stem}", _guest(guest, g, tmp))
            )
        for name, audio in slots:
            reference.append((name, Segment(t, t + len(audio) / RATE)))
            pieces += [audio, np.zeros(int(rng.uniform(0.4, 1.5) * RATE))]
            t += len(audio) / RATE + len(pieces[-1]) / RATE
        mix = np.concatenate(pieces)
        mix = mix + rng.normal(size=len(mix)) * 10 ** (NOISE_DBFS / 20)
        wav = write_wav(tmp / f"pleno-{k + 1}.wav", mix * 0.7)
        enrolled = {r[0] for r in ROSTER[:ENROLLED]}
        who = {n: (n if n in enrolled else None) for n, _ in reference}
        name = f"pleno-{k + 1}"
        recordings.append(TestRecording("council", name, encode_mp3(wav), tuple(reference), who))
    return recordings


def _guest(src: Path, k: int, tmp: Path) -> np.ndarray:
    """10-16 s of a Catalan radio recording (a guest nobody enrolled)."""
    wav = extract_audio(src, tmp / f"guest-{src.stem[:8]}.wav")
    start = 30.0 + 40.0 * k
    x = read_audio(wav, Segment(start, start + 10.0 + 3.0 * k)).astype(np.float64)
    return x / max(1e-9, float(np.max(np.abs(x)))) * 0.5


# --- AMI ------------------------------------------------------------------------


def read_rttm(path: Path) -> list[tuple[str, Segment]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        f = line.split()
        if len(f) >= 8 and f[0] == "SPEAKER":
            out.append((f[7], Segment(float(f[3]), float(f[3]) + float(f[4]))))
    return out


def alone(turns: Sequence[tuple[str, Segment]], who: str) -> list[Segment]:
    """The parts of ``who``'s turns where nobody else speaks."""
    out = []
    for w, seg in turns:
        if w != who:
            continue
        pieces = [seg]
        for other, o in turns:
            if other == who:
                continue
            cut = []
            for p in pieces:
                if p.overlap(o) <= 0:
                    cut.append(p)
                    continue
                if o.start > p.start:
                    cut.append(Segment(p.start, o.start))
                if o.end < p.end:
                    cut.append(Segment(o.end, p.end))
            pieces = cut
        out += [p for p in pieces if p.duration >= 0.5]
    return sorted(out)


def ami(
    stores: dict[str, VoiceStore], diarizer: EmbeddedDiarizer, tmp: Path
) -> list[TestRecording]:
    src = DATA / "diarization" / "ami_excerpts_concat.flac"
    wav = extract_audio(src, tmp / "ami.wav")
    turns = read_rttm(src.with_suffix(".rttm"))
    spans = []
    for line in src.with_suffix(".segments.txt").read_text(encoding="utf-8").splitlines():
        a, b = line.split("s")[0:2]
        spans.append(Segment(float(a), float(b.strip(" -"))))
    heard_in: dict[str, set[int]] = defaultdict(set)
    for w, seg in turns:
        heard_in[w] |= {i for i, s in enumerate(spans) if seg.overlap(s) > 0.5}
    recordings = []
    for f, fold in enumerate(AMI_FOLDS, start=1):
        key = f"ami-{f}"
        store = stores.setdefault(key, VoiceStore(tmp / f"voices-{key}"))
        enrolled: dict[str, str] = {}
        for w in heard_in:
            own = [s for s in alone(turns, w) if any(s.overlap(spans[i]) > 0 for i in fold)]
            if sum(s.duration for s in own) < AMI_MIN_ENROLL_S or not heard_in[w] - fold:
                continue
            gap = np.zeros(int(0.3 * RATE))
            audio = np.concatenate([np.concatenate([read_audio(wav, s), gap]) for s in own])
            clip = write_wav(tmp / f"enroll-{key}-{len(enrolled)}.wav", audio)
            enrolled[w] = f"AMI {w}"
            enroll_from_audio(diarizer, store, enrolled[w], [(clip, None)])
        for i, span in enumerate(spans):
            if i in fold:
                continue
            cut = write_wav(tmp / f"ami-{i:02d}.wav", read_audio(wav, span).astype(np.float64))
            ref = tuple(
                (
                    w,
                    Segment(
                        max(s.start, span.start) - span.start, min(s.end, span.end) - span.start
                    ),
                )
                for w, s in turns
                if s.overlap(span) > 0
            )
            who = {w: enrolled.get(w) for w, _ in ref}
            name = f"fold {f}: excerpt {i:02d}"
            recordings.append(TestRecording("ami", name, cut, ref, who, ("council", key)))
    return recordings


# --- impostors --------------------------------------------------------------------


def impostors(tmp: Path, vad: VadModel) -> list[TestRecording]:
    """Recordings of people nobody enrolled; unlabelled ones take their VAD speech as reference."""
    files = [
        DATA / "diarization" / "sample.wav",
        DATA / "diarization" / "picovoice_diarization_test.wav",
        DATA / "asr" / "dosparlants.mp3",
        *sorted((DATA / "long").glob("*.ogg")),
    ]
    out = []
    for k, src in enumerate(files):
        wav = extract_audio(src, tmp / f"impostor-{k}.wav")
        if audio_duration(wav) > IMPOSTOR_HEAD_S:
            head = read_audio(wav, Segment(0.0, IMPOSTOR_HEAD_S)).astype(np.float64)
            wav = write_wav(tmp / f"impostor-{k}-head.wav", head)
        rttm = src.with_suffix(".rttm")
        if rttm.is_file():
            ref = tuple(read_rttm(rttm))
        else:
            ref = tuple((f"unknown:{src.stem}", s) for s in detect_speech(wav, vad))
        who: dict[str, str | None] = {w: None for w, _ in ref}
        out.append(TestRecording("impostors", src.stem, wav, ref, who))
    return out


# --- running and scoring ------------------------------------------------------------


def process(rec: TestRecording, diarizer: EmbeddedDiarizer, vad: VadModel, tmp: Path) -> Processed:
    wav = extract_audio(rec.wav, tmp / f"test-{rec.track}-{rec.name}.wav")
    opts = DiarizationOptions()
    speech = detect_speech(wav, vad)
    turns = diarizer.turns(wav, speech, opts)
    return Processed(rec, turns, diarizer.speaker_embeddings(wav, turns, opts))


def score(p: Processed, names: dict[str, str | None]) -> Tally:
    ref = p.recording.reference
    end = max([s.end for _, s in ref] + [t.segment.end for t in p.turns] + [0.0])
    n = int(np.ceil(end / FRAME_S)) + 1
    count = np.zeros(n, dtype=np.int32)
    ref_id = np.full(n, -1)
    people = list(dict.fromkeys(w for w, _ in ref))
    for w, s in ref:
        sl = slice(round(s.start / FRAME_S), round(s.end / FRAME_S))
        count[sl] += 1
        ref_id[sl] = people.index(w)
    labels = sorted({x for x in names.values() if x is not None})
    hyp = np.full(n, -2)  # -2: no turn, -1: unnamed turn, k: labels[k]
    for t in p.turns:
        sl = slice(round(t.segment.start / FRAME_S), round(t.segment.end / FRAME_S))
        name = names.get(t.speaker)
        hyp[sl] = -1 if name is None else labels.index(name)
    tally = Tally()
    single = count == 1
    for k, w in enumerate(people):
        mine = single & (ref_id == k)
        target = p.recording.who.get(w)
        h = hyp[mine]
        named = h >= 0
        if target is None:
            tally.other_total += float(mine.sum()) * FRAME_S
            tally.other_named += float(named.sum()) * FRAME_S
            for j in np.unique(h[named]):
                tally.wrong_names[f"{w} -> {labels[j]}"] += float((h == j).sum()) * FRAME_S
            continue
        right = labels.index(target) if target in labels else -3
        tally.right += float((h == right).sum()) * FRAME_S
        wrong = named & (h != right)
        tally.wrong += float(wrong.sum()) * FRAME_S
        for j in np.unique(h[wrong]):
            tally.wrong_names[f"{w} -> {labels[j]}"] += float((h == j).sum()) * FRAME_S
        tally.unnamed += float((h < 0).sum()) * FRAME_S
        tally.missed += float((h == -2).sum()) * FRAME_S
    return tally


def evaluate(
    done: Sequence[Processed], stores: dict[str, VoiceStore], options: NamingOptions
) -> dict[str, Tally]:
    tallies: dict[str, Tally] = defaultdict(Tally)
    for p in done:
        profiles = [v for k in p.recording.stores if k in stores for v in stores[k].list()]
        speakers = name_speakers(p.embeddings, profiles, options)
        t = score(p, {s.id: s.name for s in speakers})
        tallies[p.recording.track].add(t)
        tallies["all"].add(t)
    return tallies


def explain(p: Processed, stores: dict[str, VoiceStore]) -> None:
    """Each diarized speaker: whose speech it holds, the name given, its two closest profiles."""
    profiles = [v for k in p.recording.stores if k in stores for v in stores[k].list()]
    given = {s.id: s.name for s in name_speakers(p.embeddings, profiles)}
    matrix = np.stack([v.vector for v in profiles])
    for label, emb in p.embeddings.items():
        held: dict[str, float] = defaultdict(float)
        for t in p.turns:
            if t.speaker == label:
                for w, seg in p.recording.reference:
                    held[w] += t.segment.overlap(seg)
        top = sorted(held.items(), key=lambda x: -x[1])[:3]
        cos = matrix @ (emb / np.linalg.norm(emb))
        best = np.argsort(-cos)[:2]
        print(
            f"  {p.recording.name:<24} {label} holds "
            + ", ".join(f"{w} {v:.1f} s" for w, v in top if v >= 0.1)
            + f" -> {given[label] or 'unnamed'} ("
            + ", ".join(f"{profiles[j].name} {cos[j]:.3f}" for j in best)
            + ")"
        )


def pct(a: float, b: float) -> str:
    return f"{100 * a / b:6.2f}%" if b else "     - "


def report(
    done: Sequence[Processed],
    stores: dict[str, VoiceStore],
    grid: Sequence[tuple[float, float]],
    details: bool,
) -> None:
    sizes = ", ".join(f"{k} {len(v.list())}" for k, v in stores.items())
    print(f"\nprofiles enrolled: {sizes}; {len(done)} test recordings")
    print(
        f"{'threshold':<10}{'margin':<8}{'track':<11}{'enrolled s':>11}{'right':>9}{'wrong':>9}"
        f"{'unnamed':>9}{'(no turn)':>10}{'others s':>10}{'named':>9}{'wrong all':>11}"
    )
    default = NamingOptions()
    for th, margin in grid:
        tallies = evaluate(done, stores, NamingOptions(threshold=th, margin_cos=margin))
        is_default = abs(th - default.threshold) + abs(margin - default.margin_cos) < 1e-9
        mark = " *" if is_default else ""
        for track in ("council", "ami", "impostors", "all"):
            t = tallies.get(track)
            if t is None:
                continue
            e = t.enrolled_total
            print(
                f"{th:<10.3f}{margin:<6.3f}{mark:<2}{track:<11}{e:>11.1f}{pct(t.right, e):>9}"
                f"{pct(t.wrong, e):>9}{pct(t.unnamed, e):>9}{pct(t.missed, e):>10}"
                f"{t.other_total:>10.1f}{pct(t.other_named, t.other_total):>9}"
                f"{pct(t.wrong + t.other_named, e + t.other_total):>11}"
            )
        if details:
            for k, v in sorted(tallies["all"].wrong_names.items(), key=lambda x: -x[1]):
                print(f"    wrong: {k} ({v:.1f} s)")
    print("* the defaults (NamingOptions())")
    if details:
        print("\nAt the defaults, each diarized speaker (cosine to the two closest profiles):")
        for p in done:
            explain(p, stores)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--thresholds", default=f"0.9,{DEFAULT_THRESHOLD},0.995")
    ap.add_argument("--margins", default=f"0,{DEFAULT_MARGIN_COS}", help="margin_cos values")
    ap.add_argument("--tracks", default="council,ami,impostors")
    ap.add_argument("--details", action="store_true", help="list who got which wrong name")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not DATA.is_dir():
        print(f"Data folder {DATA} is missing; see ../shared/data/README.md. Stopping.")
        return 2
    thresholds = [float(x) for x in args.thresholds.split(",")]
    margins = list(dict.fromkeys(float(x) for x in args.margins.split(",")))
    grid = [(t, m) for t in thresholds for m in margins]
    tracks = set(args.tracks.split(","))
    import torch

    torch.set_num_threads(2)
    t0 = time.perf_counter()
    diarizer = EmbeddedDiarizer("cpu")
    vad = load_vad_model()
    with tempfile.TemporaryDirectory(prefix="plenaria-naming-") as d:
        tmp = Path(d)
        stores: dict[str, VoiceStore] = {}
        recordings: list[TestRecording] = []
        if "council" in tracks:
            recordings += council(stores, diarizer, tmp)
        if "ami" in tracks:
            recordings += ami(stores, diarizer, tmp)
        if "impostors" in tracks:
            recordings += impostors(tmp, vad)
        t1 = time.perf_counter()
        done = []
        for r in recordings:
            start = time.perf_counter()
            p = process(r, diarizer, vad, tmp)
            done.append(p)
            print(
                f"{r.track:<10} {r.name:<36} {len(r.who):>2} speakers "
                f"({sum(1 for v in r.who.values() if v)} enrolled), {len(p.embeddings):>2} found "
                f"({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
        t2 = time.perf_counter()
        report(done, stores, grid, args.details)
    print(f"prepare + enroll {t1 - t0:.0f} s, process {t2 - t1:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
