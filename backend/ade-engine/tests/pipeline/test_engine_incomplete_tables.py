"""``engine.incomplete_tables``: a table whose mapping leaves a required field unmapped (e.g. a
summary block beside the roster) is skipped by default, written with ``write``, and fails the
run with ``fail``."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from ade_engine import run

ROSTER: list[list[Any]] = [
    ["Member ID", "Email", "Dues"],
    [1, "a@x.org", 10.0],
    [2, "b@x.org", 20.0],
]
SUMMARY: list[list[Any]] = [["Surname", "Dues"], ["Smith", 300.0], ["Jones", 120.0]]


def workbook(xlsx: Callable[..., Path]) -> Path:
    cells = {(r, c): v for r, row in enumerate(ROSTER) for c, v in enumerate(row)}
    cells.update({(r, c + 4): v for r, row in enumerate(SUMMARY) for c, v in enumerate(row)})
    return xlsx([{"name": "S", "cells": cells}])


def output_rows(result: Any) -> list[tuple[Any, ...]]:
    wb = load_workbook(result.output_path, read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    wb.close()
    return rows[1:]


def test_an_incomplete_table_is_skipped_by_default(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path], tables: Any
) -> None:
    result = run(workbook(xlsx), config_dir(required={"member_id"}), tmp_path / "out")
    assert result.ok, result.error
    roster, summary = tables(result.artifact)
    assert (roster["status"], roster["rows"]["written"]) == ("mapped", 2)
    assert summary["status"] == "skipped"
    assert summary["reason"] == (
        "required field 'Member ID' (member_id) not mapped: the table is not written "
        "(engine.incomplete_tables = skip)"
    )
    assert [i["field"] for i in summary["table_issues"]] == ["member_id"]
    assert summary["mapping"]  # its mapping is still recorded
    assert summary["rows"]["written"] == 0
    assert summary["output_rows"] is None
    assert result.artifact["metrics"]["rows_processed"] == 2
    assert [r[0] for r in output_rows(result)] == [1, 2]
    assert result.artifact["settings"]["incomplete_tables"] == "skip"


def test_write_keeps_the_old_behaviour(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path], tables: Any
) -> None:
    config = config_dir(required={"member_id"}, engine={"incomplete_tables": "write"})
    result = run(workbook(xlsx), config, tmp_path / "out")
    assert result.ok, result.error
    _, summary = tables(result.artifact)
    assert (summary["status"], summary["rows"]["written"]) == ("mapped", 2)
    assert summary["table_issues"][0]["type"] == "required_field_unmapped"
    assert result.artifact["metrics"]["rows_processed"] == 4


def test_fail_fails_the_run_and_names_the_table(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    config = config_dir(required={"member_id"}, engine={"incomplete_tables": "fail"})
    result = run(workbook(xlsx), config, tmp_path / "out")
    assert result.status == "failed"
    assert result.error is not None
    assert result.error["type"] == "input"
    assert result.error["message"] == (
        "table S!E1:F3: required field 'Member ID' (member_id) not mapped "
        "(engine.incomplete_tables = fail)"
    )
    assert result.output_path is None
    assert not (tmp_path / "out" / "normalized.xlsx").exists()


def test_the_check_sees_the_mapping_hooks_made(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path], tables: Any
) -> None:
    # A before_save hook that maps the summary's Surname column to member_id completes it.
    hook = """
    def run(*, tables, **_):
        for t in tables:
            if t["mapping"].get("member_id") is None:
                first = t["columns"][0]["letter"]
                t["mapping"] = {f: None if c == first else c for f, c in t["mapping"].items()}
                t["mapping"]["member_id"] = first
    """
    config = config_dir(
        required={"member_id"},
        files={"hooks/complete.py": textwrap.dedent(hook)},
        hooks={"before_save": ["hooks/complete.py"]},
    )
    result = run(workbook(xlsx), config, tmp_path / "out")
    assert result.ok, result.error
    assert [t["status"] for t in tables(result.artifact)] == ["mapped", "mapped"]
    assert result.artifact["metrics"]["rows_processed"] == 4
