"""The sweeper: job folders whose job is gone.

Deleting a document or a workspace deletes its job rows, but a job's folder
(`jobs/<id>/` in the data dir: its inputs, config, vendor link, outputs and logs) lives on
the shared storage, which the database transaction cannot touch. The reconciler calls
:func:`sweep_job_folders` on each pass, under its lock, and removes a folder when

- its name is a job id (nothing else under `jobs/` is ever touched),
- no job row has that id,
- no job's `artifact_path` or `output_path` points into it (a cache hit shares the outputs of
  the job it copies, which may have been deleted since), and
- it has not changed for `grace` (a folder is only made for a committed job, so a young
  folder without a row is one whose job was deleted a moment ago: no hurry).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from ade_db.models import Job
from ade_storage import ULID_RE

log = logging.getLogger(__name__)

#: How long a job's folder must have been left alone before it may go.
SWEEP_GRACE = timedelta(minutes=10)
#: Folder names looked up in the database per query.
SWEEP_BATCH = 200


def _is_job_id(name: str) -> bool:
    # Job folders are named by the canonical (upper-case) id, as the storage layout makes them.
    return bool(ULID_RE.match(name)) and name == name.upper()


def _old_job_folders(jobs_dir: Path, cutoff: float) -> list[str]:
    names = []
    with os.scandir(jobs_dir) as entries:
        for entry in entries:
            if not _is_job_id(entry.name) or not entry.is_dir(follow_symlinks=False):
                continue
            if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                names.append(entry.name)
    return names


def _batches(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _unused(session: Session, ids: Sequence[str]) -> list[str]:
    """Those of `ids` that name no job and hold no job's outputs."""
    known = set(session.scalars(select(Job.id).where(Job.id.in_(ids))))
    orphans = [job_id for job_id in ids if job_id not in known]
    if not orphans:
        return []
    prefixes = [f"jobs/{job_id}/" for job_id in orphans]
    rows = session.execute(
        select(Job.artifact_path, Job.output_path).where(
            or_(
                *(Job.artifact_path.startswith(p, autoescape=True) for p in prefixes),
                *(Job.output_path.startswith(p, autoescape=True) for p in prefixes),
            )
        )
    ).all()
    shared = {path.split("/")[1] for row in rows for path in row if path}
    return [job_id for job_id in orphans if job_id not in shared]


def sweep_job_folders(
    session_factory: sessionmaker[Session],
    jobs_dir: Path,
    *,
    grace: timedelta = SWEEP_GRACE,
    now: float | None = None,
) -> list[str]:
    """Remove the folders under `jobs_dir` that belong to no job (see the module docstring);
    return their names."""
    if not jobs_dir.is_dir():
        return []
    cutoff = (time.time() if now is None else now) - grace.total_seconds()
    removed: list[str] = []
    for batch in _batches(_old_job_folders(jobs_dir, cutoff), SWEEP_BATCH):
        with session_factory() as session:
            unused = _unused(session, batch)
        for job_id in unused:
            shutil.rmtree(jobs_dir / job_id, ignore_errors=True)
            removed.append(job_id)
            log.info("sweeper: removed the folder of deleted job %s", job_id)
    return removed
