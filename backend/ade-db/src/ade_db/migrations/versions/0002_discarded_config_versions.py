"""Discarded config versions: a draft a revert or restore replaced is kept, unnamed.

The status check gains `discarded`, and a discarded version (like the draft) may lack a
semver. Downgrading deletes the discarded versions first: the old checks refuse them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUS = "ck_config_versions_status_valid"
_SEMVER = "ck_config_versions_semver_when_released"


def _replace_checks(statuses: str, unnamed: str) -> None:
    with op.batch_alter_table("config_versions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(_STATUS), type_="check")
        batch_op.drop_constraint(op.f(_SEMVER), type_="check")
        batch_op.create_check_constraint(op.f(_STATUS), f"status IN ({statuses})")
        batch_op.create_check_constraint(op.f(_SEMVER), f"{unnamed} OR semver IS NOT NULL")


def upgrade() -> None:
    _replace_checks(
        "'draft', 'published', 'deprecated', 'discarded'", "status IN ('draft', 'discarded')"
    )


def downgrade() -> None:
    op.execute("DELETE FROM config_versions WHERE status = 'discarded'")
    _replace_checks("'draft', 'published', 'deprecated'", "status = 'draft'")
