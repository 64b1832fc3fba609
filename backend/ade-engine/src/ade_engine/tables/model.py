"""What the table steps share: row label codes, the limits, and the found tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ade_engine.artifact_types import RowDecision, SheetDecision
from ade_engine.read.cells import a1_range, col_letter

#: Row label codes; config row types follow ``TOTAL`` in the order the config lists them.
BLANK, DATA, HEADER, NOTE, TOTAL = 0, 1, 2, 3, 4
BUILTIN_NAMES = ("blank", "data", "header", "note", "total")
#: When scores tie, the earlier type here wins.
TIE_ORDER = ("blank", "total", "note", "header", "data")
MAX_DECISIONS = 50
MIN_HEADERLESS_ROWS = 3

#: A bound config classifier: (row values, 0-based row index) -> float, dict or None.
RowClassifier = Callable[[list[Any], int], Any]


@dataclass
class ColumnInfo:
    """One source column of a table."""

    index: int  # absolute sheet column, 0-based
    header: str = ""  # bottom header cell text ("" when empty or headerless)
    group: str = ""  # stacked header label above it ("" when none)
    hidden: bool = False
    samples: list[Any] = field(default_factory=list)

    @property
    def letter(self) -> str:
        return col_letter(self.index)

    @property
    def merged_header(self) -> str:
        return f"{self.group} {self.header}".strip() if self.group else self.header


@dataclass
class Table:
    """A table found in a sheet: its header rows, data rows and columns."""

    sheet: str
    sheet_index: int
    number: int  # 1-based within the sheet
    col_start: int
    col_end: int
    header_rows: list[int]  # absolute 0-based rows, top to bottom ([group, header] or [header])
    data_start: int
    data_end: int
    headerless: bool = False
    excluded: dict[int, str] = field(default_factory=dict)  # row -> reason (inside data range)
    decisions: list[RowDecision] = field(default_factory=list)
    columns: list[ColumnInfo] = field(default_factory=list)

    @property
    def top(self) -> int:
        return self.header_rows[0] if self.header_rows else self.data_start

    @property
    def a1(self) -> str:
        return a1_range(self.top, self.col_start, self.data_end, self.col_end)

    @property
    def data_rows(self) -> int:
        return self.data_end - self.data_start + 1 - len(self.excluded)

    @property
    def name(self) -> str:
        return f"{self.sheet}!{self.a1}"


@dataclass
class SheetScan:
    """What was found on one sheet."""

    tables: list[Table]
    decisions: list[SheetDecision]
    rows: int
    row_types: dict[str, int]
