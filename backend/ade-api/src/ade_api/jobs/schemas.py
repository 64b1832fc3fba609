"""Shapes of jobs, their timelines and their results."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from ade_db.enums import JobStatus

Ulid = Annotated[str, StringConstraints(min_length=26, max_length=26)]
MAX_FLAGS_BYTES = 16 * 1024


class JobSubmit(BaseModel):
    """Run a document through a config version (default: the active config's published one)."""

    model_config = ConfigDict(extra="forbid")

    document_id: Ulid
    config_version_id: Ulid | None = None
    flags: dict[str, Any] = Field(
        default_factory=dict, description="Options for this run; part of the cache key."
    )
    force: bool = Field(default=False, description="Run again even if the same run succeeded.")

    @field_validator("flags")
    @classmethod
    def _small_flags(cls, value: dict[str, Any]) -> dict[str, Any]:
        import json

        if len(json.dumps(value, default=str)) > MAX_FLAGS_BYTES:
            raise ValueError(f"flags must be at most {MAX_FLAGS_BYTES} bytes of JSON")
        return value


class JobOut(BaseModel):
    """A job: where it is in `queued -> running -> succeeded | failed | cancelled`."""

    id: str
    workspace_id: str
    document_id: str
    config_id: str = Field(description="The config of `config_version_id`.")
    config_version_id: str
    status: JobStatus
    run_key: str
    cache_hit: bool
    cache_hit_of_id: str | None
    flags: dict[str, Any]
    force: bool
    attempts: int
    queued_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    cancel_requested_at: datetime | None
    metrics: dict[str, Any] | None
    error: dict[str, Any] | None
    submitted_by_id: str | None
    created_at: datetime
    updated_at: datetime


class JobEventOut(BaseModel):
    """One entry of a job's timeline."""

    seq: int
    type: str
    payload: dict[str, Any]
    created_at: datetime


class TableOut(BaseModel):
    """One table the engine found, and what became of it."""

    sheet: str
    id: str
    range: str
    header_rows: list[int]
    headers: list[str | None]
    mapping: list[dict[str, Any]]
    unmapped_fields: list[Any] = Field(default_factory=list)
    rows: dict[str, Any] = Field(default_factory=dict)
    issues: int
    status: str | None = None
