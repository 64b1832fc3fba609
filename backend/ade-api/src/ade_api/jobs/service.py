"""Job rules: submitting (with the run-key cache and the per-workspace queue limit),
reading, cancelling and retrying jobs, and their timelines.

The database is the source of truth: a job row is committed first and only then does its id
go on the queue (`after_commit`). Workers claim, run and record jobs; this service never runs
config code.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, NamedTuple

from sqlalchemy import ScalarSelect, func, insert, null, select, update
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
from ade_worker.timeline import EventRow, append_event, record_job_changes

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


class _Runnable(NamedTuple):
    """What a submit needs of the version to run (its columns only: the manifest and the
    message are not parsed for every submit)."""

    id: str
    config_id: str
    files_hash: str
    status: str


_RUNNABLE_COLUMNS = (
    ConfigVersion.id,
    ConfigVersion.config_id,
    ConfigVersion.files_hash,
    ConfigVersion.status,
)


def _version(session: Session, access: WorkspaceAccess, version_id: str | None) -> _Runnable:
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
        published = session.execute(
            select(*_RUNNABLE_COLUMNS).where(
                ConfigVersion.config_id == config_id,
                ConfigVersion.status == ConfigVersionStatus.PUBLISHED.value,
            )
        ).one_or_none()
        if published is None:
            raise ConflictError("the active config has no published version")
        return _Runnable(*published)
    found = session.execute(
        select(*_RUNNABLE_COLUMNS, Config.workspace_id)
        .join(Config, Config.id == ConfigVersion.config_id)
        .where(ConfigVersion.id == version_id.upper())
    ).one_or_none()
    if found is None or found[-1] != access.workspace.id:
        raise NotFoundError("config version not found")
    version = _Runnable(*found[:-1])
    if version.status == ConfigVersionStatus.DRAFT.value:
        raise ConflictError("a draft cannot run jobs: publish it, or use the draft's dry-run")
    if version.status == ConfigVersionStatus.DISCARDED.value:
        raise ConflictError(
            "a discarded draft cannot run jobs: restore it into the draft and publish it"
        )
    return version


def _queued_jobs(workspace_id: str) -> ScalarSelect[int]:
    return (
        select(func.count())
        .select_from(Job)
        .where(Job.workspace_id == workspace_id, Job.status == QUEUED)
        .scalar_subquery()
    )


def _refuse_when_full(queued: int, limit: int) -> None:
    if queued >= limit:
        raise RateLimitedError(
            f"the workspace already has {queued} queued jobs (limit {limit}); "
            "wait for some to finish",
            retry_after=_RETRY_AFTER_SECONDS,
        )


def _check_queue_limit(session: Session, workspace_id: str, limit: int) -> None:
    _refuse_when_full(session.scalar(select(_queued_jobs(workspace_id))) or 0, limit)


def _queued_and_cached(
    session: Session, workspace_id: str, key: str, *, use_cache: bool
) -> tuple[int, Job | None]:
    """The workspace's queued jobs, and (`use_cache`) its latest job that ran with this run
    key and succeeded: one statement for both, on the path every submit takes (a cache hit,
    the rare case, loads its job with a second)."""
    cached_id = (
        select(Job.id)
        .where(
            Job.workspace_id == workspace_id,
            Job.run_key == key,
            Job.status == SUCCEEDED,
            Job.cache_hit_of_id.is_(None),
        )
        .order_by(Job.completed_at.desc(), Job.id.desc())
        .limit(1)
        .scalar_subquery()
        if use_cache
        else null()
    )
    queued, original_id = session.execute(select(_queued_jobs(workspace_id), cached_id)).one()
    original = session.get(Job, original_id) if original_id is not None else None
    return queued or 0, original


# The tables themselves: a Core INSERT skips the ORM's bulk-insert bookkeeping.
_JOBS = Job.metadata.tables[Job.__tablename__]
_JOB_COLUMNS = tuple(column.key for column in _JOBS.columns)
_INSERT_JOB = insert(_JOBS)
_INSERT_JOB_EVENT = insert(JobEvent.metadata.tables[JobEvent.__tablename__])


def _insert_new_job(session: Session, job: Job, first: EventRow) -> None:
    """The new job's row and its first timeline entry: two INSERTs back to back, with no
    unit-of-work flush. The submit's first write starts its write transaction (SQLite's write
    lock, and the process's write gate: `ade_db.engine`), which the same hop commits: it is
    held for these statements and the workspace's event only, everything else is done first.
    A job with an Idempotency-Key that a concurrent request just used is a 409."""
    row = {key: getattr(job, key) for key in _JOB_COLUMNS}
    if job.idempotency_key is None:
        session.execute(_INSERT_JOB, [row])
    else:
        try:
            with session.begin_nested():
                session.execute(_INSERT_JOB, [row])
        except IntegrityError:  # the same Idempotency-Key sent twice at once
            raise ConflictError("a job with this Idempotency-Key is being created") from None
    type_, payload = first
    session.execute(
        _INSERT_JOB_EVENT,
        [
            {
                "id": new_id(),
                "job_id": job.id,
                "seq": 1,
                "type": type_,
                "payload": payload,
                "created_at": job.created_at,
            }
        ],
    )


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
    now = utcnow()
    # Every column is set here (none is left to a default at flush): the answer, the
    # workspace's event and the INSERT all read them from this object.
    job = Job(
        id=new_id(),
        workspace_id=access.workspace.id,
        document_id=document.id,
        config_version_id=version.id,
        run_key=key,
        status=QUEUED,
        flags=body.flags,
        force=body.force,
        queued_at=now,
        attempts=0,
        submitted_by_id=access.user.id,
        request_id=request_id,
        idempotency_key=idempotency_key,
        created_at=now,
        updated_at=now,
    )
    queued, original = _queued_and_cached(
        session, access.workspace.id, key, use_cache=not body.force
    )
    if original is not None:
        job.status = SUCCEEDED
        job.cache_hit_of_id = original.id
        job.started_at = job.completed_at = now
        job.metrics = original.metrics
        job.artifact_path = original.artifact_path
        job.output_path = original.output_path
        # A new job's timeline is empty: its first entry is seq 1 (no lookup, no retry loop).
        first: EventRow = ("job.cache_hit", {"of": original.id, "run_key": key})
    else:
        _refuse_when_full(queued, max_queued)
        first = ("job.queued", {"attempt": 1})
        job_id = job.id
        after_commit(session, lambda: queue.enqueue(job_id, new=True))
    _insert_new_job(session, job, first)
    # The new job's state is all in hand: no read back for the workspace's event, nor for the
    # answer's config id.
    record_job_changes(
        session,
        job.id,
        [first],
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
