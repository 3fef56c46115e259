"""Diarization error rate in NumPy, for a machine without pyannote.metrics.

Frames of 10 ms. Reference and hypothesis speakers are mapped one to one so that the
time they share is largest (Hungarian assignment), as md-eval and pyannote.metrics do.
Per frame: missed = max(0, n_ref - n_hyp), false alarm = max(0, n_hyp - n_ref),
confusion = min(n_ref, n_hyp) - mapped pairs speaking there; DER = their sum over the
reference's speaker time. Strict: no collar, overlap scored. Lenient: a 0.25 s collar
(0.125 s either side of every reference boundary, as pyannote.metrics cuts it) not scored,
and frames where two reference speakers overlap skipped. Checked against the figures
pyannote.metrics gave in bench/README.md (same recordings, same defaults).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from plenaria.domain import Segment, Turn

FRAME_S = 0.01


@dataclass(frozen=True)
class Der:
    strict: float
    lenient: float
    missed: float  # shares of the strict total
    false_alarm: float
    confusion: float


def _matrix(spans: Sequence[tuple[str, Segment]], n: int) -> tuple[list[str], np.ndarray]:
    labels = sorted({who for who, _ in spans})
    m = np.zeros((len(labels), n), dtype=bool)
    for who, seg in spans:
        a, b = max(0, round(seg.start / FRAME_S)), min(n, round(seg.end / FRAME_S))
        m[labels.index(who), a:b] = True
    return labels, m


def _error(ref: np.ndarray, hyp: np.ndarray, keep: np.ndarray) -> tuple[float, float, float, float]:
    ref, hyp = ref[:, keep], hyp[:, keep]
    n_ref, n_hyp = ref.sum(axis=0), hyp.sum(axis=0)
    total = float(n_ref.sum())
    if total == 0:
        return 0.0, 0.0, 0.0, 0.0
    shared = ref.astype(np.int64) @ hyp.T.astype(np.int64) if len(hyp) else np.zeros((len(ref), 0))
    correct = np.zeros(ref.shape[1], dtype=np.int64)
    if shared.size:
        rows, cols = linear_sum_assignment(-shared)
        for r, c in zip(rows, cols, strict=True):
            correct += ref[r] & hyp[c]
    missed = float(np.maximum(0, n_ref - n_hyp).sum())
    false_alarm = float(np.maximum(0, n_hyp - n_ref).sum())
    confusion = float((np.minimum(n_ref, n_hyp) - correct).sum())
    return (
        (missed + false_alarm + confusion) / total,
        missed / total,
        false_alarm / total,
        (confusion / total),
    )


def der(reference: Sequence[tuple[str, Segment]], turns: Sequence[Turn], duration_s: float) -> Der:
    n = int(np.ceil(duration_s / FRAME_S)) + 1
    _, ref = _matrix(reference, n)
    _, hyp = _matrix([(t.speaker, t.segment) for t in turns], n)
    everything = np.ones(n, dtype=bool)
    strict, missed, fa, conf = _error(ref, hyp, everything)
    keep = ref.sum(axis=0) <= 1
    collar = round(0.125 / FRAME_S)  # 0.25 s in all, as pyannote.metrics counts it
    for _, seg in reference:
        for edge in (seg.start, seg.end):
            k = round(edge / FRAME_S)
            keep[max(0, k - collar) : k + collar] = False
    lenient = _error(ref, hyp, keep)[0]
    return Der(strict, lenient, missed, fa, conf)
