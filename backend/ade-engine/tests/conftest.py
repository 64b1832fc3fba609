"""Shared fixtures: workbook and config builders (messy inputs are generated, never committed)."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter  # type: ignore[import-untyped]

from ade_engine import init_config
from ade_engine.testing import ods_bytes

Cell = Any


def write_xlsx(path: Path, sheets: list[dict[str, Any]]) -> Path:
    """Write a workbook. Each sheet: ``name``; ``rows`` (list of rows from ``origin``, default
    (0, 0)) and/or ``cells`` {(row, col): value}; ``merges`` [(r0, c0, r1, c1, text)];
    ``hidden_cols`` [col]; ``hidden`` bool; ``formulas`` {(row, col): (formula, cached)}."""
    wb = xlsxwriter.Workbook(str(path))
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    dt_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})

    def put(ws: Any, r: int, c: int, v: Cell) -> None:
        if v is None:
            return
        if isinstance(v, dt.datetime):
            ws.write_datetime(r, c, v, dt_fmt)
        elif isinstance(v, dt.date):
            ws.write_datetime(r, c, v, date_fmt)
        elif isinstance(v, str):
            ws.write_string(r, c, v)
        elif isinstance(v, bool):
            ws.write_boolean(r, c, v)
        else:
            ws.write_number(r, c, v)

    for spec in sheets:
        ws = wb.add_worksheet(spec.get("name"))
        r0, c0 = spec.get("origin", (0, 0))
        for i, row in enumerate(spec.get("rows", [])):
            for j, v in enumerate(row):
                put(ws, r0 + i, c0 + j, v)
        for (r, c), v in spec.get("cells", {}).items():
            put(ws, r, c, v)
        for r0_, c0_, r1_, c1_, text in spec.get("merges", []):
            ws.merge_range(r0_, c0_, r1_, c1_, text)
        for (r, c), (formula, cached) in spec.get("formulas", {}).items():
            ws.write_formula(r, c, formula, None, cached)
        for c in spec.get("hidden_cols", []):
            ws.set_column(c, c, None, None, {"hidden": True})
        if spec.get("hidden"):
            ws.hide()
    wb.close()
    return path


ROSTER_FIELDS = [
    ("member_id", "Member ID", ["member #", "id"]),
    ("first_name", "First Name", ["given name"]),
    ("last_name", "Last Name", ["surname"]),
    ("email", "Email", ["email address", "e-mail"]),
    ("phone", "Phone", ["telephone"]),
    ("birth_date", "Date of Birth", ["dob"]),
    ("amount", "Amount", ["dues"]),
]


def write_config(
    root: Path,
    *,
    fields: list[tuple[str, str, list[str]]] | None = None,
    modules: dict[str, str] | None = None,
    engine: dict[str, Any] | None = None,
    hooks: dict[str, list[str]] | None = None,
    row_types: list[dict[str, str]] | None = None,
    files: dict[str, str] | None = None,
    required: set[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """A config package: one module per field (``modules[field]`` is its source, default a
    module with no functions), plus ``files`` (path -> source)."""
    fields = fields if fields is not None else ROSTER_FIELDS
    modules = modules or {}
    root.mkdir(parents=True, exist_ok=True)
    columns = []
    for i, (fld, label, synonyms) in enumerate(fields, 1):
        path = f"columns/{fld}.py"
        (root / "columns").mkdir(exist_ok=True)
        (root / path).write_text(textwrap.dedent(modules.get(fld, '"""no code"""\n')))
        columns.append(
            {
                "field": fld,
                "label": label,
                "path": path,
                "ordinal": i,
                "required": fld in (required or set()),
                "synonyms": synonyms,
            }
        )
    for rel, source in (files or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(source))
    manifest: dict[str, Any] = {
        "schema": "ade.manifest/v1",
        "title": "Test config",
        "engine": engine or {},
        "columns": columns,
        "row_types": row_types or [],
        "hooks": hooks or {},
    }
    manifest.update(extra or {})
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return root


@pytest.fixture
def xlsx(tmp_path: Path) -> Callable[..., Path]:
    def make(sheets: list[dict[str, Any]], name: str = "input.xlsx") -> Path:
        return write_xlsx(tmp_path / name, sheets)

    return make


@pytest.fixture
def ods(tmp_path: Path) -> Callable[..., Path]:
    def make(sheets: dict[str, list[list[Any]]], name: str = "input.ods") -> Path:
        path = tmp_path / name
        path.write_bytes(ods_bytes(sheets))
        return path

    return make


@pytest.fixture
def config_dir(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def make(**kw: Any) -> Path:
        return write_config(tmp_path / f"config{next(counter)}", **kw)

    return make


@pytest.fixture
def roster_config(tmp_path: Path) -> Path:
    return init_config(tmp_path / "roster-config")


def load_artifact(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "artifact.json").read_text())
    return data


@pytest.fixture
def artifact() -> Callable[[Path], dict[str, Any]]:
    return load_artifact


def tables_of(art: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for s in art["sheets"] for t in s["tables"]]


@pytest.fixture
def tables() -> Callable[[dict[str, Any]], list[dict[str, Any]]]:
    return tables_of


def mapping_of(table: dict[str, Any]) -> dict[str, str]:
    """field -> source column letter."""
    return {m["field"]: m["column"] for m in table["mapping"]}


@pytest.fixture
def mapping() -> Callable[[dict[str, Any]], dict[str, str]]:
    return mapping_of
