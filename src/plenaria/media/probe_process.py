"""Probe an untrusted recording in a child process with limits, not in the caller.

The API checks every uploaded file before accepting it; the demuxers that read
it are C code fed with bytes anyone may send. :func:`inspect_isolated` runs
:func:`~plenaria.media.probe.inspect_recording` in ``python -m
plenaria.media.probe_process``, which caps its own address space and CPU time
(``setrlimit``) before it imports PyAV, under a wall-clock timeout. A crash,
a blown limit or a hang costs the child, never the API process.

The child prints one JSON line: ``{"recording": {...}}``, or ``{"error": kind,
"message": ..., "hint": ...}`` for the :class:`~plenaria.errors.InputError`
that :func:`inspect_recording` raised, which the parent raises again.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from plenaria.domain import Recording
from plenaria.errors import InputError, MediaError

log = logging.getLogger(__name__)

_HINT = "Compruebe que la grabación se reproduce, o expórtela de nuevo."


@dataclass(frozen=True)
class ProbeLimits:
    """What one probe may use: address space (bytes), CPU seconds and wall seconds."""

    memory_bytes: int = 2 * 1024**3
    cpu_s: int = 300
    wall_s: float = 900.0


def inspect_isolated(
    path: Path, *, name: str, sha256: str | None = None, limits: ProbeLimits = ProbeLimits()
) -> Recording:
    """:func:`~plenaria.media.probe.inspect_recording` of ``path``, run in a limited child.

    Raises what it raises (an :class:`InputError` naming the problem), or a
    :class:`MediaError` when the child was stopped (a limit, a crash, a hang).
    """
    command = [
        sys.executable,
        "-m",
        "plenaria.media.probe_process",
        "--memory-bytes",
        str(limits.memory_bytes),
        "--cpu-s",
        str(limits.cpu_s),
        f"--name={name}",  # one argument, even for a name that starts with "-"
        f"--sha256={sha256 or ''}",
        "--",
        str(path),
    ]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=limits.wall_s,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as e:
        log.warning("probe of %s stopped after %.0f s", path, limits.wall_s)
        raise MediaError(
            f"{name} no se pudo comprobar en {limits.wall_s:g} s: leerlo lleva demasiado.",
            _HINT,
        ) from e
    answer = _answer(done.stdout)
    described = answer.get("recording") if answer is not None else None
    if isinstance(described, dict):
        return Recording.from_dict(described)
    if answer is not None and answer.get("error") in ("InputError", "MediaError"):
        error = MediaError if answer["error"] == "MediaError" else InputError
        raise error(str(answer.get("message", "")), str(answer.get("hint", "")))
    log.warning(
        "probe of %s failed (exit %s): %s", path, done.returncode, done.stderr.strip()[-2000:]
    )
    raise MediaError(
        f"{name} no se pudo leer: la comprobación se detuvo (memoria o tiempo agotados, "
        "o un fallo al leer el archivo).",
        _HINT,
    )


def _answer(stdout: str) -> dict[str, object] | None:
    lines = stdout.strip().splitlines()
    if not lines:
        return None
    try:
        value = json.loads(lines[-1])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _limit(memory_bytes: int, cpu_s: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m plenaria.media.probe_process")
    parser.add_argument("--memory-bytes", type=int, required=True)
    parser.add_argument("--cpu-s", type=int, required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--sha256", default="")
    parser.add_argument("path", type=Path)
    args = parser.parse_args(argv)
    _limit(args.memory_bytes, args.cpu_s)  # before PyAV is imported

    from plenaria.media.probe import inspect_recording

    try:
        recording = inspect_recording(args.path, name=args.name, sha256=args.sha256 or None)
    except InputError as e:
        kind = "MediaError" if isinstance(e, MediaError) else "InputError"
        print(json.dumps({"error": kind, "message": e.message, "hint": e.hint}))
        return 0
    print(json.dumps({"recording": recording.to_dict()}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
