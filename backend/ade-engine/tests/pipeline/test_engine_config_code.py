"""Config code at work: row classifiers, hook mapping changes, contract violations, CSV runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from ade_engine import run

ROWS = [["Member ID", "Email"], [1, "a@x.org"], [2, "b@x.org"], [3, "c@x.org"]]


def test_config_row_type_rows_are_excluded_and_reported(
    tmp_path: Path,
    xlsx: Callable[..., Path],
    config_dir: Callable[..., Path],
    tables: Callable[..., Any],
) -> None:
    config = config_dir(
        row_types=[{"name": "subtotal", "path": "row_types/subtotal.py"}],
        files={
            "row_types/subtotal.py": """
            def classify(*, values, row_index, row_number, sheet_name, **_):
                assert row_number == row_index + 1 and sheet_name == "S"
                first = values[0]
                return 5.0 if isinstance(first, str) and first.startswith("Branch") else None
            """
        },
    )
    rows = [ROWS[0], ROWS[1], ["Branch A", "x"], ROWS[2], ROWS[3]]
    out = tmp_path / "out"
    result = run(xlsx([{"name": "S", "rows": rows}]), config, out)
    assert result.ok, result.error
    (t,) = tables(result.artifact)
    assert t["range"] == "A1:B5"
    assert t["rows"] == {"data": 3, "excluded": 1, "written": 3}
    assert t["row_decisions"][0]["kind"] == "subtotal"
    assert result.artifact["sheets"][0]["row_types"]["subtotal"] == 1
    ids = [
        r[0]
        for r in CalamineWorkbook.from_path(str(out / "normalized.xlsx"))
        .get_sheet_by_index(0)
        .to_python()[1:]
    ]
    assert ids == [1.0, 2.0, 3.0]


def test_row_classifier_raising_names_its_line(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    config = config_dir(
        row_types=[{"name": "note", "path": "row_types/note.py"}],
        files={"row_types/note.py": "def classify(*, values, **_):\n    return values[9]\n"},
    )
    result = run(xlsx([{"name": "S", "rows": ROWS}]), config, tmp_path / "out")
    assert result.error is not None
    assert (result.error["file"], result.error["line"]) == ("row_types/note.py", 2)
    assert "IndexError" in result.error["message"]


def test_hook_mapping_to_a_missing_column_is_rejected(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    config = config_dir(
        hooks={"after_mapping": ["hooks/bad.py"]},
        files={
            "hooks/bad.py": """
            def run(*, table, **_):
                return {"email": "Z"}
            """
        },
    )
    result = run(xlsx([{"name": "S", "rows": ROWS}]), config, tmp_path / "out")
    assert result.error is not None
    assert result.error["file"] == "hooks/bad.py"
    assert "names column 'Z'" in result.error["message"]


def test_hook_mapping_one_column_twice_is_rejected(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    config = config_dir(
        hooks={"after_mapping": ["hooks/bad.py"]},
        files={
            "hooks/bad.py": """
            def run(*, table, **_):
                table["mapping"]["phone"] = table["mapping"]["email"]
            """
        },
    )
    result = run(xlsx([{"name": "S", "rows": ROWS}]), config, tmp_path / "out")
    assert result.error is not None
    assert "more than one field" in result.error["message"]


def test_validator_returning_non_strings_is_a_contract_error(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    config = config_dir(
        modules={"email": "def validate(*, values, **_):\n    return [False for v in values]\n"}
    )
    result = run(xlsx([{"name": "S", "rows": ROWS}]), config, tmp_path / "out")
    assert result.error is not None
    assert result.error["type"] == "config_code"
    assert (result.error["file"], result.error["line"]) == ("columns/email.py", 1)
    assert "message string" in result.error["message"]


def test_table_with_nothing_mapped_is_skipped(
    tmp_path: Path,
    xlsx: Callable[..., Path],
    config_dir: Callable[..., Path],
    tables: Callable[..., Any],
) -> None:
    wb = xlsx(
        [
            {
                "name": "S",
                "rows": [["Colour", "Size"], ["red", "L"], ["blue", "M"], [], [], *ROWS],
            }
        ]
    )
    result = run(wb, config_dir(), tmp_path / "out")
    assert result.ok
    skipped, mapped = tables(result.artifact)
    assert skipped["status"] == "skipped"
    assert skipped["rows"]["written"] == 0
    assert "min_score" in skipped["reason"]
    assert mapped["status"] == "mapped"
    assert result.metrics["rows_processed"] == 3


def test_csv_run_records_encoding_and_finds_stacked_tables(
    tmp_path: Path, config_dir: Callable[..., Path], tables: Callable[..., Any]
) -> None:
    path = tmp_path / "export.csv"
    text = (
        "Members;;\n\nMember ID;Email;Amount\n001;a@x.org;1,5\n002;b@x.org;2\n\n\n"
        "Email;Member ID;Amount\nc@x.org;003;7\n"
    )
    path.write_bytes(text.encode("cp1252"))
    out = tmp_path / "out"
    result = run(path, config_dir(), out)
    assert result.ok, result.error
    assert result.artifact["input"]["format"] == "csv"
    assert result.artifact["input"]["delimiter"] == ";"
    t1, t2 = tables(result.artifact)
    assert (t1["range"], t2["range"]) == ("A3:C5", "A8:C9")
    rows = (
        CalamineWorkbook.from_path(str(out / "normalized.xlsx")).get_sheet_by_index(0).to_python()
    )
    assert [r[0] for r in rows[1:]] == ["001", "002", "003"]
