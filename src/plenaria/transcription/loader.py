"""Load the configured speech recogniser once per process."""

from __future__ import annotations

import importlib.util
import logging

from plenaria.config import Settings
from plenaria.errors import ConfigError, DependencyError
from plenaria.transcription.base import Transcriber
from plenaria.transcription.models import resolve_model, resolve_openai_model

log = logging.getLogger(__name__)


def load_transcriber(settings: Settings, model: str | None = None) -> Transcriber:
    """The backend named by ``settings.asr_backend`` with ``model`` (default: settings)."""
    if settings.asr_backend == "openai-whisper":
        _require(("whisper", "torch"), "openai-whisper", "openai-whisper")
        from plenaria.transcription.openai_backend import OpenAIWhisperTranscriber

        found = resolve_openai_model(model, settings)
        log.info("openai-whisper model %s from %s (%s)", found.name, found.path, found.source)
        return OpenAIWhisperTranscriber(found.path, device=settings.device, name=found.name)

    _require(("faster_whisper", "ctranslate2"), "faster-whisper", "asr")
    from plenaria.transcription.faster import FasterWhisperTranscriber

    found = resolve_model(model, settings)
    log.info("faster-whisper model %s from %s (%s)", found.name, found.path, found.source)
    return FasterWhisperTranscriber(
        found.path,
        device=settings.device,
        compute_type=settings.compute_type,
        cpu_threads=settings.cpu_threads,
        name=found.name,
    )


def model_request(settings: Settings, model: str | None = None) -> str:
    """The speech recogniser a service job names when it is created: ``backend:name``.

    Nothing is loaded or resolved here (the API process has no models); each worker
    loads the model named so (:func:`load_requested`).
    """
    return f"{settings.asr_backend}:{(model or settings.whisper_model).strip()}"


def load_requested(settings: Settings, request: str) -> Transcriber:
    """Load the model a job's spec names as ``backend:name`` (see :func:`model_request`)."""
    backend, _, name = request.partition(":")
    if backend not in ("faster-whisper", "openai-whisper") or not name:
        raise ConfigError(
            f"El trabajo pide un modelo de transcripción desconocido: {request!r}.",
            "Cree el trabajo de nuevo con un modelo configurado (PLENARIA_WHISPER_MODEL).",
        )
    return load_transcriber(settings.model_copy(update={"asr_backend": backend}), name)


def _require(modules: tuple[str, ...], backend: str, extra: str) -> None:
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise DependencyError(
            f"El reconocimiento de voz {backend} necesita {', '.join(missing)}, "
            "que no está instalado.",
            f"Instálelo con: pip install 'plenaria[{extra}]'",
        )
