"""A worker's cache of config versions' files: written once, reused read-only, evicted, and
never reachable by config code."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from ade_db.models import ConfigFile, Job
from ade_storage import LocalBlobStore, StorageLayout
from ade_worker.claim import claim_job
from ade_worker.config_cache import STALE_SECONDS, CachedConfig, ConfigCache, ConfigFilesError
from ade_worker.jail import Jail
from ade_worker.materialize import Installer, materialize_job
from ade_worker.sandbox import SandboxLimits, run_engine
from ade_worker.testing import EXAMPLE_COLUMN, example_config, seed_job

LIMITS = SandboxLimits(cpu_seconds=30, memory_mb=2048, wall_seconds=60.0)


def _get(sessions: sessionmaker[Session], cache: ConfigCache, version_id: str) -> CachedConfig:
    with sessions() as session:
        return cache.get(session, version_id)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _entries(layout: StorageLayout) -> list[str]:
    return sorted(
        entry.name for root in layout.config_cache_root.iterdir() for entry in root.iterdir()
    )


def test_a_version_is_written_once_and_reused_read_only(
    sessions: sessionmaker[Session], layout: StorageLayout, blobs: LocalBlobStore
) -> None:
    files = example_config(extra={"requirements.txt": b"# nothing\n"})
    seeded = seed_job(sessions, blobs, files=files)
    cache = ConfigCache(layout.config_cache_root)
    first = _get(sessions, cache, seeded.config_version_id)
    assert first.dir.name == seeded.config_version_id
    assert _files(first.dir) == files
    assert first.requirements == b"# nothing\n"
    assert first.size == sum(len(content) for content in files.values())
    for path in first.dir.rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o400
    # The database is not read again: a (forbidden) change to the rows is not seen.
    with sessions() as session:
        session.execute(
            update(ConfigFile)
            .where(ConfigFile.version_id == seeded.config_version_id)
            .values(content=b"changed")
        )
        session.commit()
    again = _get(sessions, cache, seeded.config_version_id)
    assert again == first
    assert _files(again.dir) == files
    assert _entries(layout) == [seeded.config_version_id]  # no temp folder left


def test_versions_with_the_same_files_get_copies_of_their_own(
    sessions: sessionmaker[Session], layout: StorageLayout, blobs: LocalBlobStore
) -> None:
    one, two = seed_job(sessions, blobs), seed_job(sessions, blobs)
    cache = ConfigCache(layout.config_cache_root)
    a = _get(sessions, cache, one.config_version_id)
    b = _get(sessions, cache, two.config_version_id)
    assert a.dir != b.dir
    assert _files(a.dir) == _files(b.dir)


def test_the_least_recently_used_versions_are_evicted(
    sessions: sessionmaker[Session], layout: StorageLayout, blobs: LocalBlobStore
) -> None:
    a, b, c = (seed_job(sessions, blobs).config_version_id for _ in range(3))
    cache = ConfigCache(layout.config_cache_root, max_entries=2)
    first_a = _get(sessions, cache, a)
    first_b = _get(sessions, cache, b)
    _get(sessions, cache, a)  # a is now the most recently used
    _get(sessions, cache, c)
    assert not first_b.dir.exists()
    assert sorted(_entries(layout)) == sorted([a, c])
    assert _get(sessions, cache, a) == first_a

    size = first_a.size
    small = ConfigCache(layout.config_cache_root, max_bytes=size + size // 2)
    kept = _get(sessions, small, a)
    newer = _get(sessions, small, b)
    assert not kept.dir.exists()  # two would be over the byte budget
    assert newer.dir.is_dir()  # the newest entry stays even when alone over budget


def test_a_failed_build_leaves_nothing_behind(
    sessions: sessionmaker[Session], layout: StorageLayout, blobs: LocalBlobStore
) -> None:
    seeded = seed_job(sessions, blobs, files={"manifest.json": b"{}", "m/a.py": b"", "m": b""})
    cache = ConfigCache(layout.config_cache_root)
    with pytest.raises(ConfigFilesError, match="cannot be written"):
        _get(sessions, cache, seeded.config_version_id)
    assert _entries(layout) == []
    empty = seed_job(sessions, blobs, files={})
    with pytest.raises(ConfigFilesError, match="no files"):
        _get(sessions, cache, empty.config_version_id)


def test_a_removed_entry_or_folder_is_built_again(
    sessions: sessionmaker[Session], layout: StorageLayout, blobs: LocalBlobStore
) -> None:
    seeded = seed_job(sessions, blobs)
    cache = ConfigCache(layout.config_cache_root)
    entry = _get(sessions, cache, seeded.config_version_id)
    shutil.rmtree(entry.dir)
    rebuilt = _get(sessions, cache, seeded.config_version_id)
    assert _files(rebuilt.dir) == example_config()
    shutil.rmtree(layout.config_cache_root)
    assert _files(_get(sessions, cache, seeded.config_version_id).dir) == example_config()
    cache.clear()
    assert list(layout.config_cache_root.iterdir()) == []


def test_folders_of_workers_that_are_gone_are_pruned(
    sessions: sessionmaker[Session], layout: StorageLayout, blobs: LocalBlobStore
) -> None:
    root = layout.config_cache_root
    dead_pid = _reaped_pid()
    gone, recent = root / f"{dead_pid}-gone", root / f"{dead_pid}-recent"
    idle = root / f"{os.getppid()}-idle"  # a living process's folder, untouched for a day
    for folder in (gone, recent, idle):
        (folder / "x").mkdir(parents=True)
    old = time.time() - STALE_SECONDS - 60
    for folder in (gone, idle):
        os.utime(folder, (old, old))
    _get(sessions, ConfigCache(root), seed_job(sessions, blobs).config_version_id)
    assert not gone.exists()
    assert recent.is_dir()
    assert idle.is_dir()


def _reaped_pid() -> int:
    """The pid of a process that has exited and been waited for."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


# Config code that tries to change its own package (the column module it runs from).
TAMPER = """
try:
    with open(__file__, "ab") as fh:
        fh.write(b"# tampered")
    logger.info("tampered")
except OSError as exc:
    logger.info(f"refused: {exc.strerror}")
"""


def test_config_code_cannot_change_the_cached_copy(
    sessions: sessionmaker[Session],
    layout: StorageLayout,
    blobs: LocalBlobStore,
    jail_or_none: Jail | None,
) -> None:
    files = example_config(TAMPER)
    first = seed_job(sessions, blobs, files=files)
    second = seed_job(sessions, blobs, files=files)
    with sessions() as session:  # the second job runs the first one's version
        session.execute(
            update(Job)
            .where(Job.id == second.job_id)
            .values(config_version_id=first.config_version_id)
        )
        session.commit()
    cache = ConfigCache(layout.config_cache_root)
    jailed = jail_or_none is not None
    for job_id in (first.job_id, second.job_id):
        claimed = claim_job(sessions, job_id, worker_id="test:1")
        assert claimed is not None
        with sessions() as session:
            job = materialize_job(
                session,
                claimed,
                layout=layout,
                blobs=blobs,
                installer=Installer(),
                configs=cache,
                jailed=jailed,
            )
        cached = _get(sessions, cache, first.config_version_id)
        assert _entries(layout) == [first.config_version_id]
        if jailed:
            assert job.config == cached.dir
            assert not (job.dir / "config").exists()
        else:
            assert job.config == job.dir / "config"
            assert _files(job.config) == files
        events: list[dict[str, object]] = []
        outcome = run_engine(
            job.dir, limits=LIMITS, jail=jail_or_none, on_event=events.append, config=job.config
        )
        assert outcome.status == "succeeded", outcome
        messages = {str(e.get("message")) for e in events}
        if jailed:
            assert "tampered" not in messages
            assert any(m.startswith("refused: ") for m in messages), messages
        else:
            assert "tampered" in messages  # its own copy, in its own job folder
            assert (job.config / EXAMPLE_COLUMN).read_bytes().endswith(b"# tampered")
        assert _files(cached.dir) == files
