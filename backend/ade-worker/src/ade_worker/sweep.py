"""The sweeper: folders on the storage whose database row is gone.

Files live on the shared storage, which a database transaction cannot touch, so a row can go
without its folder: deleting a document or a workspace deletes job rows but not their
`jobs/<id>/` folders; a process that dies between a commit and the clean-up after it (or a
commit that fails after an upload was renamed into place) leaves `documents/<ws>/<id>/`
behind. The reconciler calls :func:`sweep` on each pass, under its lock. A folder goes when

- its name is an id (nothing else under `jobs/` or `documents/` is ever touched),
- no row has that id, and for a job folder no job's `artifact_path` or `output_path` points
  into it (a cache hit shares the outputs of the job it copies, which may be deleted since),
- it has not changed for `grace`: an upload renames its file into place before its row
  commits, so a young folder without a row may be one about to get it.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from ade_db.models import Document, Job
from ade_storage import ULID_RE, StorageLayout

log = logging.getLogger(__name__)

#: How long a folder must have been left alone before it may go.
SWEEP_GRACE = timedelta(minutes=10)
#: How often the installation is swept (whichever worker's reconciler comes first): a sweep
#: reads every folder name and looks each old one up, far too much for every pass.
SWEEP_INTERVAL = timedelta(hours=1)
#: Folder names looked up in the database per query.
SWEEP_BATCH = 200


def _is_id(name: str) -> bool:
    # Folders are named by the canonical (upper-case) id, as the storage layout makes them.
    return bool(ULID_RE.match(name)) and name == name.upper()


def _id_folders(parent: Path, cutoff: float | None = None) -> list[Path]:
    """The folders of `parent` named by an id (and unchanged since `cutoff`, if given)."""
    if not parent.is_dir():
        return []
    found = []
    with os.scandir(parent) as entries:
        for entry in entries:
            if not _is_id(entry.name) or not entry.is_dir(follow_symlinks=False):
                continue
            if cutoff is None or entry.stat(follow_symlinks=False).st_mtime < cutoff:
                found.append(Path(entry.path))
    return found


def _batches(items: Sequence[Path], size: int) -> Iterator[Sequence[Path]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _unused_jobs(session: Session, ids: Sequence[str]) -> list[str]:
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


def _unused_documents(session: Session, ids: Sequence[str]) -> list[str]:
    known = set(session.scalars(select(Document.id).where(Document.id.in_(ids))))
    return [document_id for document_id in ids if document_id not in known]


def _remove_unused(
    session_factory: sessionmaker[Session],
    folders: Sequence[Path],
    unused: Callable[[Session, Sequence[str]], list[str]],
    what: str,
) -> list[str]:
    removed: list[str] = []
    for batch in _batches(folders, SWEEP_BATCH):
        by_id = {folder.name: folder for folder in batch}
        with session_factory() as session:
            gone = unused(session, list(by_id))
        for folder_id in gone:
            shutil.rmtree(by_id[folder_id], ignore_errors=True)
            removed.append(folder_id)
            log.info("sweeper: removed the folder of deleted %s %s", what, folder_id)
    return removed


@dataclass
class SweepReport:
    """The ids whose folders one sweep removed."""

    jobs: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)


def sweep(
    session_factory: sessionmaker[Session],
    layout: StorageLayout,
    *,
    grace: timedelta = SWEEP_GRACE,
    now: float | None = None,
) -> SweepReport:
    """Remove the job and document folders whose rows are gone (see the module docstring)."""
    cutoff = (time.time() if now is None else now) - grace.total_seconds()
    jobs = _id_folders(layout.jobs_dir, cutoff)
    documents = [
        folder
        for workspace in _id_folders(layout.documents_dir)
        for folder in _id_folders(workspace, cutoff)
    ]
    return SweepReport(
        jobs=_remove_unused(session_factory, jobs, _unused_jobs, "job"),
        documents=_remove_unused(session_factory, documents, _unused_documents, "document"),
    )
