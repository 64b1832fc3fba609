"""Shapes of documents (uploaded spreadsheets) and of the jobs that used them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from ade_db.enums import JobStatus
from ade_engine.formats import FileType


class DocumentJob(BaseModel):
    """One job that ran (or will run) the document."""

    id: str
    status: JobStatus
    config_version_id: str
    created_at: datetime
    completed_at: datetime | None
    error_type: str | None = Field(description="The error's type, for a failed job.")


class DocumentOut(BaseModel):
    """An uploaded document. `original_filename` is for display only."""

    id: str
    workspace_id: str
    original_filename: str
    file_type: FileType
    content_type: str
    size: int = Field(description="Bytes.")
    sha256: str = Field(description="Lowercase hex SHA-256 of the content.")
    uploaded_by_id: str | None
    created_at: datetime
    updated_at: datetime
    latest_job: DocumentJob | None = Field(
        default=None, description="The document's most recent job, if it was ever run."
    )


class DocumentDetail(DocumentOut):
    """A document with its most recent jobs and its job counts by status."""

    jobs: list[DocumentJob] = Field(description="The most recent jobs, newest first.")
    job_counts: dict[JobStatus, int] = Field(description="How many jobs are in each status.")
