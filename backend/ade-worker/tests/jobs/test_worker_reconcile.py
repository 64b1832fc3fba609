"""The reconciler against a real database; Redis is fakeredis here (the real one is in e2e)."""

from __future__ import annotations

from datetime import datetime, timedelta

import fakeredis
import pytest
from rq import Queue
from rq.job import JobStatus
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from ade_db.models import Job
from ade_db.types import utcnow
from ade_storage import LocalBlobStore
from ade_worker.claim import claim_job
from ade_worker.queue import AdeJob, ade_queue, enqueue_job, held_job_ids
from ade_worker.reconcile import lock_key, reconcile
from ade_worker.settings import WorkerSettings
from ade_worker.testing import seed_job
from ade_worker.timeline import job_events
from redis import Redis


@pytest.fixture
def redis() -> Redis:
    return fakeredis.FakeRedis()


def _queued_ids(redis: Redis, settings: WorkerSettings) -> list[str]:
    return list(Queue(settings.queue_name, connection=redis).get_job_ids())


def _job(sessions: sessionmaker[Session], job_id: str) -> Job:
    with sessions() as session:
        return session.get_one(Job, job_id)


def test_a_lost_worker_is_retried_then_failed_at_max_attempts(
    sessions: sessionmaker[Session],
    blobs: LocalBlobStore,
    redis: Redis,
    worker_settings: WorkerSettings,
) -> None:
    job_id = seed_job(sessions, blobs).job_id

    def stale_by_now() -> datetime:
        # From the last claim's heartbeat, not from the test's start: a loaded machine may
        # take seconds between claims.
        return utcnow() + timedelta(seconds=worker_settings.job_stale_seconds + 1)

    for attempt in (1, 2):
        assert claim_job(sessions, job_id, worker_id=f"dead:{attempt}") is not None
        report = reconcile(sessions, redis, worker_settings, now=stale_by_now())
        assert job_id in report.requeued
        job = _job(sessions, job_id)
        assert (job.status, job.attempts, job.worker_id) == ("queued", attempt, None)
        assert _queued_ids(redis, worker_settings).count(job_id) == 1
        with sessions() as session:
            last = job_events(session, job_id)[-1]
        assert (last.type, last.payload) == (
            "job.retrying",
            {"reason": "worker lost", "attempt": attempt},
        )
        Queue(worker_settings.queue_name, connection=redis).remove(job_id)
    assert claim_job(sessions, job_id, worker_id="dead:3") is not None
    later = stale_by_now()
    report = reconcile(sessions, redis, worker_settings, now=later)
    assert job_id in report.failed
    job = _job(sessions, job_id)
    assert job.status == "failed"
    assert job.attempts == 3
    assert job.error is not None
    assert job.error["type"] == "WorkerLost"
    assert job.completed_at is not None
    assert job_id not in _queued_ids(redis, worker_settings)
    # A second pass finds nothing more to do for it.
    again = reconcile(sessions, redis, worker_settings, now=later)
    assert job_id not in again.failed + again.requeued


def test_a_live_worker_is_left_alone(
    sessions: sessionmaker[Session],
    blobs: LocalBlobStore,
    redis: Redis,
    worker_settings: WorkerSettings,
) -> None:
    job_id = seed_job(sessions, blobs).job_id
    assert claim_job(sessions, job_id, worker_id="alive:1") is not None
    report = reconcile(sessions, redis, worker_settings)
    assert job_id not in report.requeued + report.failed + report.cancelled
    assert _job(sessions, job_id).status == "running"


def test_a_lost_run_that_was_being_cancelled_ends_cancelled(
    sessions: sessionmaker[Session],
    blobs: LocalBlobStore,
    redis: Redis,
    worker_settings: WorkerSettings,
) -> None:
    job_id = seed_job(sessions, blobs).job_id
    assert claim_job(sessions, job_id, worker_id="dead:1") is not None
    with sessions() as session:
        session.execute(update(Job).where(Job.id == job_id).values(cancel_requested_at=utcnow()))
        session.commit()
    later = utcnow() + timedelta(seconds=worker_settings.job_stale_seconds + 1)
    report = reconcile(sessions, redis, worker_settings, now=later)
    assert job_id in report.cancelled
    assert _job(sessions, job_id).status == "cancelled"
    assert job_id not in _queued_ids(redis, worker_settings)
    with sessions() as session:
        assert job_events(session, job_id)[-1].type == "job.cancelled"


def test_queued_jobs_no_queue_holds_are_enqueued_again(
    sessions: sessionmaker[Session],
    blobs: LocalBlobStore,
    redis: Redis,
    worker_settings: WorkerSettings,
) -> None:
    old = utcnow() - timedelta(seconds=worker_settings.requeue_grace_seconds + 5)
    orphan = seed_job(sessions, blobs, queued_at=old).job_id
    held = seed_job(sessions, blobs, queued_at=old).job_id
    fresh = seed_job(sessions, blobs).job_id  # the API may be about to enqueue it
    enqueue_job(redis, held, queue_name=worker_settings.queue_name)
    report = reconcile(sessions, redis, worker_settings)
    assert orphan in report.reenqueued
    assert held not in report.reenqueued
    assert fresh not in report.reenqueued
    queued = _queued_ids(redis, worker_settings)
    assert queued.count(orphan) == 1
    assert queued.count(held) == 1
    assert fresh not in queued
    # Nothing changed in the database for them: they are still just queued.
    for job_id in (orphan, held, fresh):
        assert _job(sessions, job_id).status == "queued"
    # The next pass sees the orphan held now.
    assert orphan not in reconcile(sessions, redis, worker_settings).reenqueued


def test_only_one_reconciler_runs_at_a_time(
    sessions: sessionmaker[Session],
    blobs: LocalBlobStore,
    redis: Redis,
    worker_settings: WorkerSettings,
) -> None:
    old = utcnow() - timedelta(seconds=worker_settings.requeue_grace_seconds + 5)
    orphan = seed_job(sessions, blobs, queued_at=old).job_id
    redis.set(lock_key(worker_settings.queue_name), b"someone-else", ex=30)
    report = reconcile(sessions, redis, worker_settings)
    assert report.skipped
    assert orphan not in _queued_ids(redis, worker_settings)
    assert redis.get(lock_key(worker_settings.queue_name)) == b"someone-else"
    redis.delete(lock_key(worker_settings.queue_name))
    assert orphan in reconcile(sessions, redis, worker_settings).reenqueued
    assert redis.get(lock_key(worker_settings.queue_name)) is None  # released after


def test_a_new_job_is_enqueued_without_looking_for_an_earlier_record(
    redis: Redis, worker_settings: WorkerSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = worker_settings.queue_name

    def no_lookup(*args: object, **kwargs: object) -> None:
        raise AssertionError("a new job's id cannot have an RQ record")

    monkeypatch.setattr(AdeJob, "fetch", no_lookup)
    enqueue_job(redis, "01ARZ3NDEKTSV4RRFFQ69G5FAW", queue_name=name, new=True)
    assert ade_queue(redis, name).get_job_ids() == ["01ARZ3NDEKTSV4RRFFQ69G5FAW"]


def test_enqueue_is_idempotent_and_replaces_what_rq_finished(
    redis: Redis, worker_settings: WorkerSettings
) -> None:
    name = worker_settings.queue_name
    queue = ade_queue(redis, name)
    enqueue_job(redis, "01ARZ3NDEKTSV4RRFFQ69G5FAV", queue_name=name)
    enqueue_job(redis, "01ARZ3NDEKTSV4RRFFQ69G5FAV", queue_name=name)
    assert queue.get_job_ids() == ["01ARZ3NDEKTSV4RRFFQ69G5FAV"]
    job = queue.fetch_job("01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert job is not None
    assert job.func_name == "ade_worker.tasks.run_job"
    assert job.args == ["01ARZ3NDEKTSV4RRFFQ69G5FAV"]  # JSON: a list
    assert job.timeout == -1
    assert "01ARZ3NDEKTSV4RRFFQ69G5FAV" in held_job_ids(redis, name)
    # RQ ran it (a worker took it off the queue and finished it): enqueueing runs it again.
    queue.remove(job)
    job.set_status(JobStatus.FINISHED)
    assert "01ARZ3NDEKTSV4RRFFQ69G5FAV" not in held_job_ids(redis, name)
    enqueue_job(redis, "01ARZ3NDEKTSV4RRFFQ69G5FAV", queue_name=name)
    assert queue.get_job_ids() == ["01ARZ3NDEKTSV4RRFFQ69G5FAV"]
    again = queue.fetch_job("01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert again is not None
    assert again.get_status() == "queued"
