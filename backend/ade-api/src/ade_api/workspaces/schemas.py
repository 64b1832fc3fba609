"""Shapes of workspaces and their members."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ade_db.enums import WorkspaceRole

Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$", max_length=64)
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class WorkspaceCreate(BaseModel):
    """A new workspace; the slug is derived from the name when omitted."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    slug: Slug | None = None


class WorkspaceUpdate(BaseModel):
    """Rename a workspace or change its slug."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    slug: Slug | None = None


class WorkspaceOut(BaseModel):
    """A workspace, with the caller's role in it."""

    id: str
    name: str
    slug: str
    role: WorkspaceRole
    created_at: datetime
    updated_at: datetime


class MemberCreate(BaseModel):
    """Add an existing user to the workspace."""

    model_config = ConfigDict(extra="forbid")

    user_id: str | None = None
    email: str | None = Field(default=None, max_length=320)
    role: WorkspaceRole = WorkspaceRole.VIEWER


class MemberUpdate(BaseModel):
    """Change a member's role."""

    model_config = ConfigDict(extra="forbid")

    role: WorkspaceRole


class MemberOut(BaseModel):
    """A member of a workspace."""

    user_id: str
    email: str
    display_name: str | None
    role: WorkspaceRole
    created_at: datetime
