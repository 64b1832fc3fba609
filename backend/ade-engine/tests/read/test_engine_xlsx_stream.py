"""Streamed ``.xlsx`` sheets (python-calamine-plus) read the same cells as loaded ones
(python-calamine): every cell's value and type at its sheet row and column, the number of rows
and the merged ranges; on generated workbooks (XlsxWriter with shared or inline strings,
openpyxl, the 1904 date system, sheets with no or a wrong ``<dimension>``) and the layout
corpus. (Streamed rows start at column A; loaded ones at the first column used.)"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sys
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter  # type: ignore[import-untyped]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ade_engine.errors import InputError
from ade_engine.read import calamine, open_workbook
from ade_engine.read.xlsx_stream import UnstreamableError, scan_sheet_xml, sheet_blocks

NEVER, ALWAYS = 10**18, 0


def cells_of(row: list[Any], offset: int) -> list[tuple[type, Any]]:
    """A row from column A (``offset`` empty cells first), values with their types, without
    its trailing empty cells."""
    cells = [(str, "")] * offset + [(type(v), v) for v in row]
    while cells and cells[-1] == (str, ""):
        cells.pop()
    return cells


def read_all(path: Path, stream_cells: int, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Each sheet's name, merged ranges, loads and rows (cells from column A)."""
    monkeypatch.setattr(calamine, "STREAM_CELLS", stream_cells)
    wb = open_workbook(path)
    try:
        sheets = []
        for sheet in wb.sheets:
            sheet.prepare()
            rows = [cells_of(row, sheet.col_offset) for row in sheet.iter_rows()]
            again = [cells_of(row, sheet.col_offset) for row in sheet.iter_rows()]
            assert again == rows
            sheets.append((sheet.name, sorted(sheet.merged), sheet.loads, rows))
            sheet.release()
        return sheets
    finally:
        wb.close()


def assert_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    loaded = read_all(path, NEVER, monkeypatch)
    streamed = read_all(path, ALWAYS, monkeypatch)
    assert len(streamed) == len(loaded)
    for s, ld in zip(streamed, loaded, strict=True):
        assert s[:3] == ld[:3]
        assert len(s[3]) == len(ld[3]), s[0]
        for r, (a, b) in enumerate(zip(s[3], ld[3], strict=True)):
            assert a == b, f"{s[0]} row {r}"
    return loaded


def rewrite_sheet(src: Path, dst: Path, edit: Callable[[bytes], bytes]) -> Path:
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            data = zi.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data)
            zo.writestr(info, data)
    return dst


KINDS: dict[str, Any] = {
    "int": 7,
    "float": 2.5,
    "big": 2**53 + 2,
    "huge": 1e20,
    "text": "  spaced ",
    "error-like text": "#N/A",
    "date": dt.date(2020, 1, 2),
    "datetime": dt.datetime(2021, 6, 7, 8, 9, 10),
    "bool": True,
    "false": False,
}


def every_kind_sheet(name: str = "Kinds") -> dict[str, Any]:
    return {
        "name": name,
        "origin": (3, 2),
        "rows": [list(KINDS), list(KINDS.values()), [None, "", 0, 0.0, None, "x"]],
        "cells": {(30, 12): "far away", (31, 2): 3.25},
        "merges": [(0, 2, 0, 5, "A merged title"), (20, 3, 22, 4, "block")],
        "formulas": {
            (10, 3): ("=1/0", "#DIV/0!"),
            (10, 4): ("=NA()", "#N/A"),
            (10, 5): ("=1+1", 2),
            (10, 6): ('="t=""e"""', 't="e"'),
        },
        "hidden_cols": [4],
    }


@pytest.mark.parametrize("batch", [4096, 5, 2])
def test_every_kind_of_cell_reads_the_same(
    xlsx: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    """(Streamed ``batch`` rows at a time: empty rows held across batches, error cells in a
    later block than the first.)"""
    monkeypatch.setattr(calamine, "SPILL_ROWS", batch)
    path = xlsx([every_kind_sheet(), {"name": "Small", "rows": [["a", 1]]}, {"name": "Empty"}])
    (kinds, *_rest) = assert_same(path, monkeypatch)
    rows = kinds[3]
    assert rows[10][3:7] == [(str, ""), (str, ""), (float, 2.0), (str, 't="e"')]  # errors: ""
    assert rows[4][7] == (str, "#N/A")  # text that looks like an error stays
    assert rows[4][2] == (float, 7.0)  # whole numbers as floats, as python-calamine reads them


def test_two_sheets_read_at_once_each_read_all_their_rows(
    xlsx: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fork has one active stream per workbook; a read that another one interrupted
    starts again where it was."""
    rows_a: list[tuple[str, int]] = [(f"a{i}", i) for i in range(30)]
    rows_b: list[tuple[str, int]] = [(f"b{i}", -i) for i in range(20)]
    path = xlsx([{"name": "A", "rows": rows_a}, {"name": "B", "rows": rows_b}])
    monkeypatch.setattr(calamine, "STREAM_CELLS", ALWAYS)
    wb = open_workbook(path)
    a, b = wb.sheets
    a.prepare()
    b.prepare()
    got_a: list[list[Any]] = []
    ia, ib = a.iter_rows(), b.iter_rows()
    got_b = []
    for rb in ib:  # alternate: each next() starts the other sheet's stream again
        got_a.append(next(ia))
        got_b.append(rb)
    got_a.extend(ia)
    wb.close()
    assert got_a == [[v, float(n)] for v, n in rows_a]
    assert got_b == [[v, float(n)] for v, n in rows_b]


def test_a_streamed_sheet_is_read_by_block_and_a_loaded_one_by_row(
    xlsx: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A streamed sheet gives its rows as blocks by column too (the first read streams and
    copies them, later ones replay the copy); a loaded sheet has rows only."""
    rows: list[list[Any]] = [["n", "when"], *[[i, dt.date(2020, 1, 1 + i % 28)] for i in range(9)]]
    path = xlsx([{"name": "S", "rows": rows}])
    expected = [["n", "when"], *[[float(n), d] for n, d in rows[1:]]]
    monkeypatch.setattr(calamine, "SPILL_ROWS", 4)
    for stream_cells, by_block in ((ALWAYS, True), (NEVER, False)):
        monkeypatch.setattr(calamine, "STREAM_CELLS", stream_cells)
        wb = open_workbook(path)
        (sheet,) = wb.sheets
        blocks = sheet.iter_blocks()
        if not by_block:
            assert blocks is None
            assert list(sheet.iter_rows()) == expected
            wb.close()
            continue
        assert blocks is not None
        first = list(blocks)
        assert [b.height for b in first] == [4, 4, 2]
        assert first[1].types == [float, dt.date]  # known: the scan profiles it once
        assert [r for b in first for r in b.rows()] == expected
        again = list(sheet.iter_blocks() or [])
        assert [b.types for b in again] == [None] * 3  # replayed from the copy
        assert [r for b in again for r in b.rows()] == expected
        assert list(sheet.iter_rows()) == expected
        assert sheet.loads == 1
        wb.close()


def test_time_and_duration_cells_and_the_1904_date_system(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for date_1904 in (False, True):
        path = tmp_path / f"times-{date_1904}.xlsx"
        wb = xlsxwriter.Workbook(str(path), {"date_1904": date_1904})
        ws = wb.add_worksheet("T")
        formats = ["hh:mm:ss", "[h]:mm:ss", "yyyy-mm-dd", "yyyy-mm-dd hh:mm", "0.00"]
        for c, fmt in enumerate(formats):
            f = wb.add_format({"num_format": fmt})
            for r, v in enumerate([0, 0.25, 1.5, 60, 61, 45000.75]):
                ws.write_number(r, c, v, f)
        wb.close()
        assert_same(path, monkeypatch)


def test_openpyxl_and_inline_string_workbooks_read_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    assert ws is not None
    for r in range(40):
        ws.append([f"name {r}", r, r / 3, dt.date(2020, 1, 1) + dt.timedelta(days=r), r % 2 == 0])
    ws.merge_cells("A42:C43")
    book.save(tmp_path / "openpyxl.xlsx")
    assert_same(tmp_path / "openpyxl.xlsx", monkeypatch)

    path = tmp_path / "inline.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws2 = wb.add_worksheet("Inline")
    for r in range(50):
        ws2.write_row(r + 2, 1, [f"row {r}", r * 1.5, "", r])
    wb.close()
    assert_same(path, monkeypatch)


def test_sheets_with_no_or_a_wrong_dimension_read_the_same(
    xlsx: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = xlsx([every_kind_sheet()])
    dim = re.compile(rb'<dimension ref="[^"]*"/>')
    for label, ref in (
        ("none", b""),
        ("narrow", b'<dimension ref="E5:F6"/>'),
        ("wide", b'<dimension ref="A1:Z99"/>'),
        ("a1", b'<dimension ref="A1"/>'),
    ):
        path = rewrite_sheet(src, tmp_path / f"{label}.xlsx", partial(dim.sub, ref))
        assert_same(path, monkeypatch)


def test_a_sheet_of_cells_without_addresses_and_with_errors_is_read_by_python_calamine(
    xlsx: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Error cells are found by address; a writer that leaves out the addresses leaves them
    out of every cell, which the first cell shows: such a sheet is scanned before it is read,
    and loaded by python-calamine if it has error cells (streamed if it has none)."""
    src = xlsx([{"name": "S", "rows": [["a", "b"]], "formulas": {(1, 0): ("=1/0", "#DIV/0!")}}])
    cell_ref = re.compile(rb'(<c) r="[A-Z]+[0-9]+"')
    path = rewrite_sheet(src, tmp_path / "noref.xlsx", lambda d: cell_ref.sub(rb"\1", d))
    with zipfile.ZipFile(path) as zf, pytest.raises(UnstreamableError):
        scan_sheet_xml(zf, "xl/worksheets/sheet1.xml")
    (sheet,) = assert_same(path, monkeypatch)
    assert sheet[3] == [[(str, "a"), (str, "b")], []]

    # Only the error cell without one: the stream cannot tell where the error is.
    mixed = rewrite_sheet(src, tmp_path / "mixed.xlsx", lambda d: d.replace(b'r="A2" ', b""))
    monkeypatch.setattr(calamine, "STREAM_CELLS", ALWAYS)
    wb = open_workbook(mixed)
    wb.sheets[0].prepare()
    with pytest.raises(InputError, match=r"mixed\.xlsx: sheet 'S' could not be read: .*address"):
        list(wb.sheets[0].iter_rows())
    wb.close()


def test_a_negative_zero_reads_as_zero_when_streamed(
    xlsx: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one difference left: the fork reads the number ``-0`` as the integer 0."""
    path = xlsx([{"name": "S", "rows": [["n"], [-0.0]]}])
    loaded = read_all(path, NEVER, monkeypatch)[0][3][1]
    streamed = read_all(path, ALWAYS, monkeypatch)[0][3][1]
    assert loaded == streamed == [(float, 0.0)]
    assert str(loaded[0][1]) == "-0.0"
    assert str(streamed[0][1]) == "0.0"


def test_trailing_rows_of_empty_strings_are_not_read_when_streamed(
    xlsx: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other difference: python-calamine counts a cell of an empty string as used."""
    path = xlsx([{"name": "S", "cells": {(0, 1): "a", (2, 0): ""}}])
    loaded = read_all(path, NEVER, monkeypatch)[0][3]
    streamed = read_all(path, ALWAYS, monkeypatch)[0][3]
    assert loaded == [[(str, ""), (str, "a")], [], []]
    assert streamed == [[(str, ""), (str, "a")]]


def rows_of(blocks: Any) -> list[list[Any]]:
    return [row for block in blocks for row in block.rows()]


def test_trailing_empty_rows_are_dropped_and_errors_count() -> None:
    rows = [["", "x"], ["", ""], ["#DIV/0!", ""], [""], [], ["", ""]]
    assert rows_of(sheet_blocks([rows], lambda: {(2, 0)})) == [["", "x"], ["", ""], ["", ""]]
    assert rows_of(sheet_blocks([[[""], [5, True]]], set)) == [["", ""], [5.0, True]]


def test_empty_rows_before_a_value_are_kept_in_blocks_of_a_batch_at_most() -> None:
    """Empty rows are held across batches (as widths) until a row with a value comes; then
    given back in blocks of a batch's rows, at their sheet rows."""
    batches: list[list[list[Any]]] = [[[""], ["", ""]], [[], [""]], [["", "", ""], [7, ""]]]
    batches.append([[""], [""]])
    blocks = list(sheet_blocks(batches, lambda: {(5, 0)}))
    assert [b.height for b in blocks] == [2, 2, 2]
    # each block padded to its widest row; the error cell (row 5) counts as a value
    assert rows_of(blocks) == [["", ""], ["", ""], [""], [""], ["", "", ""], ["", "", ""]]


def test_blocks_know_their_columns_types_where_they_have_one() -> None:
    day = dt.date(2020, 1, 2)
    rows = [[1, "a", day, 2.5, "b", True], [2, "c", day, 3, "", False]]
    (block,) = sheet_blocks([rows], set)
    assert block.columns[0] == [1.0, 2.0]
    assert [type(v) for v in block.columns[3]] == [float, float]
    assert block.types == [float, str, dt.date, float, None, bool]
    assert block.rows() == [[1.0, "a", day, 2.5, "b", True], [2.0, "c", day, 3.0, "", False]]
    (ragged,) = sheet_blocks([[["a"], ["b", 1]]], set)
    assert ragged.rows() == [["a", ""], ["b", 1.0]]
    assert ragged.types == [str, None]


def test_error_cells_are_asked_for_only_once_known_or_when_a_block_may_hold_one() -> None:
    asked: list[int] = []

    def errors() -> set[tuple[int, int]]:
        asked.append(1)
        return {(3, 1)}

    batches: list[list[list[Any]]] = [[["a", "b"]], [[1, 2.5]], [["c", "#d"], ["e", "#DIV/0!"]]]
    out = rows_of(sheet_blocks(batches, errors, ready=lambda: False))
    assert out == [["a", "b"], [1.0, 2.5], ["c", "#d"], ["e", ""]]
    assert asked == [1]  # at the third batch (text starting with "#"), once
    mixed = [[["a", 1]], [[2, "#N/A"]]]
    assert rows_of(sheet_blocks(mixed, lambda: {(1, 1)}, ready=lambda: False)) == [
        ["a", 1.0],
        [2.0, ""],
    ]


CELL = st.one_of(
    st.none(),
    st.integers(-(2**60), 2**60),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    # no empty strings: python-calamine counts them as used cells, the stream cannot see them
    # (a documented difference, shown above)
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(["#N/A", "#DIV/0!", 't="e"', " "]),
    st.booleans(),
    st.dates(dt.date(1900, 3, 1), dt.date(2200, 1, 1)),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(2200, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    grid=st.lists(st.lists(CELL, max_size=7), max_size=9),
    origin=st.tuples(st.integers(0, 4), st.integers(0, 4)),
    errors=st.lists(st.tuples(st.integers(0, 12), st.integers(0, 9)), max_size=3),
    inline=st.booleans(),
    batch=st.sampled_from([1, 2, 3, 4096]),
)
def test_generated_workbooks_read_the_same(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    grid: list[list[Any]],
    origin: tuple[int, int],
    errors: list[tuple[int, int]],
    inline: bool,
    batch: int,
) -> None:
    monkeypatch.setattr(calamine, "SPILL_ROWS", batch)  # rows streamed a batch at a time
    path = tmp_path / "gen.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": inline})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    dt_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    ws = wb.add_worksheet("G")
    cells = {
        (origin[0] + i, origin[1] + j): v for i, row in enumerate(grid) for j, v in enumerate(row)
    }
    for r, c in errors:
        cells[(r, c)] = ("=1/0", "#DIV/0!")
    for (r, c), v in sorted(cells.items()):
        if isinstance(v, tuple):
            ws.write_formula(r, c, v[0], None, v[1])
        elif isinstance(v, dt.datetime):
            ws.write_datetime(r, c, v, dt_fmt)
        elif isinstance(v, dt.date):
            ws.write_datetime(r, c, v, date_fmt)
        elif isinstance(v, str):
            ws.write_string(r, c, v)
        elif isinstance(v, bool):
            ws.write_boolean(r, c, v)
        elif v is not None and v != 0:  # a written -0.0 reads as 0.0 (see above)
            ws.write_number(r, c, v)
    wb.close()
    assert_same(path, monkeypatch)


def _corpus() -> Any:
    root = Path(__file__).parents[1] / "tables" / "corpus"
    name = "ade_layout_corpus"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, root / "__init__.py", submodule_search_locations=[str(root)]
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_the_layout_corpus_reads_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = _corpus()
    from ade_layout_corpus.generate import FAMILIES, cases  # type: ignore[import-not-found]
    from ade_layout_corpus.score import write_workbook  # type: ignore[import-not-found]

    assert corpus is not None
    for family in FAMILIES:
        for case in cases(family, n=4):
            assert_same(write_workbook(case, tmp_path / f"{case.name}.xlsx"), monkeypatch)
