"""Test helpers shared by the suites of every package that feeds the engine spreadsheets
(shipped, like ade_api.testing, so one writer serves them all). Needs odfpy, a test dependency."""

from __future__ import annotations

import datetime as dt
import io
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
