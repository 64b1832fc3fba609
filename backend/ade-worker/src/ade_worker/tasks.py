"""What the worker runs for each job: `run_job(job_id)` (enqueued by name, see
queue.JOB_FUNCTION), in the worker process itself (no work horse: see worker.AdeWorker).

claim -> materialize -> sandbox (events relayed, heartbeat, cancellation) -> record. Whatever
goes wrong in between, the job ends recorded (as a `WorkerError` at worst), never left running.
A small job costs four commits: the claim (with `job.started`), the materialize read (no
commit), and the record, which also writes the run's engine events not yet relayed; the
heartbeat thread only writes once a heartbeat is due.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from rq import get_current_job
from sqlalchemy import Engine, bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from ade_db import DatabaseSettings, create_db_engine, create_session_factory
from ade_db.enums import JobStatus
from ade_db.models import Job
from ade_db.types import utcnow
from ade_storage import BlobStore, StorageLayout, StorageSettings, build_blob_store
from ade_worker.claim import ClaimedJob, claim_job, update_claimed, worker_identity
from ade_worker.config_cache import ConfigCache
from ade_worker.errors import MaterializeError
from ade_worker.jail import JailProvider, JailUnavailableError
from ade_worker.materialize import materialize_job
from ade_worker.queue import connect, enqueue_job
from ade_worker.record import Recorded, log_transition, record_failure, record_outcome
from ade_worker.sandbox import SandboxLimits, run_engine
from ade_worker.settings import SandboxSettings, WorkerSettings
from ade_worker.timeline import EventRelay
from redis import Redis

log = logging.getLogger(__name__)

#: How often the heartbeat thread looks for a cancel request (and refreshes the heartbeat
#: when it is due).
CANCEL_POLL_SECONDS = 0.5
#: Seconds between event batches written to the timeline.
EVENT_FLUSH_SECONDS = 0.25
WORKER_ERROR_MESSAGE = "the worker failed while running the job; see the worker's logs"
_CANCEL_REQUESTED = select(Job.cancel_requested_at).where(Job.id == bindparam("job_id"))


@dataclass
class Runtime:
    """Everything a job needs that is built once per process (and inherited by work horses)."""

    settings: WorkerSettings
    limits: SandboxLimits
    jail: JailProvider
    engine: Engine
    sessions: sessionmaker[Session]
    layout: StorageLayout
    blobs: BlobStore
    redis: Redis
    configs: ConfigCache


@functools.cache
def runtime() -> Runtime:
    """The process's runtime, from the environment (ADE_*), built on first use."""
    settings = WorkerSettings()
    storage = StorageSettings()
    sandbox = SandboxSettings()
    engine = create_db_engine(settings=DatabaseSettings())
    layout = StorageLayout(storage.data_dir.absolute())
    return Runtime(
        settings=settings,
        limits=sandbox.limits(),
        jail=sandbox.jail_provider(),
        engine=engine,
        sessions=create_session_factory(engine),
        layout=layout,
        blobs=build_blob_store(storage),
        redis=connect(settings.redis_dsn),
        configs=ConfigCache(layout.config_cache_root),
    )


def reset_runtime() -> None:
    """Forget the cached runtime (tests change the environment between jobs)."""
    if runtime.cache_info().currsize:
        current = runtime()
        current.engine.dispose()
        current.redis.close()
        current.configs.clear()
    runtime.cache_clear()


# Set by the RQ worker (worker.AdeWorker) while it runs a job: ids to enqueue again once RQ
# is done with the job (RQ still holds the id as running while `run_job` runs).
_deferred_requeues: list[str] | None = None


def defer_requeues() -> None:
    """From now on `run_job` leaves re-enqueueing to the caller (:func:`take_requeues`)."""
    global _deferred_requeues
    if _deferred_requeues is None:
        _deferred_requeues = []


def take_requeues() -> list[str]:
    """The ids `run_job` sent back to `queued` since the last call."""
    if _deferred_requeues is None:
        return []
    taken = list(_deferred_requeues)
    _deferred_requeues.clear()
    return taken


class Heartbeat:
    """A thread that keeps `heartbeat_at` fresh and watches for a cancel request.

    `should_cancel()` turns True within about CANCEL_POLL_SECONDS of the API setting
    `cancel_requested_at`, or when the job stopped being ours (the reconciler requeued or
    failed it): then the run is pointless and must stop writing into the job folder.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        claimed: ClaimedJob,
        *,
        heartbeat_seconds: float,
        poll_seconds: float = CANCEL_POLL_SECONDS,
        on_tick: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._claimed = claimed
        self._heartbeat_seconds = heartbeat_seconds
        self._poll_seconds = min(poll_seconds, heartbeat_seconds)
        self.cancel_requested = threading.Event()
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name=f"ade-heartbeat-{claimed.job_id}", daemon=True
        )

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def should_cancel(self) -> bool:
        return self.cancel_requested.is_set() or self.lost.is_set()

    def _loop(self) -> None:
        # The claim has just written the heartbeat and seen no cancel request: the first look
        # is one poll interval away (a small job is over before it, and costs no query here).
        last_beat = time.monotonic()
        while not self._stop.wait(self._poll_seconds):
            now = time.monotonic()
            beat = now - last_beat >= self._heartbeat_seconds
            if beat:
                last_beat = now
            try:
                self._tick(beat)
            except Exception:
                # A database hiccup must not stop the run; the reconciler's stale threshold
                # is several heartbeats long.
                log.warning("heartbeat of job %s failed", self._claimed.job_id, exc_info=True)
            if self.lost.is_set():
                return

    def _tick(self, beat: bool) -> None:
        claimed = self._claimed
        with self._sessions() as session:
            if beat:
                ours = update_claimed(session, claimed, {"heartbeat_at": utcnow()})
                session.commit()
                if not ours:
                    log.warning("job %s is no longer ours; stopping its run", claimed.job_id)
                    self.lost.set()
                    return
            requested = session.scalar(_CANCEL_REQUESTED, {"job_id": claimed.job_id})
        if requested is not None:
            self.cancel_requested.set()


def run_job(job_id: str) -> None:
    """Run ADE job `job_id` if it is still queued; record how it ended."""
    rt = runtime()
    current = get_current_job()  # the RQ job being run: it knows its worker's name
    claimed = claim_job(
        rt.sessions,
        job_id,
        worker_id=worker_identity(),
        worker_name=current.worker_name if current is not None else None,
    )
    if claimed is None:
        log.info("job %s not claimed (not queued, cancelled, or taken by another worker)", job_id)
        return
    log_transition(job_id, JobStatus.RUNNING.value, claimed.attempt, claimed.request_id)
    recorded = _run_claimed(rt, claimed)
    if recorded.requeue:
        _requeue(rt, job_id)


def _run_claimed(rt: Runtime, claimed: ClaimedJob) -> Recorded:
    relay = EventRelay(rt.sessions, claimed.job_id, interval=EVENT_FLUSH_SECONDS)
    try:
        with Heartbeat(
            rt.sessions,
            claimed,
            heartbeat_seconds=rt.settings.job_heartbeat_seconds,
            poll_seconds=CANCEL_POLL_SECONDS,
        ) as heartbeat:
            # Fail closed: without its jail, config code does not run at all.
            jail = rt.jail.get()
            with rt.sessions() as session:
                job = materialize_job(
                    session,
                    claimed,
                    layout=rt.layout,
                    blobs=rt.blobs,
                    installer=rt.settings.installer,
                    configs=rt.configs,
                    jailed=jail is not None,
                )
            job_dir = job.dir

            def should_cancel() -> bool:
                relay.maybe_flush()
                return heartbeat.should_cancel()

            outcome = run_engine(
                job_dir,
                limits=rt.limits,
                jail=jail,
                extra_args=job.engine_args,
                on_event=relay,
                should_cancel=should_cancel,
                config=job.config,
            )
        # The events not yet relayed are written with the outcome, in its transaction.
        return record_outcome(
            rt.sessions,
            claimed,
            outcome,
            job_dir=job_dir,
            max_attempts=rt.settings.job_max_attempts,
            events=relay.take(),
        )
    except MaterializeError as exc:
        error = {"type": exc.error_type, "message": str(exc)}
        return _fail(rt, claimed, error, relay)
    except JailUnavailableError as exc:
        log.error("job %s: the sandbox jail is unavailable: %s", claimed.job_id, exc)
        return _fail(rt, claimed, {"type": "SandboxUnavailable", "message": str(exc)}, relay)
    except Exception:
        log.exception("job %s: unexpected error", claimed.job_id)
        error = {"type": "WorkerError", "message": WORKER_ERROR_MESSAGE}
        return _fail(rt, claimed, error, relay)


def _fail(rt: Runtime, claimed: ClaimedJob, error: dict[str, str], relay: EventRelay) -> Recorded:
    try:
        return record_failure(rt.sessions, claimed, error, events=relay.take())
    except Exception:
        # The database itself is failing: the reconciler will find the stale heartbeat.
        log.exception("job %s: could not record the failure", claimed.job_id)
        return Recorded(None)


def _requeue(rt: Runtime, job_id: str) -> None:
    """Put a job sent back to `queued` on the queue again.

    Inside the RQ worker this very id is still RQ's running job; the worker enqueues it once RQ
    is done with it (worker.AdeWorker). Elsewhere, enqueue now.
    """
    if _deferred_requeues is not None:
        _deferred_requeues.append(job_id)
        return
    try:
        enqueue_job(rt.redis, job_id, queue_name=rt.settings.queue_name)
    except Exception:
        log.warning("job %s: re-enqueue failed; the reconciler will", job_id, exc_info=True)
