"""Load the configured speech recogniser once per process."""

from __future__ import annotations

import importlib.util
import logging

from plenaria.config import Settings
from plenaria.errors import DependencyError
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


def _require(modules: tuple[str, ...], backend: str, extra: str) -> None:
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise DependencyError(
            f"The {backend} speech recognition backend needs {', '.join(missing)}, "
            "which is not installed.",
            f"Install it with: pip install 'plenaria[{extra}]'",
        )
