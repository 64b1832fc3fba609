"""Job rules: submitting (with the run-key cache and the per-workspace queue limit),
reading, cancelling and retrying jobs, and their timelines.

The database is the source of truth: a job row is committed first and only then does its id
go on the queue (`after_commit`). Workers claim, run and record jobs; this service never runs
config code.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session, sessionmaker

import ade_engine
from ade_api.documents.service import get_document
from ade_api.errors import ConflictError, NotFoundError, RateLimitedError
from ade_api.jobs.schemas import JobEventOut, JobOut, JobSubmit
from ade_api.logging import request_id_var
from ade_api.pagination import Page, PageParams, paginate
from ade_api.persistence import after_commit
from ade_api.queue import JobQueue
from ade_api.sse import Batch, Message
from ade_api.workspaces.service import WorkspaceAccess
from ade_db.enums import ConfigVersionStatus, JobStatus, WorkspaceRole
from ade_db.models import (
    Config,
    ConfigVersion,
    Job,
    JobEvent,
    WorkspaceActiveConfig,
)
from ade_db.types import new_id, utcnow
from ade_worker.timeline import append_event, record_job_changes

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


# --------------------------------------------------------------------------- submit


def _version(session: Session, access: WorkspaceAccess, version_id: str | None) -> ConfigVersion:
    """The version to run: the one asked for, else the active config's published one."""
    if version_id is None:
        config_id = session.scalar(
            select(WorkspaceActiveConfig.config_id).where(
                WorkspaceActiveConfig.workspace_id == access.workspace.id
            )
        )
        if config_id is None:
            raise ConflictError(
                "the workspace has no active config; pass config_version_id or activate one"
            )
        version = session.scalars(
            select(ConfigVersion).where(
                ConfigVersion.config_id == config_id,
                ConfigVersion.status == ConfigVersionStatus.PUBLISHED.value,
            )
        ).one_or_none()
        if version is None:
            raise ConflictError("the active config has no published version")
        return version
    found = session.execute(
        select(ConfigVersion, Config.workspace_id)
        .join(Config, Config.id == ConfigVersion.config_id)
        .where(ConfigVersion.id == version_id.upper())
    ).one_or_none()
    if found is None or found[1] != access.workspace.id:
        raise NotFoundError("config version not found")
    version = found[0]
    if version.status == ConfigVersionStatus.DRAFT.value:
        raise ConflictError("a draft cannot run jobs: publish it, or use the draft's dry-run")
    if version.status == ConfigVersionStatus.DISCARDED.value:
        raise ConflictError(
            "a discarded draft cannot run jobs: restore it into the draft and publish it"
        )
    return version


def _check_queue_limit(session: Session, workspace_id: str, limit: int) -> None:
    queued = session.scalar(
        select(func.count())
        .select_from(Job)
        .where(Job.workspace_id == workspace_id, Job.status == QUEUED)
    )
    if (queued or 0) >= limit:
        raise RateLimitedError(
            f"the workspace already has {queued} queued jobs (limit {limit}); "
            "wait for some to finish",
            retry_after=_RETRY_AFTER_SECONDS,
        )


def _cached(session: Session, workspace_id: str, key: str) -> Job | None:
    """The latest job of this workspace that ran with this run key and succeeded."""
    return session.scalars(
        select(Job)
        .where(
            Job.workspace_id == workspace_id,
            Job.run_key == key,
            Job.status == SUCCEEDED,
            Job.cache_hit_of_id.is_(None),
        )
        .order_by(Job.completed_at.desc(), Job.id.desc())
        .limit(1)
    ).first()


def submit(
    session: Session,
    access: WorkspaceAccess,
    body: JobSubmit,
    *,
    idempotency_key: str | None,
    request_id: str | None,
    queue: JobQueue,
    max_queued: int,
) -> tuple[JobOut, bool]:
    """Queue a job (or answer from the cache); returns the job and whether it is a replay
    of an earlier request with the same Idempotency-Key."""
    access.require(WorkspaceRole.EDITOR)
    if idempotency_key is not None:
        earlier = session.scalars(
            select(Job).where(
                Job.workspace_id == access.workspace.id, Job.idempotency_key == idempotency_key
            )
        ).one_or_none()
        if earlier is not None:
            return job_out(earlier), True
    document = get_document(session, access, body.document_id)
    version = _version(session, access, body.config_version_id)
    key = run_key(document.sha256, version.files_hash, body.flags)
    job = Job(
        id=new_id(),  # known now, so the first event can name it without a separate flush
        workspace_id=access.workspace.id,
        document_id=document.id,
        config_version_id=version.id,
        run_key=key,
        flags=body.flags,
        force=body.force,
        submitted_by_id=access.user.id,
        request_id=request_id,
        idempotency_key=idempotency_key,
    )
    original = None if body.force else _cached(session, access.workspace.id, key)
    if original is not None:
        now = utcnow()
        job.status = SUCCEEDED
        job.cache_hit_of_id = original.id
        job.started_at = job.completed_at = now
        job.metrics = original.metrics
        job.artifact_path = original.artifact_path
        job.output_path = original.output_path
    else:
        _check_queue_limit(session, access.workspace.id, max_queued)
        job.status = QUEUED
    if idempotency_key is None:
        session.add(job)
    else:
        try:
            with session.begin_nested():
                session.add(job)
        except IntegrityError:  # the same Idempotency-Key sent twice at once
            raise ConflictError("a job with this Idempotency-Key is being created") from None
    # A new job's timeline is empty: its first entry is seq 1 (no lookup, no retry loop).
    if original is not None:
        first = JobEvent(seq=1, type="job.cache_hit", payload={"of": original.id, "run_key": key})
    else:
        first = JobEvent(seq=1, type="job.queued", payload={"attempt": 1})
        job_id = job.id
        after_commit(session, lambda: queue.enqueue(job_id, new=True))
    first.job_id = job.id
    session.add(first)
    session.flush()
    # The new job's state is all in hand: no read back for the workspace's event, nor for the
    # answer's config id.
    record_job_changes(
        session,
        job.id,
        [(first.type, first.payload)],
        actor_id=access.user.id,
        request_id=request_id,
        job=job,
        config_id=version.config_id,
    )
    return job_out(job, version.config_id), False


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
    _check_queue_limit(session, access.workspace.id, max_queued)
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
