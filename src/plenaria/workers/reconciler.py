"""The reconciler loop: a daemon thread in every worker's main process.

Several workers running it at once is safe: requeueing is a conditional update,
and a duplicate task finds its step done or claimed.
"""

from __future__ import annotations

import logging
import threading

from plenaria.workers.executor import reconcile

log = logging.getLogger(__name__)


def start_reconciler(every_s: float) -> threading.Event:
    """Run :func:`reconcile` every ``every_s`` seconds until the returned event is set."""
    from plenaria.workers.tasks import current_runtime

    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every_s):
            try:
                reconcile(current_runtime())
            except Exception:
                log.warning("reconciler pass failed; next pass in %.0f s", every_s, exc_info=True)

    threading.Thread(target=loop, daemon=True, name="reconciler").start()
    return stop
