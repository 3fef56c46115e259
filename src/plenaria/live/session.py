"""A live session: record, close chunks as the audio comes, transcribe them, finish with the graph.

The calling thread follows the audio as the recorder appends it (speech
detection, chunk closing) and hands each closed chunk to a :class:`ChunkSink`.
On one machine (``plenaria live``) the sink is :class:`Transcribing`: one thread
transcribes each chunk at once and prints its lines (``[H:MM:SS] SPEAKER: text``).
In the service the sink adds the chunk to the running job, whose ``transcribe:i``
step the ordinary workers run (:mod:`plenaria.workers.live`). Either way the lines
and their provisional speakers come from :class:`Provisional`. At the end (the
stream is over, or :meth:`LiveSession.stop`), what was recorded becomes the job
graph's first steps (:mod:`plenaria.live.handover`) and the graph does the rest:
diarization over the whole session, naming, assembly, outputs.
"""

from __future__ import annotations

import bisect
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from plenaria.domain import Chunk, ChunkTranscript, Segment, Word
from plenaria.graph.options import ProcessOptions
from plenaria.graph.steps import transcribe_chunk
from plenaria.live.partial import hms
from plenaria.live.recorder import Gap, Recorder, RecorderState
from plenaria.live.segmenter import ChunkCloser, LiveOptions, StreamingVad
from plenaria.live.speakers import UNKNOWN, OnlineSpeakers
from plenaria.media.audio import SAMPLE_RATE, read_audio
from plenaria.transcription.base import quietest_moment

if TYPE_CHECKING:
    from plenaria.diarization.base import Diarizer
    from plenaria.diarization.profiles import VoiceProfile
    from plenaria.media.vad import VadModel
    from plenaria.transcription.base import Transcriber

log = logging.getLogger(__name__)

Emit = Callable[[str], None]


@dataclass(frozen=True)
class LiveLine:
    """One printed piece of the live transcript."""

    start_s: float
    speaker: str
    text: str

    def render(self) -> str:
        return f"[{hms(self.start_s)}] {self.speaker}: {self.text}"


@dataclass
class LiveChunk:
    """A closed chunk, its speech, and when its audio and its text were there."""

    chunk: Chunk
    speech: tuple[Segment, ...]
    audio_at: float  # monotonic time the chunk's last sample arrived
    result: ChunkTranscript | None = None
    text_at: float | None = None
    lines: tuple[LiveLine, ...] = ()

    @property
    def lag_s(self) -> float | None:
        return None if self.text_at is None else self.text_at - self.audio_at


@dataclass
class LiveRecord:
    """Everything the session recorded, handed to the graph at the end."""

    original: Path
    wav: Path
    sha256: str
    size_bytes: int
    duration_s: float
    speech: tuple[Segment, ...]
    chunks: tuple[LiveChunk, ...]
    gaps: tuple[Gap, ...]
    started_at: str
    ended_at: str
    connections: int
    model_id: str
    errors: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Resumed:
    """Where a lost recorder left the session: its closed chunks (as the job stored them),
    the speech found before the last one's end, and the recorder's state."""

    chunks: tuple[LiveChunk, ...]
    speech: tuple[Segment, ...]
    recorder: RecorderState


class ChunkSink(Protocol):
    """Where closed chunks go: transcribed here (the command line) or queued (the service)."""

    model_id: str

    def closed(self, live: LiveChunk) -> None:
        """A chunk closed (called on the thread that follows the audio; must not block)."""

    def finish(self) -> None:
        """The recording is over: wait for what :meth:`closed` started."""


class Provisional:
    """The live lines of a transcribed chunk, each with its provisional speaker."""

    def __init__(
        self,
        wav: Path,
        diarizer: Diarizer | None,
        options: ProcessOptions,
        profiles: Sequence[VoiceProfile] = (),
    ) -> None:
        self.wav = wav
        self.diarizer = diarizer
        self.options = options
        self.speakers = OnlineSpeakers(
            threshold=options.diarization.cluster_threshold,
            model_id=diarizer.model_id if diarizer is not None else "",
            profiles=tuple(profiles),
            naming=options.naming,
        )

    def lines(self, words: Sequence[Word], speech: Sequence[Segment]) -> tuple[LiveLine, ...]:
        """One line per speech segment that has words; a speaker's consecutive ones joined."""
        groups: dict[int, list[Word]] = {}
        for w in words:
            groups.setdefault(_nearest(speech, w.middle), []).append(w)
        lines: list[LiveLine] = []
        for index in sorted(groups):
            group = groups[index]
            text = " ".join(w.text.strip() for w in group).strip()
            if not text:
                continue
            region = speech[index] if speech else Segment(group[0].start, group[-1].end)
            speaker = self._speaker(region)
            if lines and lines[-1].speaker == speaker and speaker != UNKNOWN:
                prev = lines[-1]
                lines[-1] = LiveLine(prev.start_s, speaker, f"{prev.text} {text}")
            else:
                lines.append(LiveLine(group[0].start, speaker, text))
        return tuple(lines)

    def _speaker(self, region: Segment) -> str:
        from plenaria.diarization.embedded import EmbeddedDiarizer

        diarizer = self.diarizer
        if not isinstance(diarizer, EmbeddedDiarizer) or not self.options.diarize:
            return UNKNOWN
        windows = diarizer.embed_segments(self.wav, [region], self.options.diarization)
        return self.speakers.assign(windows, region.duration)


class Transcribing:
    """The command line's sink: one thread transcribes each chunk at once and emits its lines."""

    def __init__(
        self,
        transcriber: Transcriber,
        wav: Path,
        options: ProcessOptions,
        provisional: Provisional,
        emit: Emit = print,
    ) -> None:
        self.transcriber = transcriber
        self.model_id = transcriber.model_id
        self.wav = wav
        self.options = options
        self.provisional = provisional
        self.emit = emit
        self._futures: list[Future[None]] = []
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-asr")
        self._print_lock = threading.Lock()

    def closed(self, live: LiveChunk) -> None:
        self._futures.append(self._pool.submit(self._transcribe, live))

    def finish(self) -> None:
        for fut in self._futures:
            fut.result()
        self._pool.shutdown()

    def _transcribe(self, live: LiveChunk) -> None:
        transcription = self.options.transcription
        result = transcribe_chunk(
            self.transcriber, self.wav, live.chunk, live.speech, transcription
        )
        live.result = result
        live.lines = self.provisional.lines(result.words, live.speech)
        live.text_at = time.monotonic()
        with self._print_lock:
            for line in live.lines:
                self.emit(line.render())


class LiveSession:
    """Record ``url``, close chunks as the audio comes, give each to ``sink``.

    :meth:`run` returns the recording once the stream is over (or :meth:`stop`).
    """

    def __init__(
        self,
        url: str,
        original: Path,
        wav: Path,
        vad: VadModel,
        options: ProcessOptions,
        live: LiveOptions,
        sink: ChunkSink,
        *,
        listen: bool = False,
        notify: Emit = lambda message: None,
        next_url: Callable[[], str] | None = None,
        http_proxy: str | None = None,
        resume: Resumed | None = None,
        on_state: Callable[[RecorderState], None] | None = None,
    ) -> None:
        self.options = options
        self.live = live
        self.sink = sink
        self.notify = notify
        wav.parent.mkdir(parents=True, exist_ok=True)
        self.wav = wav
        self._events: queue.Queue[tuple[str, object]] = queue.Queue()
        self.recorder = Recorder(
            url,
            original,
            self.wav,
            end_timeout_s=live.end_timeout_s,
            listen=listen,
            on_audio=lambda first, total: self._events.put(("audio", (total, time.monotonic()))),
            on_gap=lambda gap: self._events.put(("gap", gap)),
            on_drop=lambda at: self._events.put(("drop", at)),
            next_url=next_url,
            http_proxy=http_proxy,
            resume=resume.recorder if resume is not None else None,
            on_state=on_state,
        )
        self.vad = StreamingVad(vad)
        self.closer = ChunkCloser(live, options.transcription)
        self.chunks: list[LiveChunk] = list(resume.chunks) if resume is not None else []
        self._arrivals: list[tuple[int, float]] = []  # (frames in the WAV, monotonic time)
        self._chunk_start = self.chunks[-1].chunk.segment.end if self.chunks else 0.0
        # Resumed: the audio is scored again from the last closed chunk's end only.
        self._vad_start = self._chunk_start
        self.vad.start_at(round(self._vad_start * SAMPLE_RATE))
        self._read_frames = self.vad.samples
        self._vad_start = self._read_frames / SAMPLE_RATE
        self._prior_speech = tuple(
            s for s in (resume.speech if resume is not None else ()) if s.start < self._vad_start
        )

    def stop(self) -> None:
        """End the session now; :meth:`run` then finishes what was recorded."""
        self.recorder.stop()

    def run(self) -> LiveRecord:
        started = datetime.now(UTC).isoformat(timespec="seconds")
        thread = threading.Thread(target=self.recorder.run, name="live-recorder", daemon=True)
        thread.start()
        try:
            self._follow(thread)
        except KeyboardInterrupt:
            self.notify("Parando: se termina lo grabado (Ctrl-C otra vez para abandonar).")
            self.recorder.stop()
            self._follow(thread)
        thread.join()
        self._drain()  # audio that came after the last event
        self.vad.finish()
        end = self.vad.samples / SAMPLE_RATE
        if end > self._chunk_start + 0.05 or (not self.chunks and end > 0):
            self._close(end, time.monotonic())
        self.sink.finish()
        sha = self.recorder.close_original()
        return LiveRecord(
            original=self.recorder.original.path,
            wav=self.wav,
            sha256=sha,
            size_bytes=self.recorder.original.size,
            duration_s=self.recorder.wav.duration_s,
            speech=self._speech(),
            chunks=tuple(self.chunks),
            gaps=tuple(self.recorder.gaps),
            started_at=started,
            ended_at=datetime.now(UTC).isoformat(timespec="seconds"),
            connections=self.recorder.connections,
            model_id=self.sink.model_id,
            errors=tuple(self.recorder.errors),
        )

    def _speech(self) -> tuple[Segment, ...]:
        """The session's speech: what was found before a resumption, then what is new."""
        new = self.vad.speech(self.options.vad, self._vad_start)
        prior = tuple(Segment(s.start, min(s.end, self._vad_start)) for s in self._prior_speech)
        return prior + new

    # -- following the audio ------------------------------------------------------------------

    def _follow(self, thread: threading.Thread) -> None:
        while thread.is_alive() or not self._events.empty():
            try:
                kind, value = self._events.get(timeout=0.2)
            except queue.Empty:
                continue
            if kind == "audio":
                total, at = cast(tuple[int, float], value)
                self._arrivals.append((total, at))
                if self._events.qsize() < 5:  # behind: catch up first, decide then
                    self._advance()
            elif kind == "drop":
                self._advance()
                now = self.vad.samples / SAMPLE_RATE
                if now > self._chunk_start + 0.05:
                    self._close(now, time.monotonic())
                self.notify(f"La emisión se cortó a los {hms(cast(float, value))}; reconectando.")
            elif kind == "gap":
                gap = cast(Gap, value)
                self.notify(
                    f"La emisión ha vuelto: un corte de {gap.length_s:.1f} s desde "
                    f"{hms(gap.start_s)} (grabado como silencio y anotado en los resultados)."
                )

    def _drain(self) -> None:
        while not self._events.empty():
            kind, value = self._events.get()
            if kind == "audio":
                total, at = cast(tuple[int, float], value)
                self._arrivals.append((total, at))
        self._advance()

    def _advance(self) -> None:
        """Score the new audio and close every chunk that can be closed."""
        total = self.recorder.wav.frames
        if total > self._read_frames:
            span = Segment(self._read_frames / SAMPLE_RATE, total / SAMPLE_RATE)
            samples = read_audio(self.wav, span)
            self._read_frames += len(samples)
            self.vad.feed(samples)
        while True:
            now = self.vad.scored_s
            speech = self.vad.speech(self.options.vad, self._chunk_start)
            cut = self.closer.cut(self._chunk_start, now, speech, quiet=self._quietest)
            if cut is None:
                return
            self._close(cut, self._arrived(cut))

    def _quietest(self, window: Segment) -> float:
        """Where the transcriber would cut a region in ``window`` (its own measure)."""
        samples = read_audio(self.wav, window)
        return window.start + quietest_moment(samples, 0.0, window.duration, SAMPLE_RATE)

    def _arrived(self, t: float) -> float:
        """When the sample at ``t`` seconds arrived (monotonic)."""
        frames = round(t * SAMPLE_RATE)
        i = bisect.bisect_left(self._arrivals, (frames, float("-inf")))
        return self._arrivals[min(i, len(self._arrivals) - 1)][1] if self._arrivals else 0.0

    def _close(self, end: float, audio_at: float) -> None:
        segment = Segment(self._chunk_start, max(end, self._chunk_start))
        speech = tuple(
            Segment(max(s.start, segment.start), min(s.end, segment.end))
            for s in self.vad.speech(self.options.vad, self._chunk_start)
            if s.overlap(segment) > 0
        )
        live = LiveChunk(Chunk(len(self.chunks), segment), speech, audio_at)
        self.chunks.append(live)
        self._chunk_start = segment.end
        self.sink.closed(live)


def _nearest(speech: Sequence[Segment], t: float) -> int:
    if not speech:
        return 0
    for i, s in enumerate(speech):
        if s.start <= t <= s.end:
            return i
    return min(
        range(len(speech)), key=lambda i: min(abs(speech[i].start - t), abs(speech[i].end - t))
    )
