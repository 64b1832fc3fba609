"""The closed sets of values the schema enforces with CHECK constraints."""

from __future__ import annotations

from enum import StrEnum


class WorkspaceRole(StrEnum):
    """What a member may do in a workspace: owners manage it, editors change it, viewers read."""

    OWNER = "owner"
    EDITOR = "editor"
    VIEWER = "viewer"


class ConfigVersionStatus(StrEnum):
    """A config has at most one draft and one published version; older ones are deprecated.

    A discarded version is a draft a revert or restore replaced while it differed from every
    version: kept, never run, and restorable into the draft."""

    DRAFT = "draft"
    PUBLISHED = "published"
    DEPRECATED = "deprecated"
    DISCARDED = "discarded"


class JobStatus(StrEnum):
    """`queued -> running -> succeeded | failed | cancelled`."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL


_TERMINAL = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})


def sql_in(column: str, values: type[StrEnum]) -> str:
    """The SQL text of a CHECK constraint restricting `column` to an enum's values."""
    quoted = ", ".join(f"'{member.value}'" for member in values)
    return f"{column} IN ({quoted})"
