"""What the API needs from the job queue; the workers package provides it.

The API writes the job's row (state ``queued``) and commits before calling
:meth:`JobQueue.submit`; cancel and retry likewise change the row first. The
database is the source of truth, the queue only carries the work.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class JobQueue(Protocol):
    def submit(self, job_id: str) -> None:
        """Start the graph of a job whose row is committed in state ``queued``."""

    def cancel(self, job_id: str) -> None:
        """Stop a job's tasks; its row is already ``cancelled``."""

    def retry(self, job_id: str) -> None:
        """Resume a job from its unfinished steps; its row is back in ``queued``."""
