"""Jobs (one document through one config version) and their ordered event timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ade_db.enums import JobStatus, sql_in
from ade_db.metadata import Base
from ade_db.models._mixins import IdMixin, TimestampMixin
from ade_db.types import JSONType, UTCDateTime, ulid_column_type, utcnow


class Job(IdMixin, TimestampMixin, Base):
    """A run of one document through one config version. The database, not the queue, is the
    source of truth for its state."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(sql_in("status", JobStatus), name="status_valid"),
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        UniqueConstraint("workspace_id", "idempotency_key"),
        Index(None, "workspace_id", "status"),
        # A workspace's jobs, newest first (the list's default order): one page reads one
        # page of rows, not every job of the workspace sorted.
        Index(None, "workspace_id", "created_at"),
        Index(None, "run_key", "status"),
        # The reconciler scans by state and age.
        Index(None, "status", "queued_at"),
    )

    workspace_id: Mapped[str] = mapped_column(
        ulid_column_type(), ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    document_id: Mapped[str] = mapped_column(
        ulid_column_type(), ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    config_version_id: Mapped[str] = mapped_column(
        ulid_column_type(), ForeignKey("config_versions.id", ondelete="CASCADE"), index=True
    )
    run_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED.value)
    flags: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    force: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A cache hit runs nothing: it points at the succeeded job whose outputs it shares.
    cache_hit_of_id: Mapped[str | None] = mapped_column(
        ulid_column_type(), ForeignKey("jobs.id", ondelete="SET NULL")
    )
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    artifact_path: Mapped[str | None] = mapped_column(String(1024))
    output_path: Mapped[str | None] = mapped_column(String(1024))
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    submitted_by_id: Mapped[str | None] = mapped_column(
        ulid_column_type(), ForeignKey("users.id", ondelete="SET NULL")
    )
    worker_id: Mapped[str | None] = mapped_column(String(255))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    request_id: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))


class JobEvent(IdMixin, Base):
    """One entry of a job's timeline; `seq` orders it and resumes live streams."""

    __tablename__ = "job_events"
    __table_args__ = (UniqueConstraint("job_id", "seq"),)

    job_id: Mapped[str] = mapped_column(
        ulid_column_type(), ForeignKey("jobs.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
