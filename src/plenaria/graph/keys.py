"""Where each step's result is: its key, from the job's spec and the results before it.

A key names what the result depends on (the recording's SHA-256, the model ids
frozen in the spec, the options, the keys of its inputs), so the result of one
recording, model or set of options is never found for another.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from plenaria.cache import cache_key
from plenaria.domain import Chunk, Segment
from plenaria.errors import InputError
from plenaria.graph.options import JobSpec

if TYPE_CHECKING:
    from plenaria.graph.steps import StepContext

OUTPUT_KINDS = ("json", "vtt", "srt", "docx")


class StepError(RuntimeError):
    """A step asked for the result of a step that is not done: a bug in the executor."""


def content_key(*parts: object) -> str:
    """A short key for what ``parts`` (versions, model ids, options, input keys) determine."""
    return cache_key(*parts)[:20]


# The steps a live job's ``record`` step writes as the stream comes: found by its pointers
# (its run id is the job's own: a stream is recorded once). Its chunks are transcribed
# while the probe is provisional, so their pointers name their keys too.
RECORDED = ("record", "probe", "audio", "speech", "plan")


def probe_key(ctx: StepContext) -> str:
    """The original's identity on disk: a file replaced under the same name is a new key."""
    original = ctx.spec.original
    try:
        st = ctx.storage.local_path(original).stat()
    except OSError as e:
        raise InputError(
            f"No se encuentra la grabación {ctx.spec.file_name or original} ({e.strerror}).",
            "Compruebe que el archivo sigue ahí y vuelva a lanzar el trabajo.",
        ) from e
    identity = (original, st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)
    return f"sources/{content_key('probe/2', *identity)}.json"


def audio_key(ctx: StepContext) -> str:
    return f"{ctx.base()}/audio.wav"


def speech_key(ctx: StepContext) -> str:
    return f"{ctx.base()}/speech-{content_key('speech/1', ctx.spec.options.vad)}.json"


def plan_key(ctx: StepContext) -> str:
    opts = ctx.spec.options
    return f"{ctx.base()}/plan-{content_key('plan/1', opts.vad, opts.chunking)}.json"


def chunk_key(ctx: StepContext, index: int) -> str:
    chunks = chunks_of(ctx)
    if not 0 <= index < len(chunks):
        raise StepError(f"run {ctx.spec.run_id}: no chunk {index} in the plan")
    memo = ("chunk", chunks[index].segment, ctx.recording().sha256)
    if memo not in ctx.memo:
        opts = ctx.spec.effective_options
        segment = chunks[index].segment.to_dict()
        digest = content_key("chunk/4", segment, ctx.spec.asr_model, opts.transcription, opts.vad)
        ctx.memo[memo] = f"{ctx.base()}/chunks/{digest}.json"
    return str(ctx.memo[memo])


def diarize_key(ctx: StepContext) -> str:
    if ctx.spec.diarizer_model == "none":
        return f"{ctx.base()}/diarization-none.json"
    opts = ctx.spec.options
    digest = content_key("diar/3", ctx.spec.diarizer_model, opts.diarization, opts.vad)
    return f"{ctx.base()}/diarization-{digest}.json"


def name_key(ctx: StepContext) -> str:
    spec = ctx.spec
    digest = content_key("names/1", diarize_key(ctx), list(spec.profiles), spec.options.naming)
    return f"{ctx.base()}/names-{digest}.json"


def assemble_key(ctx: StepContext) -> str:
    spec = ctx.spec
    opts = spec.options
    chunks = [ctx.key_of(f"transcribe:{i}") for i in range(len(chunks_of(ctx)))]
    parts: list[object] = ["transcript/3", chunks, spec.session, opts.assembly, spec.file_name]
    if spec.summary_model:
        parts += ["summary-model", spec.summary_model]
    if opts.diarize:
        parts += [ctx.key_of("diarize"), ctx.key_of("name")]
    return f"{ctx.base()}/transcript-{content_key(*parts)}.json"


def _template_digest(lang: str, template: str) -> str:
    """The acta template's bytes' digest: a changed template makes the acta again."""
    from pathlib import Path

    from plenaria.acts.acta_template import template_digest
    from plenaria.acts.draft import acta_template_path

    return template_digest(acta_template_path(lang, Path(template) if template else None))


def outputs_key(ctx: StepContext) -> str:
    spec = ctx.spec
    opts = spec.options
    digest = content_key(
        "outputs/1",
        ctx.key_of("assemble"),
        spec.video_url_template,
        opts.acta_lang,
        opts.acta_interventions,
        _template_digest(opts.acta_lang, spec.acta_template),
        opts.make_proxy,
        output_stem(spec),
    )
    return f"outputs/{digest}"


def output_files(ctx: StepContext) -> dict[str, str]:
    """The keys of the outputs (JSON, WebVTT, SRT, DOCX), named after the recording."""
    folder, stem = outputs_key(ctx), output_stem(ctx.spec)
    return {kind: f"{folder}/{stem}.{kind}" for kind in OUTPUT_KINDS}


def proxy_key(ctx: StepContext) -> str:
    return f"{ctx.base()}/proxy.mp4"


KEYS: dict[str, Callable[[StepContext], str]] = {
    "probe": probe_key,
    "audio": audio_key,
    "speech": speech_key,
    "plan": plan_key,
    "diarize": diarize_key,
    "name": name_key,
    "assemble": assemble_key,
    "outputs": outputs_key,
    "proxy": proxy_key,
}


def output_stem(spec: JobSpec) -> str:
    return Path(spec.file_name).stem or "pleno"


def chunks_of(ctx: StepContext) -> tuple[Chunk, ...]:
    key = ctx.key_of("plan")
    memo = ("chunks", key, ctx.version(key))
    if memo not in ctx.memo:
        ctx.memo[memo] = tuple(
            Chunk(i, Segment.from_dict(s)) for i, s in enumerate(ctx.artifact(key))
        )
    return tuple(ctx.memo[memo])
