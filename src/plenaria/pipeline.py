"""The main job: a recording in, a transcript with speakers and a draft acta out.

Each step calls a pure stage function; this module only wires them together,
caches each step's result under a key made of everything it depends on (so a
second run after Ctrl-C resumes where the first stopped), and writes outputs.
The CLI and the Celery tasks are thin shells around these functions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from plenaria.acts.draft import render_draft_acta
from plenaria.acts.links import check_template
from plenaria.assembly.interventions import AssemblyOptions, build_interventions, speakers_of
from plenaria.assembly.words import merge_chunks
from plenaria.cache import ResultCache, atomic_write_text, cache_key
from plenaria.config import Settings
from plenaria.diarization.base import DiarizationOptions
from plenaria.diarization.profiles import NamingOptions, name_speakers
from plenaria.domain import (
    Chunk,
    ChunkTranscript,
    Recording,
    Segment,
    SessionInfo,
    Speaker,
    Transcript,
    Turn,
)
from plenaria.formats.captions import to_srt, to_webvtt
from plenaria.formats.jsonio import write_transcript
from plenaria.media.audio import extract_audio, read_audio
from plenaria.media.chunking import ChunkingOptions, plan_chunks, quietest_point
from plenaria.media.probe import inspect_recording
from plenaria.media.proxy import make_proxy
from plenaria.media.vad import VadOptions, detect_speech, load_vad_model
from plenaria.progress import Progress, no_progress
from plenaria.transcription.base import TranscriptionOptions

if TYPE_CHECKING:
    from plenaria.diarization.base import Diarizer
    from plenaria.media.vad import VadModel
    from plenaria.transcription.base import Transcriber

log = logging.getLogger(__name__)


class ProcessOptions(BaseModel):
    """Every tunable of the main job, grouped by stage."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    vad: VadOptions = Field(default_factory=VadOptions)
    chunking: ChunkingOptions = Field(default_factory=ChunkingOptions)
    transcription: TranscriptionOptions = Field(default_factory=TranscriptionOptions)
    diarization: DiarizationOptions = Field(default_factory=DiarizationOptions)
    assembly: AssemblyOptions = Field(default_factory=AssemblyOptions)
    naming: NamingOptions = Field(default_factory=NamingOptions)
    make_proxy: bool = Field(default=True, description="Make the web-playable MP4 proxy.")
    acta_lang: str = Field(default="es", description="Language of the acta's labels: es or ca.")


@dataclass
class Engines:
    """The models a process needs, loaded once and reused for every recording."""

    vad: VadModel
    transcriber: Transcriber
    diarizer: Diarizer | None


def load_engines(settings: Settings, model: str | None = None) -> Engines:
    from plenaria.diarization.loader import load_diarizer
    from plenaria.transcription.loader import load_transcriber

    return Engines(
        vad=load_vad_model(),
        transcriber=load_transcriber(settings, model),
        diarizer=load_diarizer(settings),
    )


@dataclass(frozen=True)
class ProcessResult:
    transcript: Transcript
    outputs: dict[str, Path]
    chunks: tuple[Chunk, ...] = ()
    timings_s: dict[str, float] = field(default_factory=dict)


def work_dir(settings: Settings, recording: Recording) -> Path:
    """Where intermediate files of one recording live (keyed by its content hash)."""
    return settings.cache_dir / "recordings" / recording.sha256[:24]


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
    audio = read_audio(wav, chunk.segment)
    language, words = transcriber.transcribe(audio, local, options)
    return ChunkTranscript(chunk, language, tuple(w.shifted(chunk.offset) for w in words))


def chunk_key(
    recording: Recording, chunk: Chunk, transcriber: Transcriber, options: ProcessOptions
) -> str:
    return cache_key(
        "chunk/1",
        recording.sha256,
        chunk.segment.to_dict(),
        transcriber.model_id,
        options.transcription,
        options.vad,
    )


def process_recording(
    path: Path,
    out_dir: Path,
    engines: Engines,
    settings: Settings,
    session: SessionInfo | None = None,
    options: ProcessOptions | None = None,
    progress: Progress = no_progress,
) -> ProcessResult:
    """Run the whole pipeline on one recording and write its outputs to ``out_dir``."""
    opts = options or ProcessOptions()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + now - clock
        clock = now

    check_template(settings.video_url_template)  # a bad template fails before the work
    recording = inspect_recording(path, progress)
    session = session or SessionInfo()
    if not session.id:
        session = SessionInfo.from_dict({**session.to_dict(), "id": Path(recording.file_name).stem})
    if session.vocabulary and not opts.transcription.vocabulary:
        opts = opts.model_copy(
            update={
                "transcription": opts.transcription.model_copy(
                    update={"vocabulary": tuple(session.vocabulary)}
                )
            }
        )
    lap("probe+hash")

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="proxy") as pool:
        # The web proxy is an ffmpeg process of its own: it runs while the models work.
        proxy: Future[Path] | None = None
        if opts.make_proxy:
            dest = out_dir / f"{Path(recording.file_name).stem}.proxy.mp4"
            out_dir.mkdir(parents=True, exist_ok=True)
            proxy = pool.submit(make_proxy, path, dest, recording, progress)
        transcript, chunks = _analyse(
            path, recording, session, engines, settings, opts, lap, progress
        )
        outputs = write_outputs(transcript, out_dir, settings, opts)
        if proxy is not None:
            outputs["proxy"] = proxy.result()
    lap("outputs")
    return ProcessResult(transcript, outputs, chunks, timings)


def _analyse(
    path: Path,
    recording: Recording,
    session: SessionInfo,
    engines: Engines,
    settings: Settings,
    opts: ProcessOptions,
    lap: Callable[[str], None],
    progress: Progress,
) -> tuple[Transcript, tuple[Chunk, ...]]:
    """Audio, speech, chunks, transcription, diarization, naming, assembly."""
    work = work_dir(settings, recording)
    cache = ResultCache(work)
    wav = work / "audio.wav"
    if not wav.exists():
        extract_audio(path, wav, progress, recording.duration_s)
    lap("audio")

    speech_key = cache_key("speech/1", opts.vad)
    cached = cache.load("speech", speech_key)
    if cached is None:
        speech = detect_speech(wav, engines.vad, opts.vad, progress)
        cache.store("speech", speech_key, [s.to_dict() for s in speech])
    else:
        speech = tuple(Segment.from_dict(s) for s in cached)
    lap("speech")

    chunks = plan_chunks(
        speech,
        recording.duration_s,
        opts.chunking,
        quiet=lambda window: quietest_point(wav, window),
    )
    results: list[ChunkTranscript] = []
    total = recording.duration_s
    progress("transcribe", 0.0, total)
    for chunk in chunks:
        key = chunk_key(recording, chunk, engines.transcriber, opts)
        hit = cache.load("chunks", key)
        if hit is None:
            ct = transcribe_chunk(engines.transcriber, wav, chunk, speech, opts.transcription)
            cache.store("chunks", key, ct.to_dict())
        else:
            ct = ChunkTranscript.from_dict(hit)
        results.append(ct)
        progress("transcribe", chunk.segment.end, total)
    lap("transcribe")

    turns: tuple[Turn, ...] = ()
    turns_key = ""
    if engines.diarizer is not None:
        turns_key = cache_key(
            "turns/1", type(engines.diarizer).__name__, opts.diarization, opts.vad
        )
        hit = cache.load("turns", turns_key)
        if hit is None:
            turns = engines.diarizer.diarize(wav, speech, opts.diarization, progress)
            cache.store("turns", turns_key, [t.to_dict() for t in turns])
        else:
            turns = tuple(Turn.from_dict(t) for t in hit)
    lap("diarize")

    words = merge_chunks(results)
    interventions = build_interventions(words, turns, opts.assembly)
    speakers = speakers_of(interventions, turns)
    if engines.diarizer is not None and turns:
        speakers = name_voices(
            engines.diarizer, wav, turns, speakers, cache, turns_key, settings, opts
        )
    lap("naming")

    languages = tuple(dict.fromkeys(ct.language for ct in results if ct.language))
    transcript = Transcript(
        recording=recording,
        session=session,
        speakers=speakers,
        turns=turns,
        interventions=interventions,
        languages=languages,
        model=engines.transcriber.model_id,
    )
    lap("assemble")
    return transcript, chunks


def name_voices(
    diarizer: Diarizer,
    wav: Path,
    turns: Sequence[Turn],
    speakers: Sequence[Speaker],
    cache: ResultCache,
    turns_key: str,
    settings: Settings,
    options: ProcessOptions,
) -> tuple[Speaker, ...]:
    """Names from the enrolled voice profiles; unmatched voices stay "Speaker N"."""
    from plenaria.voices import VoiceStore

    profiles = VoiceStore(settings.data_dir / "voices").list()
    embed = getattr(diarizer, "speaker_embeddings", None)
    if not profiles or embed is None:
        return tuple(speakers)
    hit = cache.load("voiceprints", turns_key)
    if hit is None:
        vectors = embed(wav, turns, options.diarization)
        cache.store(
            "voiceprints", turns_key, {k: [float(x) for x in v] for k, v in vectors.items()}
        )
    else:
        import numpy as np

        vectors = {k: np.asarray(v, dtype=np.float32) for k, v in hit.items()}
    named = {s.id: s for s in name_speakers(vectors, profiles, options.naming)}
    return tuple(named.get(s.id, s) for s in speakers)


def write_outputs(
    transcript: Transcript,
    out_dir: Path,
    settings: Settings,
    options: ProcessOptions,
) -> dict[str, Path]:
    """JSON, captions and the draft acta, named after the recording."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = Path(transcript.recording.file_name).stem
    proxy = out_dir / f"{stem}.proxy.mp4"
    outputs: dict[str, Path] = {
        "json": write_transcript(transcript, out_dir / f"{stem}.json"),
        "vtt": atomic_write_text(out_dir / f"{stem}.vtt", to_webvtt(transcript)),
        "srt": atomic_write_text(out_dir / f"{stem}.srt", to_srt(transcript)),
        "docx": render_draft_acta(
            transcript,
            out_dir / f"{stem}.docx",
            url_template=settings.video_url_template,
            media_name=proxy.name if options.make_proxy else "",
            lang=options.acta_lang,
        ),
    }
    return outputs
