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


def test_only_the_command_line_imports_the_command_line() -> None:
    """plenaria.cli is the outermost shell: the core, the API and the workers never need it."""
    bad = []
    for path in PACKAGE.rglob("*.py"):
        if (PACKAGE / "cli") in path.parents or path.name == "__main__.py":
            continue
        bad += [
            f"{path.relative_to(PACKAGE)}: {m}"
            for m, _ in _imports(path)
            if m == "plenaria.cli" or m.startswith("plenaria.cli.")
        ]
    assert bad == []


def test_the_package_root_keeps_the_shared_core_only() -> None:
    """Command-line and web-only modules live in their packages, not at the root."""
    root = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert [n for n in root if n.startswith(("cli", "client", "samples", "web_"))] == []


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
