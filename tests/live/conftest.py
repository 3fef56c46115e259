"""The live tests' processes share the suite's models folder (models_folder.py: the
diarizer's ONNX export is made once, by ``make`` or the first test, not once per test or
run). It is handed to their processes' environment only (live_helpers.live_env), so the
rest of the suite's environment is untouched."""

from __future__ import annotations

import os
from pathlib import Path

import live_helpers
import pytest

import models_folder


@pytest.fixture(scope="session", autouse=True)
def shared_models_dir() -> Path:
    given = os.environ.get("PLENARIA_MODELS_DIR")
    folder = Path(given) if given else models_folder.shared_models_dir()
    live_helpers.MODELS_DIR = folder
    return folder
