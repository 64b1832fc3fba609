"""The artifact contract: the shape of ``artifact.json`` (schema ``ade.artifact/v1``) as types.

The engine builds the artifact as an :class:`Artifact` and every reader (the API's job results
and dry-run preview, the worker) reads it as one, so mypy reports a renamed or misspelt key at
every place that uses it. ``docs/reference/config-packages.md`` documents the same shape.

An artifact read from disk comes from a sandboxed run whose ``run_end`` hooks may have changed
it, so readers take it through :func:`load_artifact` (or :func:`parse_artifact`), which checks
that the data has this shape (keys present, values of the declared types; keys it does not
know, which hooks may add, are kept) and raises :class:`ArtifactError` when it has not. After
that, subscripts are safe: no ``.get`` chains.

Standard library only: the API and the worker import it without numpy, scipy or calamine. No
``from __future__ import annotations`` here: Python 3.11 cannot see ``NotRequired`` in a
TypedDict's string annotations (every key would count as required at run time).
"""

import json
import types
import typing
from functools import cache
from typing import Any, Literal, NotRequired, TypedDict

ARTIFACT_SCHEMA = "ade.artifact/v1"

RunStatus = Literal["running", "succeeded", "failed"]
SheetStatus = Literal["scanned", "skipped"]
TableStatus = Literal["mapped", "skipped"]
PassName = Literal["detect", "map", "transform", "validate", "output"]


class EngineInfo(TypedDict):
    name: str
    version: str


class InputInfo(TypedDict):
    name: str
    sha256: str | None  # None when the file could not be read
    size: int | None
    format: NotRequired[str]  # once the input was opened: "xlsx", "xls", "ods" or "csv"
    encoding: NotRequired[str]  # CSV only, like the next two
    delimiter: NotRequired[str]
    decimal_separator: NotRequired[str]


class ConfigInfo(TypedDict):
    title: str | None  # None until the package is loaded
    files_hash: str | None


class SheetDecision(TypedDict):
    """A row of a sheet that is not part of any table, and why."""

    row: int  # 1-based
    kind: str
    columns: str  # the column span, "A:T"
    reason: str


class RowDecision(TypedDict):
    """A row inside a table's range that is not data (or how the table was read), and why."""

    row: int
    kind: str
    reason: str


class ColumnRecord(TypedDict):
    """A source column of a table: every field's score and the winner."""

    letter: str
    index: int  # 0-based sheet column
    header: str  # "" when the column has no header cell
    group: str | None  # the stacked header's label above it
    hidden: bool
    scores: dict[str, float]  # field -> total score
    score_parts: dict[str, dict[str, float]]  # field -> what its score is made of
    winner: str | None
    winner_score: float | None
    sample: list[Any]


class MappingRecord(TypedDict):
    """A field and the column it was mapped to."""

    field: str
    label: str
    column: str  # letter
    header: str  # the column's header, with its group label when stacked
    score: float


class TableIssue(TypedDict):
    type: Literal["required_field_unmapped"]
    field: str
    message: str


class TableRows(TypedDict):
    data: int
    excluded: int
    written: int


class IssueCounts(TypedDict):
    count: int
    by_field: dict[str, int]


class TableRecord(TypedDict):
    """A table found on a sheet: where it is, how it was mapped, what it wrote."""

    id: str  # "Sheet#1"
    number: int  # 1-based within the sheet
    range: str  # A1 range
    header_rows: list[int]  # 1-based
    headerless: bool
    stacked_header: bool
    data_rows: list[int]  # [first, last], 1-based
    columns: list[ColumnRecord]
    mapping: list[MappingRecord]
    mapping_changed_by: list[str]  # hooks that changed the scored mapping
    unmapped_fields: list[str]
    unmapped_columns: list[str]
    rows: TableRows
    row_decisions: list[RowDecision]
    table_issues: list[TableIssue]
    issues: IssueCounts
    status: TableStatus
    reason: str | None
    output_rows: list[int] | None  # [first, last] row of the output sheet; None: wrote none


class SheetRecord(TypedDict):
    name: str
    index: int
    visible: bool
    status: SheetStatus
    reason: str | None
    rows: int
    hidden_columns: list[str]
    row_types: dict[str, int]  # row type -> rows
    decisions: list[SheetDecision]
    tables: list[TableRecord]


class OutputInfo(TypedDict):
    path: str  # "normalized.xlsx"
    sheet: str
    columns: list[str]
    rows: int
    issues_sheet: str


class PassRecord(TypedDict):
    name: PassName
    elapsed_ms: int


class Metrics(TypedDict):
    sheets_scanned: int
    tables_found: int
    rows_processed: int
    issues: int
    elapsed_ms: int


class ErrorRecord(TypedDict):
    """Why a run failed; ``file``/``line`` point into the config package when its code did."""

    type: str  # "input", "config", "config_code", "output" or "internal"
    message: str
    file: str | None
    line: int | None
    exception: NotRequired[str | None]  # config code errors: the exception's type


class SecondaryError(ErrorRecord):
    """A ``run_end`` hook that raised on a run that had already failed."""

    stage: str
    hook: str


class Artifact(TypedDict):
    schema: str
    status: RunStatus
    engine: EngineInfo
    started_at: str
    finished_at: str | None
    input: InputInfo
    config: ConfigInfo
    settings: dict[str, Any]  # the manifest's engine settings, defaults filled in
    sheets: list[SheetRecord]
    output: OutputInfo | None  # None unless the run succeeded
    passes: list[PassRecord]
    metrics: Metrics
    error: ErrorRecord | None
    secondary_errors: list[SecondaryError]


class ArtifactError(ValueError):
    """Data that is not an artifact of this schema (unreadable, or not of its shape)."""


def load_artifact(text: str | bytes) -> Artifact:
    """Parse ``artifact.json``'s text and check its shape (see :func:`parse_artifact`)."""
    try:
        data = json.loads(text)
    except ValueError as exc:  # includes UnicodeDecodeError
        raise ArtifactError(f"not JSON: {exc}") from None
    return parse_artifact(data)


def parse_artifact(data: object, *, strict: bool = False) -> Artifact:
    """``data`` as an :class:`Artifact`, or :class:`ArtifactError` saying where it differs.

    ``strict`` also rejects keys the contract does not declare (the engine's tests check what
    it writes that way; readers are not strict, since ``run_end`` hooks may add keys).
    """
    if not isinstance(data, dict) or data.get("schema") != ARTIFACT_SCHEMA:
        raise ArtifactError(f"not an {ARTIFACT_SCHEMA} artifact")
    _check(data, Artifact, "artifact", strict)
    return typing.cast(Artifact, data)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _check(value: object, kind: Any, where: str, strict: bool) -> None:
    """Raise :class:`ArtifactError` unless ``value`` (parsed JSON) is of type ``kind``."""
    origin = typing.get_origin(kind)
    if kind is Any:
        return
    if typing.is_typeddict(kind):
        if not isinstance(value, dict):
            raise ArtifactError(f"{where}: expected an object")
        hints = _hints(kind)
        missing = sorted(kind.__required_keys__ - value.keys())
        if missing:
            raise ArtifactError(f"{where}: missing {', '.join(missing)}")
        unknown = sorted(map(str, value.keys() - hints.keys())) if strict else []
        if unknown:
            raise ArtifactError(f"{where}: undeclared {', '.join(unknown)}")
        for key, hint in hints.items():
            if key in value:
                _check(value[key], hint, f"{where}.{key}", strict)
    elif origin is list:
        if not isinstance(value, list):
            raise ArtifactError(f"{where}: expected a list")
        (item,) = typing.get_args(kind)
        for i, element in enumerate(value):
            _check(element, item, f"{where}[{i}]", strict)
    elif origin is dict:
        if not isinstance(value, dict):
            raise ArtifactError(f"{where}: expected an object")
        _, item = typing.get_args(kind)
        for key, element in value.items():
            _check(element, item, f"{where}.{key}", strict)
    elif origin is Literal:
        if value not in typing.get_args(kind):
            raise ArtifactError(f"{where}: unexpected value {value!r}")
    elif origin is types.UnionType or origin is typing.Union:
        for option in typing.get_args(kind):
            try:
                _check(value, option, where, strict)
            except ArtifactError:
                continue
            return
        raise ArtifactError(f"{where}: unexpected {type(value).__name__}")
    elif not _is_scalar(value, kind):
        raise ArtifactError(f"{where}: expected {getattr(kind, '__name__', kind)}")


def _is_scalar(value: object, kind: Any) -> bool:
    if kind is type(None):
        return value is None
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:  # JSON has one number type
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, kind)
