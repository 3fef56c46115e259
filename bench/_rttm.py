"""Ground truth and scoring for bench/diarization.py: RTTM/UEM in, DER and its parts out.

pyannote.metrics (the ``bench`` extra) does the scoring; this module only turns
plenaria's turns into pyannote Annotations and breaks the error down by cause,
so a regression can be traced to the VAD, to overlap or to clustering.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from plenaria.domain import Segment, Turn

FRAME_S = 0.01  # resolution of the error breakdown (DER itself is exact)


@dataclass(frozen=True)
class Reference:
    """A recording's ground truth: speaker turns and the scored region."""

    uri: str
    annotation: Any  # pyannote.core.Annotation
    uem: Any  # pyannote.core.Timeline
    excerpts: tuple[tuple[str, Segment], ...]  # (name, span) of concatenated excerpts, if any

    @property
    def speakers(self) -> int:
        return len(self.annotation.crop(self.uem).labels())


@dataclass(frozen=True)
class Score:
    """DER with and without forgiveness, and where the strict error comes from (seconds)."""

    strict: float
    lenient: float
    scored_s: float  # reference speech, overlap counted once per speaker
    missed_silent_s: float  # reference speech where the hypothesis has no speaker (VAD miss)
    missed_overlap_s: float  # extra reference speakers in overlap beyond the hypothesis's
    false_alarm_s: float
    confusion_s: float
    overlap_s: float  # reference speech beyond one speaker at a time
    speech_s: float  # time in which at least one reference speaker speaks
    per_excerpt: float | None  # strict DER with each excerpt scored (mapped) on its own

    def share(self, seconds: float) -> float:
        return seconds / self.scored_s if self.scored_s else 0.0


def load_reference(rttm: Path, duration_s: float) -> Reference:
    """The reference of ``rttm``; the .uem beside it, or the whole file, is the scored region."""
    from pyannote.core import Segment as PSegment
    from pyannote.core import Timeline
    from pyannote.database.util import load_rttm, load_uem

    annotations = load_rttm(str(rttm))
    if len(annotations) != 1:
        raise ValueError(f"{rttm.name} holds {len(annotations)} recordings; expected one")
    uri, annotation = next(iter(annotations.items()))
    uem_path = rttm.with_suffix(".uem")
    if uem_path.is_file():
        uem = load_uem(str(uem_path))[uri]
    else:
        uem = Timeline([PSegment(0.0, duration_s)], uri=uri)
    return Reference(uri, annotation, uem, read_excerpts(rttm.with_suffix(".segments.txt")))


def read_excerpts(path: Path) -> tuple[tuple[str, Segment], ...]:
    """``   0.0s-   30.0s  name.wav`` lines: the pieces of a concatenated recording."""
    if not path.is_file():
        return ()
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\s*([\d.]+)s\s*-\s*([\d.]+)s\s+(\S+)", line)
        if m:
            out.append((m.group(3), Segment(float(m.group(1)), float(m.group(2)))))
    return tuple(out)


def to_annotation(turns: Sequence[Turn], uri: str) -> Any:
    from pyannote.core import Annotation
    from pyannote.core import Segment as PSegment

    annotation = Annotation(uri=uri)
    for k, t in enumerate(turns):
        annotation[PSegment(t.segment.start, t.segment.end), k] = t.speaker
    return annotation


def score(ref: Reference, turns: Sequence[Turn]) -> Score:
    """Strict DER (no collar, overlap scored), lenient DER (0.25 s collar, overlap skipped)."""
    from pyannote.core import Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    hyp = to_annotation(turns, ref.uri)
    strict = DiarizationErrorRate(collar=0.0, skip_overlap=False)
    lenient = DiarizationErrorRate(collar=0.25, skip_overlap=True)
    parts = strict(ref.annotation, hyp, uem=ref.uem, detailed=True)
    lenient_der = lenient(ref.annotation, hyp, uem=ref.uem)

    per_excerpt = None
    if ref.excerpts:
        metric = DiarizationErrorRate(collar=0.0, skip_overlap=False)
        for _, span in ref.excerpts:
            region = ref.uem.crop(Timeline([_pseg(span)]))
            metric(ref.annotation, hyp, uem=region)
        per_excerpt = abs(metric)

    silent, overlap_missed, overlap, speech = _missed_breakdown(ref, turns)
    return Score(
        strict=parts["diarization error rate"],
        lenient=lenient_der,
        scored_s=parts["total"],
        missed_silent_s=silent,
        missed_overlap_s=overlap_missed,
        false_alarm_s=parts["false alarm"],
        confusion_s=parts["confusion"],
        overlap_s=overlap,
        speech_s=speech,
        per_excerpt=per_excerpt,
    )


def excerpt_speaker_counts(ref: Reference, turns: Sequence[Turn]) -> list[tuple[str, int, int]]:
    """(excerpt, estimated, true) speakers heard in each excerpt (estimated: ≥ 1 s of speech)."""
    out = []
    for name, span in ref.excerpts:
        true = len(ref.annotation.crop(_pseg(span)).labels())
        talk: dict[str, float] = {}
        for t in turns:
            talk[t.speaker] = talk.get(t.speaker, 0.0) + t.segment.overlap(span)
        out.append((name, sum(1 for s in talk.values() if s >= 1.0), true))
    return out


def _pseg(span: Segment) -> Any:
    from pyannote.core import Segment as PSegment

    return PSegment(span.start, span.end)


def _missed_breakdown(ref: Reference, turns: Sequence[Turn]) -> tuple[float, float, float, float]:
    """Seconds missed where the hypothesis is silent, missed in overlap, of overlap, of speech."""
    end = max(s.end for s in ref.uem)
    n = int(np.ceil(end / FRAME_S))
    scored = np.zeros(n, dtype=bool)
    for s in ref.uem:
        scored[_frames(s.start, s.end, n)] = True
    n_ref = np.zeros(n, dtype=np.int32)
    for s, _, _ in ref.annotation.itertracks(yield_label=True):
        n_ref[_frames(s.start, s.end, n)] += 1
    n_hyp = np.zeros(n, dtype=np.int32)
    for t in turns:
        n_hyp[_frames(t.segment.start, t.segment.end, n)] += 1
    n_ref, n_hyp = n_ref[scored], n_hyp[scored]
    silent = float(n_ref[n_hyp == 0].sum()) * FRAME_S
    in_overlap = float(np.maximum(0, n_ref - n_hyp)[n_hyp > 0].sum()) * FRAME_S
    overlap = float(np.maximum(0, n_ref - 1).sum()) * FRAME_S
    speech = float((n_ref > 0).sum()) * FRAME_S
    return silent, in_overlap, overlap, speech


def _frames(start: float, end: float, n: int) -> slice:
    return slice(max(0, round(start / FRAME_S)), min(n, round(end / FRAME_S)))
