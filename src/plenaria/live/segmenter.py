"""Speech found as the audio arrives, and chunks closed at silences.

:class:`StreamingVad` scores the session's audio with silero as it grows, in
whole 32 ms frames with the model's state carried over, so its probabilities are
those :func:`plenaria.media.vad.speech_probabilities` gives on the finished WAV;
:meth:`StreamingVad.speech` turns them into the same speech segments
:func:`~plenaria.media.vad.detect_speech` would.

:class:`ChunkCloser` is pure: given the speech found in the open chunk so far, it
says where to close it: in the pause before the speech that no longer fits in
one recogniser window, or, at ``max_chunk_s``, in its widest pause.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from plenaria.domain import Segment
from plenaria.media.audio import SAMPLE_RATE

# The scorers are silero's own streaming loops; shared, not copied.
from plenaria.media.vad import (
    FRAME,
    Scorer,
    VadModel,
    VadOptions,
    sequence_scorer,
    speech_spans,
    stream_scorer,
)

# The transcriber's own padding and merging of speech regions, shared, not copied.
from plenaria.transcription.base import TranscriptionOptions, fill_windows, speech_regions


class LiveOptions(BaseModel):
    """How long a live chunk may grow, and how long the recorder waits for a dropped stream."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_chunk_s: float = Field(
        default=40.0,
        gt=2.0,
        le=600.0,
        description="Latency bound: a chunk this long (audio, pauses included) closes at its "
        "widest silence even when its speech does not fill a recogniser window yet.",
    )
    end_timeout_s: float = Field(
        default=20.0,
        ge=0,
        le=3600.0,
        description="After the stream drops: seconds of reconnecting before the session ends.",
    )


class StreamingVad:
    """Silero probabilities of a growing audio, a frame (512 samples) at a time."""

    def __init__(self, model: VadModel) -> None:
        self._scorer: Scorer = sequence_scorer(model) if model.sequence else stream_scorer(model)
        next(self._scorer)
        self._probs: list[np.ndarray] = []
        self._pending = np.zeros(0, dtype=np.float32)
        self.frames = 0  # frames scored
        self.samples = 0  # samples received

    def start_at(self, sample: int) -> None:
        """Begin at ``sample`` (rounded down to a frame), before any :meth:`feed`: the audio
        before it counts as scored silence (a resumed session scores only what is new)."""
        frames = max(0, sample) // FRAME
        self._probs = [np.zeros(frames, dtype=np.float32)]
        self.frames = frames
        self.samples = frames * FRAME

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
    """Where the open chunk ``[start_s, now_s]`` closes, if it closes now.

    A chunk is one recogniser window: its speech regions, padded and packed as the
    transcriber packs them (:func:`plenaria.transcription.base.pack_speech`: pauses
    shortened to ``max_gap_ms``, at most ``window_s`` seconds), so a live chunk holds
    the same audio as a window of the same recording processed as a file, and gets
    the same words. It closes, in the middle of the pause before it, as soon as the
    region being spoken no longer fits; or at ``max_chunk_s`` (latency bound).
    """

    def __init__(self, options: LiveOptions, transcription: TranscriptionOptions) -> None:
        self.options = options
        self.transcription = transcription

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
        t = self.transcription
        limit = t.window_s - 0.01
        gap_cap = t.max_gap_ms / 1000
        inside = [
            Segment(s.start - start_s, s.end - start_s) for s in speech if s.end > start_s + 1e-6
        ]
        regions = [
            r.shifted(start_s)
            for r in speech_regions(inside, now_s - start_s, t.speech_pad_ms / 1000)
        ]

        def quietest(lo: float, hi: float) -> float:
            return quiet(Segment(lo, hi)) if quiet is not None and hi > lo else hi

        # The transcriber's own packing: the chunk closes where its second window begins.
        groups = fill_windows(regions, limit, gap_cap, t.fill_min_s, quietest)
        if len(groups) >= 2:
            return (groups[0][-1].end + groups[1][0].start) / 2
        if now_s - start_s < self.options.max_chunk_s:
            return None
        end = start_s + self.options.max_chunk_s
        gaps = [
            Segment(a.end, b.start) for a, b in pairwise(regions) if b.start > a.end and a.end < end
        ]
        if regions and regions[-1].end < end - 1e-6:
            gaps.append(Segment(regions[-1].end, end))
        if gaps:
            return max(gaps, key=lambda g: (g.duration, g.middle)).middle
        if quiet is not None and regions:
            t_quiet = quiet(Segment(start_s + self.options.max_chunk_s / 2, end))
            if start_s < t_quiet <= end:
                return t_quiet
        return end
