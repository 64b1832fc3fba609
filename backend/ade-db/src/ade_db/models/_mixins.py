"""Columns that most tables share."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from ade_db.types import UTCDateTime, new_id, ulid_column_type, utcnow


class IdMixin:
    """A ULID primary key, generated client-side so ids sort by creation time."""

    id: Mapped[str] = mapped_column(ulid_column_type(), primary_key=True, default=new_id)


class TimestampMixin:
    """`created_at` and `updated_at`, both timezone-aware UTC."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
