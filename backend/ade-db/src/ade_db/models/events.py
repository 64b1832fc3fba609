"""The domain event log: what happened in a workspace, in order (`document.uploaded`...)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ade_db.metadata import Base
from ade_db.models._mixins import IdMixin
from ade_db.types import JSONType, UTCDateTime, ulid_column_type, utcnow


class DomainEvent(IdMixin, Base):
    """An append-only record of a change. ULID ids sort events in the order they were made."""

    __tablename__ = "domain_events"
    __table_args__ = (Index(None, "workspace_id", "created_at"),)

    workspace_id: Mapped[str | None] = mapped_column(
        ulid_column_type(), ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    type: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    actor_id: Mapped[str | None] = mapped_column(
        ulid_column_type(), ForeignKey("users.id", ondelete="SET NULL")
    )
    request_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
