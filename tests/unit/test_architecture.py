"""Layering rules from STYLE.md, checked on the source and on a fresh interpreter."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import plenaria

PACKAGE = Path(plenaria.__file__).parent
PURE = ("media", "transcription", "diarization", "assembly", "acts", "formats", "live")
SHELLS = ("plenaria.api", "plenaria.workers", "plenaria.db")
HEAVY = (
    "torch",
    "faster_whisper",
    "whisper",
    "resemblyzer",
    "silero_vad",
    "pyannote",
    "ctranslate2",
    "onnxruntime",
)


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at_top_level) for every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    found: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, id(node) in top))
    return found


def test_pure_stages_never_import_the_service_layers() -> None:
    bad = []
    for pkg in PURE:
        for path in (PACKAGE / pkg).rglob("*.py"):
            bad += [f"{path.name}: {m}" for m, _ in _imports(path) if m.startswith(SHELLS)]
    assert bad == []


def test_heavy_libraries_are_imported_only_inside_functions() -> None:
    bad = []
    for path in PACKAGE.rglob("*.py"):
        bad += [
            f"{path.relative_to(PACKAGE)}: {m}"
            for m, top in _imports(path)
            if top and m.split(".")[0] in HEAVY
        ]
    assert bad == []


def test_importing_the_pipeline_and_cli_loads_no_model_library() -> None:
    code = (
        "import sys, plenaria.cli, plenaria.pipeline;"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
