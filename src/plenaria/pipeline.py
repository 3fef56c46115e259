"""The main job in one process: a recording in, a transcript and a draft acta out.

``plenaria process`` runs the job graph (``plenaria.graph``) in-process over a
local store in the cache folder; the service runs the same steps as Celery
tasks. A second run after Ctrl-C skips every step already done: each step's result is
found by its content key (the recording's SHA-256, the models' ids, the options).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from plenaria.acts.acta_template import load_template
from plenaria.acts.draft import acta_template_path
from plenaria.acts.links import check_template
from plenaria.config import Settings
from plenaria.diarization.loader import pick_device
from plenaria.domain import Chunk, SessionInfo, Transcript
from plenaria.errors import ConfigError
from plenaria.graph.options import JobSpec, ProcessOptions
from plenaria.graph.run import beside_transcription, run_local
from plenaria.graph.steps import StepContext, chunks_of
from plenaria.media.vad import load_vad_model
from plenaria.progress import Progress, no_progress
from plenaria.storage import LocalStorage, external_key

if TYPE_CHECKING:
    from plenaria.diarization.base import Diarizer
    from plenaria.media.vad import VadModel
    from plenaria.transcription.base import Transcriber

__all__ = ["Engines", "ProcessOptions", "ProcessResult", "load_engines", "process_recording"]

log = logging.getLogger(__name__)


@dataclass
class Engines:
    """The models a process needs, loaded once and reused for every recording."""

    vad: VadModel
    transcriber: Transcriber
    diarizer: Diarizer | None


class _Source:
    """Engines seen as the graph's EngineSource: the models loaded, and no other."""

    def __init__(self, engines: Engines) -> None:
        self._engines = engines

    def vad(self) -> VadModel:
        return self._engines.vad

    def transcriber(self, model: str = "") -> Transcriber:
        loaded = self._engines.transcriber
        if model not in ("", loaded.model_id):
            raise _other_model("transcripción", model, loaded.model_id)
        return loaded

    def diarizer(self, model: str = "") -> Diarizer | None:
        loaded = self._engines.diarizer
        if model not in ("", model_ids(self._engines)[1]):
            raise _other_model("diarización", model, model_ids(self._engines)[1])
        return loaded


def model_ids(engines: Engines) -> tuple[str, str]:
    """The ids a job's spec names for these engines: (speech recogniser, diarizer or none)."""
    diarizer = engines.diarizer.model_id if engines.diarizer is not None else "none"
    return engines.transcriber.model_id, diarizer


def _other_model(kind: str, wanted: str, loaded: str) -> ConfigError:
    return ConfigError(
        f"El trabajo pide el modelo de {kind} {wanted}, pero el cargado es {loaded}.",
        "Vuelva a lanzar la orden: cada ejecución usa los modelos que carga al empezar.",
    )


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


def local_profiles(settings: Settings) -> tuple[dict[str, object], ...]:
    """The voice profiles enrolled on this machine (``plenaria voices``), as data."""
    from plenaria.voices import VoiceStore

    return tuple(p.to_dict() for p in VoiceStore(settings.data_dir / "voices").list())


def process_recording(
    path: Path,
    out_dir: Path,
    engines: Engines,
    settings: Settings,
    session: SessionInfo | None = None,
    options: ProcessOptions | None = None,
    progress: Progress = no_progress,
    acta_template: Path | None = None,
) -> ProcessResult:
    """Run the whole job on one recording and write its outputs to ``out_dir``.

    ``acta_template``: a DOCX template for the acta instead of the configured one."""
    opts = options or ProcessOptions()
    if engines.diarizer is None and opts.diarize:
        opts = opts.model_copy(update={"diarize": False})
    check_template(settings.video_url_template)  # a bad template fails before the work
    load_template(  # and so does a bad acta template
        acta_template_path(opts.acta_lang, acta_template, settings.acta_templates)
    )
    storage = LocalStorage(settings.cache_dir)
    asr_model, diarizer_model = model_ids(engines)
    spec = JobSpec(
        original=external_key(path),
        file_name=path.name,
        session=(session or SessionInfo()).to_dict(),
        options=opts,
        profiles=local_profiles(settings) if opts.diarize else (),
        video_url_template=settings.video_url_template,
        acta_template=str(acta_template.resolve()) if acta_template else "",
        summary_model=settings.summary_model,
        asr_model=asr_model,
        diarizer_model=diarizer_model,
    ).with_run_id()
    ctx = StepContext(spec, storage, _Source(engines), progress, threads=settings.cpu_threads)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    device = pick_device(settings.device)
    finals = run_local(ctx, timings, beside_transcription(device))
    result = finals["outputs"]
    transcript = Transcript.from_dict(ctx.artifact(ctx.key_of("assemble")))
    stem = Path(spec.file_name).stem
    outputs = {
        kind: storage.copy_out(key, out_dir / f"{stem}.{kind}")
        for kind, key in result["files"].items()
    }
    if "proxy" in finals:
        outputs["proxy"] = storage.copy_out(finals["proxy"]["key"], out_dir / f"{stem}.proxy.mp4")
    timings["total"] = time.perf_counter() - started
    log.info(
        "step times (s; the steps run beside the others overlap them): %s",
        ", ".join(f"{k} {v:.1f}" for k, v in timings.items()),
    )
    return ProcessResult(transcript, outputs, chunks_of(ctx), timings)
