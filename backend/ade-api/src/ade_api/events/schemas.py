"""Shapes of the workspace's change events (its live stream and a document's timeline)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

#: An event id (a ULID; any case): a position in the workspace's event log.
Cursor = Annotated[
    str,
    StringConstraints(pattern=r"^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$"),
]


class EventOut(BaseModel):
    """One change in a workspace: a document uploaded or deleted, a job queued, started,
    through a pass, succeeded, failed, cancelled or retried."""

    id: str = Field(description="The event's id; ids sort in the order events were made.")
    type: str = Field(description="`document.uploaded`, `job.started`, `job.progress`...")
    created_at: datetime
    subject_type: str | None = Field(description="`document` or `job`.")
    subject_id: str | None
    document_id: str | None = Field(description="The document, or the job's document.")
    job_id: str | None = Field(description="The job, for `job.*` events.")
    actor_id: str | None = Field(description="Who asked for it; null for a worker's change.")
    payload: dict[str, Any] = Field(
        description="What changed. A job event has the job's new state: `status`, "
        "`document_id`, `config_id`, `config_version_id`, `attempts`, `cache_hit`, the "
        "timestamps, and `detail` (the error of a failure, the pass of a progress event...)."
    )
