"""A live job's ``record`` step: a worker of the ``live`` queue records the whole session.

It runs the :class:`~plenaria.live.session.LiveSession` that ``plenaria live`` runs;
only its sink differs. :class:`GraphChunks` adds each closed chunk to the running
job (the speech and the chunk plan so far become the artifacts of the job's
speech and plan steps) and advances the job, so a ``transcribe:i`` step is queued
at once for the ordinary ``asr`` workers, the same task as for an uploaded file.
A thread follows those steps: as each chunk's words come, its lines, with their
provisional speakers, go into the job's partial transcript (:mod:`plenaria.live.partial`),
which the API serves; the same thread ends the session when it is stopped over
the API, when the job is cancelled, or after ``live_max_s``.

At the end the recording's steps are written as ``plenaria live`` writes them
(probe with the final SHA-256 and the gaps, audio, speech, the final plan), the
job's recording row and certificate data are updated, and the step is done:
diarization, naming, assembly and the outputs follow in the graph, reusing every
chunk transcribed.

The executor's heartbeat stamps the step while it runs, so the reconciler leaves
a healthy recorder alone. A recorder whose worker died is requeued by the
reconciler, and the next one resumes the same recording: the original and the
audio are appended to (the SHA-256 taken again over what is there), the chunks
of the job's plan and the lines written are kept, the audio after the last chunk
is scored again, and the time missed, measured from the first audio's Unix time
(``recorder.json`` beside the original), becomes a gap in the audio and the
certificate, as a reconnection's does.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from plenaria.db import jobs as repo
from plenaria.diarization.profiles import VoiceProfile
from plenaria.domain import Chunk, ChunkTranscript, Recording, Segment
from plenaria.errors import InputError, MediaError, PlenariaError
from plenaria.graph.steps import StepContext
from plenaria.live.egress import GuardedSource
from plenaria.live.handover import certificate_data, recorded, write_steps
from plenaria.live.partial import PartialChunk, live_keys, partial_key
from plenaria.live.pull_guard import AllowedHosts, check_pull_url
from plenaria.live.recorder import RecorderState
from plenaria.live.rtmp_gate import PushAddress, RtmpGate, hash_key, open_gate
from plenaria.live.segmenter import LiveOptions
from plenaria.live.session import LiveChunk, LiveLine, LiveSession, Provisional, Resumed
from plenaria.storage import LocalStorage
from plenaria.workers.executor import ACTIVE, Runtime, advance

log = logging.getLogger(__name__)

RECORDER_STATE = "recorder.json"  # beside the original: what a resumed recorder needs
POLL_S = 0.2  # how often the recorder looks for a chunk's words
CONTROL_EVERY_S = 1.0  # how often it reads the job's row (stop, cancel)


class GraphChunks:
    """The service's sink: each closed chunk becomes a ``transcribe:i`` step of the job."""

    model_id = ""  # the workers' model, in each step's pointer

    def __init__(
        self,
        rt: Runtime,
        ctx: StepContext,
        provisional: Provisional,
        *,
        stop: Callable[[], None],
        wait_s: float,
        resumed: Resumed | None = None,
        written: Sequence[PartialChunk] = (),
    ) -> None:
        self.rt, self.ctx, self.provisional = rt, ctx, provisional
        self.job_id = ctx.spec.run_id
        self._stop_session = stop
        self._wait_s = wait_s
        # Resumed: the chunks the lost recorder closed, and the lines it wrote of them.
        self._chunks: list[LiveChunk] = list(resumed.chunks) if resumed is not None else []
        self._written: list[PartialChunk] = list(written)[: len(self._chunks)]
        self._lock = threading.Lock()
        self._ended = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="live-lines", daemon=True)
        self._stop_requested = False
        self.started = time.monotonic()
        self.max_s = rt.settings.live_max_s
        self.clock_offset = time.time() - time.monotonic()  # monotonic -> Unix seconds

    def start(self) -> GraphChunks:
        self._publish()
        self._thread.start()
        return self

    # -- the sink ---------------------------------------------------------------------------

    def closed(self, live: LiveChunk) -> None:
        with self._lock:
            self._chunks.append(live)
        self._publish()

    def finish(self) -> None:
        """Wait for the words of every chunk (the partial transcript complete), then return."""
        self._ended.set()
        self._thread.join()

    # -- publishing -------------------------------------------------------------------------

    def _publish(self) -> None:
        """The speech and the plan so far as the job's artifacts; the new chunks queued."""
        with self._lock:
            chunks = list(self._chunks)
        # Each file grows by replacement (atomic): a reader sees a closed chunk's speech
        # before the plan names the chunk, and a closed chunk never changes.
        ctx, storage, folder = self.ctx, self.ctx.storage, f"live/{self.job_id}"
        storage.write_json(f"{folder}/speech.json", [s.to_dict() for c in chunks for s in c.speech])
        ctx.finish("speech", f"{folder}/speech.json")
        storage.write_json(f"{folder}/plan.json", [c.chunk.segment.to_dict() for c in chunks])
        ctx.finish("plan", f"{folder}/plan.json")
        if not chunks:
            return
        try:
            advance(self.rt, self.job_id)
        except Exception:  # the next chunk, or the end of the recording, queues it
            log.warning(
                "job %s: queueing chunk %d failed", self.job_id, len(chunks) - 1, exc_info=True
            )

    # -- following the chunks' steps --------------------------------------------------------

    def _follow(self) -> None:
        last_control = 0.0
        last_progress = time.monotonic()
        while True:
            now = time.monotonic()
            if now - last_control >= CONTROL_EVERY_S:
                last_control = now
                if not self._control():
                    return
            if self._next_lines():
                last_progress = time.monotonic()
                continue
            with self._lock:
                all_done = len(self._written) == len(self._chunks)
            if self._ended.is_set() and (all_done or now - last_progress > self._wait_s):
                return
            time.sleep(POLL_S)

    def _control(self) -> bool:
        """Stop the session when asked to; False when the job is no longer running."""
        try:
            with self.rt.database.session() as s:
                job = repo.get_job(s, self.job_id)
                active = job.state in ACTIVE
                stop = bool((job.live or {}).get("stop"))
        except Exception:
            log.warning("job %s: reading its row failed", self.job_id, exc_info=True)
            return True
        too_long = time.monotonic() - self.started >= self.max_s
        if (stop or too_long or not active) and not self._stop_requested:
            self._stop_requested = True
            log.info(
                "job %s: live session stopped (%s)",
                self.job_id,
                "asked" if stop else "cancelled" if not active else "longest session reached",
            )
            self._stop_session()
        return active

    def _next_lines(self) -> bool:
        """The lines of the next chunk whose words are there; False when there is none yet."""
        with self._lock:
            i = len(self._written)
            if i >= len(self._chunks):
                return False
            live = self._chunks[i]
        step = f"transcribe:{i}"
        if not self.ctx.is_done(step):
            return False
        result = ChunkTranscript.from_dict(self.ctx.artifact(self.ctx.key_of(step)))
        live.result = result
        live.lines = self.provisional.lines(result.words, live.speech)
        live.text_at = time.monotonic()
        entry = PartialChunk(
            index=i,
            start_s=live.chunk.segment.start,
            end_s=live.chunk.segment.end,
            audio_end_at=live.audio_at + self.clock_offset,
            text_at=live.text_at + self.clock_offset,
            lines=live.lines,
        )
        with self._lock:
            self._written.append(entry)
            written = [c.to_dict() for c in self._written]
        self.ctx.storage.write_json(partial_key(self.job_id), {"chunks": written})
        return True


def record(rt: Runtime, ctx: StepContext) -> dict[str, Any]:
    """Record the job's stream until it ends; write the recording's steps; return a pointer.

    What the job's error says is for the people who read it: ffmpeg's words and storage
    paths go to the log only (ffmpeg's words about a URL a caller gave would map ports).
    """
    job_id = ctx.spec.run_id
    try:
        return _record(rt, ctx, job_id)
    except MediaError as e:
        log.warning("job %s: the recording could not be read: %s", job_id, e)
        raise PlenariaError(
            "Lo grabado del directo no se puede leer (el detalle está en el registro).",
            "Compruebe el emisor e inicie un nuevo directo.",
        ) from e
    except PlenariaError:
        raise
    except Exception as e:
        log.exception("job %s: the recorder failed", job_id)
        raise PlenariaError(
            "La grabación del directo falló por un error interno "
            "(el detalle está en el registro del worker).",
            "Reintente el trabajo; si vuelve a fallar, avise al administrador.",
        ) from e


def _record(rt: Runtime, ctx: StepContext, job_id: str) -> dict[str, Any]:
    with rt.database.session() as s:
        job = repo.get_job(s, job_id)
        source = dict(job.live or {})
    keys = live_keys(job_id)
    storage = rt.storage
    original = storage.local_path(keys["original"])
    clock_offset = time.time() - time.monotonic()
    resumed, written = _resume_point(storage, job_id, clock_offset)
    original.parent.mkdir(parents=True, exist_ok=True)
    live_opts = LiveOptions(
        max_chunk_s=float(source.get("max_chunk_s", LiveOptions().max_chunk_s)),
        end_timeout_s=float(source.get("end_timeout_s", LiveOptions().end_timeout_s)),
    )
    options = ctx.spec.options
    wav = storage.local_path(keys["audio"])
    _start_steps(ctx, job_id, keys["audio"])

    gate, guard = _open_source(rt, job_id, source)
    diarizer = rt.engines.diarizer(ctx.spec.diarizer_model) if options.diarize else None
    profiles = [VoiceProfile.from_dict(p) for p in ctx.spec.profiles] if options.diarize else []
    provisional = Provisional(wav, diarizer, options, profiles)
    holder: list[LiveSession] = []

    def stop() -> None:
        for running in holder:
            running.stop()

    sink = GraphChunks(
        rt, ctx, provisional, stop=stop, wait_s=max(120.0, 4 * live_opts.max_chunk_s),
        resumed=resumed, written=written,
    )  # fmt: skip
    url = gate[1] if gate is not None else guard.url if guard is not None else ""
    session = LiveSession(
        url, original, wav, rt.engines.vad(), options, live_opts, sink,
        listen=gate is not None,
        notify=lambda message: log.info("job %s: %s", job_id, message),
        next_url=guard.next_url if guard is not None else None,
        http_proxy=guard.http_proxy if guard is not None else None,
        resume=resumed,
        on_state=lambda state: storage.write_json(
            f"live/{job_id}/{RECORDER_STATE}", state.to_dict()
        ),
    )  # fmt: skip
    holder.append(session)
    sink.start()
    try:
        result = session.run()
    finally:
        if gate is not None:
            gate[0].close()
        if guard is not None:
            guard.close()
    if result.duration_s <= 0:
        # ffmpeg's words go to the log, never to the job's error (a caller could map ports).
        log.warning("job %s: no audio came; ffmpeg said: %s", job_id, list(result.errors))
        raise InputError(
            "No llegó audio del directo"
            + (" (nadie publicó con la clave)." if gate is not None else "."),
            "Compruebe que el emisor está en marcha y lleva sonido, y vuelva a intentarlo.",
        )
    copy, recording = recorded(result, storage)
    write_steps(ctx, result, recording, live_opts)
    certificate = certificate_data(result)
    with rt.database.transaction() as s:
        job = repo.get_job(s, job_id)
        row = repo.get_recording(s, job.recording_id)
        row.storage_key = copy
        row.sha256 = result.sha256
        row.size = result.size_bytes
        row.probe = recording.to_dict()
        job.live = {
            **(job.live or {}),
            "original_key": keys["original"],
            "certificate": certificate,
        }
    return ctx.finish("record", ctx.pointer("probe")["key"])


def _resume_point(
    storage: LocalStorage, job_id: str, clock_offset: float
) -> tuple[Resumed | None, list[PartialChunk]]:
    """What a lost recorder of this job left (None: nothing was recorded yet).

    The original, the audio, the chunks in the job's plan and their speech, the lines
    written so far, and the recorder's state (its first audio's time, connections, gaps).
    """
    keys = live_keys(job_id)
    original = storage.local_path(keys["original"])
    if not original.exists() or original.stat().st_size == 0:
        return None, []
    folder = f"live/{job_id}"

    def stored(name: str) -> Any:
        key = f"{folder}/{name}"
        return storage.read_json(key) if storage.exists(key) else None

    state = RecorderState.from_dict(stored(RECORDER_STATE) or {"gaps": []})
    speech = tuple(Segment.from_dict(d) for d in stored("speech.json") or [])
    partial = {int(c["index"]): c for c in (stored("partial.json") or {}).get("chunks", [])}
    chunks: list[LiveChunk] = []
    written: list[PartialChunk] = []
    now = time.monotonic()
    for i, raw in enumerate(stored("plan.json") or []):
        segment = Segment.from_dict(raw)
        inside = tuple(
            Segment(max(x.start, segment.start), min(x.end, segment.end))
            for x in speech
            if x.overlap(segment) > 0
        )
        entry = partial.get(i)
        audio_at = float(entry["audio_end_at"]) - clock_offset if entry else now
        live = LiveChunk(Chunk(i, segment), inside, audio_at)
        if entry is not None and len(written) == i:
            lines = tuple(
                LiveLine(float(x["start_s"]), str(x["speaker"]), str(x["text"]))
                for x in entry["lines"]
            )
            live.lines, live.text_at = lines, float(entry["text_at"]) - clock_offset
            written.append(
                PartialChunk(i, segment.start, segment.end, live.audio_at + clock_offset,
                             live.text_at + clock_offset, lines)
            )  # fmt: skip
        chunks.append(live)
    log.warning(
        "job %s: resuming the recording its lost recorder left (%d chunks, %.1f s of audio)",
        job_id,
        len(chunks),
        max(0, storage.local_path(keys["audio"]).stat().st_size - 44) / 32000
        if storage.exists(keys["audio"])
        else 0.0,
    )
    return Resumed(tuple(chunks), speech, state), written


def _open_source(
    rt: Runtime, job_id: str, source: dict[str, Any]
) -> tuple[tuple[RtmpGate, str] | None, GuardedSource | None]:
    """A push session's gate (and the URL its ffmpeg listens on), or a pull's guarded source.

    A pulled URL is checked again here (the job may be older than a change of
    ``PLENARIA_LIVE_ALLOWED_HOSTS``); ffmpeg then connects through the guard.
    """
    if source.get("mode") != "push":
        allowed = AllowedHosts.parse(rt.settings.live_allowed_hosts)
        url = check_pull_url(str(source.get("url", "")), allowed)
        return None, GuardedSource(url, allowed)
    digest = str(source.get("key_sha256") or hash_key(str(source.get("key", ""))))
    address = PushAddress(rt.settings.live_rtmp_host, int(source["port"]), "live", digest)
    try:
        gate = open_gate(
            address,
            on_refused=lambda why: log.warning("job %s: refused a push: %s", job_id, why),
            publish_timeout_s=rt.settings.live_rtmp_publish_timeout_s,
        )
    except OSError as e:
        log.warning("job %s: cannot listen on %s:%s: %s", job_id, address.host, address.port, e)
        raise PlenariaError(
            f"No se puede recibir el envío RTMP en el puerto {address.port}: está ocupado.",
            "Libere ese puerto o cambie PLENARIA_LIVE_RTMP_PORTS, y reintente el trabajo.",
        ) from e
    return gate, None


def _start_steps(ctx: StepContext, job_id: str, audio_key: str) -> None:
    """Until the session ends: a provisional probe (for the keys) and the growing audio."""
    placeholder = hashlib.sha256(f"live/{job_id}".encode()).hexdigest()
    probe_key = f"live/{job_id}/probe.json"
    ctx.storage.write_json(
        probe_key, Recording(f"{job_id}.ts", placeholder, 0, 0.0, "mpegts").to_dict()
    )
    ctx.finish("probe", probe_key)
    ctx.finish("audio", audio_key)


__all__ = ["GraphChunks", "record"]
