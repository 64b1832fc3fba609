"""The sweeper removes the folders of deleted jobs and documents, and nothing still in use."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import fakeredis
import pytest
from sqlalchemy import delete, update
from sqlalchemy.orm import Session, sessionmaker

from ade_db.models import Document, Job
from ade_db.types import new_id, utcnow
from ade_storage import LocalBlobStore, StorageLayout
from ade_worker.reconcile import reconcile, sweep_key
from ade_worker.settings import WorkerSettings
from ade_worker.sweep import SWEEP_GRACE, SWEEP_INTERVAL, sweep
from ade_worker.testing import seed_job
from redis import Redis

HOUR_AGO = time.time() - 3600


@pytest.fixture
def redis() -> Redis:
    return fakeredis.FakeRedis()


def job_folder(layout: StorageLayout, job_id: str, *, mtime: float = HOUR_AGO) -> Path:
    """A job folder as the worker leaves it, last changed at `mtime`."""
    output = layout.job_dir(job_id) / "output"
    output.mkdir(parents=True)
    (output / "normalized.xlsx").write_bytes(b"xlsx")
    for path in (output, layout.job_dir(job_id)):
        os.utime(path, (mtime, mtime))
    return layout.job_dir(job_id)


def delete_job(sessions: sessionmaker[Session], job_id: str) -> None:
    with sessions() as session:
        session.execute(delete(Job).where(Job.id == job_id))
        session.commit()


def test_the_folder_of_a_deleted_job_goes(
    sessions: sessionmaker[Session], blobs: LocalBlobStore, layout: StorageLayout
) -> None:
    gone = seed_job(sessions, blobs).job_id
    kept = seed_job(sessions, blobs).job_id
    gone_dir, kept_dir = job_folder(layout, gone), job_folder(layout, kept)
    delete_job(sessions, gone)

    assert sweep(sessions, layout).jobs == [gone]
    assert not gone_dir.exists()
    assert (kept_dir / "output" / "normalized.xlsx").is_file()
    assert sweep(sessions, layout).jobs == []  # nothing left to do


def test_outputs_a_cache_hit_shares_are_kept(
    sessions: sessionmaker[Session], blobs: LocalBlobStore, layout: StorageLayout
) -> None:
    original = seed_job(sessions, blobs).job_id
    hit = seed_job(sessions, blobs).job_id
    folder = job_folder(layout, original)
    with sessions() as session:  # the hit points at the original's outputs, as the API does
        session.execute(
            update(Job)
            .where(Job.id == hit)
            .values(
                status="succeeded",
                cache_hit_of_id=original,
                output_path=f"jobs/{original}/output/normalized.xlsx",
                artifact_path=f"jobs/{original}/output/artifact.json",
                completed_at=utcnow(),
            )
        )
        session.commit()
    delete_job(sessions, original)  # e.g. its document was deleted

    assert sweep(sessions, layout).jobs == []
    assert (folder / "output" / "normalized.xlsx").is_file()

    delete_job(sessions, hit)
    assert sweep(sessions, layout).jobs == [original]
    assert not folder.exists()


def test_young_folders_and_other_names_are_left_alone(
    sessions: sessionmaker[Session], layout: StorageLayout
) -> None:
    young = job_folder(layout, new_id(), mtime=time.time())  # its job was deleted just now
    old = job_folder(layout, new_id())
    stranger = layout.jobs_dir / "backup-of-something"
    stranger.mkdir()
    os.utime(stranger, (HOUR_AGO, HOUR_AGO))
    lower = layout.jobs_dir / new_id().lower()  # never a name the worker makes
    lower.mkdir()
    os.utime(lower, (HOUR_AGO, HOUR_AGO))
    (layout.jobs_dir / new_id()).write_text("a file, not a folder")

    assert sweep(sessions, layout).jobs == [old.name]
    assert young.is_dir()
    assert stranger.is_dir()
    assert lower.is_dir()
    later = time.time() + SWEEP_GRACE.total_seconds() + 1
    assert sweep(sessions, layout, now=later).jobs == [young.name]


def test_an_empty_data_dir_is_nothing_to_do(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    report = sweep(sessions, StorageLayout(tmp_path / "missing"), grace=timedelta(0))
    assert report.jobs == []
    assert report.documents == []


def age(path: Path, mtime: float = HOUR_AGO) -> Path:
    os.utime(path, (mtime, mtime))
    return path


def test_a_document_folder_without_its_row_goes(
    sessions: sessionmaker[Session], blobs: LocalBlobStore, layout: StorageLayout
) -> None:
    seeded = seed_job(sessions, blobs)  # a document with its row, and its file
    with sessions() as session:
        kept = session.get_one(Document, seeded.document_id)
        kept_file = layout.data_dir / kept.storage_key
        workspace_dir = kept_file.parent.parent
    age(kept_file.parent)
    # An upload whose commit never came (a crash after the file was renamed into place).
    lost = workspace_dir / new_id()
    lost.mkdir()
    (lost / "source.csv").write_text("a,b\n")
    age(lost)
    # The same, a moment ago: its row may be about to commit.
    fresh = workspace_dir / new_id()
    fresh.mkdir()
    (fresh / "source.csv").write_text("a,b\n")

    report = sweep(sessions, layout)
    assert report.documents == [lost.name]
    assert not lost.exists()
    assert kept_file.is_file()
    assert fresh.is_dir()
    assert workspace_dir.is_dir()  # workspace folders stay: an upload may be creating one


def test_a_reconcile_pass_sweeps_under_its_lock(
    sessions: sessionmaker[Session],
    blobs: LocalBlobStore,
    layout: StorageLayout,
    worker_settings: WorkerSettings,
    redis: Redis,
) -> None:
    gone = seed_job(sessions, blobs).job_id
    folder = job_folder(layout, gone)
    delete_job(sessions, gone)
    assert reconcile(sessions, redis, worker_settings).swept_jobs == []  # not asked to sweep
    assert folder.is_dir()
    report = reconcile(sessions, redis, worker_settings, layout=layout)
    assert report.swept_jobs == [gone]
    assert not folder.exists()


def test_the_installation_is_swept_once_an_interval(
    sessions: sessionmaker[Session],
    blobs: LocalBlobStore,
    layout: StorageLayout,
    worker_settings: WorkerSettings,
    redis: Redis,
) -> None:
    assert reconcile(sessions, redis, worker_settings, layout=layout).swept_jobs == []
    gone = seed_job(sessions, blobs).job_id
    folder = job_folder(layout, gone)
    delete_job(sessions, gone)
    # Swept a moment ago (by this or any worker's reconciler): not again before the interval.
    assert reconcile(sessions, redis, worker_settings, layout=layout).swept_jobs == []
    assert folder.is_dir()
    assert 0 < redis.ttl(sweep_key(worker_settings.queue_name)) <= SWEEP_INTERVAL.total_seconds()
    redis.delete(sweep_key(worker_settings.queue_name))  # the interval is over
    assert reconcile(sessions, redis, worker_settings, layout=layout).swept_jobs == [gone]
