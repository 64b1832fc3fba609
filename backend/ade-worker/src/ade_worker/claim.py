"""Claiming a queued job: one conditional UPDATE, so of several workers exactly one wins."""

from __future__ import annotations

import functools
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, Update, bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from ade_db.enums import JobStatus
from ade_db.metadata import table_of
from ade_db.models import Config, ConfigVersion, Job
from ade_db.types import utcnow
from ade_worker.timeline import append_event


@dataclass(frozen=True)
class ClaimedJob:
    """What the later steps need of a job this worker now owns (as attempt `attempt`)."""

    job_id: str
    attempt: int
    worker_id: str
    workspace_id: str
    document_id: str
    config_version_id: str
    request_id: str | None
    #: The config's slug when claimed (what the run's events call the config).
    config_name: str | None = None


# The statements below UPDATE the table, not the mapped class: an ORM-enabled UPDATE goes
# through the ORM's bulk-update bookkeeping, which cost more than the statement itself, inside
# the write transaction (with SQLite's lock held).
_JOBS = table_of(Job)

# The claimed job's config slug, read by the claim's own statement (a correlated subquery in
# RETURNING: SQLite and PostgreSQL both allow it). Nested, one table a level, not a join:
# RETURNING renders column names without their tables, which a join would make ambiguous.
_CONFIG_SLUG = (
    select(Config.slug)
    .where(
        Config.id
        == select(ConfigVersion.config_id)
        .where(ConfigVersion.id == _JOBS.c.config_version_id)
        .correlate(_JOBS)
        .scalar_subquery()
    )
    .scalar_subquery()
)


# The claim, built once and run with each job's values (statements here are built once: building
# and keying this one for SQLAlchemy's statement cache cost more than running it on SQLite).
_NOW = bindparam("claimed_at", type_=_JOBS.c.started_at.type)
_CLAIM = (
    update(_JOBS)
    .where(
        _JOBS.c.id == bindparam("claim_id"),
        _JOBS.c.status == JobStatus.QUEUED.value,
        _JOBS.c.cancel_requested_at.is_(None),
    )
    .values(
        status=JobStatus.RUNNING.value,
        attempts=_JOBS.c.attempts + 1,
        started_at=_NOW,
        heartbeat_at=_NOW,
        worker_id=bindparam("claimed_by"),
        completed_at=None,
        error=None,
        updated_at=_NOW,
    )
    .returning(
        _JOBS.c.attempts,
        _JOBS.c.workspace_id,
        _JOBS.c.document_id,
        _JOBS.c.config_version_id,
        _JOBS.c.request_id,
        _CONFIG_SLUG.label("config_slug"),
    )
)
# A job this worker owns: still running, by this worker, in this attempt. (An UPDATE's bind
# parameters may not be named after its table's columns.)
_OWNED = (
    _JOBS.c.id == bindparam("owned_id"),
    _JOBS.c.status == JobStatus.RUNNING.value,
    _JOBS.c.worker_id == bindparam("owned_by"),
    _JOBS.c.attempts == bindparam("owned_attempt"),
)


@functools.cache
def _update_owned(columns: tuple[str, ...]) -> Update:
    """The guarded UPDATE that sets `columns`, built once per set of columns (one per kind of
    transition, and the heartbeat)."""
    return (
        update(_JOBS)
        .where(*_OWNED)
        .values({c: bindparam(f"set_{c}", type_=_JOBS.c[c].type) for c in columns})
    )


def update_claimed(session: Session, claimed: ClaimedJob, values: dict[str, Any]) -> bool:
    """Set `values` on the claimed job if this worker still owns it (running, by this worker,
    in this attempt); whether it did. The caller commits."""
    params = {f"set_{column}": value for column, value in values.items()}
    params.update(
        owned_id=claimed.job_id, owned_by=claimed.worker_id, owned_attempt=claimed.attempt
    )
    result = session.execute(_update_owned(tuple(values)), params)
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def worker_identity() -> str:
    """`<hostname>:<pid>` of this process: names the owner of a running job (and the process
    to kill when it must be stopped by hand)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_job(
    session_factory: sessionmaker[Session],
    job_id: str,
    *,
    worker_id: str | None = None,
    worker_name: str | None = None,
    now: datetime | None = None,
) -> ClaimedJob | None:
    """Mark `job_id` running for this worker, or return None if it is not claimable.

    Not claimable: not `queued` (another worker has it, or it ended) or cancel requested.
    The claim and its `job.started` event commit together; the event names the process
    (`worker_id`) and, when known, the worker's name (`worker_name`, its `--name`).
    """
    worker_id = worker_id or worker_identity()
    now = now or utcnow()
    with session_factory() as session:
        # One statement claims and reads what the later steps need (RETURNING: SQLite and
        # PostgreSQL both have it).
        row = session.execute(
            _CLAIM, {"claim_id": job_id, "claimed_at": now, "claimed_by": worker_id}
        ).one_or_none()
        if row is None:
            session.rollback()
            return None
        started: dict[str, object] = {"attempt": row.attempts, "worker_id": worker_id}
        if worker_name:
            started["worker_name"] = worker_name
        append_event(session, job_id, "job.started", started)
        session.commit()
    return ClaimedJob(
        job_id=job_id,
        attempt=int(row.attempts),
        worker_id=worker_id,
        workspace_id=row.workspace_id,
        document_id=row.document_id,
        config_version_id=row.config_version_id,
        request_id=row.request_id,
        config_name=row.config_slug,
    )
