"""The app's metrics registry and the collector that reads jobs, queue and workers at scrape time.

Each app has its own `CollectorRegistry` (never prometheus-client's global one), so several
apps in one process (tests) do not share or collide on series. Nothing here knows HTTP.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from redis.exceptions import RedisError
from rq import Queue, Worker
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.datastructures import State

from ade_db.enums import JobStatus
from ade_db.models import Job
from ade_db.types import utcnow
from ade_worker.queue import ade_queue
from redis import Redis

logger = logging.getLogger(__name__)

#: `route` label of a request no route matched (so scanners cannot create new series).
UNMATCHED_ROUTE = "unmatched"
#: Request duration buckets (seconds): fast JSON answers up to slow dry-runs and uploads.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
#: Job run time buckets (seconds), from `started_at` to `completed_at`.
JOB_BUCKETS = (1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
#: `ade_job_duration_seconds` describes the jobs completed within this window.
JOB_DURATION_WINDOW = timedelta(hours=1)
#: At most this many recent jobs are read per scrape for `ade_job_duration_seconds`.
JOB_DURATION_MAX_ROWS = 10_000


@dataclass
class ScrapeSources:
    """Where the scrape-time gauges come from, read on every scrape: tests (and the app's
    lifespan) may replace the session factory or the Redis client after the app is built."""

    sessions: Callable[[], Session]
    redis: Callable[[], Redis]
    queue_name: Callable[[], str]

    @classmethod
    def of_state(cls, state: State) -> ScrapeSources:
        """Read `session_factory`, `redis` and `queue_name` from the app's state at scrape time."""
        return cls(
            sessions=lambda: state.session_factory(),
            redis=lambda: state.redis,
            queue_name=lambda: state.queue_name,
        )


@dataclass
class ApiMetrics:
    """The app's registry with its HTTP metrics registered on it."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    requests: Counter = field(init=False)
    durations: Histogram = field(init=False)

    def __post_init__(self) -> None:
        self.requests = Counter(
            "ade_http_requests",
            "HTTP requests answered, by method, route template and status code.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.durations = Histogram(
            "ade_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ("method", "route"),
            buckets=HTTP_BUCKETS,
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        self.requests.labels(method, route, str(status)).inc()
        self.durations.labels(method, route).observe(seconds)

    def render(self) -> bytes:
        """Every metric in the Prometheus text format (runs the scrape-time collectors)."""
        return generate_latest(self.registry)


def build_metrics(sources: ScrapeSources) -> ApiMetrics:
    """A fresh registry with the HTTP metrics and the jobs/queue/workers collector."""
    metrics = ApiMetrics()
    metrics.registry.register(JobsCollector(sources))
    return metrics


@dataclass
class _Families:
    """The scrape-time metric families, filled by one collect()."""

    jobs: GaugeMetricFamily = field(
        default_factory=lambda: GaugeMetricFamily(
            "ade_jobs", "Jobs in the database by status.", labels=["status"]
        )
    )
    duration: HistogramMetricFamily = field(
        default_factory=lambda: HistogramMetricFamily(
            "ade_job_duration_seconds",
            "Run time (started_at to completed_at) of the jobs completed in the last hour, "
            "recomputed at every scrape, so it can go down: use histogram_quantile on it "
            "directly, not on rate().",
            labels=["status"],
        )
    )
    heartbeat: GaugeMetricFamily = field(
        default_factory=lambda: GaugeMetricFamily(
            "ade_worker_heartbeat_age_seconds",
            "Seconds since the newest heartbeat of the running jobs of each worker process.",
            labels=["worker"],
        )
    )
    depth: GaugeMetricFamily = field(
        default_factory=lambda: GaugeMetricFamily(
            "ade_queue_depth", "Job ids waiting on the RQ queue (0 when Redis is unreachable)."
        )
    )
    workers: GaugeMetricFamily = field(
        default_factory=lambda: GaugeMetricFamily(
            "ade_workers", "RQ workers listening on the queue (0 when Redis is unreachable)."
        )
    )
    up: GaugeMetricFamily = field(
        default_factory=lambda: GaugeMetricFamily(
            "ade_metrics_source_up",
            "Whether this scrape could read a source (database, redis): 1 yes, 0 no.",
            labels=["source"],
        )
    )

    def all(self) -> list[Metric]:
        return [self.jobs, self.duration, self.heartbeat, self.depth, self.workers, self.up]


def _histogram_buckets(values: Iterable[float]) -> tuple[list[tuple[str, float]], float]:
    ordered = sorted(values)
    buckets: list[tuple[str, float]] = []
    index = 0
    for bound in JOB_BUCKETS:
        while index < len(ordered) and ordered[index] <= bound:
            index += 1
        buckets.append((str(bound), float(index)))
    buckets.append(("+Inf", float(len(ordered))))
    return buckets, float(sum(ordered))


class JobsCollector(Collector):
    """Gauges read from the database and Redis at every scrape. A source that fails yields
    zeros (and `ade_metrics_source_up{source} 0`): the scrape itself never fails."""

    def __init__(self, sources: ScrapeSources) -> None:
        self._sources = sources

    def describe(self) -> Iterator[Metric]:
        # Names only: registering the collector must not touch the database or Redis.
        yield from _Families().all()

    def collect(self) -> Iterator[Metric]:
        families = _Families()
        database_ok = self._collect_database(families)
        redis_ok = self._collect_redis(families)
        families.up.add_metric(["database"], 1.0 if database_ok else 0.0)
        families.up.add_metric(["redis"], 1.0 if redis_ok else 0.0)
        yield from families.all()

    def _collect_database(self, families: _Families) -> bool:
        now = utcnow()
        try:
            with self._sources.sessions() as session:
                counts: dict[str, int] = dict(
                    session.execute(select(Job.status, func.count()).group_by(Job.status)).all()
                )
                finished = session.execute(
                    select(Job.status, Job.started_at, Job.completed_at)
                    .where(
                        Job.completed_at >= now - JOB_DURATION_WINDOW,
                        Job.started_at.is_not(None),
                    )
                    .order_by(Job.completed_at.desc())
                    .limit(JOB_DURATION_MAX_ROWS)
                )
                durations: dict[str, list[float]] = {}
                for status, started, completed in finished:
                    if started is not None and completed is not None:
                        seconds = max((completed - started).total_seconds(), 0.0)
                        durations.setdefault(status, []).append(seconds)
                beats: list[tuple[str | None, datetime | None]] = [
                    (worker, beat)
                    for worker, beat in session.execute(
                        select(Job.worker_id, func.max(Job.heartbeat_at))
                        .where(Job.status == JobStatus.RUNNING.value)
                        .group_by(Job.worker_id)
                    )
                ]
        except SQLAlchemyError as exc:
            logger.warning("metrics: database unreachable: %s", type(exc).__name__)
            return False
        for status in JobStatus:
            families.jobs.add_metric([status.value], float(counts.get(status.value, 0)))
        for status in sorted(durations):
            buckets, total = _histogram_buckets(durations[status])
            families.duration.add_metric([status], buckets, total)
        for worker, beat in beats:
            if worker is not None and beat is not None:
                age = max((now - beat).total_seconds(), 0.0)
                families.heartbeat.add_metric([worker], age)
        return True

    def _collect_redis(self, families: _Families) -> bool:
        depth = workers = 0
        ok = True
        try:
            queue = ade_queue(self._sources.redis(), self._sources.queue_name())
            depth = queue.count
            workers = _live_workers(queue)
        except (RedisError, OSError, ValueError) as exc:
            logger.warning("metrics: redis unreachable: %s", type(exc).__name__)
            ok = False
            depth = workers = 0
        families.depth.add_metric([], float(depth))
        families.workers.add_metric([], float(workers))
        return ok


def _live_workers(queue: Queue) -> int:
    """Workers registered on `queue` whose registration has not expired.

    A worker killed without unregistering stays in the queue's worker set until some live
    worker's periodic clean-up; its own key, though, expires a short while after its last
    heartbeat (`ade_worker.worker.WORKER_TTL_SECONDS`). Counting only existing keys makes a
    dead worker drop out of `ade_workers` within that time.
    """
    keys = Worker.all_keys(queue=queue)
    if not keys:
        return 0
    pipe = queue.connection.pipeline(transaction=False)
    for key in keys:
        pipe.exists(key)
    return sum(1 for exists in pipe.execute() if exists)
