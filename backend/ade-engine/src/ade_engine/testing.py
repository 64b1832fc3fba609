"""Test helpers shared by the suites of every package that feeds the engine spreadsheets
(shipped, like ade_api.testing, so one writer serves them all). Needs odfpy, a test dependency."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any


def ods_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    """An OpenDocument spreadsheet as LibreOffice writes one: None is an empty cell, numbers and
    dates are typed cells, anything else a string cell."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    for name, rows in sheets.items():
        table = Table(name=name)
        for row in rows:
            tr = TableRow()
            for value in row:
                if value is None:
                    tr.addElement(TableCell())
                    continue
                if isinstance(value, (int, float)):
                    cell = TableCell(valuetype="float", value=value)
                elif isinstance(value, dt.date):
                    cell = TableCell(valuetype="date", datevalue=value.isoformat())
                else:
                    cell = TableCell(valuetype="string")
                text = value.isoformat() if isinstance(value, dt.date) else str(value)
                cell.addElement(P(text=text))
                tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


def run_outputs(out: Path) -> tuple[list[tuple[str, bytes]], dict[str, Any]]:
    """What two runs of the same input must agree on: ``normalized.xlsx``'s members (names,
    order and bytes; the zip's own timestamps vary by the minute) and the artifact without its
    times."""
    with zipfile.ZipFile(out / "normalized.xlsx") as zf:
        members = [(i.filename, zf.read(i)) for i in zf.infolist()]
    art = json.loads((out / "artifact.json").read_text())
    for key in ("started_at", "finished_at", "passes"):
        art.pop(key, None)
    art["metrics"].pop("elapsed_ms", None)
    return members, art


def write_csv(
    path: Path, rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8"
) -> Path:
    """`rows` as a CSV file at `path`, as Python's csv module quotes them."""
    with path.open("w", newline="", encoding=encoding) as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path
