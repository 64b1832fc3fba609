"""Shapes of a config's draft: its files, manifest, plan and dry-run preview."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ade_api.configs.schemas import FileInfo
from ade_api.drafts.column_kinds import ColumnKind
from ade_engine.manifest import FIELD_RE

FilePath = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class FileCreate(BaseModel):
    """A new draft file; without `code` it is scaffolded from the template for its folder."""

    model_config = ConfigDict(extra="forbid")

    path: FilePath
    code: str | None = None


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ColumnCreate(BaseModel):
    """A new column: its module `columns/<field>.py`, written from the template of `kind`, and
    its manifest entry (next ordinal, enabled), added together or not at all."""

    model_config = ConfigDict(extra="forbid")

    field: Annotated[str, StringConstraints(pattern=FIELD_RE.pattern, max_length=64)] = Field(
        description="The output field: lowercase letters, digits and underscores, from a letter."
    )
    label: Text | None = Field(default=None, description="The output header (default: Field).")
    synonyms: list[Text] = Field(default_factory=list, max_length=100)
    required: bool = False
    kind: ColumnKind = Field(default="text", description="Which starter code the module gets.")


class ColumnAdded(BaseModel):
    """The column's manifest entry and module, and the draft's new state."""

    column: dict[str, Any]
    file: FileInfo
    manifest_sha256: str = Field(description="The manifest's new ETag (also in the header).")
    files_hash: str


class FileUpdate(BaseModel):
    """The new content of a draft file (send `If-Match` with the ETag you read)."""

    model_config = ConfigDict(extra="forbid")

    code: str


class FileContent(FileInfo):
    """A file with its content (UTF-8 text)."""

    code: str


class PlanProblem(BaseModel):
    """One problem of a package: a JSON path in the manifest, or a file and line."""

    path: str | None = None
    file: str | None = None
    line: int | None = None
    message: str


class PlannedColumn(BaseModel):
    """One output field and the code a run would call for it."""

    field: str
    label: str
    ordinal: int
    path: str
    required: bool
    enabled: bool
    synonyms: list[str]
    detectors: list[str]
    transform: bool
    validate_: bool = Field(alias="validate", serialization_alias="validate")

    model_config = ConfigDict(populate_by_name=True)


class PlanOut(BaseModel):
    """The draft checked in the sandbox, and what a run would execute."""

    valid: bool
    problems: list[PlanProblem]
    files_hash: str
    title: str | None = None
    engine: dict[str, Any] = Field(default_factory=dict)
    columns: list[PlannedColumn] = Field(default_factory=list)
    row_types: list[dict[str, Any]] = Field(default_factory=list)
    hooks: dict[str, list[str]] = Field(default_factory=dict)


class DryRunRequest(BaseModel):
    """Run the draft on one of the workspace's documents."""

    model_config = ConfigDict(extra="forbid")

    document_id: Annotated[str, StringConstraints(min_length=26, max_length=26)]


class ColumnPreview(BaseModel):
    """A source column: its header, every field's score and the winner."""

    letter: str
    index: int
    header: str | None
    scores: dict[str, float]
    score_parts: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="Per field, what its score is made of (e.g. synonym, a detector's name, "
        "a hook's); fields that scored nothing are left out.",
    )
    winner: str | None
    winner_score: float | None
    sample: list[Any] = Field(default_factory=list)


class TablePreview(BaseModel):
    """One table found in the document and how it was mapped."""

    sheet: str
    id: str
    range: str
    header_rows: list[int]
    status: str | None = None
    reason: str | None = None
    columns: list[ColumnPreview]
    mapping: list[dict[str, Any]]
    mapping_changed_by: list[str] = Field(
        default_factory=list, description="The hooks that changed the scored mapping."
    )
    data_rows: list[int] = Field(
        default_factory=list, description="The first and last data row (1-based)."
    )
    output_rows: list[int] | None = Field(
        default=None, description="The first and last row the table wrote in the output sheet."
    )
    unmapped_fields: list[Any] = Field(default_factory=list)
    unmapped_columns: list[Any] = Field(default_factory=list)
    rows: dict[str, Any] = Field(default_factory=dict)
    table_issues: list[Any] = Field(default_factory=list)
    issues: dict[str, Any] = Field(default_factory=dict)


class LogLine(BaseModel):
    """A line config code logged during the run."""

    ts: str | None = None
    level: str
    message: str
    source: str | None = None


class DryRunOut(BaseModel):
    """The mapping preview of a dry-run, its issues and logs, and where its output is."""

    run_id: str
    status: str = Field(description="succeeded, failed, timeout or crashed.")
    document_id: str
    files_hash: str
    elapsed_ms: int
    error: dict[str, Any] | None
    metrics: dict[str, Any] = Field(default_factory=dict)
    tables: list[TablePreview]
    logs: list[LogLine]
    stdout: str = Field(default="", description="What config code printed (the end, capped).")
    stderr: str = Field(default="", description="The run's stderr (the end, capped).")
    output_url: str | None = Field(
        default=None, description="Download of the preview workbook while it is kept."
    )
    expires_at: datetime | None = None
