"""The RQ worker process (`ade worker start`)."""

from __future__ import annotations

import logging
import os
import socket
import threading

from rq import Queue, SimpleWorker, Worker
from rq.exceptions import StopRequested
from rq.executions import Execution
from rq.job import Job as RqJob
from rq.serializers import JSONSerializer
from rq.utils import now
from rq.worker import WorkerStatus

from ade_worker import tasks
from ade_worker.limits import lower_priority
from ade_worker.queue import AdeJob, connect, enqueue_job, foreign_job_reason, job_queue
from ade_worker.reconcile import Reconciler
from ade_worker.settings import WorkerSettings
from redis import Redis

logger = logging.getLogger(__name__)

#: How long a worker's registration in Redis outlives its last heartbeat (RQ adds 60 s). An
#: idle worker beats every `WORKER_TTL_SECONDS - 15` s; RQ's default (420 s) kept a killed
#: worker counted in `ade_workers`, and its name taken, for about eight minutes.
WORKER_TTL_SECONDS = 60


class AdeWorker(SimpleWorker):
    """RQ's worker, running each job in its own process (no work horse), plus what ADE needs
    around each job.

    Why no fork per job: config code never runs in the worker (it runs in the sandbox, a
    child process in its own jail that dies with the worker), so the work horse isolated only
    ADE's own code, whose errors `run_job` records as the job's failure. Forking a horse cost
    10-30 ms a job, new database and Redis connections in every horse, and a query afterwards
    to learn whether the job went back to the queue; the worker's own process also keeps what
    is built once (the runtime, the sandbox's warm start). A worker that dies mid-job (killed,
    out of memory) takes its sandbox with it, and the reconciler requeues or fails the job
    when its heartbeat goes stale, as it did for a dead horse.

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
        reason = foreign_job_reason(job)
        if reason is not None:
            self._refuse(str(job.id), queue, reason)
            return
        tasks.defer_requeues()
        execution = self.prepare_execution(job)
        with _RqHeartbeat(self, job, execution):
            self.perform_job(job, queue, execution)
        self.set_state(WorkerStatus.IDLE)
        self._requeue(tasks.take_requeues(), queue.name)

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

    def _requeue(self, job_ids: list[str], queue_name: str) -> None:
        """Jobs the run sent back to `queued` (a retryable failure) go on the queue now that
        RQ is done with their id; the reconciler covers a failure here."""
        for job_id in job_ids:
            try:
                enqueue_job(self.connection, job_id, queue_name=queue_name)
            except Exception:
                logger.warning("could not re-enqueue job %s", job_id, exc_info=True)


class _RqHeartbeat:
    """While a job runs, keep the worker's registration (and RQ's record of the running job)
    alive in Redis, as RQ's forking worker does while it waits for its horse: a job may run
    longer than the registration's time to live."""

    def __init__(self, worker: AdeWorker, job: RqJob, execution: Execution) -> None:
        self._worker, self._job, self._execution = worker, job, execution
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="ade-rq-heartbeat", daemon=True)

    def __enter__(self) -> None:
        self._thread.start()

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self._worker.job_monitoring_interval):
            try:
                self._worker.maintain_heartbeats(self._job, self._execution)
            except Exception:
                logger.warning("RQ heartbeat failed; the worker goes on", exc_info=True)


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

    # First, so that the zygote and every run inherit it (runs add SANDBOX_NICENESS).
    niceness = lower_priority(settings.worker_niceness)
    rt = runtime()  # built once, before the first job
    # Set up (and test) the jail here, once, rather than at the first job.
    problem = rt.jail.problem()
    if problem is not None:
        logger.error("the sandbox jail is unavailable; jobs will fail until it is: %s", problem)
    connection = connect(settings.redis_dsn)
    worker = build_worker(settings, connection)
    logger.info(
        "worker %s listening on queue %s (niceness %d)", worker.name, settings.queue_name, niceness
    )
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
