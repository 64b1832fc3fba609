"""Tenancy: workspaces, their members and each workspace's active config."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ade_db.enums import WorkspaceRole, sql_in
from ade_db.metadata import Base
from ade_db.models._mixins import IdMixin, TimestampMixin
from ade_db.types import UTCDateTime, ulid_column_type, utcnow


class Workspace(IdMixin, TimestampMixin, Base):
    """The unit of tenancy: every config, document and job belongs to one workspace."""

    __tablename__ = "workspaces"

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[str | None] = mapped_column(
        ulid_column_type(), ForeignKey("users.id", ondelete="SET NULL")
    )


class WorkspaceMember(TimestampMixin, Base):
    """A user's role in a workspace."""

    __tablename__ = "workspace_members"
    __table_args__ = (CheckConstraint(sql_in("role", WorkspaceRole), name="role_valid"),)

    workspace_id: Mapped[str] = mapped_column(
        ulid_column_type(), ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ulid_column_type(), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))


class WorkspaceActiveConfig(Base):
    """The one config whose published version runs jobs submitted without a version."""

    __tablename__ = "workspace_active_configs"

    workspace_id: Mapped[str] = mapped_column(
        ulid_column_type(), ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    config_id: Mapped[str] = mapped_column(
        ulid_column_type(), ForeignKey("configs.id", ondelete="CASCADE"), unique=True
    )
    activated_by_id: Mapped[str | None] = mapped_column(
        ulid_column_type(), ForeignKey("users.id", ondelete="SET NULL")
    )
    activated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
