"""Config packages: a config, its versions (one draft, one published, many deprecated) and
the files of each version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ade_db.enums import ConfigVersionStatus, sql_in
from ade_db.metadata import Base
from ade_db.models._mixins import IdMixin, TimestampMixin
from ade_db.types import JSONType, UTCDateTime, ulid_column_type

# sha256 of nothing: the files_hash of a version with no files yet.
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


class Config(IdMixin, TimestampMixin, Base):
    """A named config package in a workspace. Archived configs are read-only."""

    __tablename__ = "configs"
    __table_args__ = (UniqueConstraint("workspace_id", "slug"),)

    workspace_id: Mapped[str] = mapped_column(
        ulid_column_type(), ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    archived: Mapped[bool] = mapped_column(default=False, server_default=false())
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[str | None] = mapped_column(
        ulid_column_type(), ForeignKey("users.id", ondelete="SET NULL")
    )


SEMVER_WHEN_RELEASED = "status IN ('draft', 'discarded') OR semver IS NOT NULL"
_DRAFT = text(f"status = '{ConfigVersionStatus.DRAFT.value}'")
_PUBLISHED = text(f"status = '{ConfigVersionStatus.PUBLISHED.value}'")


class ConfigVersion(IdMixin, TimestampMixin, Base):
    """One state of a config's files. Published, deprecated and discarded versions are
    immutable."""

    __tablename__ = "config_versions"
    __table_args__ = (
        CheckConstraint(sql_in("status", ConfigVersionStatus), name="status_valid"),
        # A released version is always named; only the draft (and the kept copies of replaced
        # drafts) may lack a semver.
        CheckConstraint(SEMVER_WHEN_RELEASED, name="semver_when_released"),
        UniqueConstraint("config_id", "semver"),
        # The database itself guarantees one draft and one published version per config,
        # whatever a service does under concurrent requests.
        Index(
            "uq_config_versions_one_draft",
            "config_id",
            unique=True,
            sqlite_where=_DRAFT,
            postgresql_where=_DRAFT,
        ),
        Index(
            "uq_config_versions_one_published",
            "config_id",
            unique=True,
            sqlite_where=_PUBLISHED,
            postgresql_where=_PUBLISHED,
        ),
    )

    config_id: Mapped[str] = mapped_column(
        ulid_column_type(), ForeignKey("configs.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    semver: Mapped[str | None] = mapped_column(String(64))
    files_hash: Mapped[str] = mapped_column(String(64), default=EMPTY_SHA256)
    manifest: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    message: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[str | None] = mapped_column(
        ulid_column_type(), ForeignKey("users.id", ondelete="SET NULL")
    )
    published_by_id: Mapped[str | None] = mapped_column(
        ulid_column_type(), ForeignKey("users.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deprecated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ConfigFile(IdMixin, TimestampMixin, Base):
    """One file of a config version, stored whole: packages are small source trees."""

    __tablename__ = "config_files"
    __table_args__ = (
        UniqueConstraint("version_id", "path"),
        CheckConstraint("size >= 0", name="size_non_negative"),
    )

    version_id: Mapped[str] = mapped_column(
        ulid_column_type(), ForeignKey("config_versions.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(String(1024))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer, server_default=text("0"))
