"""The job's steps: pure functions from stored artifacts to a stored artifact.

Each step's result is stored under a content key made of what it depends on
(the recording's SHA-256, the model id, the options), so a result already
present is reused by any job, and a per-run pointer (``runs/<run>/<step>.json``,
holding that key) says the step is done for this run. A step that finds its
pointer does nothing: run twice, done once. A step never reads a path another
step chose: it finds its inputs through the pointers of the steps before it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from plenaria.acts.draft import render_draft_acta
from plenaria.assembly.interventions import build_interventions, speakers_of
from plenaria.assembly.words import merge_chunks
from plenaria.cache import cache_key
from plenaria.diarization.profiles import VoiceProfile, name_speakers
from plenaria.domain import (
    Chunk,
    ChunkTranscript,
    Diarization,
    Recording,
    Segment,
    SessionInfo,
    Speaker,
    Transcript,
)
from plenaria.formats.captions import to_srt, to_webvtt
from plenaria.formats.jsonio import transcript_to_json
from plenaria.graph.options import JobSpec
from plenaria.media.audio import extract_audio, read_audio
from plenaria.media.chunking import plan_chunks, quietest_point
from plenaria.media.probe import inspect_recording
from plenaria.media.proxy import make_proxy
from plenaria.media.vad import detect_speech
from plenaria.progress import Progress, no_progress
from plenaria.storage import EXTERNAL, Storage

if TYPE_CHECKING:
    from plenaria.diarization.base import Diarizer
    from plenaria.media.vad import VadModel
    from plenaria.transcription.base import Transcriber, TranscriptionOptions

log = logging.getLogger(__name__)

OUTPUT_KINDS = ("json", "vtt", "srt", "docx")


class EngineSource(Protocol):
    """The models a step may need, loaded once per process by whoever runs the steps."""

    def vad(self) -> VadModel: ...

    def transcriber(self) -> Transcriber: ...

    def diarizer(self) -> Diarizer | None: ...


class StepError(RuntimeError):
    """A step asked for the result of a step that is not done: a bug in the executor."""


@dataclass(frozen=True)
class StepContext:
    spec: JobSpec
    storage: Storage
    engines: EngineSource
    progress: Progress = no_progress
    threads: int = 0  # CPU threads for ffmpeg's encoders (PLENARIA_CPU_THREADS); 0: all cores

    def pointer_key(self, step: str) -> str:
        return f"runs/{self.spec.run_id}/{step.replace(':', '-')}.json"

    def pointer(self, step: str) -> dict[str, Any]:
        found = self.storage.read_json(self.pointer_key(step))
        if found is None:
            raise StepError(f"step {step} of run {self.spec.run_id} is not done")
        return dict(found)

    def is_done(self, step: str) -> bool:
        return self.storage.exists(self.pointer_key(step))

    def finish(self, step: str, key: str, **extra: Any) -> dict[str, Any]:
        value = {"key": key, **extra}
        self.storage.write_json(self.pointer_key(step), value)
        return value

    def recording(self) -> Recording:
        return Recording.from_dict(self.artifact(self.pointer("probe")["key"]))

    def base(self) -> str:
        return f"recordings/{self.recording().sha256[:24]}"

    def artifact(self, key: str) -> Any:
        found = self.storage.read_json(key)
        if found is None:
            raise StepError(f"artifact {key} is missing")
        return found


def content_key(*parts: object) -> str:
    """A short key for what ``parts`` (versions, model ids, options, input keys) determine."""
    return cache_key(*parts)[:20]


# -- the steps -----------------------------------------------------------------------------


def probe(ctx: StepContext) -> dict[str, Any]:
    """Check the original, hash it (SHA-256) and list its streams."""
    original = ctx.spec.original
    path = ctx.storage.local_path(original)
    stat = path.stat() if original.startswith(EXTERNAL) else None
    identity = (original, stat.st_size, stat.st_mtime_ns) if stat else (original,)
    key = f"sources/{content_key('probe/1', *identity)}.json"
    if not ctx.storage.exists(key):
        rec = inspect_recording(path, ctx.progress)
        ctx.storage.write_json(key, rec.to_dict())
    return ctx.finish("probe", key)


def audio(ctx: StepContext) -> dict[str, Any]:
    """16 kHz mono PCM of the whole recording."""
    rec = ctx.recording()
    key = f"{ctx.base()}/audio.wav"
    if not ctx.storage.exists(key):
        src = ctx.storage.local_path(ctx.spec.original)
        with ctx.storage.writing(key, ".wav") as tmp:
            extract_audio(src, tmp, ctx.progress, rec.duration_s)
    return ctx.finish("audio", key)


def speech(ctx: StepContext) -> dict[str, Any]:
    """Where people speak (silero VAD)."""
    opts = ctx.spec.options.vad
    key = f"{ctx.base()}/speech-{content_key('speech/1', opts)}.json"
    if not ctx.storage.exists(key):
        wav = ctx.storage.local_path(ctx.pointer("audio")["key"])
        found = detect_speech(wav, ctx.engines.vad(), opts, ctx.progress)
        ctx.storage.write_json(key, [s.to_dict() for s in found])
    return ctx.finish("speech", key)


def plan(ctx: StepContext) -> dict[str, Any]:
    """Chunks of at most ``chunk_max_s``, cut in the quietest point of a pause."""
    opts = ctx.spec.options
    key = f"{ctx.base()}/plan-{content_key('plan/1', opts.vad, opts.chunking)}.json"
    if not ctx.storage.exists(key):
        wav = ctx.storage.local_path(ctx.pointer("audio")["key"])
        chunks = plan_chunks(
            _speech(ctx),
            ctx.recording().duration_s,
            opts.chunking,
            quiet=lambda window: quietest_point(wav, window),
        )
        ctx.storage.write_json(key, [c.segment.to_dict() for c in chunks])
    return ctx.finish("plan", key)


def transcribe(ctx: StepContext, index: int) -> dict[str, Any]:
    """Words with absolute times for one chunk."""
    chunk = chunks_of(ctx)[index]
    opts = ctx.spec.effective_options
    transcriber = ctx.engines.transcriber()
    digest = content_key(
        "chunk/2", chunk.segment.to_dict(), transcriber.model_id, opts.transcription, opts.vad
    )
    key = f"{ctx.base()}/chunks/{digest}.json"
    if not ctx.storage.exists(key):
        wav = ctx.storage.local_path(ctx.pointer("audio")["key"])
        total = chunk.segment.duration
        ctx.progress("transcribe", 0.0, total)
        ct = transcribe_chunk(transcriber, wav, chunk, _speech(ctx), opts.transcription)
        ctx.storage.write_json(key, ct.to_dict())
        ctx.progress("transcribe", total, total)
    return ctx.finish(f"transcribe:{index}", key, model_id=transcriber.model_id)


def diarize(ctx: StepContext) -> dict[str, Any]:
    """Who speaks when, over the whole recording, with each voice's centroid."""
    diarizer = ctx.engines.diarizer()
    opts = ctx.spec.options
    if diarizer is None:
        key = f"{ctx.base()}/diarization-none.json"
        if not ctx.storage.exists(key):
            ctx.storage.write_json(key, Diarization(()).to_dict())
        return ctx.finish("diarize", key)
    digest = content_key("diar/2", diarizer.model_id, opts.diarization, opts.vad)
    key = f"{ctx.base()}/diarization-{digest}.json"
    if not ctx.storage.exists(key):
        wav = ctx.storage.local_path(ctx.pointer("audio")["key"])
        result = diarizer.diarize(wav, _speech(ctx), opts.diarization, ctx.progress)
        ctx.storage.write_json(key, result.to_dict())
    return ctx.finish("diarize", key)


def name(ctx: StepContext) -> dict[str, Any]:
    """Names from the voice profiles given with the job; unmatched voices stay unnamed."""
    diar_key = ctx.pointer("diarize")["key"]
    profiles = [VoiceProfile.from_dict(p) for p in ctx.spec.profiles]
    opts = ctx.spec.options.naming
    digest = content_key("names/1", diar_key, [p.to_dict() for p in profiles], opts)
    key = f"{ctx.base()}/names-{digest}.json"
    if not ctx.storage.exists(key):
        result = Diarization.from_dict(ctx.artifact(diar_key))
        speakers = name_voices(result, profiles, opts)
        ctx.storage.write_json(key, [s.to_dict() for s in speakers])
    return ctx.finish("name", key)


def assemble(ctx: StepContext, n_chunks: int) -> dict[str, Any]:
    """Words of all chunks, given to speakers, grouped into interventions."""
    spec = ctx.spec
    opts = spec.options
    pointers = [ctx.pointer(f"transcribe:{i}") for i in range(n_chunks)]
    parts: list[object] = ["transcript/1", [p["key"] for p in pointers], spec.session]
    parts += [opts.assembly, spec.file_name]
    if opts.diarize:
        parts += [ctx.pointer("diarize")["key"], ctx.pointer("name")["key"]]
    key = f"{ctx.base()}/transcript-{content_key(*parts)}.json"
    if not ctx.storage.exists(key):
        results = [ChunkTranscript.from_dict(ctx.artifact(p["key"])) for p in pointers]
        diarization = (
            Diarization.from_dict(ctx.artifact(ctx.pointer("diarize")["key"]))
            if opts.diarize
            else Diarization(())
        )
        names = (
            [Speaker.from_dict(s) for s in ctx.artifact(ctx.pointer("name")["key"])]
            if opts.diarize
            else []
        )
        model = pointers[0].get("model_id", "") if pointers else ""
        transcript = assemble_transcript(
            ctx.recording(), spec, results, diarization, names, str(model)
        )
        ctx.storage.write_json(key, transcript.to_dict())
    return ctx.finish("assemble", key)


def outputs(ctx: StepContext) -> dict[str, Any]:
    """JSON, WebVTT, SRT and the draft acta (DOCX), named after the recording."""
    spec = ctx.spec
    transcript_key = ctx.pointer("assemble")["key"]
    stem = Path(spec.file_name).stem or "pleno"
    opts = spec.options
    digest = content_key(
        "outputs/1", transcript_key, spec.video_url_template, opts.acta_lang, opts.make_proxy, stem
    )
    folder = f"outputs/{digest}"
    keys = {kind: f"{folder}/{stem}.{kind}" for kind in OUTPUT_KINDS}
    if not all(ctx.storage.exists(k) for k in keys.values()):
        transcript = Transcript.from_dict(ctx.artifact(transcript_key))
        render_outputs(transcript, spec, ctx.storage, keys)
    return ctx.finish("outputs", folder, files=keys)


def proxy(ctx: StepContext) -> dict[str, Any]:
    """The web-playable MP4 (H.264/AAC, faststart)."""
    rec = ctx.recording()
    key = f"{ctx.base()}/proxy.mp4"
    if not ctx.storage.exists(key):
        src = ctx.storage.local_path(ctx.spec.original)
        with ctx.storage.writing(key, ".mp4") as tmp:
            make_proxy(src, tmp, rec, ctx.progress, threads=ctx.threads)
    return ctx.finish("proxy", key)


# -- pure helpers ----------------------------------------------------------------------------


def _speech(ctx: StepContext) -> tuple[Segment, ...]:
    return tuple(Segment.from_dict(s) for s in ctx.artifact(ctx.pointer("speech")["key"]))


def chunks_of(ctx: StepContext) -> tuple[Chunk, ...]:
    return tuple(
        Chunk(i, Segment.from_dict(s))
        for i, s in enumerate(ctx.artifact(ctx.pointer("plan")["key"]))
    )


def transcribe_chunk(
    transcriber: Transcriber,
    wav: Path,
    chunk: Chunk,
    speech: Sequence[Segment],
    options: TranscriptionOptions,
) -> ChunkTranscript:
    """Transcribe one chunk of the extracted audio; word times come back absolute."""
    local = [
        Segment(
            max(s.start, chunk.segment.start) - chunk.offset,
            min(s.end, chunk.segment.end) - chunk.offset,
        )
        for s in speech
        if s.overlap(chunk.segment) > 0
    ]
    if not local:
        return ChunkTranscript(chunk, options.language or "", ())
    samples = read_audio(wav, chunk.segment)
    language, words = transcriber.transcribe(samples, local, options)
    return ChunkTranscript(chunk, language, tuple(w.shifted(chunk.offset) for w in words))


def name_voices(
    diarization: Diarization, profiles: Sequence[VoiceProfile], options: Any
) -> tuple[Speaker, ...]:
    """One Speaker per diarized label, named where its centroid matches a profile."""
    labels = diarization.speakers
    if not profiles or not diarization.centroids:
        return tuple(Speaker(label) for label in labels)
    named = {s.id: s for s in name_speakers(diarization, profiles, options)}
    return tuple(named.get(label, Speaker(label)) for label in labels)


def assemble_transcript(
    recording: Recording,
    spec: JobSpec,
    chunks: Sequence[ChunkTranscript],
    diarization: Diarization,
    names: Sequence[Speaker],
    model: str,
) -> Transcript:
    session = SessionInfo.from_dict(spec.session)
    if not session.id:
        session = SessionInfo.from_dict({**session.to_dict(), "id": Path(spec.file_name).stem})
    words = merge_chunks(chunks)
    turns = diarization.turns
    interventions = build_interventions(words, turns, spec.options.assembly)
    named = {s.id: s for s in names}
    speakers = tuple(named.get(s.id, s) for s in speakers_of(interventions, turns))
    languages = tuple(dict.fromkeys(ct.language for ct in chunks if ct.language))
    return Transcript(
        recording=_renamed(recording, spec.file_name),
        session=session,
        speakers=speakers,
        turns=turns,
        interventions=interventions,
        languages=languages,
        model=model,
    )


def _renamed(recording: Recording, file_name: str) -> Recording:
    from dataclasses import replace

    return replace(recording, file_name=file_name) if file_name else recording


def render_outputs(
    transcript: Transcript, spec: JobSpec, storage: Storage, keys: dict[str, str]
) -> None:
    stem = Path(spec.file_name).stem or "pleno"
    texts: dict[str, Callable[[Transcript], str]] = {
        "json": transcript_to_json,
        "vtt": to_webvtt,
        "srt": to_srt,
    }
    for kind, render in texts.items():
        with storage.writing(keys[kind]) as tmp:
            tmp.write_text(render(transcript), encoding="utf-8")
    with storage.writing(keys["docx"], ".docx") as tmp:
        render_draft_acta(
            transcript,
            tmp,
            url_template=spec.video_url_template,
            media_name=f"{stem}.proxy.mp4" if spec.options.make_proxy else "",
            lang=spec.options.acta_lang,
        )
