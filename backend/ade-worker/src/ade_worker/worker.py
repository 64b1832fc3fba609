"""The RQ worker process (`ade worker start`)."""

from __future__ import annotations

import logging

from rq import Worker

from ade_worker.queue import connect, job_queue
from ade_worker.settings import WorkerSettings
from redis import Redis

logger = logging.getLogger(__name__)


class AdeWorker(Worker):
    """RQ's forking worker, tolerant of Redis-protocol servers with an odd CLIENT INFO.

    The embedded in-process Redis (used by `ade start` when no redis-server is installed)
    answers CLIENT INFO in a form redis-py cannot parse; the address is only informational.
    """

    def _set_ip_address(self, connection: Redis) -> None:
        try:
            super()._set_ip_address(connection)
        except ValueError:
            self.ip_address = "unknown"


def build_worker(settings: WorkerSettings, connection: Redis | None = None) -> AdeWorker:
    """A worker listening on ADE's queue."""
    connection = connection or connect(settings.redis_dsn)
    return AdeWorker(
        [job_queue(connection, settings)], connection=connection, name=settings.worker_name
    )


def run_worker(settings: WorkerSettings, *, burst: bool = False) -> bool:
    """Process jobs until stopped (SIGINT/SIGTERM finish the current job first).

    With `burst`, return once the queue is empty.
    """
    worker = build_worker(settings)
    logger.info("worker %s listening on queue %s", worker.name, settings.queue_name)
    return bool(worker.work(burst=burst, logging_level=settings.log_level.upper()))
