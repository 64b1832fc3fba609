"""The job queue: a Redis connection and the RQ queue that carries job ids."""

from __future__ import annotations

from rq import Queue

from ade_worker.settings import WorkerSettings
from redis import Redis


def connect(url: str) -> Redis:
    """A Redis client for `url`, with timeouts so a dead server fails fast, not forever."""
    return Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)


def job_queue(connection: Redis, settings: WorkerSettings) -> Queue:
    """The queue ADE's jobs travel on."""
    return Queue(settings.queue_name, connection=connection)
