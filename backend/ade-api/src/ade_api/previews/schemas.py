"""Shapes of previews: pages of a sheet's rows with typed cells.

These models describe the answer in the OpenAPI document; the answer itself is assembled from
the extract's JSON lines without building them (a page of 1,000 wide rows would cost more to
validate than to read), so `ade_api.previews.extract.encode_cell` is what must agree with them,
and the tests check it does.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _TypedCell(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DateCell(_TypedCell):
    """A date cell."""

    t: Literal["date"]
    v: Annotated[str, Field(json_schema_extra={"format": "date"}, examples=["2024-01-02"])]


class DateTimeCell(_TypedCell):
    """A date and time (no time zone: spreadsheets have none)."""

    t: Literal["datetime"]
    v: Annotated[
        str, Field(json_schema_extra={"format": "date-time"}, examples=["2024-01-02T09:30:00"])
    ]


class TimeCell(_TypedCell):
    """A time of day."""

    t: Literal["time"]
    v: Annotated[str, Field(json_schema_extra={"format": "time"}, examples=["09:30:00"])]


class DurationCell(_TypedCell):
    """A duration (a spreadsheet's `[h]:mm` cells), as ISO 8601."""

    t: Literal["duration"]
    v: Annotated[str, Field(json_schema_extra={"format": "duration"}, examples=["PT5H30M"])]


TypedCell = Annotated[DateCell | DateTimeCell | TimeCell | DurationCell, Field(discriminator="t")]
Cell = TypedCell | str | int | float | bool | None
"""One cell: `null` when empty; text, numbers and booleans as JSON has them (an integral
spreadsheet number is an integer); dates and times as `{"t": kind, "v": ISO 8601}`."""


class SheetSummary(BaseModel):
    """One sheet of the file, as the engine's reader sees it."""

    name: str
    index: int = Field(description="The sheet's position in the workbook, from 0.")
    visibility: str = Field(description="`visible`, `hidden` or `veryhidden`.")
    rows: int = Field(description="Rows in the preview (all of them unless `truncated`).")
    columns: int = Field(description="The widest row's width, counted from column A.")
    truncated: bool = Field(description="The preview stops before the sheet's end.")


class RowsPage(BaseModel):
    """A page of one sheet's rows. `rows[i][j]` is the cell at row `offset + i` (0-based;
    the engine's row numbering) and column `j` (`A` = 0). A row lists its cells up to its last
    non-empty one: a shorter row is empty from there on, and an empty row is `[]`."""

    sheets: list[SheetSummary] = Field(description="Every sheet of the file, in order.")
    sheet: str = Field(description="The sheet of this page.")
    offset: int
    limit: int
    total: int = Field(description="Rows in the sheet's preview.")
    truncated: bool = Field(description="The sheet's preview stops before its end (a cap).")
    rows: list[list[Cell]]
