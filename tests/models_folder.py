"""One models folder for the whole suite, and for every run: the one ``make`` prepares.

``make`` runs ``plenaria models prepare``, which exports the diarization networks to ONNX
(torch, about 15 s) into ``<cache_dir>/models``; tests that load the diarizer use that
folder instead of exporting again into a folder of their own. A test that finds it empty
exports once there, under the export's lock, so tests and runs at once are safe.
"""

from __future__ import annotations

import os
from pathlib import Path


def shared_models_dir() -> Path:
    """``<cache_dir>/models`` with the default cache folder (``PLENARIA_MODELS_DIR`` unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "plenaria" / "models"
