"""A finished job's results: its artifact, its normalized workbook (or that workbook as CSV)
and the tables the engine found. Files are read from the storage layout through the
safe-path helper; the paths in the job row are storage keys the worker wrote."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ade_api.errors import NotFoundError
from ade_api.jobs.schemas import TableOut
from ade_db.models import Job
from ade_engine.artifact_types import Artifact, ArtifactError, load_artifact
from ade_storage import StorageLayout, UnsafePathError, resolve_within

_CSV_BATCH_ROWS = 500
# What `GET .../tables` may sort on.
TABLE_SORTS: dict[str, Callable[[TableOut], Any]] = {
    "sheet": lambda table: table.sheet,
    "id": lambda table: table.id,
    "issues": lambda table: table.issues,
    "status": lambda table: table.status,
}


def _file(layout: StorageLayout, key: str | None, what: str, job: Job) -> Path:
    if not key:
        raise NotFoundError(f"the job has no {what} (it is {job.status})")
    try:
        path = resolve_within(layout.data_dir, key)
    except UnsafePathError:
        raise NotFoundError(f"the job's {what} is not available") from None
    if not path.is_file():
        raise NotFoundError(f"the job's {what} is no longer available")
    return path


def artifact_file(layout: StorageLayout, job: Job) -> Path:
    """`artifact.json` of a finished job (failed runs have one too)."""
    return _file(layout, job.artifact_path, "artifact", job)


def output_file(layout: StorageLayout, job: Job) -> Path:
    """`normalized.xlsx` of a succeeded job."""
    return _file(layout, job.output_path, "output", job)


def read_artifact(layout: StorageLayout, job: Job) -> Artifact:
    """The job's artifact, checked to have the artifact's shape (config code ran in the run
    that wrote it: a ``run_end`` hook may have broken it)."""
    try:
        return load_artifact(artifact_file(layout, job).read_bytes())
    except ArtifactError:
        raise NotFoundError("the job's artifact is not readable") from None


def tables(layout: StorageLayout, job: Job) -> list[TableOut]:
    """Each table found: sheet, range, header, mapping, row and issue counts."""
    return [
        TableOut(
            sheet=sheet["name"],
            id=table["id"],
            range=table["range"],
            header_rows=table["header_rows"],
            headers=[column["header"] for column in table["columns"]],
            mapping=[dict(mapped) for mapped in table["mapping"]],
            unmapped_fields=table["unmapped_fields"],
            rows=dict(table["rows"]),
            issues=table["issues"]["count"],
            status=table["status"],
        )
        for sheet in read_artifact(layout, job)["sheets"]
        for table in sheet["tables"]
    ]


def output_sheet(layout: StorageLayout, job: Job) -> str:
    output = read_artifact(layout, job)["output"]
    return output["sheet"] if output else "Normalized"


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def csv_chunks(path: Path, sheet: str) -> Iterator[bytes]:
    """The output sheet as UTF-8 CSV, produced a batch of rows at a time."""
    import python_calamine

    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        rows = workbook.get_sheet_by_name(sheet).iter_rows()
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for count, row in enumerate(rows, start=1):
            writer.writerow([_cell(value) for value in row])
            if count % _CSV_BATCH_ROWS == 0:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode("utf-8")
    finally:
        workbook.close()
