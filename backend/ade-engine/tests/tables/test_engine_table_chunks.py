"""A table's data rows by chunk: read by column from a CSV's blocks (once the file has been read
through) they are the same chunks, row numbers and cells as read from its rows."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ade_engine.read import csv as csv_read
from ade_engine.read import open_workbook
from ade_engine.read.sheet import Sheet
from ade_engine.tables import Table, iter_table_chunks

Chunks = list[tuple[list[int], list[list[Any]]]]


def _lines() -> list[list[str]]:
    rows: list[list[str]] = [["Title"], [], ["ID", "Name", "Amount", "Date", "Note"]]
    for i in range(57):
        row = [str(i), f"n{i}", f"{i * 1.5}", f"2024-01-{i % 28 + 1:02d}", "x" if i % 3 else ""]
        if i % 13 == 5:
            row = row[:2]  # ragged: short
        elif i % 17 == 8:
            row = [*row, "extra", "more"]  # ragged: long
        rows.append(row)
    return rows


@pytest.fixture
def sheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sheet]:
    monkeypatch.setattr(csv_read, "BLOCK_ROWS", 7)  # many blocks, some with ragged rows
    path = tmp_path / "t.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(_lines())
    wb = open_workbook(path)
    (sheet,) = wb.sheets
    for _ in sheet.iter_rows():  # the first read, which keeps the blocks
        pass
    yield sheet
    wb.close()


def _table(c0: int, c1: int, start: int, end: int, excluded: list[int] | None = None) -> Table:
    return Table(
        sheet="t",
        sheet_index=0,
        number=1,
        col_start=c0,
        col_end=c1,
        header_rows=[2],
        data_start=start,
        data_end=end,
        excluded=dict.fromkeys(excluded or [], "total"),
    )


def _by_rows(sheet: Sheet, table: Table, size: int) -> Chunks:
    blocks, sheet._blocks = sheet._blocks, None
    try:
        return [(n, [list(c) for c in cols]) for n, cols in iter_table_chunks(sheet, table, size)]
    finally:
        sheet._blocks = blocks


@pytest.mark.parametrize("size", [1, 3, 7, 10, 100])
@pytest.mark.parametrize(
    "table",
    [
        _table(0, 4, 3, 59),
        _table(0, 6, 3, 59),  # wider than most rows: padded
        _table(1, 2, 10, 40),  # a column range inside the rows, rows inside the sheet
        _table(0, 4, 3, 59, excluded=[3, 4, 5, 20, 59]),
        _table(2, 4, 12, 14, excluded=[12, 13, 14]),  # every row excluded: no chunk
    ],
)
def test_chunks_from_blocks_equal_chunks_from_rows(sheet: Sheet, table: Table, size: int) -> None:
    assert sheet.iter_blocks() is not None
    from_blocks = [(n, list(map(list, c))) for n, c in iter_table_chunks(sheet, table, size)]
    assert from_blocks == _by_rows(sheet, table, size)


def test_row_chunks_hold_the_tables_cells_by_column(sheet: Sheet) -> None:
    table = _table(0, 2, 3, 6, excluded=[4])
    assert list(iter_table_chunks(sheet, table, 2)) == [
        ([4], [[0], ["n0"], [0.0]]),
        ([6, 7], [[2, 3], ["n2", "n3"], [3.0, 4.5]]),
    ]
    assert _by_rows(sheet, table, 2) == [
        ([4], [[0], ["n0"], [0.0]]),
        ([6, 7], [[2, 3], ["n2", "n3"], [3.0, 4.5]]),
    ]
