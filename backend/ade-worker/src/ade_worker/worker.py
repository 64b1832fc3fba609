"""The RQ worker process (`ade worker start`)."""

from __future__ import annotations

import logging
import os
import socket

from rq import Queue, Worker
from rq.exceptions import StopRequested
from rq.job import Job as RqJob
from rq.serializers import JSONSerializer
from rq.utils import now

from ade_db.enums import JobStatus
from ade_worker.queue import AdeJob, connect, enqueue_job, foreign_job_reason, job_queue
from ade_worker.reconcile import Reconciler
from ade_worker.record import job_status
from ade_worker.settings import WorkerSettings
from redis import Redis

logger = logging.getLogger(__name__)

#: How long a worker's registration in Redis outlives its last heartbeat (RQ adds 60 s). An
#: idle worker beats every `WORKER_TTL_SECONDS - 15` s; RQ's default (420 s) kept a killed
#: worker counted in `ade_workers`, and its name taken, for about eight minutes.
WORKER_TTL_SECONDS = 60


class AdeWorker(Worker):
    """RQ's forking worker, plus what ADE needs around each job.

    It runs only jobs `enqueue_job` wrote (see ade_worker.queue): any other record on the queue
    (another function, other arguments, a payload that is not JSON, a record RQ cannot read)
    is removed unrun, with a warning, and the worker goes on to the next job.

    Tolerant of Redis-protocol servers with an odd CLIENT INFO: the embedded in-process Redis
    (used by `ade start` when no redis-server is installed) answers CLIENT INFO in a form
    redis-py cannot parse; the address is only informational.
    """

    def _set_ip_address(self, connection: Redis) -> None:
        try:
            super()._set_ip_address(connection)
        except ValueError:
            self.ip_address = "unknown"

    def fork_work_horse(self, job: RqJob, queue: Queue) -> None:
        # Noted before the fork: in the horse, getppid() would already say 1 if we had died.
        self._ade_worker_pid = os.getpid()
        # The sandbox's warm start lives in this process (horses use it): restart it if it died.
        from ade_worker.tasks import runtime

        runtime().jail.problem()
        super().fork_work_horse(job, queue)

    def main_work_horse(self, job: RqJob, queue: Queue) -> None:
        # In the forked horse: tell run_job who its parent is, so it can die with it.
        from ade_worker import tasks

        tasks.mark_work_horse(getattr(self, "_ade_worker_pid", os.getppid()))
        super().main_work_horse(job, queue)

    def dequeue_job_and_maintain_ttl(
        self, timeout: int | None, max_idle_time: int | None = None
    ) -> tuple[RqJob, Queue] | None:
        while True:
            try:
                return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
            except Exception as exc:
                # RQ tags a record it failed to read with its id and queue; unhandled, the
                # error would stop the worker, and a restarted one would meet the record again.
                job_id, queue = getattr(exc, "job_id", None), getattr(exc, "queue", None)
                if not isinstance(job_id, str) or not isinstance(queue, Queue):
                    raise
                self._refuse(job_id, queue, f"its record cannot be read ({type(exc).__name__})")

    def run_maintenance_tasks(self) -> None:
        try:
            super().run_maintenance_tasks()  # type: ignore[no-untyped-call]
        except StopRequested:
            raise  # RQ's SIGTERM handler: it must reach work()
        except Exception:
            # RQ's registry clean-up reads records that anyone reaching Redis can write, and
            # one it cannot read would stop the worker (RQ quits on an unhandled error). Try
            # again at the next interval, not on every pass of the loop.
            logger.warning("RQ's registry clean-up failed; the worker goes on", exc_info=True)
            self.last_cleaned_at = now()  # type: ignore[assignment]

    def execute_job(self, job: RqJob, queue: Queue) -> None:
        # Checked here, in the worker, before any fork: a refused job gets no work horse.
        reason = foreign_job_reason(job)
        if reason is not None:
            self._refuse(str(job.id), queue, reason)
            return
        super().execute_job(job, queue)
        self._requeue_if_queued(str(job.id), queue.name)

    def _refuse(self, job_id: str, queue: Queue, reason: str) -> None:
        """Remove the record of a job ADE did not enqueue, and the id RQ moved aside while
        taking it, without running anything. If it held an ADE job id, the reconciler
        enqueues that job again from the database."""
        logger.warning(
            "refused RQ job %r on queue %s: %s; removed unrun", job_id, queue.name, reason
        )
        with self.connection.pipeline() as pipe:
            pipe.delete(AdeJob.key_for(job_id))
            pipe.lrem(queue.intermediate_queue_key, 0, job_id)
            pipe.execute()

    def _requeue_if_queued(self, job_id: str, queue_name: str) -> None:
        """A job the horse sent back to `queued` (a retryable failure) goes on the queue now
        that RQ is done with this id; the reconciler covers a failure here."""
        from ade_worker.tasks import runtime

        try:
            if job_status(runtime().sessions, job_id) == JobStatus.QUEUED.value:
                enqueue_job(self.connection, job_id, queue_name=queue_name)
        except StopRequested:
            # RQ's SIGTERM handler raises this in an idle worker: it must reach work().
            raise
        except Exception:
            logger.warning("could not re-enqueue job %s", job_id, exc_info=True)


class WorkerNameTakenError(Exception):
    """Another live worker is registered under the name this one was given."""


def release_stale_name(connection: Redis, name: str) -> None:
    """Free `name` when the worker registered under it died on this machine.

    A worker killed without unregistering (SIGKILL, out of memory) keeps its name in Redis
    until the registration expires (minutes), and RQ refuses to register the name again: a
    service manager restarting `ade worker start --name N` would fail until then. When that
    registration is this host's and its process is gone, it is removed. A live worker, or one
    on another machine (whose process we cannot see), keeps its name: that is an error.
    """
    existing = Worker.find_by_key(Worker.redis_worker_namespace_prefix + name, connection)
    if existing is None:
        return
    if existing.hostname == socket.gethostname() and existing.pid and not _alive(existing.pid):
        logger.warning(
            "worker name %s was left by process %s, which is gone: reusing it", name, existing.pid
        )
        existing.register_death()  # type: ignore[no-untyped-call]
        return
    raise WorkerNameTakenError(
        f"a worker named {name!r} is already registered (host {existing.hostname}, pid "
        f"{existing.pid}); give another --name, or stop that worker first"
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def build_worker(settings: WorkerSettings, connection: Redis | None = None) -> AdeWorker:
    """A worker listening on ADE's queue."""
    connection = connection or connect(settings.redis_dsn)
    if settings.worker_name:
        release_stale_name(connection, settings.worker_name)
    return AdeWorker(
        [job_queue(connection, settings)],
        connection=connection,
        name=settings.worker_name,
        worker_ttl=WORKER_TTL_SECONDS,
        job_class=AdeJob,
        serializer=JSONSerializer,
        # A record's description is its writer's text: the log names jobs by id only.
        log_job_description=False,
    )


def run_worker(settings: WorkerSettings, *, burst: bool = False) -> bool:
    """Process jobs until stopped (SIGINT/SIGTERM finish the current job first).

    With `burst`, return once the queue is empty. The reconciler runs once before the first
    job and then in the background.
    """
    from ade_worker.reconcile import reconcile
    from ade_worker.tasks import runtime

    rt = runtime()  # built before any fork: work horses inherit it
    # Set up (and test) the jail here too, once, rather than in every forked work horse.
    problem = rt.jail.problem()
    if problem is not None:
        logger.error("the sandbox jail is unavailable; jobs will fail until it is: %s", problem)
    connection = connect(settings.redis_dsn)
    worker = build_worker(settings, connection)
    logger.info("worker %s listening on queue %s", worker.name, settings.queue_name)
    reconciler: Reconciler | None = None
    try:
        if burst:
            reconcile(rt.sessions, connect(settings.redis_dsn), settings, layout=rt.layout)
        else:
            reconciler = Reconciler(
                rt.sessions, connect(settings.redis_dsn), settings, layout=rt.layout
            )
            reconciler.start()
        return bool(worker.work(burst=burst, logging_level=settings.log_level.upper()))
    finally:
        if reconciler is not None:
            reconciler.stop()
