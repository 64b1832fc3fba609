"""The reconciler: the database is the truth, Redis only carries ids.

It fixes the two ways the two can disagree:

1. a `running` job whose heartbeat went stale (its worker died): back to `queued` and on the
   queue while attempts remain, else `failed` (WorkerLost); `cancelled` if a cancel was asked;
2. a `queued` job that no queue holds (Redis lost it: FLUSHALL, a restart without persistence,
   a crash between commit and enqueue): enqueued again.

Given the storage layout, a pass also sweeps the folders of deleted jobs and documents
(`ade_worker.sweep`), at most once per `SWEEP_INTERVAL` for the whole installation.

Every change is a conditional UPDATE that re-checks what was seen, so several reconcilers on
several machines never double-apply one; a short Redis lock also keeps them from running at
the same time. Runs on worker start and then every `reconcile_interval_seconds`.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from ade_db.enums import JobStatus
from ade_db.models import Job
from ade_db.types import utcnow
from ade_storage import StorageLayout
from ade_worker.queue import enqueue_job, held_job_ids
from ade_worker.record import log_transition
from ade_worker.settings import WorkerSettings
from ade_worker.sweep import SWEEP_INTERVAL, sweep
from ade_worker.timeline import append_event
from redis import Redis

log = logging.getLogger(__name__)

#: Rows looked at per pass; the next pass picks up the rest.
BATCH = 500
WORKER_LOST_MESSAGE = "the worker running this job stopped responding"


@dataclass
class ReconcileReport:
    """What one reconcile pass did (job ids)."""

    requeued: list[str] = field(default_factory=list)  # stale running -> queued
    failed: list[str] = field(default_factory=list)  # stale running, no attempts left
    cancelled: list[str] = field(default_factory=list)  # stale running with a cancel request
    reenqueued: list[str] = field(default_factory=list)  # queued, held by no queue
    swept_jobs: list[str] = field(default_factory=list)  # folders of deleted jobs removed
    swept_documents: list[str] = field(default_factory=list)  # ... and of deleted documents
    skipped: bool = False  # another reconciler held the lock


def lock_key(queue_name: str) -> str:
    return f"ade:reconcile-lock:{queue_name}"


def sweep_key(queue_name: str) -> str:
    return f"ade:swept-recently:{queue_name}"


def _update(session: Session, job_id: str, conditions: list[Any], values: dict[str, Any]) -> bool:
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def _stale_running(
    session_factory: sessionmaker[Session],
    settings: WorkerSettings,
    now: datetime,
    report: ReconcileReport,
) -> list[str]:
    """Resolve stale running jobs; return the ids to enqueue (after their commit)."""
    cutoff = now - timedelta(seconds=settings.job_stale_seconds)
    stale = or_(Job.heartbeat_at < cutoff, Job.heartbeat_at.is_(None))
    to_enqueue: list[str] = []
    with session_factory() as session:
        rows = session.execute(
            select(Job.id, Job.attempts, Job.cancel_requested_at, Job.request_id)
            .where(Job.status == JobStatus.RUNNING.value, stale)
            .order_by(Job.heartbeat_at)
            .limit(BATCH)
        ).all()
    for row in rows:
        still_stale = [Job.status == JobStatus.RUNNING.value, stale]
        with session_factory() as session:
            if row.cancel_requested_at is not None:
                status, event, payload = JobStatus.CANCELLED, "job.cancelled", {}
                values: dict[str, Any] = {
                    "status": status.value,
                    "completed_at": now,
                    "error": {"type": "Cancelled", "message": "the run was cancelled"},
                }
            elif row.attempts < settings.job_max_attempts:
                status, event = JobStatus.QUEUED, "job.retrying"
                payload = {"reason": "worker lost", "attempt": row.attempts}
                values = {"status": status.value, "worker_id": None, "heartbeat_at": None}
            else:
                status, event = JobStatus.FAILED, "job.failed"
                error = {"type": "WorkerLost", "message": WORKER_LOST_MESSAGE}
                payload = {"error": error}
                values = {"status": status.value, "completed_at": now, "error": error}
            values["updated_at"] = now
            if not _update(session, row.id, still_stale, values):
                session.rollback()  # a heartbeat arrived, or another reconciler was first
                continue
            append_event(session, row.id, event, payload)
            session.commit()
        log_transition(row.id, status.value, row.attempts, row.request_id, by="reconciler")
        if status is JobStatus.QUEUED:
            report.requeued.append(row.id)
            to_enqueue.append(row.id)
        elif status is JobStatus.FAILED:
            report.failed.append(row.id)
        else:
            report.cancelled.append(row.id)
    return to_enqueue


def _orphaned_queued(
    session_factory: sessionmaker[Session],
    connection: Redis,
    settings: WorkerSettings,
    now: datetime,
) -> list[str]:
    cutoff = now - timedelta(seconds=settings.requeue_grace_seconds)
    with session_factory() as session:
        ids = list(
            session.scalars(
                select(Job.id)
                .where(
                    Job.status == JobStatus.QUEUED.value,
                    Job.queued_at < cutoff,
                    Job.cancel_requested_at.is_(None),
                )
                .order_by(Job.queued_at)
                .limit(BATCH)
            )
        )
    if not ids:
        return []
    held = held_job_ids(connection, settings.queue_name)
    return [job_id for job_id in ids if job_id not in held]


def reconcile(
    session_factory: sessionmaker[Session],
    connection: Redis,
    settings: WorkerSettings,
    now: datetime | None = None,
    layout: StorageLayout | None = None,
) -> ReconcileReport:
    """One reconcile pass (see the module docstring); sweeps the storage when given its
    `layout`."""
    now = now or utcnow()
    report = ReconcileReport()
    key = lock_key(settings.queue_name)
    token = secrets.token_hex(8)
    lock_seconds = max(5, int(settings.reconcile_interval_seconds))
    if not connection.set(key, token, nx=True, ex=lock_seconds):
        report.skipped = True
        return report
    try:
        for job_id in _stale_running(session_factory, settings, now, report):
            enqueue_job(connection, job_id, queue_name=settings.queue_name)
        for job_id in _orphaned_queued(session_factory, connection, settings, now):
            enqueue_job(connection, job_id, queue_name=settings.queue_name)
            report.reenqueued.append(job_id)
            log.info("reconciler: re-enqueued job %s (no queue held it)", job_id)
        interval = int(SWEEP_INTERVAL.total_seconds())
        if layout is not None and connection.set(
            sweep_key(settings.queue_name), token, nx=True, ex=interval
        ):
            swept = sweep(session_factory, layout, now=now.timestamp())
            report.swept_jobs, report.swept_documents = swept.jobs, swept.documents
    finally:
        # Release only our own lock (a slow pass may have outlived it and another taken it).
        if connection.get(key) in (token, token.encode()):
            connection.delete(key)
    return report


class Reconciler:
    """Runs :func:`reconcile` now and every interval, on a daemon thread of the worker's
    process."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        connection: Redis,
        settings: WorkerSettings,
        layout: StorageLayout | None = None,
    ) -> None:
        self._sessions = session_factory
        self._connection = connection
        self._settings = settings
        self._layout = layout
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="ade-reconciler", daemon=True)
        self.passes = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while True:
            try:
                report = reconcile(
                    self._sessions, self._connection, self._settings, layout=self._layout
                )
                if (
                    report.requeued
                    or report.failed
                    or report.cancelled
                    or report.reenqueued
                    or report.swept_jobs
                    or report.swept_documents
                ):
                    log.info("reconciler: %s", report)
            except Exception:
                log.warning("reconciler pass failed", exc_info=True)
            self.passes += 1
            if self._stop.wait(self._settings.reconcile_interval_seconds):
                return
