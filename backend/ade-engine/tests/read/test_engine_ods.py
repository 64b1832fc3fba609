"""OpenDocument spreadsheets (.ods): read like any workbook, and run end to end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ade_engine import run
from ade_engine.read import open_workbook, sniff_format


def test_ods_cells_keep_their_types(ods: Callable[..., Path]) -> None:
    path = ods({"Members": [["Name", "Joined", "Dues"], ["Ada", dt.date(2024, 3, 15), 12.5]]})
    assert sniff_format(path) == "ods"
    (sheet,) = open_workbook(path).sheets
    assert sheet.name == "Members"
    rows = [list(r) for r in sheet.iter_rows()]
    assert rows[0] == ["Name", "Joined", "Dues"]
    assert rows[1][0] == "Ada"
    assert rows[1][1] in (dt.date(2024, 3, 15), dt.datetime(2024, 3, 15))
    assert rows[1][2] == 12.5


def test_an_ods_roster_maps_like_its_xlsx_twin(
    ods: Callable[..., Path],
    roster_config: Path,
    tmp_path: Path,
    artifact: Callable[[Path], dict[str, Any]],
    tables: Callable[[dict[str, Any]], list[dict[str, Any]]],
    mapping: Callable[[dict[str, Any]], dict[str, str]],
) -> None:
    path = ods(
        {
            "Roster": [
                ["First Name", "Last Name", "Email"],
                ["Ada", "Lovelace", "ada@example.org"],
                ["Alan", "Turing", "alan@example.org"],
            ]
        }
    )
    out = tmp_path / "out"
    run(path, roster_config, out)
    art = artifact(out)
    assert art["status"] == "succeeded", art.get("error")
    (table,) = tables(art)
    assert mapping(table) == {"first_name": "A", "last_name": "B", "email": "C"}
    assert (out / "normalized.xlsx").is_file()
