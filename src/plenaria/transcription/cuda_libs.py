"""CUDA 12's cuBLAS and cuDNN 9 from their PyPI wheels, for faster-whisper on a GPU.

The CTranslate2 wheel on PyPI is built against CUDA 12 and opens
``libcublas.so.12`` and ``libcudnn*.so.9`` by name when it first runs on the
GPU. A machine with another CUDA (or none) installed system-wide lacks them;
the ``[gpu]`` extra installs ``nvidia-cublas-cu12`` and ``nvidia-cudnn-cu12``,
which put them under ``site-packages/nvidia/<name>/lib``, a folder the loader
does not search.

faster-whisper's README puts those folders on ``LD_LIBRARY_PATH``, which the
loader reads only when a process starts. Two ways are offered here:

- :func:`preload_cuda_libraries` opens every library in those folders with
  ``RTLD_GLOBAL`` before CTranslate2 needs them; a later ``dlopen`` by the same
  name then finds the library already loaded. Called by the faster-whisper
  backend when it is asked for a GPU, so a worker needs nothing else.
- :func:`cuda_environment` returns an environment with ``LD_LIBRARY_PATH``
  extended, for starting a GPU worker as a new process.

Neither does anything when the wheels are not installed (a CPU machine, or
CUDA 12 libraries already on the system path).
"""

from __future__ import annotations

import ctypes
import importlib.util
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

log = logging.getLogger(__name__)

# site-packages/nvidia/<name>/lib of the wheels in the [gpu] extra.
WHEELS = ("cublas", "cudnn")
# Loaded first, in this order; then everything else in the folders (cuDNN 9's sub-libraries).
FIRST = ("libcublasLt.so", "libcublas.so", "libcudnn_graph.so", "libcudnn.so")

_loaded: dict[Path, ctypes.CDLL] = {}


def cuda_library_dirs(roots: Iterable[Path] | None = None) -> list[Path]:
    """The ``lib`` folders of the NVIDIA wheels found under ``roots``
    (default: every location of the ``nvidia`` namespace package)."""
    if roots is None:
        spec = importlib.util.find_spec("nvidia")
        roots = [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
    found: list[Path] = []
    for root in roots:
        for name in WHEELS:
            lib = Path(root) / name / "lib"
            if lib.is_dir() and lib not in found:
                found.append(lib)
    return found


def _libraries(dirs: Iterable[Path]) -> list[Path]:
    """Shared libraries in ``dirs``, the ones others depend on first."""
    files = [f for d in dirs for f in sorted(d.iterdir()) if ".so" in f.name and f.is_file()]

    def rank(f: Path) -> tuple[int, str]:
        for i, prefix in enumerate(FIRST):
            if f.name.startswith(prefix):
                return i, f.name
        return len(FIRST), f.name

    return sorted(files, key=rank)


def preload_cuda_libraries(dirs: Iterable[Path] | None = None) -> list[Path]:
    """Open the wheels' libraries globally, so CTranslate2 finds them by name.

    Returns the files loaded, in load order (also those loaded by an earlier call). A library
    that fails because another one it needs is not loaded yet is tried again
    after the others; one that still fails is logged and left out (e.g. a cuDNN
    engine for a GPU generation this machine lacks).
    """
    candidates = _libraries(cuda_library_dirs() if dirs is None else list(dirs))
    pending = list(candidates)
    errors: dict[Path, str] = {}
    while pending:
        left: list[Path] = []
        for f in pending:
            if f in _loaded:
                continue
            try:
                _loaded[f] = ctypes.CDLL(str(f), mode=ctypes.RTLD_GLOBAL)
            except OSError as e:
                errors[f] = str(e)
                left.append(f)
        if len(left) == len(pending):
            break
        pending = left
    for f in pending:
        log.warning("Could not preload %s: %s", f, errors.get(f, "?"))
    wanted = set(candidates)
    loaded = [f for f in _loaded if f in wanted]  # in the order they were loaded
    if loaded:
        log.info("Preloaded %d CUDA libraries from the NVIDIA wheels", len(loaded))
    return loaded


def cuda_environment(
    env: Mapping[str, str] | None = None, dirs: Iterable[Path] | None = None
) -> dict[str, str]:
    """``env`` (default: this process's) with the wheels' folders first on ``LD_LIBRARY_PATH``,
    for a GPU worker started as a new process."""
    out = dict(os.environ if env is None else env)
    folders = [str(d) for d in (cuda_library_dirs() if dirs is None else dirs)]
    old = [p for p in out.get("LD_LIBRARY_PATH", "").split(os.pathsep) if p and p not in folders]
    if folders:
        out["LD_LIBRARY_PATH"] = os.pathsep.join(folders + old)
    return out
