"""The API's JobQueue, backed by Celery: it only sends ids."""

from __future__ import annotations

from plenaria.config import Settings
from plenaria.workers.app import configure


class CeleryJobQueue:
    def __init__(self, settings: Settings) -> None:
        configure(settings)
        from plenaria.workers.tasks import advance_job

        self._advance = advance_job

    def submit(self, job_id: str) -> None:
        self._advance.apply_async((job_id,), queue="default", routing_key="default")

    def cancel(self, job_id: str) -> None:
        """The row is cancelled: running steps finish, nothing further is queued."""

    def retry(self, job_id: str) -> None:
        self.submit(job_id)
