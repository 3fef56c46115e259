"""Pick and load the diarization backend named in the settings (once per process)."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

from plenaria.config import Settings
from plenaria.diarization.base import Diarizer

log = logging.getLogger(__name__)


def load_diarizer(settings: Settings) -> Diarizer | None:
    """The configured backend with its model loaded, or None when diarization is off.

    Raises DependencyError naming the extra to install when the backend's
    libraries are missing, ConfigError when the pyannote pipeline is not set.
    """
    backend = settings.diarization_backend
    if backend == "none":
        return None
    if backend == "pyannote":
        from plenaria.diarization.pyannote_backend import PyannoteDiarizer, load_pyannote_pipeline

        token = settings.hf_token.get_secret_value() if settings.hf_token else None
        pipeline = load_pyannote_pipeline(
            settings.pyannote_pipeline,
            token=token,
            allow_network=settings.allow_network,
            device=_device(settings.device),
        )
        log.info("diarization: pyannote pipeline %s", settings.pyannote_pipeline)
        return PyannoteDiarizer(pipeline, f"pyannote/{settings.pyannote_pipeline}")

    from plenaria.diarization.embedded import EmbeddedDiarizer

    device = _device(settings.device)
    log.info("diarization: embedded (resemblyzer) on %s", device)
    return EmbeddedDiarizer(device)


def _device(setting: str) -> str:
    """'cpu' or 'cuda'; 'auto' is cuda only on a machine with an NVIDIA driver and torch.

    Checked without importing torch, which the CPU path never needs.
    """
    if setting != "auto":
        return setting
    has_gpu = Path("/proc/driver/nvidia").exists()
    return "cuda" if has_gpu and importlib.util.find_spec("torch") is not None else "cpu"
