"""Speech found as the audio arrives, and chunks closed at silences.

:class:`StreamingVad` scores the session's audio with silero as it grows, in
whole 32 ms frames with the model's state carried over, so its probabilities are
those :func:`plenaria.media.vad.speech_probabilities` gives on the finished WAV;
:meth:`StreamingVad.speech` turns them into the same speech segments
:func:`~plenaria.media.vad.detect_speech` would.

:class:`ChunkCloser` is pure: given the speech found in the open chunk so far, it
says where to close it: in the middle of the first silence of ``close_gap_s``
once the chunk is ``min_chunk_s`` long, or, at ``max_chunk_s``, in the widest
silence of its second half (the quietest point when there is none).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from plenaria.domain import Segment
from plenaria.media.audio import SAMPLE_RATE

# The scorers are silero's own streaming loops; shared, not copied.
from plenaria.media.vad import FRAME, Scorer, VadModel, VadOptions, speech_spans
from plenaria.media.vad import _sequence_scorer as sequence_scorer
from plenaria.media.vad import _stream_scorer as stream_scorer


class LiveOptions(BaseModel):
    """When a live chunk closes, and how long the recorder waits for a dropped stream."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_chunk_s: float = Field(
        default=8.0, gt=0, description="A chunk closes at a silence only once this long."
    )
    max_chunk_s: float = Field(
        default=25.0,
        gt=2.0,
        description="A chunk longer than this is closed at its widest silence (latency bound; "
        "at most 30 s keeps it in one recogniser window).",
    )
    close_gap_s: float = Field(
        default=0.4,
        gt=0,
        description="Silence after the end of a speech segment (padding included) that closes "
        "a chunk.",
    )
    end_timeout_s: float = Field(
        default=20.0,
        ge=0,
        description="After the stream drops: seconds of reconnecting before the session ends.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> LiveOptions:
        if self.min_chunk_s >= self.max_chunk_s:
            raise ValueError("min_chunk_s must be shorter than max_chunk_s")
        return self


class StreamingVad:
    """Silero probabilities of a growing audio, a frame (512 samples) at a time."""

    def __init__(self, model: VadModel) -> None:
        self._scorer: Scorer = sequence_scorer(model) if model.sequence else stream_scorer(model)
        next(self._scorer)
        self._probs: list[np.ndarray] = []
        self._pending = np.zeros(0, dtype=np.float32)
        self.frames = 0  # frames scored
        self.samples = 0  # samples received

    def feed(self, samples: np.ndarray) -> None:
        """Score new samples (float32); a partial frame waits for the next call."""
        self.samples += len(samples)
        data = np.concatenate((self._pending, samples)) if len(self._pending) else samples
        whole = len(data) - len(data) % FRAME
        if whole:
            self._probs.append(self._scorer.send(data[:whole]))
            self.frames += whole // FRAME
        self._pending = data[whole:].copy()

    def finish(self) -> None:
        """Score the last partial frame (zero-padded, as the whole-file pass does)."""
        if len(self._pending):
            self._probs.append(self._scorer.send(self._pending))
            self.frames += 1
            self._pending = np.zeros(0, dtype=np.float32)

    def probabilities(self) -> np.ndarray:
        if len(self._probs) > 1:
            self._probs = [np.concatenate(self._probs)]
        return self._probs[0] if self._probs else np.zeros(0, dtype=np.float32)

    @property
    def scored_s(self) -> float:
        return self.frames * FRAME / SAMPLE_RATE

    def speech(self, options: VadOptions, since_s: float = 0.0) -> tuple[Segment, ...]:
        """Speech segments from ``since_s`` (a silence) to the audio scored so far."""
        probs = self.probabilities()
        first = int(since_s * SAMPLE_RATE) // FRAME
        n = min(self.samples, self.frames * FRAME) - first * FRAME
        spans = speech_spans(probs[first:], max(0, n), options)
        base = first * FRAME
        return tuple(Segment((base + a) / SAMPLE_RATE, (base + b) / SAMPLE_RATE) for a, b in spans)


class ChunkCloser:
    """Where the open chunk ``[start_s, now_s]`` closes, if it closes now."""

    def __init__(self, options: LiveOptions) -> None:
        self.options = options

    def cut(
        self,
        start_s: float,
        now_s: float,
        speech: Sequence[Segment],
        quiet: Callable[[Segment], float] | None = None,
    ) -> float | None:
        """The time to close at, or None to wait for more audio.

        ``speech`` are the segments found in the open chunk; the last one may still
        be growing (it ends at ``now_s``).
        """
        opts = self.options
        length = now_s - start_s
        inside = [s for s in speech if s.end > start_s + 1e-6]
        if length >= opts.min_chunk_s and inside:
            last_end = inside[-1].end
            finished = last_end < now_s - 1e-6
            if finished and now_s - last_end >= opts.close_gap_s and last_end > start_s:
                return (last_end + now_s) / 2
        if length < opts.max_chunk_s:
            return None
        end = start_s + opts.max_chunk_s
        gaps = _silences(inside, start_s, end)
        late = [g for g in gaps if g.middle >= start_s + opts.max_chunk_s / 2]
        for pool in (late, gaps):
            if pool:
                return max(pool, key=lambda g: (g.duration, g.middle)).middle
        if quiet is not None:
            t = quiet(Segment(start_s + opts.max_chunk_s / 2, end))
            if start_s < t <= end:
                return t
        return end


def _silences(speech: Sequence[Segment], start_s: float, end_s: float) -> list[Segment]:
    """The gaps between speech segments inside ``(start_s, end_s)`` (not at its edges)."""
    out: list[Segment] = []
    t = start_s
    for s in speech:
        if s.start > t + 1e-6 and t > start_s:
            out.append(Segment(t, min(s.start, end_s)))
        t = max(t, s.end)
        if t >= end_s:
            break
    return [g for g in out if g.duration > 0]
