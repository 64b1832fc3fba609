"""The extract format, in-process: cell encoding, what the writer keeps, and paging."""

from __future__ import annotations

import datetime as dt
import json
import struct
from pathlib import Path

import openpyxl
import pytest

from ade_api.previews.extract import (
    FORMAT,
    META,
    ExtractMeta,
    encode_cell,
    encode_row,
    main,
    write_extract,
)
from ade_api.previews.pages import find_sheet, load_meta, read_page
from ade_api.previews.schemas import RowsPage


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (None, None),
        ("", None),
        ("  text ", "  text "),  # as the file has it: the preview shows the source
        (7, 7),
        (True, True),
        (100000.0, 100000),  # integral spreadsheet numbers are ints, as the engine cleans them
        (2.5, 2.5),
        (2.0**60, 2.0**60),  # too big to be an exact JSON integer in a browser
        (float("inf"), "inf"),  # JSON has no infinity
        (dt.date(2024, 1, 2), {"t": "date", "v": "2024-01-02"}),
        (dt.datetime(2024, 1, 2, 9, 30), {"t": "datetime", "v": "2024-01-02T09:30:00"}),
        (dt.time(9, 30, 15), {"t": "time", "v": "09:30:15"}),
        (dt.timedelta(hours=5, minutes=30), {"t": "duration", "v": "PT5H30M"}),
        (dt.timedelta(days=1, seconds=0.5), {"t": "duration", "v": "P1DT0.5S"}),
        (dt.timedelta(minutes=-30), {"t": "duration", "v": "-PT30M"}),
        (dt.timedelta(0), {"t": "duration", "v": "PT0S"}),
    ],
)
def test_cells_are_encoded_compactly_and_typed(value: object, encoded: object) -> None:
    assert encode_cell(value) == encoded


def test_a_row_starts_at_column_a_and_loses_its_trailing_empties() -> None:
    line, width = encode_row(["a", "", 1.0, "", ""], col_offset=2)
    assert line == b'[null,null,"a",null,1]\n'
    assert width == 5
    assert encode_row(["", ""], col_offset=3) == (b"[]\n", 0)
    assert encode_row(["caf\u00e9\nbar"], 0)[0] == '["caf\u00e9\\nbar"]\n'.encode()  # one line


def _workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    first.title = "People"
    first["B2"] = "Name"
    first["C2"] = "Joined"
    first["B3"] = "Ada"
    first["C3"] = dt.datetime(2024, 1, 2, 9, 30)
    first["D4"] = 3
    hidden = wb.create_sheet("Notes")
    hidden.sheet_state = "hidden"
    hidden["A1"] = True
    wb.create_sheet("Empty")
    wb.save(path)
    return path


def test_a_workbook_extract_lists_every_sheet_and_keeps_absolute_positions(
    tmp_path: Path,
) -> None:
    source = _workbook(tmp_path / "source.xlsx")
    dest = tmp_path / "extract"
    dest.mkdir()
    meta = write_extract(source, dest, max_rows=100, max_bytes=10_000)
    assert [(s.name, s.index, s.visibility, s.rows, s.columns) for s in meta.sheets] == [
        ("People", 0, "visible", 4, 4),
        ("Notes", 1, "hidden", 1, 1),
        ("Empty", 2, "visible", 0, 0),
    ]
    assert not meta.truncated
    assert load_meta(dest) == meta

    page = read_page(dest, meta, 0, 0, 10)
    body = json.loads(page.render())
    # Row 0 is sheet row 1, column 0 is A: B2 is rows[1][1], as the engine numbers them.
    assert body["rows"] == [
        [],
        [None, "Name", "Joined"],
        [None, "Ada", {"t": "datetime", "v": "2024-01-02T09:30:00"}],
        [None, None, None, 3],
    ]
    assert (body["sheet"], body["total"], body["truncated"]) == ("People", 4, False)
    # What is sent is what the OpenAPI document describes.
    RowsPage.model_validate_json(page.render())
    empty = json.loads(read_page(dest, meta, 2, 0, 10).render())
    assert (empty["sheet"], empty["rows"], empty["total"]) == ("Empty", [], 0)


def _csv_extract(tmp_path: Path, rows: int, **caps: int) -> tuple[Path, ExtractMeta]:
    source = tmp_path / "source.csv"
    source.write_text(
        "id;amount;when\n" + "".join(f"{i};{i},5;15.03.2024\n" for i in range(rows)),
        encoding="cp1252",
    )
    dest = tmp_path / "extract"
    dest.mkdir()
    return dest, write_extract(
        source, dest, max_rows=caps.get("max_rows", 10**6), max_bytes=caps.get("max_bytes", 10**8)
    )


def test_a_csv_is_one_sheet_typed_as_the_engine_types_it(tmp_path: Path) -> None:
    dest, meta = _csv_extract(tmp_path, 3)
    assert [(s.name, s.rows, s.columns) for s in meta.sheets] == [("source", 4, 3)]
    rows = json.loads(read_page(dest, meta, 0, 1, 1).render())["rows"]
    # `;`-delimited: a decimal comma, and a day-first date, as a run reads them.
    assert rows == [[0, 0.5, {"t": "date", "v": "2024-03-15"}]]


def test_pages_are_windows_of_the_sheet(tmp_path: Path) -> None:
    dest, meta = _csv_extract(tmp_path, 999)  # 1,000 rows with the header
    ids = [
        row[0]
        for offset in range(0, 1000, 300)
        for row in json.loads(read_page(dest, meta, 0, offset, 300).render())["rows"]
    ]
    assert ids == ["id", *range(999)]
    last = json.loads(read_page(dest, meta, 0, 998, 300).render())
    assert [row[0] for row in last["rows"]] == [997, 998]
    past = json.loads(read_page(dest, meta, 0, 5000, 300).render())
    assert (past["rows"], past["offset"], past["total"]) == ([], 5000, 1000)


def test_the_index_holds_one_offset_per_row_and_the_end(tmp_path: Path) -> None:
    dest, meta = _csv_extract(tmp_path, 9)
    index = (dest / "0.idx").read_bytes()
    offsets = struct.unpack(f"<{len(index) // 8}Q", index)
    assert len(offsets) == meta.sheets[0].rows + 1
    assert offsets[0] == 0
    assert offsets[-1] == (dest / "0.jsonl").stat().st_size


def test_the_row_cap_truncates_the_sheet_and_the_ones_after_it(tmp_path: Path) -> None:
    source = _workbook(tmp_path / "source.xlsx")
    dest = tmp_path / "extract"
    dest.mkdir()
    meta = write_extract(source, dest, max_rows=2, max_bytes=10_000)
    assert meta.truncated
    assert [(s.rows, s.truncated) for s in meta.sheets] == [(2, True), (0, True), (0, True)]
    page = json.loads(read_page(dest, meta, 0, 0, 10).render())
    assert (page["total"], page["truncated"], len(page["rows"])) == (2, True, 2)


def test_the_byte_cap_stops_before_the_line_that_would_pass_it(tmp_path: Path) -> None:
    dest, meta = _csv_extract(tmp_path, 100, max_bytes=200)
    size = (dest / "0.jsonl").stat().st_size
    assert size <= 200
    assert meta.truncated
    assert meta.sheets[0].truncated
    assert 0 < meta.sheets[0].rows < 101


def test_an_extract_without_meta_or_of_another_format_is_not_used(tmp_path: Path) -> None:
    dest, meta = _csv_extract(tmp_path, 3)
    assert load_meta(dest) == meta
    raw = json.loads((dest / META).read_bytes())
    (dest / META).write_text(json.dumps({**raw, "format": FORMAT + 1}))
    assert load_meta(dest) is None
    (dest / META).write_text(json.dumps({**raw, "reader": "ade-engine 0.0.0"}))
    assert load_meta(dest) is None
    (dest / META).unlink()
    assert load_meta(dest) is None


def test_sheets_are_found_by_name(tmp_path: Path) -> None:
    source = _workbook(tmp_path / "source.xlsx")
    dest = tmp_path / "extract"
    dest.mkdir()
    meta = write_extract(source, dest, max_rows=100, max_bytes=10_000)
    assert find_sheet(meta, None) == 0
    assert find_sheet(meta, "Notes") == 1
    assert find_sheet(meta, "notes") is None
    assert find_sheet(ExtractMeta(reader="x"), None) is None


def test_the_child_entry_point_reports_an_unreadable_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "source.xlsx"
    source.write_bytes(b"PK\x03\x04 not really a zip")
    dest = tmp_path / "extract"
    dest.mkdir()
    code = main([str(source), str(dest), "--max-rows=10", "--max-bytes=1000"])
    assert code == 2
    assert "source.xlsx" in json.loads(capsys.readouterr().out)["error"]
    assert not (dest / META).exists()
