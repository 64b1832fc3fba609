"""Submitting a job: the version to run, the run-key cache, the per-workspace queue limit,
idempotency, and the writes (the job, its first timeline entry, the workspace's event).

The hot path under a burst of submits: every look-up comes first, then the writes back to
back, so the write transaction that the route's own hop commits stays short
(`ade_api.dependencies.run_in_session`). The job's id goes on the queue after the commit.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import bindparam, insert, null, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ade_api.documents.service import get_document
from ade_api.errors import ConflictError, NotFoundError
from ade_api.jobs.schemas import JobOut, JobSubmit
from ade_api.jobs.service import (
    QUEUED,
    SUCCEEDED,
    job_out,
    queued_jobs,
    refuse_when_full,
    run_key,
)
from ade_api.persistence import after_commit
from ade_api.queue import JobQueue
from ade_api.workspaces.service import WorkspaceAccess
from ade_db.enums import ConfigVersionStatus, WorkspaceRole
from ade_db.metadata import table_of
from ade_db.models import Config, ConfigVersion, Job, JobEvent, WorkspaceActiveConfig
from ade_db.types import new_id, utcnow
from ade_worker.timeline import EventRow, record_job_changes


class _Runnable(NamedTuple):
    """What a submit needs of the version to run (its columns only: the manifest and the
    message are not parsed for every submit)."""

    id: str
    config_id: str
    files_hash: str
    status: str


# A submit's look-ups, built once and run with new values each time: building a statement
# and computing its cache key cost more than running it on SQLite (see `ade_api.auth.service`).
# The columns are the tables' (Core statements): a select of mapped attributes goes through
# the ORM's compile state, 18 us more each, for rows that are read as tuples anyway.
_JOBS = table_of(Job)
_VERSIONS = table_of(ConfigVersion)
_CONFIGS = table_of(Config)
_ACTIVE = table_of(WorkspaceActiveConfig)
_RUNNABLE_COLUMNS = (
    _VERSIONS.c.id,
    _VERSIONS.c.config_id,
    _VERSIONS.c.files_hash,
    _VERSIONS.c.status,
)
_EARLIER = select(Job).where(
    Job.workspace_id == bindparam("workspace_id"),
    Job.idempotency_key == bindparam("idempotency_key"),
)
_ACTIVE_CONFIG = select(_ACTIVE.c.config_id).where(
    _ACTIVE.c.workspace_id == bindparam("workspace_id")
)
_PUBLISHED = select(*_RUNNABLE_COLUMNS).where(
    _VERSIONS.c.config_id == bindparam("config_id"),
    _VERSIONS.c.status == ConfigVersionStatus.PUBLISHED.value,
)
_VERSION = (
    select(*_RUNNABLE_COLUMNS, _CONFIGS.c.workspace_id)
    .join(_CONFIGS, _CONFIGS.c.id == _VERSIONS.c.config_id)
    .where(_VERSIONS.c.id == bindparam("version_id"))
)
_CACHED_ID = (
    select(_JOBS.c.id)
    .where(
        _JOBS.c.workspace_id == bindparam("workspace_id"),
        _JOBS.c.run_key == bindparam("run_key"),
        _JOBS.c.status == SUCCEEDED,
        _JOBS.c.cache_hit_of_id.is_(None),
    )
    .order_by(_JOBS.c.completed_at.desc(), _JOBS.c.id.desc())
    .limit(1)
    .scalar_subquery()
)
# The workspace's queued jobs, and its latest job that ran with the run key and succeeded (or
# NULL, for a forced run): one statement on the path every submit takes.
_QUEUED_AND_CACHED = {
    use_cache: select(queued_jobs(bindparam("workspace_id")), _CACHED_ID if use_cache else null())
    for use_cache in (True, False)
}


def _version(session: Session, access: WorkspaceAccess, version_id: str | None) -> _Runnable:
    """The version to run: the one asked for, else the active config's published one."""
    if version_id is None:
        config_id = session.scalar(_ACTIVE_CONFIG, {"workspace_id": access.workspace.id})
        if config_id is None:
            raise ConflictError(
                "the workspace has no active config; pass config_version_id or activate one"
            )
        published = session.execute(_PUBLISHED, {"config_id": config_id}).one_or_none()
        if published is None:
            raise ConflictError("the active config has no published version")
        return _Runnable(*published)
    found = session.execute(_VERSION, {"version_id": version_id.upper()}).one_or_none()
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


def _queued_and_cached(
    session: Session, workspace_id: str, key: str, *, use_cache: bool
) -> tuple[int, Job | None]:
    """The workspace's queued jobs, and (`use_cache`) its latest job that ran with this run
    key and succeeded (a cache hit, the rare case, loads its job with a second statement)."""
    queued, original_id = session.execute(
        _QUEUED_AND_CACHED[use_cache], {"workspace_id": workspace_id, "run_key": key}
    ).one()
    original = session.get(Job, original_id) if original_id is not None else None
    return queued or 0, original


# The tables themselves: a Core INSERT skips the ORM's bulk-insert bookkeeping.
_JOB_COLUMNS = tuple(column.key for column in _JOBS.columns)
_INSERT_JOB = insert(_JOBS)
_INSERT_JOB_EVENT = insert(table_of(JobEvent))


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
            _EARLIER, {"workspace_id": access.workspace.id, "idempotency_key": idempotency_key}
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
        refuse_when_full(queued, max_queued)
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
