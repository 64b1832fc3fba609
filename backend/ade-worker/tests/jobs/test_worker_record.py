"""Recording outcomes: each transition, retries, and the guard against a stale worker."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, update
from sqlalchemy.orm import Session, sessionmaker

from ade_db.models import Job
from ade_engine.artifact import new_artifact, write_artifact
from ade_engine.artifact_types import Metrics, RunStatus
from ade_storage import LocalBlobStore, StorageLayout
from ade_worker.claim import ClaimedJob, claim_job
from ade_worker.record import record_failure, record_outcome
from ade_worker.sandbox import SandboxOutcome
from ade_worker.testing import seed_job
from ade_worker.timeline import job_events

METRICS: Metrics = {
    "sheets_scanned": 1,
    "tables_found": 1,
    "rows_processed": 5,
    "issues": 0,
    "elapsed_ms": 70,
}


def _running(
    sessions: sessionmaker[Session], blobs: LocalBlobStore, layout: StorageLayout
) -> tuple[ClaimedJob, Path]:
    seeded = seed_job(sessions, blobs, request_id="req-42")
    claimed = claim_job(sessions, seeded.job_id, worker_id="host:7")
    assert claimed is not None
    job_dir = layout.job_dir(seeded.job_id)
    (job_dir / "output").mkdir(parents=True)
    return claimed, job_dir


def _artifact(job_dir: Path, status: RunStatus = "succeeded") -> None:
    artifact = new_artifact(job_dir / "input" / "source.xlsx")
    artifact["status"], artifact["metrics"] = status, METRICS
    write_artifact(artifact, job_dir / "output" / "artifact.json")


def _job(sessions: sessionmaker[Session], job_id: str) -> Job:
    with sessions() as session:
        return session.get_one(Job, job_id)


def _events(sessions: sessionmaker[Session], job_id: str) -> list[tuple[str, dict[str, Any]]]:
    with sessions() as session:
        return [(e.type, e.payload) for e in job_events(session, job_id)]


def outcome(
    status: Any, error: dict[str, Any] | None = None, *, retryable: bool = False
) -> SandboxOutcome:
    exit_code = 0 if status == "succeeded" else None
    return SandboxOutcome(status, exit_code, 1234, error, retryable, "")


def test_succeeded(
    sessions: sessionmaker[Session],
    blobs: LocalBlobStore,
    layout: StorageLayout,
    caplog: pytest.LogCaptureFixture,
) -> None:
    claimed, job_dir = _running(sessions, blobs, layout)
    _artifact(job_dir)
    with caplog.at_level(logging.INFO, logger="ade_worker.jobs"):
        done = record_outcome(
            sessions, claimed, outcome("succeeded"), job_dir=job_dir, max_attempts=3
        )
    assert (done.status, done.requeue) == ("succeeded", False)
    job = _job(sessions, claimed.job_id)
    assert job.status == "succeeded"
    assert job.completed_at is not None
    assert job.metrics == METRICS
    assert job.artifact_path == f"jobs/{claimed.job_id}/output/artifact.json"
    assert job.output_path == f"jobs/{claimed.job_id}/output/normalized.xlsx"
    assert job.error is None
    assert _events(sessions, claimed.job_id)[-1] == ("job.succeeded", {"metrics": METRICS})
    # The transition's fields are the record's own (top-level keys of its JSON log line).
    last = [r for r in caplog.records if r.name == "ade_worker.jobs"][-1].__dict__
    assert last["event"] == "job.transition"
    assert last["job_id"] == claimed.job_id
    assert last["status"] == "succeeded"
    assert last["attempt"] == 1
    assert last["request_id"] == "req-42"


def test_an_artifact_a_hook_broke_records_no_metrics(
    sessions: sessionmaker[Session], blobs: LocalBlobStore, layout: StorageLayout
) -> None:
    claimed, job_dir = _running(sessions, blobs, layout)
    broken = {"schema": "ade.artifact/v1", "status": "succeeded", "metrics": "lots"}
    (job_dir / "output" / "artifact.json").write_text(json.dumps(broken))
    done = record_outcome(sessions, claimed, outcome("succeeded"), job_dir=job_dir, max_attempts=3)
    assert done.status == "succeeded"
    job = _job(sessions, claimed.job_id)
    assert (job.status, job.metrics) == ("succeeded", {})
    assert job.artifact_path == f"jobs/{claimed.job_id}/output/artifact.json"


def test_failed_keeps_file_line_and_artifact(
    sessions: sessionmaker[Session], blobs: LocalBlobStore, layout: StorageLayout
) -> None:
    claimed, job_dir = _running(sessions, blobs, layout)
    _artifact(job_dir, "failed")
    error = {
        "type": "config_code",
        "message": "ValueError: no such member",
        "file": "columns/email.py",
        "line": 12,
        "exception": "ValueError",
        "traceback": "long",
    }
    done = record_outcome(
        sessions, claimed, outcome("failed", error), job_dir=job_dir, max_attempts=3
    )
    assert done.status == "failed"
    job = _job(sessions, claimed.job_id)
    assert job.status == "failed"
    assert job.error == {
        "type": "config_code",
        "message": "ValueError: no such member",
        "file": "columns/email.py",
        "line": 12,
        "exception": "ValueError",
    }
    assert job.artifact_path == f"jobs/{claimed.job_id}/output/artifact.json"
    assert job.output_path is None
    assert _events(sessions, claimed.job_id)[-1] == ("job.failed", {"error": job.error})


def test_failed_without_artifact_has_no_artifact_path(
    sessions: sessionmaker[Session], blobs: LocalBlobStore, layout: StorageLayout
) -> None:
    claimed, job_dir = _running(sessions, blobs, layout)
    error = {"type": "TimeoutError", "message": "the run took longer than 1 s and was stopped"}
    record_outcome(sessions, claimed, outcome("timeout", error), job_dir=job_dir, max_attempts=3)
    job = _job(sessions, claimed.job_id)
    assert (job.status, job.error, job.artifact_path) == ("failed", error, None)


def test_cancelled(
    sessions: sessionmaker[Session], blobs: LocalBlobStore, layout: StorageLayout
) -> None:
    claimed, job_dir = _running(sessions, blobs, layout)
    error = {"type": "Cancelled", "message": "the run was cancelled"}
    done = record_outcome(
        sessions, claimed, outcome("cancelled", error), job_dir=job_dir, max_attempts=3
    )
    assert done.status == "cancelled"
    job = _job(sessions, claimed.job_id)
    assert job.status == "cancelled"
    assert job.completed_at is not None
    assert _events(sessions, claimed.job_id)[-1] == ("job.cancelled", {"attempt": 1})


KILLED = {"type": "Crashed", "message": "the engine process was killed by signal SIGKILL"}


def test_retryable_goes_back_to_queued_until_attempts_run_out(
    sessions: sessionmaker[Session], blobs: LocalBlobStore, layout: StorageLayout
) -> None:
    claimed, job_dir = _running(sessions, blobs, layout)
    killed = outcome("crashed", KILLED, retryable=True)
    for attempt in (1, 2):
        assert claimed.attempt == attempt
        done = record_outcome(sessions, claimed, killed, job_dir=job_dir, max_attempts=3)
        assert (done.status, done.requeue) == ("queued", True)
        job = _job(sessions, claimed.job_id)
        assert (job.status, job.worker_id, job.completed_at) == ("queued", None, None)
        assert _events(sessions, claimed.job_id)[-1] == (
            "job.retrying",
            {"reason": KILLED["message"], "attempt": attempt},
        )
        again = claim_job(sessions, claimed.job_id, worker_id="host:7")
        assert again is not None
        claimed = again
    done = record_outcome(sessions, claimed, killed, job_dir=job_dir, max_attempts=3)
    assert (done.status, done.requeue) == ("failed", False)
    job = _job(sessions, claimed.job_id)
    assert (job.status, job.attempts, job.error) == ("failed", 3, KILLED)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        ("failed", {"type": "CpuTimeLimit", "message": "cpu"}),
        ("failed", {"type": "config_code", "message": "MemoryError (out of memory)"}),
        ("crashed", {"type": "Crashed", "message": "exited unexpectedly with code 3"}),
        ("timeout", {"type": "TimeoutError", "message": "too slow"}),
    ],
)
def test_deterministic_failures_are_not_retried(
    sessions: sessionmaker[Session],
    blobs: LocalBlobStore,
    layout: StorageLayout,
    status: str,
    error: dict[str, Any],
) -> None:
    claimed, job_dir = _running(sessions, blobs, layout)
    done = record_outcome(
        sessions, claimed, outcome(status, error), job_dir=job_dir, max_attempts=3
    )
    assert (done.status, done.requeue) == ("failed", False)
    assert _job(sessions, claimed.job_id).attempts == 1


def test_a_worker_that_was_reconciled_away_changes_nothing(
    sessions: sessionmaker[Session], blobs: LocalBlobStore, layout: StorageLayout
) -> None:
    claimed, job_dir = _running(sessions, blobs, layout)
    _artifact(job_dir)
    # The reconciler gave the job to another attempt on another worker meanwhile.
    with sessions() as session:
        session.execute(update(Job).where(Job.id == claimed.job_id).values(status="queued"))
        session.commit()
    taken = claim_job(sessions, claimed.job_id, worker_id="other:1")
    assert taken is not None
    before = _events(sessions, claimed.job_id)
    for late in (outcome("succeeded"), outcome("failed", {"type": "x", "message": "y"})):
        done = record_outcome(sessions, claimed, late, job_dir=job_dir, max_attempts=3)
        assert (done.status, done.requeue) == (None, False)
    assert record_failure(sessions, claimed, {"type": "WorkerError", "message": "m"}).status is None
    job = _job(sessions, claimed.job_id)
    assert (job.status, job.worker_id, job.attempts) == ("running", "other:1", 2)
    assert job.metrics is None
    assert _events(sessions, claimed.job_id) == before
    # Same worker id but an older attempt is just as stale.
    old_attempt = ClaimedJob(**{**taken.__dict__, "attempt": 1})
    assert record_failure(sessions, old_attempt, {"type": "x", "message": "y"}).status is None
    assert record_failure(sessions, taken, {"type": "x", "message": "y"}).status == "failed"


def test_a_job_another_worker_holds_is_not_recorded_even_at_the_same_attempt(
    sessions: sessionmaker[Session], blobs: LocalBlobStore, layout: StorageLayout
) -> None:
    # Claims always count a new attempt, so the attempt alone would tell; ownership is the
    # worker too, for a row whose worker changed without one (a database restored from a
    # backup, an operator's fix).
    claimed, job_dir = _running(sessions, blobs, layout)
    _artifact(job_dir)
    with sessions() as session:
        session.execute(update(Job).where(Job.id == claimed.job_id).values(worker_id="other:1"))
        session.commit()
    done = record_outcome(sessions, claimed, outcome("succeeded"), job_dir=job_dir, max_attempts=3)
    assert (done.status, done.requeue) == (None, False)
    job = _job(sessions, claimed.job_id)
    assert (job.status, job.worker_id, job.attempts) == ("running", "other:1", claimed.attempt)


def test_long_messages_are_cut(
    sessions: sessionmaker[Session], blobs: LocalBlobStore, layout: StorageLayout
) -> None:
    claimed, _ = _running(sessions, blobs, layout)
    record_failure(sessions, claimed, {"type": "Boom", "message": "x" * 10_000})
    error = _job(sessions, claimed.job_id).error
    assert error is not None
    assert len(error["message"]) == 4000


def test_the_runs_last_events_are_written_with_the_outcome_in_one_transaction(
    sessions: sessionmaker[Session],
    blobs: LocalBlobStore,
    layout: StorageLayout,
    migrated_engine: Engine,
) -> None:
    claimed, job_dir = _running(sessions, blobs, layout)
    _artifact(job_dir)
    commits: list[int] = []

    def on_commit(conn: Any) -> None:
        commits.append(1)

    last = [("pass.completed", {"ts": "t", "seq": 7, "name": "output"}), ("run.completed", {})]
    event.listen(migrated_engine, "commit", on_commit)
    try:
        done = record_outcome(
            sessions, claimed, outcome("succeeded"), job_dir=job_dir, max_attempts=3, events=last
        )
    finally:
        event.remove(migrated_engine, "commit", on_commit)
    assert done.status == "succeeded"
    assert len(commits) == 1
    types = [t for t, _ in _events(sessions, claimed.job_id)]
    assert types == [
        "job.queued",
        "job.started",
        "pass.completed",
        "run.completed",
        "job.succeeded",
    ]


def test_a_stale_worker_still_writes_the_events_of_its_run_but_not_its_outcome(
    sessions: sessionmaker[Session], blobs: LocalBlobStore, layout: StorageLayout
) -> None:
    claimed, _ = _running(sessions, blobs, layout)
    with sessions() as session:
        session.execute(update(Job).where(Job.id == claimed.job_id).values(status="queued"))
        session.commit()
    done = record_failure(
        sessions, claimed, {"type": "x", "message": "y"}, events=[("log", {"message": "late"})]
    )
    assert done.status is None
    assert _events(sessions, claimed.job_id)[-1] == ("log", {"message": "late"})
    assert _job(sessions, claimed.job_id).status == "queued"
