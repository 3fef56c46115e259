"""The Celery app: JSON only, late acks, one task at a time per process, five queues.

``live`` carries only the recorders of live sessions (a task that lasts the whole
session): give it workers of its own, so a recorder never holds a slot that
transcription needs.

The app object is made at import (it opens no connection); :func:`configure`
gives it the broker and limits from the settings, and is called by every entry
point (``plenaria worker``, ``plenaria serve``, ``plenaria api``) before use.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from kombu.entity import Queue

from plenaria.config import Settings

QUEUES = ("media", "asr", "diarization", "default", "live")

app = Celery("plenaria", set_as_current=False)


def celery_config(settings: Settings) -> dict[str, Any]:
    broker = settings.broker
    transport: dict[str, Any] = {}
    if broker.startswith("filesystem"):
        folder = settings.data_dir / "broker"
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        transport = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
            "polling_interval": 0.25,
        }
    elif broker.startswith(("redis", "rediss")):
        # Unacknowledged tasks come back after this long: longer than the longest task.
        transport = {"visibility_timeout": settings.visibility_timeout_s}
    return {
        "broker_url": broker,
        "broker_transport_options": transport,
        "broker_connection_retry_on_startup": True,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "result_backend": None,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_time_limit": settings.task_time_limit_s,
        "task_soft_time_limit": max(10, settings.task_time_limit_s - 60),
        "task_default_queue": "default",
        "task_queues": [Queue(q, routing_key=q) for q in QUEUES],  # type: ignore[no-untyped-call]
        "task_routes": {"plenaria.advance": {"queue": "default"}},
        "worker_hijack_root_logger": False,
        "worker_enable_remote_control": not broker.startswith("filesystem"),
        "worker_send_task_events": False,
        "broker_pool_limit": 4,
    }


def configure(settings: Settings) -> Celery:
    """Give the app its broker and limits (idempotent), and remember the settings."""
    from plenaria.workers import runtime

    app.conf.update(celery_config(settings))
    runtime.use_settings(settings)
    # The tasks are registered on import.
    from plenaria.workers import tasks  # noqa: F401

    return app
