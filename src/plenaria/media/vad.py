"""Where people speak: silero VAD on onnxruntime, streamed over the working WAV.

The ONNX model files ship inside the silero-vad package; they are found with
``importlib.util.find_spec`` without importing ``silero_vad`` (which imports
torch). The batched "sequence" export (silero-vad >= 6) scores a block of
32 ms frames in one call; older packages only have the streaming export, run
frame by frame. Both give the same probabilities.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from plenaria.domain import Segment
from plenaria.errors import DependencyError, ModelNotFoundError
from plenaria.media.audio import SAMPLE_RATE, audio_duration, iter_audio_blocks
from plenaria.progress import Progress, no_progress

log = logging.getLogger(__name__)

FRAME = 512  # samples per VAD frame at 16 kHz (32 ms)
CONTEXT = 64  # samples of the previous frame prepended to each frame
FRAMES_PER_CALL = 512  # ~16 s of audio per onnxruntime call (sequence model)
SEQUENCE_MODEL = "silero_vad_16k_sequence.onnx"
STREAM_MODEL = "silero_vad.onnx"

Scorer = Generator[np.ndarray, np.ndarray, None]  # send samples, receive probabilities


class VadOptions(BaseModel):
    """How speech probabilities become speech segments (silero's own rules)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: float = Field(
        default=0.5,
        gt=0,
        lt=1,
        description="Frame speech probability at or above which it is speech.",
    )
    min_speech_ms: int = Field(
        default=250, ge=0, le=10_000, description="Shorter speech bursts are dropped."
    )
    min_silence_ms: int = Field(
        default=500, ge=0, le=10_000, description="Silence needed to end a speech segment."
    )
    speech_pad_ms: int = Field(
        default=200, ge=0, le=5000, description="Padding added on each side of a speech segment."
    )


@dataclass(frozen=True)
class VadModel:
    """A loaded silero VAD: an onnxruntime session and which export it runs."""

    session: Any  # onnxruntime.InferenceSession
    sequence: bool  # True: batched export (many frames per call)
    path: Path


def find_vad_model_file() -> Path:
    """The silero ONNX file inside the installed silero-vad package (not imported)."""
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise DependencyError(
            "silero-vad no está instalado; da el modelo de detección de la voz.",
            "pip install 'silero-vad>=5.1' onnxruntime",
        )
    for location in spec.submodule_search_locations:
        for name in (SEQUENCE_MODEL, STREAM_MODEL):
            path = Path(location) / "data" / name
            if path.is_file():
                return path
    raise ModelNotFoundError(
        "El paquete silero-vad no tiene el modelo ONNX en su carpeta de datos.",
        "Reinstale silero-vad (pip install --force-reinstall 'silero-vad>=5.1').",
    )


def load_vad_model(path: Path | None = None, threads: int = 1) -> VadModel:
    """Load silero VAD once per process; pass the result to :func:`detect_speech`."""
    try:
        import onnxruntime
    except ImportError as e:
        raise DependencyError(
            "onnxruntime no está instalado; la detección de la voz lo necesita.",
            "pip install onnxruntime",
        ) from e
    path = path or find_vad_model_file()
    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    session = onnxruntime.InferenceSession(
        str(path), sess_options=opts, providers=["CPUExecutionProvider"]
    )
    inputs = {i.name for i in session.get_inputs()}
    log.info("Loaded silero VAD %s", path.name)
    return VadModel(session=session, sequence="h" in inputs and "c" in inputs, path=path)


def speech_probabilities(
    wav: Path, model: VadModel, progress: Progress = no_progress
) -> np.ndarray:
    """Speech probability of each 32 ms frame of ``wav`` (float32, one per 512 samples).

    Reads the file in blocks of about 16 s: memory does not grow with its length
    (beyond the probabilities, 4 bytes per frame: 450 kB per hour).
    """
    total = audio_duration(wav)
    progress("speech", 0.0, total)
    out: list[np.ndarray] = []
    scorer = sequence_scorer(model) if model.sequence else stream_scorer(model)
    next(scorer)
    for offset, samples in iter_audio_blocks(wav, FRAME * FRAMES_PER_CALL / SAMPLE_RATE):
        out.append(scorer.send(samples))
        progress("speech", min(total, offset + len(samples) / SAMPLE_RATE), total)
    scorer.close()
    return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


def detect_speech(
    wav: Path,
    model: VadModel,
    options: VadOptions = VadOptions(),  # noqa: B008 (frozen, immutable default)
    progress: Progress = no_progress,
) -> tuple[Segment, ...]:
    """Speech segments of ``wav`` in absolute seconds: sorted, non-overlapping."""
    probs = speech_probabilities(wav, model, progress)
    n_samples = round(audio_duration(wav) * SAMPLE_RATE)
    spans = speech_spans(probs, n_samples, options)
    speech = tuple(Segment(a / SAMPLE_RATE, b / SAMPLE_RATE) for a, b in spans)
    log.info(
        "Speech: %d segments, %.1f s of %.1f s",
        len(speech),
        sum(s.duration for s in speech),
        n_samples / SAMPLE_RATE,
    )
    return speech


def speech_spans(probs: np.ndarray, n_samples: int, options: VadOptions) -> list[tuple[int, int]]:
    """Frame probabilities -> padded speech spans in samples (silero's hysteresis rules).

    A span starts at a frame at or above ``threshold`` and ends once the
    probability stays below ``threshold - 0.15`` for ``min_silence_ms``.
    """
    threshold = options.threshold
    neg_threshold = max(threshold - 0.15, 0.01)
    min_speech = SAMPLE_RATE * options.min_speech_ms / 1000
    min_silence = SAMPLE_RATE * options.min_silence_ms / 1000
    pad = int(SAMPLE_RATE * options.speech_pad_ms / 1000)

    spans: list[list[int]] = []
    triggered = False
    start = temp_end = 0
    for i, p in _enumerate_floats(probs):
        cur = i * FRAME
        if p >= threshold:
            temp_end = 0
            if not triggered:
                triggered, start = True, cur
            continue
        if triggered and p < neg_threshold:
            if not temp_end:
                temp_end = cur
            if cur - temp_end >= min_silence:
                if temp_end - start > min_speech:
                    spans.append([start, temp_end])
                triggered, temp_end = False, 0
    if triggered and n_samples - start > min_speech:
        spans.append([start, n_samples])

    # Pad each span; where two are closer than two pads, meet in the middle of the gap.
    for k, span in enumerate(spans):
        if k == 0:
            span[0] = max(0, span[0] - pad)
        if k + 1 < len(spans):
            nxt = spans[k + 1]
            gap = nxt[0] - span[1]
            if gap < 2 * pad:
                span[1] += gap // 2
                nxt[0] = span[1]
            else:
                span[1] += pad
                nxt[0] -= pad
        else:
            span[1] = min(n_samples, span[1] + pad)
    return [(min(a, n_samples), min(b, n_samples)) for a, b in spans if b > a]


def _enumerate_floats(values: np.ndarray, block: int = 4096) -> Iterator[tuple[int, float]]:
    """``enumerate(values)`` as Python floats, converting a block at a time."""
    for base in range(0, len(values), block):
        for j, v in enumerate(values[base : base + block].tolist()):
            yield base + j, v


def _frames(samples: np.ndarray, context: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(frames with context, the next context): shape (n, CONTEXT + FRAME), zero-padded."""
    n = -(-len(samples) // FRAME)
    frames = np.zeros((n, FRAME), dtype=np.float32)
    frames.reshape(-1)[: len(samples)] = samples
    contexts = np.empty((n, CONTEXT), dtype=np.float32)
    contexts[0] = context
    contexts[1:] = frames[:-1, -CONTEXT:]
    return np.concatenate((contexts, frames), axis=1), frames[-1, -CONTEXT:].copy()


def sequence_scorer(model: VadModel) -> Scorer:
    """Generator: send a block of samples, receive its frame probabilities (state carried)."""
    h = np.zeros((1, 1, 128), dtype=np.float32)
    c = np.zeros((1, 1, 128), dtype=np.float32)
    context = np.zeros(CONTEXT, dtype=np.float32)
    probs = np.zeros(0, dtype=np.float32)
    while True:
        samples = yield probs
        batch, context = _frames(samples, context)
        values, h, c = model.session.run(
            ["speech_probs", "hn", "cn"], {"input": batch, "h": h, "c": c}
        )
        probs = np.asarray(values, dtype=np.float32).reshape(-1)


def stream_scorer(model: VadModel) -> Scorer:
    """The same with the streaming export: one onnxruntime call per 32 ms frame."""
    state = np.zeros((2, 1, 128), dtype=np.float32)
    sr = np.array(SAMPLE_RATE, dtype=np.int64)
    context = np.zeros(CONTEXT, dtype=np.float32)
    probs = np.zeros(0, dtype=np.float32)
    while True:
        samples = yield probs
        batch, context = _frames(samples, context)
        probs = np.empty(len(batch), dtype=np.float32)
        for i, frame in enumerate(batch):
            out, state = model.session.run(
                None, {"input": frame[None, :], "state": state, "sr": sr}
            )
            probs[i] = float(out.reshape(-1)[0])
