"""The job's steps: pure functions from stored artifacts to a stored artifact.

Each step's result is stored under a content key made of what it depends on
(the recording's SHA-256, the model ids frozen in the job's spec, the options),
and found by that key only: :meth:`StepContext.key_of` computes it from the spec
and the results of the steps before it, so a result already present is reused by
any job, and a step whose result is present does nothing (run twice, done once).
The probe, which computes the SHA-256, is keyed by the original's identity on
disk (path, size, modification time, inode), so a file replaced under the same
name is probed again. A per-run pointer (``runs/<run>/<step>.json``) records
what a run used; it never decides what is done, except for what a live job's
``record`` step wrote (a stream cannot be read twice).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from plenaria.acts.draft import render_draft_acta
from plenaria.assembly.acta import with_acta
from plenaria.assembly.interventions import build_interventions, speakers_of
from plenaria.assembly.llm_summary import llm_summaries_of
from plenaria.assembly.warnings import with_warnings
from plenaria.assembly.words import merge_chunks, spoken_languages
from plenaria.diarization.profiles import VoiceProfile, name_speakers
from plenaria.domain import (
    Chunk,
    ChunkTranscript,
    Diarization,
    LanguageSpan,
    Recording,
    Segment,
    SessionInfo,
    Speaker,
    Transcript,
)
from plenaria.errors import InputError, PlenariaError
from plenaria.formats.captions import to_srt, to_webvtt
from plenaria.formats.jsonio import transcript_to_json
from plenaria.graph.keys import (
    KEYS,
    OUTPUT_KINDS,
    RECORDED,
    StepError,
    assemble_key,
    audio_key,
    chunk_key,
    chunks_of,
    content_key,
    diarize_key,
    name_key,
    output_files,
    output_stem,
    outputs_key,
    plan_key,
    probe_key,
    proxy_key,
    speech_key,
)
from plenaria.graph.options import JobSpec
from plenaria.media.audio import extract_audio, read_audio
from plenaria.media.chunking import plan_chunks, quietest_point
from plenaria.media.probe import inspect_recording
from plenaria.media.proxy import make_proxy
from plenaria.media.vad import detect_speech
from plenaria.progress import Progress, no_progress
from plenaria.storage import Storage

if TYPE_CHECKING:
    from plenaria.diarization.base import Diarizer
    from plenaria.media.vad import VadModel
    from plenaria.transcription.base import Transcriber, TranscriptionOptions

log = logging.getLogger(__name__)


class EngineSource(Protocol):
    """The models a step may need, loaded once per process by whoever runs the steps.

    ``model`` is the model the job's spec names (``JobSpec.asr_model``,
    ``JobSpec.diarizer_model``): the source gives that one (loading it if it has
    another) or raises; an empty name means the source's own.
    """

    def vad(self) -> VadModel: ...

    def transcriber(self, model: str = "") -> Transcriber: ...

    def diarizer(self, model: str = "") -> Diarizer | None: ...


@dataclass(frozen=True)
class StepContext:
    spec: JobSpec
    storage: Storage
    engines: EngineSource
    progress: Progress = no_progress
    threads: int = 0  # CPU threads for ffmpeg's encoders (PLENARIA_CPU_THREADS); 0: all cores
    # Results read or derived once per context: a content key's result never changes
    # (a live job's growing speech and plan are read afresh).
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def pointer_key(self, step: str) -> str:
        return f"runs/{self.spec.run_id}/{step.replace(':', '-')}.json"

    def pointer(self, step: str) -> dict[str, Any]:
        """What a run recorded for ``step`` (only a live recording's steps are found by it)."""
        found = self.storage.read_json(self.pointer_key(step))
        if found is None:
            raise StepError(f"step {step} of run {self.spec.run_id} is not done")
        return dict(found)

    def key_of(self, step: str) -> str:
        """Where the result of ``step`` is (or will be): from the spec and earlier results.

        Raises StepError when a step it depends on has no result yet.
        """
        kind, _, index = step.partition(":")
        if self.spec.live and kind in RECORDED:
            return str(self.pointer(step)["key"])
        if kind == "transcribe":
            if self.spec.live:  # its chunks were keyed under the provisional probe
                found = self.storage.read_json(self.pointer_key(step))
                if found is not None:
                    return str(found["key"])
            return chunk_key(self, int(index))
        try:
            return KEYS[kind](self)
        except KeyError:
            raise ValueError(f"Unknown step {step!r}") from None

    def is_done(self, step: str) -> bool:
        """The step's result is present under its key (whatever run made it)."""
        try:
            if step == "outputs":
                return all(self.storage.exists(k) for k in output_files(self).values())
            return self.storage.exists(self.key_of(step))
        except (StepError, InputError, OSError):  # an input not there (yet): not done
            return False

    def finish(self, step: str, key: str, **extra: Any) -> dict[str, Any]:
        """Record in the run's pointer what the step used (for people and logs)."""
        value = {"key": key, **extra}
        self.storage.write_json(self.pointer_key(step), value)
        return value

    def recording(self) -> Recording:
        return Recording.from_dict(self.artifact(self.key_of("probe")))

    def base(self) -> str:
        return f"recordings/{self.recording().sha256[:24]}"

    def artifact(self, key: str) -> Any:
        memo = ("artifact", key, self.version(key))
        if memo in self.memo:
            return self.memo[memo]
        found = self.storage.read_json(key)
        if found is None:
            raise StepError(f"artifact {key} is missing")
        self.memo[memo] = found
        return found

    def version(self, key: str) -> tuple[int, ...]:
        """Nothing for a content key (its result never changes); for a live job, which
        rewrites its speech and plan as the stream comes, the file's identity."""
        if not self.spec.live:
            return ()
        try:
            st = self.storage.local_path(key).stat()
        except OSError:
            return (-1,)
        return (st.st_ino, st.st_mtime_ns, st.st_size)


# -- the steps -----------------------------------------------------------------------------


def probe(ctx: StepContext) -> dict[str, Any]:
    """Check the original, hash it (SHA-256) and list its streams."""
    key = probe_key(ctx)
    if not ctx.storage.exists(key):
        rec = inspect_recording(ctx.storage.local_path(ctx.spec.original), ctx.progress)
        ctx.storage.write_json(key, rec.to_dict())
    return ctx.finish("probe", key)


def audio(ctx: StepContext) -> dict[str, Any]:
    """16 kHz mono PCM of the whole recording."""
    rec = ctx.recording()
    key = audio_key(ctx)
    if not ctx.storage.exists(key):
        src = ctx.storage.local_path(ctx.spec.original)
        with ctx.storage.writing(key, ".wav") as tmp:
            extract_audio(src, tmp, ctx.progress, rec.duration_s)
    return ctx.finish("audio", key)


def speech(ctx: StepContext) -> dict[str, Any]:
    """Where people speak (silero VAD)."""
    key = speech_key(ctx)
    if not ctx.storage.exists(key):
        wav = ctx.storage.local_path(ctx.key_of("audio"))
        found = detect_speech(wav, ctx.engines.vad(), ctx.spec.options.vad, ctx.progress)
        ctx.storage.write_json(key, [s.to_dict() for s in found])
    return ctx.finish("speech", key)


def plan(ctx: StepContext) -> dict[str, Any]:
    """Chunks of at most ``chunk_max_s``, cut in the quietest point of a pause."""
    key = plan_key(ctx)
    if not ctx.storage.exists(key):
        wav = ctx.storage.local_path(ctx.key_of("audio"))
        chunks = plan_chunks(
            _speech(ctx),
            ctx.recording().duration_s,
            ctx.spec.options.chunking,
            quiet=lambda window: quietest_point(wav, window),
        )
        ctx.storage.write_json(key, [c.segment.to_dict() for c in chunks])
    return ctx.finish("plan", key)


def transcribe(ctx: StepContext, index: int) -> dict[str, Any]:
    """Words with absolute times for one chunk, by the model the job's spec names.

    A result present under the key is used only when the model that made it (recorded
    in it) is the one loaded for the spec's name: weights replaced on disk redo it.
    """
    key = chunk_key(ctx, index)
    transcriber = ctx.engines.transcriber(ctx.spec.asr_model)
    found = ctx.storage.read_json(key)
    if found is None or found.get("model_id") != transcriber.model_id:
        chunk = chunks_of(ctx)[index]
        wav = ctx.storage.local_path(ctx.key_of("audio"))
        total = chunk.segment.duration
        ctx.progress("transcribe", 0.0, total)
        opts = ctx.spec.effective_options.transcription
        ct = transcribe_chunk(transcriber, wav, chunk, _speech(ctx), opts)
        ctx.storage.write_json(key, ct.with_model(transcriber.model_id).to_dict())
        ctx.progress("transcribe", total, total)
    return ctx.finish(f"transcribe:{index}", key, model_id=transcriber.model_id)


def diarize(ctx: StepContext) -> dict[str, Any]:
    """Who speaks when, over the whole recording, with each voice's centroid."""
    key = diarize_key(ctx)
    if ctx.spec.diarizer_model == "none":
        if not ctx.storage.exists(key):
            ctx.storage.write_json(key, Diarization(()).to_dict())
        return ctx.finish("diarize", key)
    diarizer = ctx.engines.diarizer(ctx.spec.diarizer_model)
    if diarizer is None:
        raise PlenariaError(
            f"Este trabajador no tiene el modelo de diarización {ctx.spec.diarizer_model}.",
            "Configure PLENARIA_DIARIZATION_BACKEND en los trabajadores de la cola "
            "diarization y reintente el trabajo.",
        )
    found = ctx.storage.read_json(key)
    if found is None or found.get("model_id") != diarizer.model_id:
        wav = ctx.storage.local_path(ctx.key_of("audio"))
        opts = ctx.spec.options.diarization
        result = diarizer.diarize(wav, _speech(ctx), opts, ctx.progress)
        ctx.storage.write_json(key, result.to_dict())
    return ctx.finish("diarize", key, model_id=diarizer.model_id)


def name(ctx: StepContext) -> dict[str, Any]:
    """Names from the voice profiles given with the job; unmatched voices stay unnamed."""
    key = name_key(ctx)
    if not ctx.storage.exists(key):
        profiles = [VoiceProfile.from_dict(p) for p in ctx.spec.profiles]
        result = Diarization.from_dict(ctx.artifact(ctx.key_of("diarize")))
        speakers = name_voices(result, profiles, ctx.spec.options.naming)
        ctx.storage.write_json(key, [s.to_dict() for s in speakers])
    return ctx.finish("name", key)


def assemble(ctx: StepContext, n_chunks: int) -> dict[str, Any]:
    """Words of all chunks, given to speakers, grouped into interventions."""
    spec = ctx.spec
    key = assemble_key(ctx)
    if not ctx.storage.exists(key):
        keys = [ctx.key_of(f"transcribe:{i}") for i in range(n_chunks)]
        results = [ChunkTranscript.from_dict(ctx.artifact(k)) for k in keys]
        diarization, names = Diarization(()), []
        if spec.options.diarize:
            diarization = Diarization.from_dict(ctx.artifact(ctx.key_of("diarize")))
            names = [Speaker.from_dict(s) for s in ctx.artifact(ctx.key_of("name"))]
        model = one_model(results, spec.asr_model)
        transcript = assemble_transcript(ctx.recording(), spec, results, diarization, names, model)
        ctx.storage.write_json(key, transcript.to_dict())
    return ctx.finish("assemble", key)


def one_model(chunks: Sequence[ChunkTranscript], named: str) -> str:
    """The model that made every chunk; two models in one transcript are an error."""
    models = sorted({c.model_id for c in chunks})
    if len(models) > 1:
        raise PlenariaError(
            "Los fragmentos de esta grabación se transcribieron con modelos distintos "
            f"({', '.join(m or 'desconocido' for m in models)}).",
            "Deje el mismo modelo en todos los trabajadores de la cola asr y envíe el "
            "trabajo de nuevo.",
        )
    return models[0] if models and models[0] else named


def outputs(ctx: StepContext) -> dict[str, Any]:
    """JSON, WebVTT, SRT and the draft acta (DOCX), named after the recording."""
    keys = output_files(ctx)
    if not all(ctx.storage.exists(k) for k in keys.values()):
        transcript = Transcript.from_dict(ctx.artifact(ctx.key_of("assemble")))
        render_outputs(transcript, ctx.spec, ctx.storage, keys)
    return ctx.finish("outputs", outputs_key(ctx), files=keys)


def proxy(ctx: StepContext) -> dict[str, Any]:
    """The web-playable MP4 (H.264/AAC, faststart)."""
    rec = ctx.recording()
    key = proxy_key(ctx)
    if not ctx.storage.exists(key):
        src = ctx.storage.local_path(ctx.spec.original)
        with ctx.storage.writing(key, ".mp4") as tmp:
            make_proxy(src, tmp, rec, ctx.progress, threads=ctx.threads)
    return ctx.finish("proxy", key)


# -- pure helpers ----------------------------------------------------------------------------


def _speech(ctx: StepContext) -> tuple[Segment, ...]:
    return tuple(Segment.from_dict(s) for s in ctx.artifact(ctx.key_of("speech")))


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
    heard = transcriber.transcribe(samples, local, options)
    return ChunkTranscript(
        chunk,
        heard.language,
        tuple(w.shifted(chunk.offset) for w in heard.words),
        spans=tuple(LanguageSpan(s.segment.shifted(chunk.offset), s.language) for s in heard.spans),
    )


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
    languages = spoken_languages(words, chunks)
    transcript = Transcript(
        recording=_renamed(recording, spec.file_name),
        session=session,
        speakers=speakers,
        turns=turns,
        interventions=interventions,
        languages=languages,
        model=model,
    )
    found = with_warnings(with_acta(transcript))
    return llm_summaries_of(found, spec.summary_model, spec.options.acta_lang)


def _renamed(recording: Recording, file_name: str) -> Recording:
    from dataclasses import replace

    return replace(recording, file_name=file_name) if file_name else recording


def render_outputs(
    transcript: Transcript, spec: JobSpec, storage: Storage, keys: dict[str, str]
) -> None:
    stem = output_stem(spec)
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
            template=Path(spec.acta_template) if spec.acta_template else None,
            interventions=spec.options.acta_interventions,
        )


__all__ = [
    "OUTPUT_KINDS",
    "EngineSource",
    "StepContext",
    "StepError",
    "chunk_key",
    "chunks_of",
    "content_key",
    "output_files",
]
