"""The live tests' processes share one models folder (the bundled whisper model and the
diarizer's ONNX export are made once per session, not once per test: the export takes a
minute)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def shared_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    given = os.environ.get("PLENARIA_MODELS_DIR")
    if not given:
        os.environ["PLENARIA_MODELS_DIR"] = str(tmp_path_factory.mktemp("models"))
    yield
    if not given:
        del os.environ["PLENARIA_MODELS_DIR"]
