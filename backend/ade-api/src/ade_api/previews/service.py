"""Preview rules: which file a preview reads, where its extract lives, and paging.

A document's preview reads its source (`documents/<ws>/<id>/source<suffix>`, extract in
`.../preview/`); a job's output rows read its `normalized.xlsx` (extract in the output folder's
`preview/`; a cache hit's output is the job it copies, so both share one extract); a dry-run's
rows read its kept `normalized.xlsx` (extract beside it, removed with the run's folder). Files
are found through the safe-path helper from the storage keys in the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ade_api.configs.sandbox import Sandbox
from ade_api.configs.service import ConfigAccess
from ade_api.drafts.dryrun import dry_run_output
from ade_api.errors import ConflictError, NotFoundError
from ade_api.previews.pages import Page, find_sheet, read_page
from ade_api.previews.runner import Extracts
from ade_api.storage import Storage
from ade_db.enums import JobStatus
from ade_db.models import Document, Job
from ade_storage import PREVIEW_DIR, UnsafePathError, resolve_within

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000
MAX_OFFSET = 1_000_000_000


@dataclass(frozen=True)
class PageRequest:
    """Which rows the client asked for: a sheet by name (None: the first), a window."""

    sheet: str | None = None
    offset: int = 0
    limit: int = DEFAULT_LIMIT


def _stored_file(storage: Storage, key: str | None, missing: str) -> Path:
    if not key:
        raise NotFoundError(missing)
    try:
        path = resolve_within(storage.layout.data_dir, key)
    except UnsafePathError:
        raise NotFoundError(missing) from None
    if not path.is_file():
        raise NotFoundError(missing)
    return path


def _page(
    extracts: Extracts, source: Path, folder: Path, request: PageRequest, name: str | None = None
) -> Page:
    meta = extracts.ensure(source, folder, name)
    position = find_sheet(meta, request.sheet)
    if position is None:
        names = ", ".join(repr(sheet.name) for sheet in meta.sheets) or "none"
        raise NotFoundError(f"no sheet named {request.sheet!r} (the sheets: {names})")
    return read_page(folder, meta, position, request.offset, request.limit)


def document_preview(
    storage: Storage, extracts: Extracts, document: Document, request: PageRequest
) -> Page:
    """A page of the document's source, as the engine reads it in a job: a CSV's one sheet is
    named after the upload (``Q1 members.csv`` -> ``Q1 members``), never the storage name."""
    source = _stored_file(storage, document.storage_key, "the document's content is missing")
    folder = storage.layout.document_preview_dir(document.workspace_id, document.id)
    return _page(extracts, source, folder, request, document.original_filename)


_NO_OUTPUT = {
    JobStatus.QUEUED.value: "the job is queued: it has no output yet",
    JobStatus.RUNNING.value: "the job is running: it has no output yet",
    JobStatus.FAILED.value: "the job failed, so it wrote no output (its error says why)",
    JobStatus.CANCELLED.value: "the job was cancelled before it wrote any output",
}


def job_output_rows(storage: Storage, extracts: Extracts, job: Job, request: PageRequest) -> Page:
    """A page of the job's normalized workbook; 409 while (or because) the job has none."""
    if job.status != JobStatus.SUCCEEDED.value or not job.output_path:
        raise ConflictError(_NO_OUTPUT.get(job.status, f"the job ({job.status}) has no output"))
    source = _stored_file(storage, job.output_path, "the job's output is no longer available")
    return _page(extracts, source, source.parent / PREVIEW_DIR, request)


def dry_run_output_rows(
    extracts: Extracts, sandbox: Sandbox, ctx: ConfigAccess, run_id: str, request: PageRequest
) -> Page:
    """A page of a recent dry-run's preview workbook (editors, as the dry-run itself)."""
    source = dry_run_output(ctx, run_id, sandbox)
    return _page(extracts, source, source.parent / PREVIEW_DIR, request)
