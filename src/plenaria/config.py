"""Settings: one class, read from the environment (``PLENARIA_*``) and ``.env``.

Nothing is built at import time: call :func:`get_settings`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "plenaria"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "plenaria"


class Settings(BaseSettings):
    """Deployment settings. Every field can be set as ``PLENARIA_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="PLENARIA_", env_file=".env", extra="forbid", frozen=True
    )

    env: Literal["dev", "prod"] = "dev"
    cache_dir: Path = Field(
        default_factory=_default_cache_dir,
        description="Chunk results, assembled bundled models and other reusable work.",
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Data kept between runs: the roster and voice profiles.",
    )
    models_dir: Path | None = Field(
        default=None,
        description="Directory holding model directories by name (e.g. large-v3/). "
        "Defaults to <cache_dir>/models.",
    )
    allow_network: bool = Field(
        default=False, description="Allow downloading models from the hub (off by default)."
    )

    # Speech recognition
    asr_backend: Literal["faster-whisper", "openai-whisper"] = "faster-whisper"
    whisper_model: str = Field(
        default="base", description="A model name (under models_dir) or a path to a model."
    )
    device: Literal["auto", "cpu", "cuda"] = "auto"
    compute_type: str = Field(
        default="default",
        description="CTranslate2 compute type; default: int8 on CPU, float16 on GPU.",
    )
    cpu_threads: int = Field(default=0, ge=0, description="0: one per core.")

    # Diarization
    diarization_backend: Literal["embedded", "pyannote", "none"] = "embedded"
    pyannote_pipeline: str = Field(
        default="", description="Local directory of a pyannote pipeline, or a hub name."
    )
    hf_token: SecretStr | None = None

    # Outputs
    video_url_template: str = Field(
        default="",
        description="Link for each intervention in the acta, with {session} and {seconds}, "
        "e.g. https://sede.example.es/plenos/{session}?t={seconds}. "
        "Empty: link to the proxy video file next to the acta.",
    )

    @property
    def models_path(self) -> Path:
        return self.models_dir if self.models_dir is not None else self.cache_dir / "models"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
