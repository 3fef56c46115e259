"""Prometheus metrics read from the database (every process's work) and the broker.

Jobs by state and step durations come from the job tables, so the API's
``/metrics`` shows what every worker did; queue depth is read from Redis.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric

from plenaria.db import jobs as job_repo
from plenaria.db.engine import Database
from plenaria.graph.nodes import QUEUES as GRAPH_QUEUES

log = logging.getLogger(__name__)

QUEUES = tuple(dict.fromkeys(GRAPH_QUEUES.values()))  # every queue a step is routed to
STEP_BUCKETS_S = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0)


def redis_queue_depth(broker_url: str, queues: tuple[str, ...] = QUEUES) -> dict[str, int]:
    """Messages waiting in each Celery queue of a Redis broker."""
    import redis

    client: Any = redis.Redis.from_url(broker_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return {queue: int(client.llen(queue)) for queue in queues}
    finally:
        client.close()


class ServiceCollector:
    def __init__(
        self, database: Database, queue_depth: Callable[[], dict[str, int]] | None
    ) -> None:
        self._database = database
        self._queue_depth = queue_depth

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        with self._database.session() as session:
            counts = job_repo.count_jobs_by_state(session)
            durations = job_repo.finished_step_histograms(session, STEP_BUCKETS_S)
        jobs = GaugeMetricFamily("plenaria_jobs", "Jobs by state.", labels=["state"])
        for state, n in counts.items():
            jobs.add_metric([state], n)
        yield jobs
        yield _histogram(durations)
        if self._queue_depth is not None:
            try:
                depths = self._queue_depth()
            except Exception as e:  # the broker is down: say so in the log, skip the gauge
                log.warning("queue depth unavailable: %s", e)
            else:
                gauge = GaugeMetricFamily(
                    "plenaria_queue_depth", "Tasks waiting in each queue.", labels=["queue"]
                )
                for queue, n in depths.items():
                    gauge.add_metric([queue], n)
                yield gauge


def _histogram(by_kind: dict[str, job_repo.StepDurations]) -> HistogramMetricFamily:
    family = HistogramMetricFamily(
        "plenaria_step_duration_seconds", "Wall time of finished job steps.", labels=["step"]
    )
    for step, d in sorted(by_kind.items()):
        buckets = [(str(le), float(d.at_most[le])) for le in STEP_BUCKETS_S]
        buckets.append(("+Inf", float(d.count)))
        family.add_metric([step], buckets, sum_value=d.total_s)
    return family


def make_registry(database: Database, broker_url: str) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    depth = None
    if broker_url.startswith(("redis://", "rediss://")):

        def depth() -> dict[str, int]:
            return redis_queue_depth(broker_url)

    registry.register(ServiceCollector(database, depth))
    return registry
