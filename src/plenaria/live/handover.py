"""What a live session recorded, given to the job graph as its first steps, then the rest run.

The recorded original is an MPEG-TS (it survives a crash and can be appended to
after a reconnection); its SHA-256 was computed as it grew. The graph's readers
accept plain containers only, so the proxy is made from a stream copy of it into
Matroska (a working file, like the 16 kHz WAV); the transcript certifies the
MPEG-TS: its name, size and hash.

The steps probe, audio, speech, plan and every ``transcribe:i`` are written from
what the session made, under the same content keys a batch run uses (the live
plan under a key of its own), with the run's pointers (a live spec finds what it
recorded by them); :func:`run_local` then finds them done and runs diarization,
naming, assembly, the outputs and the proxy.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plenaria.domain import Recording, Segment, SessionInfo, Transcript
from plenaria.graph.options import JobSpec, ProcessOptions
from plenaria.graph.run import run_local
from plenaria.graph.steps import StepContext, chunk_key, content_key
from plenaria.live.partial import hms
from plenaria.live.segmenter import LiveOptions
from plenaria.live.session import LiveRecord
from plenaria.media.ffmpeg import file_url, run_ffmpeg
from plenaria.media.probe import probe
from plenaria.progress import Progress, no_progress
from plenaria.storage import LocalStorage

if TYPE_CHECKING:
    from plenaria.graph.steps import EngineSource

CERTIFICATE_SUFFIX = ".live.json"


@dataclass(frozen=True)
class LiveResult:
    transcript: Transcript
    outputs: dict[str, Path]
    certificate: dict[str, Any]


def working_copy(record: LiveRecord, storage: LocalStorage) -> str:
    """Storage key of a Matroska stream copy of the recorded MPEG-TS (for the proxy)."""
    key = f"live/{record.sha256[:24]}/original.mkv"
    if not storage.exists(key):
        with storage.writing(key, ".mkv") as tmp:
            run_ffmpeg(
                [
                    "-y",
                    "-protocol_whitelist", "file",
                    "-format_whitelist", "mpegts",
                    "-f", "mpegts", "-i", file_url(record.original),
                    "-map", "0", "-c", "copy", "-f", "matroska", file_url(tmp),
                ],
                what=f"copying {record.original.name} into Matroska",
            )  # fmt: skip
    return key


def recorded(record: LiveRecord, storage: LocalStorage) -> tuple[str, Recording]:
    """The storage key of the working copy, and the recording the certificate describes."""
    copy = working_copy(record, storage)
    _, _, streams = probe(storage.local_path(copy))
    recording = Recording(
        file_name=record.original.name,
        sha256=record.sha256,
        size_bytes=record.size_bytes,
        duration_s=record.duration_s,
        format_name="mpegts",
        streams=streams,
        gaps=tuple(Segment(g.start_s, g.start_s + g.length_s) for g in record.gaps),
    )
    return copy, recording


def hand_over(
    record: LiveRecord,
    out_dir: Path,
    storage: LocalStorage,
    engines: EngineSource,
    options: ProcessOptions,
    live: LiveOptions,
    *,
    session: SessionInfo | None = None,
    profiles: tuple[dict[str, Any], ...] = (),
    video_url_template: str = "",
    acta_template: str = "",
    summary_model: str = "",
    progress: Progress = no_progress,
) -> LiveResult:
    """Write the recorded steps into the graph, run the rest, copy the outputs to ``out_dir``."""
    copy, recording = recorded(record, storage)
    info = session or SessionInfo()
    diarizer = engines.diarizer() if options.diarize else None
    spec = JobSpec(
        original=copy,
        file_name=record.original.name,
        session=info.to_dict(),
        options=options,
        profiles=profiles,
        video_url_template=video_url_template,
        acta_template=acta_template,
        summary_model=summary_model,
        asr_model=engines.transcriber().model_id,
        diarizer_model=diarizer.model_id if diarizer is not None else "none",
        live=True,
    ).with_run_id()
    ctx = StepContext(spec, storage, engines, progress)
    write_steps(ctx, record, recording, live)
    ctx.finish("record", ctx.key_of("probe"))
    finals = run_local(ctx)
    transcript = Transcript.from_dict(ctx.artifact(ctx.key_of("assemble")))
    stem = record.original.stem
    outputs = {
        kind: storage.copy_out(key, out_dir / f"{stem}.{kind}")
        for kind, key in finals["outputs"]["files"].items()
    }
    if "proxy" in finals:
        outputs["proxy"] = storage.copy_out(finals["proxy"]["key"], out_dir / f"{stem}.proxy.mp4")
    certificate = certificate_data(record)
    path = out_dir / f"{stem}{CERTIFICATE_SUFFIX}"
    path.write_text(json.dumps(certificate, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    outputs["certificate"] = path
    outputs["original"] = record.original
    return LiveResult(transcript, outputs, certificate)


def write_steps(
    ctx: StepContext, record: LiveRecord, recording: Recording, live: LiveOptions
) -> None:
    """The steps probe, audio, speech and plan from the recording, and each chunk transcribed.

    A chunk without its result here (the service: the workers transcribed it) keeps
    the pointer its ``transcribe:i`` step wrote.
    """
    storage = ctx.storage
    opts = ctx.spec.effective_options
    probe_key = f"sources/live-{record.sha256[:24]}.json"
    storage.write_json(probe_key, recording.to_dict())
    ctx.finish("probe", probe_key)
    base = ctx.base()

    audio_key = f"{base}/audio.wav"
    if record.wav.exists():
        with storage.writing(audio_key, ".wav") as tmp:
            os.replace(record.wav, tmp)
    ctx.finish("audio", audio_key)

    speech_key = f"{base}/speech-{content_key('speech/1', opts.vad)}.json"
    storage.write_json(speech_key, [s.to_dict() for s in record.speech])
    ctx.finish("speech", speech_key)

    segments = [c.chunk.segment.to_dict() for c in record.chunks]
    plan_key = f"{base}/plan-live-{content_key('plan/live/1', opts.vad, live, segments)}.json"
    storage.write_json(plan_key, segments)
    ctx.finish("plan", plan_key)

    for c in record.chunks:
        if c.result is None:
            continue
        key = chunk_key(ctx, c.chunk.index)
        result = c.result.with_model(record.model_id) if record.model_id else c.result
        storage.write_json(key, result.to_dict())
        ctx.finish(f"transcribe:{c.chunk.index}", key, model_id=result.model_id)


def certificate_data(record: LiveRecord) -> dict[str, Any]:
    """What the acta's certificate states about a live recording: its hash and its gaps."""
    lags = [c.lag_s for c in record.chunks if c.lag_s is not None]
    return {
        "original": record.original.name,
        "sha256": record.sha256,
        "size_bytes": record.size_bytes,
        "duration_s": round(record.duration_s, 3),
        "started_at": record.started_at,
        "ended_at": record.ended_at,
        "connections": record.connections,
        "gaps": [{**g.to_dict(), "at": hms(g.start_s)} for g in record.gaps],
        "chunks": [
            {
                "index": c.chunk.index,
                "start_s": round(c.chunk.segment.start, 3),
                "end_s": round(c.chunk.segment.end, 3),
                "lag_s": None if c.lag_s is None else round(c.lag_s, 3),
            }
            for c in record.chunks
        ],
        "lag_median_s": round(sorted(lags)[len(lags) // 2], 3) if lags else None,
        "lag_max_s": round(max(lags), 3) if lags else None,
    }


__all__ = [
    "CERTIFICATE_SUFFIX",
    "LiveResult",
    "certificate_data",
    "hand_over",
    "recorded",
    "working_copy",
    "write_steps",
]
