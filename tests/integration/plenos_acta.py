"""Scripted plenos with their acta's ground truth, processed end to end and scored field by field.

Shared by ``tests/integration/test_acta_plenos.py`` and ``bench/acta.py`` so that the test
and the benchmark read the same plenos and print the same table. Each pleno is a script of
lines said by espeak-ng voices (Spanish: ``es`` and ``es-419`` with their variants, each at
its own speed and pitch) or, for the Catalan one, by festival's ``upc_ca_ona_hts`` and
espeak-ng's ``ca``. A line that announces an agenda item carries the item's number, so
the item's true start is where that line starts in the rendered audio.

The truth of each pleno: start and end time, the number present, who is excused (and who
is said to be absent), each item's start and each item's vote (None: the item is not put
to the vote, and a vote found there is *invented*). ``score`` compares an acta with it:
every field is right or wrong; a vote's counts are right when for, against and
abstentions all are, its result when "approved"/"rejected" is.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from plenaria.cli.samples import SAMPLE_RATE, Voice, speak, write_wav
from plenaria.domain import (
    Intervention,
    Recording,
    Segment,
    SessionInfo,
    Speaker,
    Transcript,
    Turn,
    Word,
)
from plenaria.domain_acta import Acta

ITEM_START_TOLERANCE_S = 10.0
# What a council writes once in its settings (the session's "vocabulary", given to the
# recogniser): the words of every acta, as a clerk would list them. The roster's names
# are added per pleno. ``VOCABULARY=False`` in ``run_all`` leaves it out, for comparison.
COUNCIL_VOCABULARY = {
    "es": ("concejales", "votos a favor", "en contra", "abstenciones", "unanimidad",
           "queda aprobada", "queda rechazada", "orden del día", "se levanta la sesión"),
    "ca": ("regidors", "vots a favor", "en contra", "abstencions", "unanimitat",
           "queda aprovada", "queda rebutjada", "ordre del dia", "s'aixeca la sessió"),
}  # fmt: skip


@dataclass(frozen=True)
class Said:
    """A line of the script: who says it, the words, the agenda item it opens (0: none)."""

    voice: Voice
    text: str
    opens: int = 0


@dataclass(frozen=True)
class VoteTruth:
    for_: int
    against: int
    abstentions: int
    result: str  # "approved" | "rejected"


@dataclass(frozen=True)
class Item:
    title: str
    vote: VoteTruth | None  # None: not put to the vote


@dataclass(frozen=True)
class Pleno:
    name: str
    language: str  # "es" | "ca"
    script: tuple[Said, ...]
    items: tuple[Item, ...]
    members: tuple[tuple[str, str, str], ...]  # (name, group, role), the roster
    start_time: str
    end_time: str
    present: int  # council members present (the count said)
    excused: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()  # said to be absent ("no asiste ...")
    pause_s: float = 0.8
    in_target: bool = True  # counted in the >= 95 % target (False: reported apart)

    @property
    def legal_members(self) -> int:
        return sum(1 for _, _, role in self.members if not role.startswith("secretari"))

    def session(self, vocabulary: bool = True) -> dict[str, object]:
        words = [*COUNCIL_VOCABULARY[self.language], *(n for n, _, _ in self.members)]
        return {
            "vocabulary": words if vocabulary else [],
            "date": "2026-05-14",
            "place": "Salón de plenos" if self.language == "es" else "Sala de plens",
            "agenda": [item.title for item in self.items],
            "members": [{"name": n, "group": g, "role": r} for n, g, r in self.members],
            "legal_members": self.legal_members,
        }


def _festival(text: str) -> np.ndarray:
    """Catalan speech by festival's upc_ca_ona_hts voice, at the sample rate of espeak-ng."""
    from scipy.signal import resample_poly

    raw = subprocess.run(
        ["text2wave", "-eval", "(voice_upc_ca_ona_hts)", "-o", "/dev/stdout"],
        input=text.encode("latin-1"),
        capture_output=True,
        check=True,
    ).stdout
    with wave.open(io.BytesIO(raw)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768
    x = resample_poly(x, SAMPLE_RATE, rate).astype(np.float32)
    loud = np.flatnonzero(np.abs(x) > 0.01)
    return x[loud[0] : loud[-1] + 1] if loud.size else x[:0]


FESTIVAL = "festival:upc_ca_ona_hts"


def _speak(line: Said) -> np.ndarray:
    return _festival(line.text) if line.voice.espeak == FESTIVAL else speak(line.text, line.voice)


def render(pleno: Pleno, wav: Path) -> list[tuple[float, float]]:
    """Write the pleno's speech to ``wav``; return where each line of the script is said."""
    lead = np.zeros(int(1.0 * SAMPLE_RATE), np.float32)
    gap = np.zeros(int(pleno.pause_s * SAMPLE_RATE), np.float32)
    parts = [lead]
    t = len(lead) / SAMPLE_RATE
    said: list[tuple[float, float]] = []
    for line in pleno.script:
        audio = _speak(line)
        said.append((t, t + len(audio) / SAMPLE_RATE))
        parts += [audio, gap]
        t += (len(audio) + len(gap)) / SAMPLE_RATE
    write_wav(wav, np.concatenate(parts))
    return said


def item_starts(pleno: Pleno, said: Sequence[tuple[float, float]]) -> dict[int, float]:
    """Where each agenda item's opening line starts."""
    return {line.opens: t[0] for line, t in zip(pleno.script, said, strict=True) if line.opens}


def script_transcript(
    pleno: Pleno, said: Sequence[tuple[float, float]], session: SessionInfo
) -> Transcript:
    """The script itself as a transcript, each line's words spread over where it is said: the
    detectors' part alone, with no recogniser between."""
    interventions = []
    for k, (line, (start, end)) in enumerate(zip(pleno.script, said, strict=True)):
        texts = line.text.split()
        step = (end - start) / len(texts)
        words = tuple(
            Word(w, round(start + j * step, 3), round(start + (j + 0.9) * step, 3))
            for j, w in enumerate(texts)
        )
        speaker = f"SPEAKER_{k % 3:02d}"
        interventions.append(Intervention(speaker, Segment(words[0].start, words[-1].end), words))
    duration = said[-1][1] + 1.0
    return Transcript(
        recording=Recording(
            f"{pleno.name}.wav", hashlib.sha256(b"").hexdigest(), 1, duration, "wav"
        ),
        session=session,
        speakers=tuple(Speaker(f"SPEAKER_{k:02d}") for k in range(3)),
        turns=tuple(Turn(iv.speaker, iv.segment) for iv in interventions),
        interventions=tuple(interventions),
        languages=(pleno.language,),
    )


def write_session(pleno: Pleno, path: Path, vocabulary: bool = True) -> Path:
    data = pleno.session(vocabulary)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@dataclass
class Score:
    """One pleno's fields: (field, right, what was expected, what was found)."""

    pleno: Pleno
    fields: list[tuple[str, bool, str, str]] = field(default_factory=list)
    invented_votes: int = 0
    heard: str = ""

    def add(self, name: str, expected: object, found: object, right: bool | None = None) -> None:
        ok = expected == found if right is None else right
        self.fields.append((name, ok, str(expected), str(found)))

    @property
    def right(self) -> int:
        return sum(1 for f in self.fields if f[1])


def _fmt_vote(v: object) -> str:
    if v is None:
        return "sin votación"
    for_, against, abst, result = (getattr(v, k) for k in ("for_", "against", "abstentions",
                                                            "result"))  # fmt: skip
    return f"{for_}/{against}/{abst} {result}"


def score(pleno: Pleno, acta: Acta, said_starts: dict[int, float], heard: str = "") -> Score:
    """Every field of ``acta`` that the pleno's truth says, right or wrong."""
    s = Score(pleno, heard=heard)
    s.add("inicio", pleno.start_time, acta.start_time)
    s.add("fin", pleno.end_time, acta.end_time)
    s.add("asistentes", pleno.present, acta.attendance.count_present)
    s.add("excusados", tuple(pleno.excused), tuple(acta.attendance.excused))
    if pleno.absent:
        found = set(acta.attendance.absent)
        s.add("ausentes", pleno.absent, acta.attendance.absent, set(pleno.absent) <= found)
    for number, (item, got) in enumerate(zip(pleno.items, acta.items, strict=True), start=1):
        said = said_starts[number]
        ok = got.start is not None and abs(got.start - said) <= ITEM_START_TOLERANCE_S
        found_start = "no hallado" if got.start is None else f"{got.start:.1f}"
        s.add(f"p{number} inicio", f"{said:.1f}", found_start, ok)
        v = got.vote
        if item.vote is None:
            s.add(f"p{number} sin voto", "sin votación", _fmt_vote(v), v is None)
            s.invented_votes += v is not None
            continue
        truth = item.vote
        counts = None if v is None else (v.for_, v.against, v.abstentions)
        s.add(f"p{number} votos", (truth.for_, truth.against, truth.abstentions), counts)
        s.add(f"p{number} resultado", truth.result, None if v is None else v.result)
    return s


CATEGORIES = (
    ("inicio", "inicio"),
    ("fin", "fin"),
    ("asist.", "asistentes"),
    ("excus.", "excusados"),
    ("ausentes", "ausentes"),
    ("puntos", " inicio"),
    ("votos", " votos"),
    ("result.", " resultado"),
    ("sin voto", " sin voto"),
)


def table(scores: Sequence[Score]) -> str:
    """Pleno × field, right/total; then every wrong field with what was expected and found."""
    head = ["pleno", *(c for c, _ in CATEGORIES), "bien", "%", "inventados"]
    rows: list[list[str]] = []

    def cells(name: str, group: Sequence[Score]) -> list[str]:
        out = [name]
        for _, key in CATEGORIES:
            fs = [f for s in group for f in s.fields if _category(f[0]) == key]
            out.append(f"{sum(f[1] for f in fs)}/{len(fs)}" if fs else "-")
        right = sum(s.right for s in group)
        total = sum(len(s.fields) for s in group)
        out += [f"{right}/{total}", f"{100 * right / max(total, 1):.1f}",
                str(sum(s.invented_votes for s in group))]  # fmt: skip
        return out

    for s in scores:
        rows.append(cells(s.pleno.name + ("" if s.pleno.in_target else " *"), [s]))
    target = [s for s in scores if s.pleno.in_target]
    rows.append(cells("total (objetivo)", target))
    if len(target) < len(scores):
        rows.append(cells("total (todos)", scores))
    widths = [max(len(r[k]) for r in [head, *rows]) for k in range(len(head))]
    fmt = "| " + " | ".join(f"{{:{w}}}" for w in widths) + " |"
    lines = [fmt.format(*head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += [fmt.format(*r) for r in rows]
    wrong = [(s.pleno.name, f) for s in scores for f in s.fields if not f[1]]
    if len(target) < len(scores):
        lines.append("\n* fuera del objetivo (se informa aparte)")
    lines.append("\nCampos erróneos:" if wrong else "\nCampos erróneos: ninguno")
    lines += [f"- {name}, {f[0]}: esperado {f[2]}, hallado {f[3]}" for name, f in wrong]
    return "\n".join(lines)


def _category(name: str) -> str:
    return name[name.index(" ") :] if name.startswith("p") and name[1].isdigit() else name


def target_figures(scores: Sequence[Score]) -> tuple[float, int]:
    """% of fields right and invented votes, over the plenos in the target."""
    target = [s for s in scores if s.pleno.in_target]
    right = sum(s.right for s in target)
    total = sum(len(s.fields) for s in target)
    return 100 * right / max(total, 1), sum(s.invented_votes for s in target)


def run_all(
    plenos: Sequence[Pleno],
    work: Path,
    process: Callable[[Path, Path, Pleno], tuple[Acta, str]],
    vocabulary: bool = True,
) -> tuple[list[Score], list[Score]]:
    """Render each pleno under ``work`` and score two actas of it: the one found in what
    ``process(wav, session_file, pleno)`` heard (end to end), and the one found in the
    script's own words (the detectors alone)."""
    from plenaria.assembly.acta import acta_options, find_acta
    from plenaria.cli.session_file import load_session

    heard_scores, script_scores = [], []
    for pleno in plenos:
        folder = work / pleno.name
        folder.mkdir(parents=True, exist_ok=True)
        said = render(pleno, folder / f"{pleno.name}.wav")
        starts = item_starts(pleno, said)
        session_file = write_session(pleno, folder / "sesion.yaml", vocabulary)
        acta, heard = process(folder / f"{pleno.name}.wav", session_file, pleno)
        heard_scores.append(score(pleno, acta, starts, heard))
        session = load_session(session_file)
        written = script_transcript(pleno, said, session)
        found = find_acta(written, session, session.roster, acta_options(session))
        script_scores.append(score(pleno, found, starts, written.text))
    return heard_scores, script_scores


def processor(
    cache_dir: Path, data_dir: Path, models_dir: Path
) -> Callable[[Path, Path, Pleno], tuple[Acta, str]]:
    """What ``plenaria process REC --session S -l LANG --no-diarization --no-proxy`` runs,
    in this process with the models loaded once: the acta block of the transcript it writes."""
    import json

    from plenaria.cli.options import process_options
    from plenaria.cli.session_file import load_session
    from plenaria.config import Settings
    from plenaria.pipeline import ProcessOptions, load_engines, process_recording

    settings = Settings(
        cache_dir=cache_dir, data_dir=data_dir, models_dir=models_dir,
        diarization_backend="none",
    )  # fmt: skip
    engines = load_engines(settings)

    def run(wav: Path, session_file: Path, pleno: Pleno) -> tuple[Acta, str]:
        options = process_options(
            ProcessOptions(), language=pleno.language, make_proxy=False, diarize=False,
            acta_lang=pleno.language,
        )  # fmt: skip
        out = wav.parent / "out"
        result = process_recording(wav, out, engines, settings, load_session(session_file), options)
        data = json.loads(result.outputs["json"].read_text(encoding="utf-8"))
        return Acta.from_dict(data["acta"]), result.transcript.text

    return run
