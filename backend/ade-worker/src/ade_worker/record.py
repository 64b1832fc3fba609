"""Recording how a run ended: the job row, its timeline, and a log line per transition.

Every change is a conditional UPDATE on (status 'running', this worker, this attempt): a worker
the reconciler has given up on (its job requeued or failed meanwhile) changes nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from ade_db.enums import JobStatus
from ade_db.models import Job
from ade_db.types import utcnow
from ade_worker.claim import ClaimedJob, update_claimed
from ade_worker.outcome import read_artifact
from ade_worker.sandbox import SandboxOutcome
from ade_worker.timeline import EventRow, append_events

log = logging.getLogger("ade_worker.jobs")

#: Longest error message stored on a job.
MAX_MESSAGE_CHARS = 4000


@dataclass(frozen=True)
class Recorded:
    """What the record step did: the job's new status (None when the job was no longer
    ours), and whether the caller should put it back on the queue."""

    status: str | None
    requeue: bool = False


def job_storage_keys(job_id: str) -> tuple[str, str]:
    """(artifact_path, output_path) of a job, as storage keys relative to the data dir."""
    return f"jobs/{job_id}/output/artifact.json", f"jobs/{job_id}/output/normalized.xlsx"


_STATUS = select(Job.status).where(Job.id == bindparam("job_id"))


def log_transition(
    job_id: str,
    status: str,
    attempt: int | None,
    request_id: str | None,
    **extra: Any,
) -> None:
    """One log record per state change, its fields top-level in the JSON line
    (`ade_worker.logs`), to correlate with the API's request logs."""
    fields = {
        "event": "job.transition",
        "job_id": job_id,
        "status": status,
        "attempt": attempt,
        "request_id": request_id,
        **extra,
    }
    log.info("job %s: %s", job_id, status, extra=fields)


def safe_error(error: dict[str, Any] | None, default_type: str = "WorkerError") -> dict[str, Any]:
    """An error as stored on the job: type, message, and file/line when config code raised."""
    error = error or {}
    stored: dict[str, Any] = {
        "type": str(error.get("type") or default_type),
        "message": str(error.get("message") or "the run failed")[:MAX_MESSAGE_CHARS],
    }
    for key in ("file", "line", "exception"):
        if error.get(key) is not None:
            stored[key] = error[key]
    return stored


def _transition(
    session: Session,
    claimed: ClaimedJob,
    values: dict[str, Any],
    event_type: str,
    payload: dict[str, Any],
    events: Sequence[EventRow] = (),
) -> bool:
    """One transaction: the guarded UPDATE, then the run's last engine `events` and the
    transition's own event after them. When the job is no longer ours only `events` are
    written (they happened; the transition did not)."""
    if not update_claimed(session, claimed, values):
        session.rollback()
        if events:
            append_events(session, claimed.job_id, events)
            session.commit()
        return False
    append_events(session, claimed.job_id, [*events, (event_type, payload)])
    session.commit()
    return True


def record_outcome(
    session_factory: sessionmaker[Session],
    claimed: ClaimedJob,
    outcome: SandboxOutcome,
    *,
    job_dir: Path,
    max_attempts: int,
    events: Sequence[EventRow] = (),
    now: datetime | None = None,
) -> Recorded:
    """Finish the job from the sandbox's outcome (see the module docstring for the guard),
    writing the run's last engine `events` (not yet relayed) in the same transaction."""
    now = now or utcnow()
    artifact_key, output_key = job_storage_keys(claimed.job_id)
    artifact = job_dir / "output" / "artifact.json"
    with session_factory() as session:
        if outcome.status == "succeeded":
            written = read_artifact(job_dir)
            metrics = dict(written["metrics"]) if written else {}
            ok = _transition(
                session,
                claimed,
                {
                    "status": JobStatus.SUCCEEDED.value,
                    "completed_at": now,
                    "heartbeat_at": now,
                    "metrics": metrics,
                    "artifact_path": artifact_key,
                    "output_path": output_key,
                    "error": None,
                    "updated_at": now,
                },
                "job.succeeded",
                {"metrics": metrics},
                events,
            )
            return _done(ok, claimed, JobStatus.SUCCEEDED, metrics=metrics)
        if outcome.status == "cancelled":
            ok = _transition(
                session,
                claimed,
                {
                    "status": JobStatus.CANCELLED.value,
                    "completed_at": now,
                    "heartbeat_at": now,
                    "error": safe_error(outcome.error, "Cancelled"),
                    "updated_at": now,
                },
                "job.cancelled",
                {"attempt": claimed.attempt},
                events,
            )
            return _done(ok, claimed, JobStatus.CANCELLED)
        error = safe_error(outcome.error, "Crashed")
        if outcome.retryable and claimed.attempt < max_attempts:
            ok = _transition(
                session,
                claimed,
                {
                    "status": JobStatus.QUEUED.value,
                    "worker_id": None,
                    "heartbeat_at": None,
                    "error": error,
                    "updated_at": now,
                },
                "job.retrying",
                {"reason": error["message"], "attempt": claimed.attempt},
                events,
            )
            done = _done(ok, claimed, JobStatus.QUEUED, reason=error["message"])
            return Recorded(done.status, requeue=ok)
        return record_failure(
            session_factory,
            claimed,
            error,
            artifact_path=artifact_key if artifact.is_file() else None,
            events=events,
            now=now,
            session=session,
        )


def record_failure(
    session_factory: sessionmaker[Session],
    claimed: ClaimedJob,
    error: dict[str, Any],
    *,
    artifact_path: str | None = None,
    events: Sequence[EventRow] = (),
    now: datetime | None = None,
    session: Session | None = None,
) -> Recorded:
    """Fail the job with `error` ({type, message, file?, line?}), after the run's last
    engine `events`."""
    now = now or utcnow()
    error = safe_error(error)
    values: dict[str, Any] = {
        "status": JobStatus.FAILED.value,
        "completed_at": now,
        "heartbeat_at": now,
        "error": error,
        "updated_at": now,
    }
    if artifact_path is not None:
        values["artifact_path"] = artifact_path
    if session is not None:
        ok = _transition(session, claimed, values, "job.failed", {"error": error}, events)
    else:
        with session_factory() as own:
            ok = _transition(own, claimed, values, "job.failed", {"error": error}, events)
    return _done(ok, claimed, JobStatus.FAILED, error_type=error["type"])


def _done(ok: bool, claimed: ClaimedJob, status: JobStatus, **extra: Any) -> Recorded:
    if not ok:
        log.warning(
            json.dumps(
                {
                    "event": "job.not_recorded",
                    "job_id": claimed.job_id,
                    "attempt": claimed.attempt,
                    "worker_id": claimed.worker_id,
                    "would_be": status.value,
                    "request_id": claimed.request_id,
                }
            )
        )
        return Recorded(None)
    log_transition(claimed.job_id, status.value, claimed.attempt, claimed.request_id, **extra)
    return Recorded(status.value)


def job_status(session_factory: sessionmaker[Session], job_id: str) -> str | None:
    """The job's current status, or None if there is no such job."""
    with session_factory() as session:
        return session.scalar(_STATUS, {"job_id": job_id})
