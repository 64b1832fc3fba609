"""Shapes of configs, their versions and their files."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ade_api.workspaces.schemas import Slug
from ade_db.enums import ConfigVersionStatus

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# Semantic Versioning 2.0.0 (https://semver.org), without a leading "v".
SEMVER_PATTERN = (
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
Semver = Annotated[str, StringConstraints(pattern=SEMVER_PATTERN, max_length=64)]
Ulid = Annotated[str, StringConstraints(min_length=26, max_length=26)]


class ConfigCreate(BaseModel):
    """A new config; its draft starts from the example package or the smallest valid one."""

    model_config = ConfigDict(extra="forbid")

    slug: Slug
    title: Title
    template: Literal["example", "empty"] = "example"


class ConfigUpdate(BaseModel):
    """Rename a config or change its slug."""

    model_config = ConfigDict(extra="forbid")

    slug: Slug | None = None
    title: Title | None = None


class ConfigDuplicate(BaseModel):
    """A copy of a config: a new config whose draft holds the source's draft or one version."""

    model_config = ConfigDict(extra="forbid")

    slug: Slug
    title: Title
    version_id: Ulid | None = Field(
        default=None, description="The version whose files to copy. Default: the draft."
    )


class ConfigOut(BaseModel):
    """A config, with its draft (`version_id`) and its published version, if any."""

    id: str
    workspace_id: str
    slug: str
    title: str
    archived: bool
    archived_at: datetime | None
    active: bool = Field(description="Whether jobs without a version run this config.")
    version_id: str | None = Field(description="The draft version's id.")
    published_version_id: str | None
    published_semver: str | None
    created_at: datetime
    updated_at: datetime


class FileInfo(BaseModel):
    """One file of a config version."""

    path: str
    size: int
    sha256: str


class VersionOut(BaseModel):
    """One version of a config: the draft, the published one, a deprecated one, or a draft a
    revert or restore replaced (`discarded`: kept, never run, restorable)."""

    version_id: str
    config_id: str
    status: ConfigVersionStatus
    semver: str | None
    message: str | None
    files_hash: str
    created_by_id: str | None
    published_by_id: str | None
    published_at: datetime | None
    deprecated_at: datetime | None
    created_at: datetime
    updated_at: datetime


class VersionDetail(VersionOut):
    """A version with its manifest and the list of its files."""

    manifest: dict[str, Any]
    files: list[FileInfo]


class PublishRequest(BaseModel):
    """Publish the draft as a new immutable version."""

    model_config = ConfigDict(extra="forbid")

    semver: Semver
    message: Annotated[str, StringConstraints(max_length=2000)] = ""


class RevertRequest(BaseModel):
    """Make a deprecated version published again (its files also become the draft)."""

    model_config = ConfigDict(extra="forbid")

    version_id: Ulid


class RevertOut(VersionDetail):
    """The version a revert published (or the draft a restore filled), and where the replaced
    draft was kept when it differed from every version."""

    discarded_version_id: str | None = Field(
        description="The `discarded` version now holding the replaced draft, or null when "
        "another version already held the same files."
    )


class VersionRef(BaseModel):
    """One side of a diff: a version, or the draft."""

    version_id: str
    status: ConfigVersionStatus
    semver: str | None
    files_hash: str


class FileChange(BaseModel):
    """One file that differs between two versions. The texts are left out (null) for a
    `binary` file and for a `too_large` one (over the per-file or the response's budget)."""

    path: str
    change: Literal["added", "removed", "changed"]
    old_sha256: str | None
    new_sha256: str | None
    old_text: str | None = None
    new_text: str | None = None
    binary: bool = False
    too_large: bool = False


class VersionDiff(BaseModel):
    """What changed from one version to another, file by file (unchanged files omitted)."""

    model_config = ConfigDict(populate_by_name=True)

    from_: VersionRef = Field(alias="from", serialization_alias="from")
    to: VersionRef
    files: list[FileChange]
    truncated: bool = Field(
        description="Whether some texts were left out to keep the answer within its budget."
    )
