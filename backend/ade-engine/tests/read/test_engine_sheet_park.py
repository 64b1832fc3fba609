"""A spreadsheet sheet set aside to make room for the next one (parked) is copied to disk and
read back from the copy: the same values of the same types, parsed once; and a run's outputs
do not depend on how its sheets were kept (loaded, parked, or released and parsed again when
no copy can be written)."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ade_engine import pipeline, run
from ade_engine.read import Sheet, calamine, open_workbook, spill

TYPES_SHEET: dict[str, Any] = {
    "name": "Types",
    "origin": (2, 1),  # the used range starts at B3: rows are read from column B
    "rows": [
        ["ID", "Name", "Joined", "Seen", "Amount", "Active", "Mixed", "Dates"],
        [1, "  Ann ", dt.date(2020, 1, 2), dt.datetime(2020, 1, 2, 3, 4, 5), 1.5, True, 7, None],
        [2, "Bob", None, dt.datetime(2021, 6, 7, 8, 9, 10), -0.0, False, "x", None],
        [2**53 + 2, "", dt.date(1900, 3, 1), None, 1e20, None, dt.date(2022, 2, 2), None],
    ],
    "cells": {(40, 9): "far away", (41, 1): 3.25},
    "merges": [(0, 1, 0, 4, "A merged title")],
    "formulas": {(6, 3): ("=B4*2", 2), (6, 4): ("=1/0", "#DIV/0!")},
}


@pytest.fixture(autouse=True)
def loaded_sheets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parking is for sheets loaded whole by python-calamine (``.xls``, ``.ods``, and
    ``.xlsx`` without streaming); streamed sheets hold nothing to park."""
    monkeypatch.setattr(calamine, "STREAM_CELLS", 10**18)


def typed_rows(sheet: Sheet) -> list[list[tuple[type, Any]]]:
    return [[(type(v), v) for v in row] for row in sheet.iter_rows()]


def test_a_parked_sheet_reads_back_the_same_rows(xlsx: Callable[..., Path]) -> None:
    wb = open_workbook(xlsx([TYPES_SHEET, {"name": "Other", "rows": [["a"]]}]))
    sheet = wb.sheets[0]
    sheet.prepare()
    loaded = typed_rows(sheet)
    offset, merged = sheet.col_offset, sheet.merged
    assert (offset, len(merged), len(loaded)) == (1, 1, 42)
    sheet.park()
    assert sheet.loaded_cells == 0
    sheet.prepare()  # nothing to load: the rows come from the copy
    assert sheet.loads == 1
    assert typed_rows(sheet) == loaded
    assert typed_rows(sheet) == loaded  # the copy can be read again
    assert (sheet.col_offset, sheet.merged) == (offset, merged)
    sheet.release()
    sheet.prepare()  # released (no longer needed) and then used anyway: parsed again
    assert sheet.loads == 2
    assert typed_rows(sheet) == loaded
    wb.close()


def test_an_empty_sheet_parks(xlsx: Callable[..., Path]) -> None:
    wb = open_workbook(xlsx([{"name": "Empty"}, {"name": "Other", "rows": [["a"]]}]))
    sheet = wb.sheets[0]
    sheet.prepare()
    sheet.park()
    assert list(sheet.iter_rows()) == []
    assert sheet.loads == 1
    wb.close()


def test_without_room_for_the_copy_a_parked_sheet_is_parsed_again(
    xlsx: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spill, "_temporary_file", lambda: None)
    wb = open_workbook(xlsx([TYPES_SHEET]))
    (sheet,) = wb.sheets
    sheet.prepare()
    loaded = typed_rows(sheet)
    sheet.park()
    assert sheet.loaded_cells == 0
    sheet.prepare()
    assert sheet.loads == 2
    assert typed_rows(sheet) == loaded
    wb.close()


def roster_sheet(name: str, first: int, rows: int) -> dict[str, Any]:
    body = [
        [
            first + i,
            f"First{first + i}",
            f"Last{first + i}",
            f"user{first + i}@example.com" if i % 7 else "not an email",
            f"555-{i:04d}",
            dt.date(1960, 1, 1) + dt.timedelta(days=(first + i) * 37),
            round((first + i) * 1.25, 2) if i % 5 else None,
        ]
        for i in range(rows)
    ]
    header = ["Member ID", "First Name", "Last Name", "Email", "Phone", "DOB", "Dues"]
    return {"name": name, "rows": [[f"{name} export"], [], header, *body]}


def parts(path: Path) -> list[tuple[str, bytes]]:
    """The package's parts in order, uncompressed (the zip stamps each with the time it was
    written, so the bytes of two runs' files differ in that alone)."""
    with zipfile.ZipFile(path) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


def outputs(source: Path, config: Path, out: Path) -> tuple[list[tuple[str, bytes]], Any]:
    result = run(source, config, out)
    assert result.ok, result.error
    art = json.loads((out / "artifact.json").read_text())
    for key in ("started_at", "finished_at"):
        art.pop(key)
    art["metrics"].pop("elapsed_ms")
    for record in art["passes"]:
        record.pop("elapsed_ms")
    return parts(out / "normalized.xlsx"), art


@pytest.mark.parametrize("sizes", [[60, 60, 60], [5, 300, 40, 2]])
def test_outputs_do_not_depend_on_how_sheets_are_kept(
    tmp_path: Path,
    xlsx: Callable[..., Path],
    roster_config: Path,
    monkeypatch: pytest.MonkeyPatch,
    sizes: list[int],
) -> None:
    sheets = [roster_sheet(f"Roster{k + 1}", 1000 * k, n) for k, n in enumerate(sizes)]
    sheets.insert(1, {"name": "Notes", "rows": [["just some notes"]]})
    source = xlsx(sheets)
    results = {}
    temporary_file = spill._temporary_file
    for label, retain, room, stream, batch in (
        ("every sheet kept loaded", 10**12, True, False, 4096),
        ("the sheets over a budget of 500 cells parked", 500, True, False, 4096),
        ("every sheet parked", 0, True, False, 4096),
        ("released and parsed again (no room for copies)", 0, False, False, 4096),
        ("streamed (python-calamine-plus)", 0, False, True, 4096),
        ("streamed and copied to disk", 0, True, True, 4096),
        ("streamed and copied in blocks of 7 rows", 0, True, True, 7),
    ):
        monkeypatch.setattr(pipeline, "RETAIN_CELLS", retain)
        monkeypatch.setattr(calamine, "STREAM_CELLS", 0 if stream else 10**18)
        monkeypatch.setattr(calamine, "SPILL_ROWS", batch)
        monkeypatch.setattr(spill, "_temporary_file", temporary_file if room else lambda: None)
        results[label] = outputs(source, roster_config, tmp_path / label.replace(" ", "-"))
    (first_label, first), *others = results.items()
    assert first[1]["metrics"]["rows_processed"] == sum(sizes)
    for label, other in others:
        assert other[0] == first[0], f"normalized.xlsx differs: {label} vs {first_label}"
        assert other[1] == first[1], f"artifact differs: {label} vs {first_label}"
