"""Jobs by workspace and age: the index the jobs list's default order (newest first) reads.

Without it a page of a workspace's jobs sorted every job of the workspace first.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "ix_jobs_workspace_id_created_at"


def upgrade() -> None:
    op.create_index(op.f(_INDEX), "jobs", ["workspace_id", "created_at"])


def downgrade() -> None:
    op.drop_index(op.f(_INDEX), table_name="jobs")
