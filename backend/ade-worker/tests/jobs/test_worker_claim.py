"""Claiming: one conditional UPDATE; of two racing workers exactly one wins."""

from __future__ import annotations

import threading
from dataclasses import replace

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ade_db.models import Config, ConfigVersion, Job
from ade_db.types import utcnow
from ade_storage import LocalBlobStore
from ade_worker.claim import claim_job, update_claimed, worker_identity
from ade_worker.testing import seed_job
from ade_worker.timeline import job_events


def test_claim_marks_running_and_adds_a_started_event(
    sessions: sessionmaker[Session], blobs: LocalBlobStore
) -> None:
    seeded = seed_job(sessions, blobs, request_id="req-1")
    with sessions() as session:
        session.execute(
            update(Job).where(Job.id == seeded.job_id).values(error={"type": "old", "message": "x"})
        )
        session.commit()
    claimed = claim_job(sessions, seeded.job_id, worker_id="host:1")
    assert claimed is not None
    assert claimed.attempt == 1
    assert claimed.worker_id == "host:1"
    assert claimed.document_id == seeded.document_id
    assert claimed.config_version_id == seeded.config_version_id
    assert claimed.request_id == "req-1"
    with sessions() as session:
        job = session.get_one(Job, seeded.job_id)
        assert job.status == "running"
        assert job.attempts == 1
        assert job.worker_id == "host:1"
        assert job.started_at is not None
        assert job.heartbeat_at == job.started_at
        assert job.error is None
        assert job.completed_at is None
        events = [(e.seq, e.type, e.payload) for e in job_events(session, seeded.job_id)]
    assert events == [
        (1, "job.queued", {}),
        (2, "job.started", {"attempt": 1, "worker_id": "host:1"}),
    ]
    # Claimed once: a second claim (a duplicate queue entry) does nothing.
    assert claim_job(sessions, seeded.job_id, worker_id="host:2") is None


def test_the_started_event_names_the_worker(
    sessions: sessionmaker[Session], blobs: LocalBlobStore
) -> None:
    seeded = seed_job(sessions, blobs)
    assert claim_job(sessions, seeded.job_id, worker_id="host:7", worker_name="worker-3")
    with sessions() as session:
        (started,) = [e for e in job_events(session, seeded.job_id) if e.type == "job.started"]
    assert started.payload == {"attempt": 1, "worker_id": "host:7", "worker_name": "worker-3"}


def test_cancelled_or_unknown_jobs_are_not_claimed(
    sessions: sessionmaker[Session], blobs: LocalBlobStore
) -> None:
    seeded = seed_job(sessions, blobs)
    with sessions() as session:
        session.execute(
            update(Job).where(Job.id == seeded.job_id).values(cancel_requested_at=utcnow())
        )
        session.commit()
    assert claim_job(sessions, seeded.job_id) is None
    assert claim_job(sessions, "01ARZ3NDEKTSV4RRFFQ69G5FAV") is None
    with sessions() as session:
        job = session.get_one(Job, seeded.job_id)
        assert (job.status, job.attempts) == ("queued", 0)
        assert [e.type for e in job_events(session, seeded.job_id)] == ["job.queued"]


def _race(sessions: sessionmaker[Session], job_id: str) -> dict[str, object]:
    """Two threads claim `job_id` at the same moment; what each got (or raised)."""
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def claim(name: str) -> None:
        barrier.wait()
        try:
            results[name] = claim_job(sessions, job_id, worker_id=name)
        except Exception as exc:  # a lost race must be None, never an error
            results[name] = exc

    threads = [threading.Thread(target=claim, args=(n,)) for n in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_two_workers_racing_for_one_job_exactly_one_wins(
    sessions: sessionmaker[Session], blobs: LocalBlobStore
) -> None:
    for _ in range(5):
        seeded = seed_job(sessions, blobs)
        results = _race(sessions, seeded.job_id)
        winners = [name for name, value in results.items() if value is not None]
        assert len(results) == 2
        assert not [v for v in results.values() if isinstance(v, Exception)], results
        assert len(winners) == 1, results
        with sessions() as session:
            job = session.get_one(Job, seeded.job_id)
            assert job.attempts == 1
            assert job.worker_id == winners[0]
            started = [e for e in job_events(session, seeded.job_id) if e.type == "job.started"]
            assert len(started) == 1


def test_worker_identity_names_host_and_pid() -> None:
    import os
    import socket

    assert worker_identity() == f"{socket.gethostname()}:{os.getpid()}"


def test_the_claim_reads_its_own_jobs_config_slug(
    sessions: sessionmaker[Session], blobs: LocalBlobStore
) -> None:
    # Each job's own config, read by the claim's statement, whatever other configs exist.
    first, second = seed_job(sessions, blobs), seed_job(sessions, blobs)
    with sessions() as session:
        config_id = session.scalar(
            select(ConfigVersion.config_id).where(ConfigVersion.id == second.config_version_id)
        )
        session.execute(update(Config).where(Config.id == config_id).values(slug="payroll-2027"))
        session.commit()
    claimed_second = claim_job(sessions, second.job_id, worker_id="host:1")
    claimed_first = claim_job(sessions, first.job_id, worker_id="host:1")
    assert claimed_second is not None
    assert claimed_first is not None
    assert claimed_second.config_name == "payroll-2027"
    assert claimed_first.config_name == "roster"


def test_update_claimed_sets_only_the_job_this_worker_owns_in_this_attempt(
    sessions: sessionmaker[Session], blobs: LocalBlobStore
) -> None:
    # The guarded UPDATE is built once per set of columns and reused with each job's values:
    # two jobs, two workers, the same and then other columns, each write lands on its own job.
    first, second = seed_job(sessions, blobs), seed_job(sessions, blobs)
    mine = claim_job(sessions, first.job_id, worker_id="host:1")
    theirs = claim_job(sessions, second.job_id, worker_id="host:2")
    assert mine is not None
    assert theirs is not None
    beat_1, beat_2 = utcnow(), utcnow()
    with sessions() as session:
        assert update_claimed(session, mine, {"heartbeat_at": beat_1})
        assert update_claimed(session, theirs, {"heartbeat_at": beat_2})
        assert update_claimed(session, mine, {"status": "failed", "error": {"type": "X"}})
        # Not ours: another worker's id, a past attempt, or a job no longer running.
        assert not update_claimed(session, replace(theirs, worker_id="host:1"), {"error": None})
        assert not update_claimed(session, replace(theirs, attempt=2), {"error": None})
        assert not update_claimed(session, mine, {"heartbeat_at": beat_2})
        session.commit()
    with sessions() as session:
        one, two = session.get_one(Job, first.job_id), session.get_one(Job, second.job_id)
        assert (one.status, one.heartbeat_at, one.error) == ("failed", beat_1, {"type": "X"})
        assert (two.status, two.heartbeat_at, two.error) == ("running", beat_2, None)
