"""Uploaded spreadsheets. The bytes live in blob storage; the row records what they are."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ade_db.metadata import Base
from ade_db.models._mixins import IdMixin, TimestampMixin
from ade_db.types import ulid_column_type


class Document(IdMixin, TimestampMixin, Base):
    """An uploaded file. `original_filename` is for display only, never a storage path."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint("size >= 0", name="size_non_negative"),
        # A retried upload with the same Idempotency-Key finds the first one.
        UniqueConstraint("workspace_id", "idempotency_key"),
        Index(None, "workspace_id", "created_at"),
    )

    workspace_id: Mapped[str] = mapped_column(
        ulid_column_type(), ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    original_filename: Mapped[str] = mapped_column(String(1024))
    content_type: Mapped[str] = mapped_column(String(255))
    file_type: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    storage_key: Mapped[str] = mapped_column(String(1024))
    uploaded_by_id: Mapped[str | None] = mapped_column(
        ulid_column_type(), ForeignKey("users.id", ondelete="SET NULL")
    )
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
