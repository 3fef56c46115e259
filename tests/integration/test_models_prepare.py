"""``plenaria models prepare`` run by three processes at once: each network exported once.

``serve`` and ``make`` run it; before, three workers starting together exported the
same ONNX files at the same moment. The real export (torch) into a fresh folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import onnxruntime as ort
import pytest

from plenaria.diarization.models import onnx_paths

pytestmark = pytest.mark.integration

PROCESSES = 3


def test_processes_started_at_once_export_each_network_once(tmp_path: Path) -> None:
    models = tmp_path / "models"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLENARIA_")} | {
        "PLENARIA_MODELS_DIR": str(models),
        "PLENARIA_CACHE_DIR": str(tmp_path / "cache"),
        "PLENARIA_DATA_DIR": str(tmp_path / "data"),
        "PLENARIA_WHISPER_MODEL": str(tmp_path / "no-whisper-here"),  # the export only
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "plenaria", "models", "prepare"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    outputs = [p.communicate(timeout=600) for p in procs]
    logs = "".join(err for _, err in outputs)
    assert [p.returncode for p in procs] == [0] * PROCESSES, logs

    seg, cam = onnx_paths(models)
    for path in (seg, cam):
        assert logs.count(f"exporting {path} to ONNX (once)") == 1, logs
        assert all(f"Listo: {path}\n" in err for _, err in outputs), logs
    assert sorted(p.name for p in seg.parent.iterdir() if not p.name.endswith(".lock")) == sorted(
        [seg.name, cam.name]
    )  # no temporary file left
    for path in (seg, cam):
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        assert len(session.get_inputs()) == 1

    again = subprocess.run(
        [sys.executable, "-m", "plenaria", "models", "prepare"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0 and "exporting" not in again.stderr, again.stderr
