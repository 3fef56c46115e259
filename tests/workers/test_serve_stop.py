"""``plenaria serve`` stopped by SIGTERM or Ctrl-C (SIGINT) leaves none of its processes.

Every process that ``serve`` starts (its workers and their pool processes) inherits a
marker variable; the test looks for it in ``/proc/<pid>/environ``, as the project's
before-stop check does. The signal goes to ``serve``'s own PID only, as ``docker stop``
or ``kill`` sends it.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import pytest
from servicekit import shared_models_dir, start_server, stop_process

MARK = "PLENARIA_TEST_SERVE_MARK"
# serve itself, two workers, their pools (1 + 2 processes)
PROCESSES = 6
GONE_WITHIN_S = 35


def marked(mark: str) -> list[int]:
    """The PIDs of the live processes whose environment holds ``MARK=mark``."""
    wanted = f"{MARK}={mark}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if wanted in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def serve_env(root: Path, mark: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLENARIA_")}
    return env | {
        "PLENARIA_DATA_DIR": str(root / "data"),
        "PLENARIA_CACHE_DIR": str(root / "cache"),
        "PLENARIA_MODELS_DIR": str(shared_models_dir()),
        "PYTHONUNBUFFERED": "1",
        MARK: mark,
    }


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_serve_stopped_by_a_signal_leaves_no_process(tmp_path: Path, sig: signal.Signals) -> None:
    mark = uuid.uuid4().hex
    log = tmp_path / "serve.log"
    proc, _ = start_server(serve_env(tmp_path, mark), log, "serve", ready="/api/v1/health")
    try:
        deadline = time.monotonic() + 120
        while len(marked(mark)) < PROCESSES and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(marked(mark)) >= PROCESSES, log.read_text(errors="replace")[-3000:]

        os.kill(proc.pid, sig)
        deadline = time.monotonic() + GONE_WITHIN_S
        while marked(mark) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = marked(mark)
        assert left == [], f"alive {GONE_WITHIN_S} s after {sig.name}: {left}"
    finally:
        for pid in marked(mark):  # a failed run leaves nothing behind either
            os.kill(pid, signal.SIGKILL)
        stop_process(proc)
