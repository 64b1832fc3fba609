"""The job queue: a Redis connection and the RQ queue that carries job ids.

Redis only carries ids; the database says what state a job is in. The RQ job id is the ADE
job id, so the reconciler can tell which queued jobs some queue still holds.
"""

from __future__ import annotations

import logging

from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job as RqJob
from rq.job import JobStatus as RqJobStatus
from rq.registry import StartedJobRegistry

from ade_worker.settings import WorkerSettings
from redis import Redis

log = logging.getLogger(__name__)

#: What RQ runs, by dotted name: enqueuing (the API) never imports the worker's job code.
JOB_FUNCTION = "ade_worker.tasks.run_job"
#: RQ's own record of a finished run is only bookkeeping (the database has the result).
RESULT_TTL_SECONDS = 300
FAILURE_TTL_SECONDS = 3600


def connect(url: str) -> Redis:
    """A Redis client for `url`, with timeouts so a dead server fails fast, not forever."""
    return Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)


def job_queue(connection: Redis, settings: WorkerSettings) -> Queue:
    """The queue ADE's jobs travel on."""
    return Queue(settings.queue_name, connection=connection)


def enqueue_job(connection: Redis, job_id: str, *, queue_name: str) -> None:
    """Put ADE job `job_id` on the queue (after its row is committed as `queued`).

    Idempotent: an id already waiting in the queue is left alone (no duplicate entry). Any
    other RQ record of the id (finished, failed, stopped, or started by a worker that died) is
    deleted first, so the id runs again; the database decides whether it really should.
    """
    queue = Queue(queue_name, connection=connection)
    try:
        existing = RqJob.fetch(job_id, connection=connection)
    except NoSuchJobError:
        existing = None
    if existing is not None:
        status = existing.get_status(refresh=False)
        if status == RqJobStatus.QUEUED and job_id in queue.get_job_ids():
            return
        existing.delete()
    queue.enqueue(
        JOB_FUNCTION,
        job_id,
        job_id=job_id,
        # The sandbox enforces the wall clock itself; RQ's own timeout would kill the horse
        # (and with it the record step) instead.
        job_timeout=-1,
        result_ttl=RESULT_TTL_SECONDS,
        failure_ttl=FAILURE_TTL_SECONDS,
        description=f"ADE job {job_id}",
    )
    log.debug("enqueued job %s on %s", job_id, queue_name)


def held_job_ids(connection: Redis, queue_name: str) -> set[str]:
    """Ids RQ still holds for `queue_name`: waiting in the queue or being worked on.

    The started registry is cleaned first (RQ's own rule), so a run whose worker stopped
    heartbeating long ago no longer counts as held.
    """
    queue = Queue(queue_name, connection=connection)
    started = StartedJobRegistry(queue_name, connection=connection)
    return set(queue.get_job_ids()) | set(started.get_job_ids())
