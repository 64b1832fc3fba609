"""ade config init: the example package validates and maps its own sample fully."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from ade_engine import init_config, run, validate_config
from ade_engine.errors import EngineError


def test_init_config_writes_a_valid_package(tmp_path: Path) -> None:
    root = init_config(tmp_path / "cfg")
    assert validate_config(root) == []
    manifest = json.loads((root / "manifest.json").read_text())
    fields = [c["field"] for c in manifest["columns"]]
    assert fields == [
        "member_id",
        "first_name",
        "last_name",
        "full_name",
        "email",
        "phone",
        "birth_date",
        "hire_date",
        "amount",
    ]
    assert (root / "README.md").is_file()
    assert not list(root.rglob("__pycache__"))


def test_init_config_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "keep.txt").write_text("mine")
    with pytest.raises(EngineError, match="not an empty folder"):
        init_config(tmp_path / "cfg")


def test_example_config_maps_its_sample_fully(tmp_path: Path) -> None:
    root = init_config(tmp_path / "cfg")
    out = tmp_path / "out"
    result = run(root / "samples" / "members.csv", root, out)
    assert result.ok, result.error
    (table,) = result.summary["tables"]
    assert table["unmapped_fields"] == []
    assert {m["field"]: m["header"] for m in table["mapping"]} == {
        "member_id": "Member #",
        "first_name": "Given Name",
        "last_name": "Surname",
        "full_name": "Member Name",
        "email": "E-Mail Address",
        "phone": "Telephone",
        "birth_date": "DOB",
        "hire_date": "Start Date",
        "amount": "Dues",
    }
    assert table["rows"] == 5
    rows = (
        CalamineWorkbook.from_path(str(out / "normalized.xlsx")).get_sheet_by_index(0).to_python()
    )
    assert rows[1][0] == "000123"
    assert rows[1][8] == 1250.0
    assert rows[2][6] == dt.date(1912, 6, 23)
    assert rows[4][6] == dt.date(1930, 5, 11)
    assert result.metrics["issues"] == 0
