"""Pick and load the diarization backend named in the settings (once per process)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from plenaria.config import Settings
from plenaria.diarization.base import Diarizer
from plenaria.errors import ConfigError

log = logging.getLogger(__name__)


def load_diarizer(settings: Settings) -> Diarizer | None:
    """The configured backend with its model loaded, or None when diarization is off.

    The embedded backend exports its models to ONNX under ``models_path`` the
    first time (needs torch, once). Raises DependencyError naming what to
    install when the backend's libraries or weights are missing, ConfigError
    when the pyannote pipeline is not set.
    """
    backend = settings.diarization_backend
    if backend == "none":
        return None
    if backend == "pyannote":
        from plenaria.diarization.pyannote_backend import PyannoteDiarizer, load_pyannote_pipeline

        token = settings.hf_token.get_secret_value() if settings.hf_token else None
        spec = settings.pyannote_pipeline
        if spec.strip() == "local":
            # pyannote 3.1 on the local segmentation-3.0 checkpoint (the embedded backend's);
            # its embedding model still comes from the hub (or its cache).
            from plenaria.diarization.pyannote_backend import write_local_pipeline

            spec = str(write_local_pipeline(settings.models_path / "diarization" / "pyannote"))
        pipeline = load_pyannote_pipeline(
            spec,
            token=token,
            allow_network=settings.allow_network,
            device=pick_device(settings.device),
        )
        log.info("diarization: pyannote pipeline %s", settings.pyannote_pipeline)
        return PyannoteDiarizer(pipeline, f"pyannote:{settings.pyannote_pipeline}")

    from plenaria.diarization.embedded import EmbeddedDiarizer

    device = pick_device(settings.device)
    threads = settings.cpu_threads or min(2, os.cpu_count() or 1)
    diarizer = EmbeddedDiarizer.load(settings.models_path, device=device, threads=threads)
    log.info("diarization: embedded (%s) on %s", diarizer.model_id, device)
    return diarizer


def diarizer_request(settings: Settings) -> str:
    """The diarizer a service job names when it is created: ``embedded``,
    ``pyannote:<pipeline>`` or ``none`` (nothing loaded here; each worker loads it)."""
    backend = settings.diarization_backend
    return f"pyannote:{settings.pyannote_pipeline}" if backend == "pyannote" else backend


def load_requested(settings: Settings, request: str) -> Diarizer | None:
    """Load the diarizer a job's spec names (see :func:`diarizer_request`)."""
    backend, _, pipeline = request.partition(":")
    if backend not in ("embedded", "pyannote", "none"):
        raise ConfigError(
            f"El trabajo pide un modelo de diarización desconocido: {request!r}.",
            "Cree el trabajo de nuevo con PLENARIA_DIARIZATION_BACKEND válido.",
        )
    update: dict[str, str] = {"diarization_backend": backend}
    if pipeline:
        update["pyannote_pipeline"] = pipeline
    return load_diarizer(settings.model_copy(update=update))


def pick_device(setting: str) -> str:
    """'cpu' or 'cuda'; 'auto' is cuda only on a machine with an NVIDIA driver.

    Checked without importing torch or onnxruntime (the embedded backend falls
    back to the CPU when onnxruntime has no CUDA provider).
    """
    if setting != "auto":
        return setting
    has_gpu = Path("/proc/driver/nvidia").exists()
    return "cuda" if has_gpu else "cpu"
