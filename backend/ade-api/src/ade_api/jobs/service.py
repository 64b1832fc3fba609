"""Job rules: the run key and the per-workspace queue limit, reading, cancelling and
retrying jobs, and their timelines (submitting is in :mod:`ade_api.jobs.submission`).

The database is the source of truth: a job row is committed first and only then does its id
go on the queue (`after_commit`). Workers claim, run and record jobs; this service never runs
config code.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import BindParameter, ScalarSelect, func, select, update
from sqlalchemy.orm import Session, object_session, sessionmaker

import ade_engine
from ade_api.errors import ConflictError, NotFoundError, RateLimitedError
from ade_api.jobs.schemas import JobEventOut, JobOut
from ade_api.logging import request_id_var
from ade_api.pagination import Page, PageParams, paginate
from ade_api.persistence import after_commit
from ade_api.queue import JobQueue
from ade_api.sse import Batch, Message
from ade_api.workspaces.service import WorkspaceAccess
from ade_db.enums import JobStatus, WorkspaceRole
from ade_db.metadata import table_of
from ade_db.models import ConfigVersion, Job, JobEvent
from ade_db.types import utcnow
from ade_worker.timeline import append_event

QUEUED = JobStatus.QUEUED.value
RUNNING = JobStatus.RUNNING.value
SUCCEEDED = JobStatus.SUCCEEDED.value
FAILED = JobStatus.FAILED.value
CANCELLED = JobStatus.CANCELLED.value
# Everything besides the document, the config files and the flags that shapes a run's output:
# a new engine or artifact schema must not be answered from an old run's cache.
RESOURCE_VERSIONS = f"ade-engine={ade_engine.__version__};artifact=ade.artifact/v1"
_RETRY_AFTER_SECONDS = 10
_JOB_NOT_FOUND = "job not found"
_ENDED = (SUCCEEDED, FAILED, CANCELLED)
_TERMINAL_EVENTS = {"job.succeeded", "job.failed", "job.cancelled", "job.cache_hit"}


def run_key(document_sha256: str, files_hash: str, flags: dict[str, Any]) -> str:
    """sha256(document sha256 | files_hash | flags | resource versions): equal keys, equal
    outputs, so a succeeded run can answer a later identical submission."""
    canonical_flags = json.dumps(flags, sort_keys=True, separators=(",", ":"), default=str)
    material = "|".join((document_sha256, files_hash, canonical_flags, RESOURCE_VERSIONS))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def job_out(job: Job, config_id: str | None = None) -> JobOut:
    """The job's answer; `config_id` is looked up (one query) unless given."""
    if config_id is None:
        session = object_session(job)
        assert session is not None, "job_out needs a job loaded in a session"
        config_id = session.scalar(
            select(ConfigVersion.config_id).where(ConfigVersion.id == job.config_version_id)
        )
    return JobOut(
        id=job.id,
        workspace_id=job.workspace_id,
        document_id=job.document_id,
        config_id=config_id or "",
        config_version_id=job.config_version_id,
        status=JobStatus(job.status),
        run_key=job.run_key,
        cache_hit=job.cache_hit_of_id is not None,
        cache_hit_of_id=job.cache_hit_of_id,
        flags=job.flags or {},
        force=job.force,
        attempts=job.attempts,
        queued_at=job.queued_at,
        started_at=job.started_at,
        completed_at=job.completed_at,
        cancel_requested_at=job.cancel_requested_at,
        metrics=job.metrics,
        error=job.error,
        submitted_by_id=job.submitted_by_id,
        created_at=job.created_at,
        updated_at=job.updated_at,
    )


def get_job(session: Session, access: WorkspaceAccess, job_id: str) -> Job:
    """A job of the caller's workspace; 404 otherwise."""
    job = session.get(Job, job_id.upper())
    if job is None or job.workspace_id != access.workspace.id:
        raise NotFoundError(_JOB_NOT_FOUND)
    return job


# --------------------------------------------------------------------------- queue limit


def queued_jobs(workspace_id: str | BindParameter[str]) -> ScalarSelect[int]:
    """The count of the workspace's queued jobs, as a subquery (a submit reads it with more,
    in a statement built once: `workspace_id` is then a bind parameter)."""
    jobs = table_of(Job)  # the table's columns: a Core statement
    return (
        select(func.count())
        .select_from(jobs)
        .where(jobs.c.workspace_id == workspace_id, jobs.c.status == QUEUED)
        .scalar_subquery()
    )


def refuse_when_full(queued: int, limit: int) -> None:
    """429 when the workspace already has `limit` queued jobs."""
    if queued >= limit:
        raise RateLimitedError(
            f"the workspace already has {queued} queued jobs (limit {limit}); "
            "wait for some to finish",
            retry_after=_RETRY_AFTER_SECONDS,
        )


def check_queue_limit(session: Session, workspace_id: str, limit: int) -> None:
    """Refuse (429) one more queued job in a workspace that has `limit` already."""
    refuse_when_full(session.scalar(select(queued_jobs(workspace_id))) or 0, limit)


# --------------------------------------------------------------------------- reading


def list_jobs(
    session: Session,
    access: WorkspaceAccess,
    params: PageParams,
    *,
    status: JobStatus | None,
    document_id: str | None,
    config_id: str | None,
    config_version_id: str | None,
) -> Page[JobOut]:
    """The workspace's jobs, filtered by status, document, config or config version."""
    statement = (
        select(Job, ConfigVersion.config_id)
        .join(ConfigVersion, ConfigVersion.id == Job.config_version_id)
        .where(Job.workspace_id == access.workspace.id)
    )
    if status is not None:
        statement = statement.where(Job.status == status.value)
    if document_id is not None:
        statement = statement.where(Job.document_id == document_id.upper())
    if config_version_id is not None:
        statement = statement.where(Job.config_version_id == config_version_id.upper())
    if config_id is not None:
        statement = statement.where(ConfigVersion.config_id == config_id.upper())
    return paginate(
        session,
        statement,
        params,
        sortable={
            "created_at": Job.created_at,
            "queued_at": Job.queued_at,
            "completed_at": Job.completed_at,
            "status": Job.status,
        },
        default_sort=["-created_at"],
        tiebreak=Job.id,
        to_item=lambda row: job_out(row[0], row[1]),
    )


def list_events(session: Session, job: Job, params: PageParams) -> Page[JobEventOut]:
    """The job's timeline in order."""
    return paginate(
        session,
        select(JobEvent).where(JobEvent.job_id == job.id),
        params,
        sortable={"seq": JobEvent.seq},
        default_sort=["seq"],
        tiebreak=JobEvent.id,
        to_item=lambda row: event_out(row[0]),
    )


def event_out(event: JobEvent) -> JobEventOut:
    return JobEventOut(
        seq=event.seq, type=event.type, payload=event.payload or {}, created_at=event.created_at
    )


class TimelineFeed:
    """A job's timeline for a live stream: each call returns the entries after the last one
    returned (a batch at most), and says the stream is over once the job has ended."""

    def __init__(
        self, sessions: sessionmaker[Session], job_id: str, after: int, batch: int = 500
    ) -> None:
        self._sessions = sessions
        self._job_id = job_id
        self._after = after
        self._batch = batch

    def __call__(self) -> Batch:
        with self._sessions() as session:
            rows = session.scalars(
                select(JobEvent)
                .where(JobEvent.job_id == self._job_id, JobEvent.seq > self._after)
                .order_by(JobEvent.seq)
                .limit(self._batch)
            ).all()
            status = session.scalar(select(Job.status).where(Job.id == self._job_id))
        messages = []
        for row in rows:
            self._after = row.seq
            messages.append(Message(str(row.seq), row.type, event_out(row)))
            if row.type in _TERMINAL_EVENTS:
                return Batch(messages, done=True)
        # Finished (or deleted) with nothing left to send.
        return Batch(messages, done=not rows and status in (None, *_ENDED))


# --------------------------------------------------------------------------- cancel, retry


def cancel(session: Session, access: WorkspaceAccess, job: Job) -> JobOut:
    """Stop a job: a queued one at once, a running one by asking its worker (within ~2 s)."""
    access.require(WorkspaceRole.EDITOR)
    now = utcnow()
    if job.status == QUEUED:
        changed = session.scalar(
            update(Job)
            .where(Job.id == job.id, Job.status == QUEUED)
            .values(status=CANCELLED, cancel_requested_at=now, completed_at=now, updated_at=now)
            .returning(Job.id)
        )
        if changed:
            append_event(
                session,
                job.id,
                "job.cancelled",
                {"while": QUEUED},
                actor_id=access.user.id,
                request_id=request_id_var.get(),
            )
            session.refresh(job)
            return job_out(job)
        session.refresh(job)  # a worker claimed it meanwhile: cancel it as a running job
    if job.status == RUNNING:
        if job.cancel_requested_at is None:
            job.cancel_requested_at = now
            job.updated_at = now
            append_event(
                session,
                job.id,
                "job.cancel_requested",
                {},
                actor_id=access.user.id,
                request_id=request_id_var.get(),
            )
        return job_out(job)
    raise ConflictError(f"the job is already {job.status}")


def retry(
    session: Session, access: WorkspaceAccess, job: Job, *, queue: JobQueue, max_queued: int
) -> JobOut:
    """Queue a failed or cancelled job again."""
    access.require(WorkspaceRole.EDITOR)
    if job.status not in (FAILED, CANCELLED):
        raise ConflictError(
            f"only failed or cancelled jobs can be retried; this one is {job.status}"
        )
    check_queue_limit(session, access.workspace.id, max_queued)
    now = utcnow()
    changed = session.scalar(
        update(Job)
        .where(Job.id == job.id, Job.status.in_((FAILED, CANCELLED)))
        .values(
            status=QUEUED,
            queued_at=now,
            started_at=None,
            completed_at=None,
            cancel_requested_at=None,
            error=None,
            worker_id=None,
            heartbeat_at=None,
            updated_at=now,
        )
        .returning(Job.id)
    )
    if not changed:
        raise ConflictError("the job changed meanwhile; read it again")
    append_event(
        session,
        job.id,
        "job.queued",
        {"attempt": job.attempts + 1, "retry": True},
        actor_id=access.user.id,
        request_id=request_id_var.get(),
    )
    session.refresh(job)
    job_id = job.id
    after_commit(session, lambda: queue.enqueue(job_id))
    return job_out(job)
