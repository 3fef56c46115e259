"""The live tests' processes share one models folder (the bundled whisper model and the
diarizer's ONNX export are made once per session, not once per test: the export takes a
minute). It is handed to their processes' environment only (live_helpers.live_env), so
the rest of the suite's environment is untouched."""

from __future__ import annotations

import os
from pathlib import Path

import live_helpers
import pytest


@pytest.fixture(scope="session", autouse=True)
def shared_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("PLENARIA_MODELS_DIR")
    folder = Path(given) if given else tmp_path_factory.mktemp("models")
    live_helpers.MODELS_DIR = folder
    return folder
