"""The job queue: a Redis connection and the RQ queue that carries job ids.

Redis only carries ids; the database says what state a job is in. The RQ job id is the ADE
job id, so the reconciler can tell which queued jobs some queue still holds.

Whoever can write to Redis can write an RQ job record, and RQ would import and call whatever
function, callback or webhook the record names, after unpickling its payload (RQ's default
serializer is pickle, and unpickling alone can run code). So ADE's queue speaks JSON only, and
its job class (AdeJob) can call nothing but JOB_FUNCTION: a record that is not exactly what
`enqueue_job` writes is refused by the worker (`foreign_job_reason`).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from rq import Queue
from rq.exceptions import DeserializationError, NoSuchJobError
from rq.job import Job as RqJob
from rq.job import JobStatus as RqJobStatus
from rq.serializers import JSONSerializer

from ade_worker.settings import WorkerSettings
from redis import Redis

log = logging.getLogger(__name__)

#: What RQ runs, by dotted name: enqueuing (the API) never imports the worker's job code.
JOB_FUNCTION = "ade_worker.tasks.run_job"
#: RQ's own record of a finished run is only bookkeeping (the database has the result).
RESULT_TTL_SECONDS = 300
FAILURE_TTL_SECONDS = 3600


class ForeignJobError(Exception):
    """An RQ job record that ADE did not write; it must not run."""


class AdeJob(RqJob):
    """An RQ job that can only ever call ADE's job function, and nothing around it.

    ADE enqueues no callback and no webhook, so none named by a record is honoured: RQ would
    import and call a callback in the worker itself (even while cleaning its registries), and
    request a webhook's URL.
    """

    @property
    def func(self) -> Any:
        reason = foreign_job_reason(self)
        if reason is not None:
            raise ForeignJobError(f"job {self.id!r} refused: {reason}")
        return super().func

    @property
    def success_callback(self) -> None:
        return None

    @property
    def failure_callback(self) -> None:
        return None

    @property
    def stopped_callback(self) -> None:
        return None

    def send_webhooks(self, status: Any, *, exc_string: str | None = None) -> None:
        return None


def foreign_job_reason(job: RqJob) -> str | None:
    """Why `job` is not one `enqueue_job` wrote, or None when it is: JOB_FUNCTION called with
    the job's own id as its only argument. Reading the payload never unpickles (JSON only)."""
    try:
        func_name, instance, args, kwargs = job.func_name, job.instance, job.args, job.kwargs
    except DeserializationError:
        return "its payload is not ADE's JSON"
    if func_name != JOB_FUNCTION:
        # Shortened: the name is whatever the record's writer chose.
        return f"it names the function {func_name!r:.100}, not {JOB_FUNCTION}"
    if instance is not None or kwargs or not isinstance(args, list | tuple) or len(args) != 1:
        return "its arguments are not one job id"
    if args[0] != job.id:
        return "its argument is not its own job id"
    return None


def connect(url: str) -> Redis:
    """A Redis client for `url`, with timeouts so a dead server fails fast, not forever."""
    return Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)


def ade_queue(connection: Redis, name: str) -> Queue:
    """The RQ queue `name` as ADE uses it: JSON payloads, AdeJob records (module docstring)."""
    return Queue(name, connection=connection, job_class=AdeJob, serializer=JSONSerializer)


def job_queue(connection: Redis, settings: WorkerSettings) -> Queue:
    """The queue ADE's jobs travel on."""
    return ade_queue(connection, settings.queue_name)


def enqueue_job(connection: Redis, job_id: str, *, queue_name: str, new: bool = False) -> None:
    """Put ADE job `job_id` on the queue (after its row is committed as `queued`).

    Idempotent: an id already waiting in the queue is left alone (no duplicate entry). Any
    other RQ record of the id (finished, failed, stopped, or started by a worker that died) is
    deleted first, so the id runs again; the database decides whether it really should.
    `new`: the id was made for a job just created, so RQ cannot have a record of it yet (the
    look-up is skipped).
    """
    queue = ade_queue(connection, queue_name)
    existing = None
    if not new:
        with contextlib.suppress(NoSuchJobError):
            existing = AdeJob.fetch(job_id, connection=connection, serializer=JSONSerializer)
    if existing is not None:
        status = existing.get_status(refresh=False)
        if status == RqJobStatus.QUEUED and job_id in queue.get_job_ids():
            return
        existing.delete()
    # One round trip: RQ alone sends the queue's registration and the job's record and push
    # as two transactions.
    with connection.pipeline() as pipe:
        queue.enqueue(
            JOB_FUNCTION,
            job_id,
            job_id=job_id,
            # The sandbox enforces the wall clock itself; RQ's own timeout would interrupt the
            # job (and with it the record step) instead.
            job_timeout=-1,
            result_ttl=RESULT_TTL_SECONDS,
            failure_ttl=FAILURE_TTL_SECONDS,
            description=f"ADE job {job_id}",
            pipeline=pipe,
        )
        pipe.execute()
    log.debug("enqueued job %s on %s", job_id, queue_name)


def held_job_ids(connection: Redis, queue_name: str) -> set[str]:
    """Ids RQ still holds for `queue_name`: waiting in the queue or being worked on.

    The started registry is cleaned first (RQ's own rule), so a run whose worker stopped
    heartbeating long ago no longer counts as held.
    """
    queue = ade_queue(connection, queue_name)
    # The queue's own registry: its clean-up reads records with AdeJob and JSON too.
    started = queue.started_job_registry
    return set(queue.get_job_ids()) | set(started.get_job_ids())
