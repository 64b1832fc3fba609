"""``.xlsx``/``.xlsm`` sheets streamed row by row with python-calamine-plus, never held whole.

python-calamine loads a whole sheet into memory (358-364 MiB for 200,000 x 20 cells);
python-calamine-plus (a fork of it) decodes rows straight from the compressed sheet as they are
iterated. Each read of a sheet streams it again. The rows are made the same as python-calamine's
(:func:`~ade_engine.read.calamine.open_calamine`):

- the used range (first and last non-empty row and column, error cells included) is found by
  a first streaming pass when the sheet is prepared; rows are then cut to it and padded to its
  width, and rows after its last row are not read (python-calamine's ``start``/``end``);
- whole numbers come back as ``int`` from the fork and are made ``float``;
- error cells come back as their text (``"#DIV/0!"``) from the fork and as ``""`` from
  python-calamine: their positions (``t="e"``) and the merged ranges are found by scanning the
  sheet's XML bytes, which is decompressed once for that (no XML parse);
- where that cannot be done (a sheet's XML is not where the workbook says, an error cell with
  no ``r`` address), the sheet is read with python-calamine instead.

Differences left (tests/read/test_engine_xlsx_stream.py): a number stored as ``-0`` reads as
``0.0`` instead of ``-0.0`` (both clean to ``0``); a cell holding an empty string counts in
python-calamine's used range but reads as an empty cell from the stream, so where such cells
are the first or last of the used range, the streamed range is smaller (its rows hold the same
non-empty values).

Only sheets over :data:`~ade_engine.read.calamine.STREAM_CELLS` are streamed: each read parses
the sheet again, which costs more time than iterating a loaded sheet.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from defusedxml import ElementTree as SafeET

_ERROR_ATTR = b't="e"'
_MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_CHUNK = 1 << 20
_OVERLAP = 512
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_REF = re.compile(r"^\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$")
#: Bytes of sheet XML a cell takes at least (``<c r="A1" t="s"><v>1</v></c>`` and the like),
#: to estimate the cells of a sheet whose ``<dimension>`` does not tell.
_XML_BYTES_PER_CELL = 24


@dataclass
class SheetPart:
    """What the package says of one sheet, read without its cells: its XML member, hidden
    columns (0-based, from ``<cols>``) and how many cells it has (its ``<dimension>``'s, or
    an estimate from the XML's size)."""

    member: str
    hidden: set[int] = field(default_factory=set)
    cells: int = 0


class Unstreamable(Exception):
    """The sheet cannot be read the same way as python-calamine reads it by streaming."""


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _dimension_cells(ref: str) -> int:
    m = _REF.match(ref.strip().upper())
    if m is None or m.group(3) is None:
        return 0  # "A1" alone is what some writers put whatever the sheet holds
    c0, c1 = _col(m.group(1).encode()), _col(m.group(3).encode())
    return (abs(int(m.group(4)) - int(m.group(2))) + 1) * (abs(c1 - c0) + 1)


def xlsx_sheet_parts(path: Path) -> dict[str, SheetPart]:
    """Map sheet name -> :class:`SheetPart`, reading each sheet's XML up to ``<sheetData>``."""
    parts: dict[str, SheetPart] = {}
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        wb_xml = SafeET.fromstring(zf.read("xl/workbook.xml"))
        rels_xml = SafeET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels_xml}
        sheets_el = wb_xml.find(f"{_NS_MAIN}sheets")
        for sh in sheets_el if sheets_el is not None else []:
            target = targets.get(sh.get(f"{_NS_REL}id"), "")
            if not target:
                continue
            member = (
                target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            )
            if member not in names:
                continue
            part = SheetPart(member)
            with zf.open(member) as fh:
                for _event, el in SafeET.iterparse(fh, events=("start",)):
                    tag = el.tag.rsplit("}", 1)[-1]
                    if tag == "sheetData":
                        break
                    if tag == "dimension":
                        part.cells = _dimension_cells(el.get("ref", ""))
                    if tag == "col" and el.get("hidden") in ("1", "true"):
                        lo, hi = int(el.get("min", "1")), int(el.get("max", "1"))
                        part.hidden.update(range(lo - 1, min(hi, 16384)))
            if not part.cells:
                part.cells = zf.getinfo(member).file_size // _XML_BYTES_PER_CELL
            parts[sh.get("name", "")] = part
    return parts


def scan_sheet_xml(zf: zipfile.ZipFile, member: str) -> tuple[list[Any], set[tuple[int, int]]]:
    """Merged ranges ``(r0, c0, r1, c1)`` and error cells ``(row, col)`` of a sheet, from its
    XML bytes (decompressed a chunk at a time; found by byte search, not parsed)."""
    merged: list[tuple[int, int, int, int]] = []
    errors: set[tuple[int, int]] = set()
    tail = b""
    with zf.open(member) as fh:
        while chunk := fh.read(_CHUNK):
            buf = tail + chunk
            start = 0
            while (i := buf.find(_ERROR_ATTR, start)) >= 0:
                start = i + 1
                cell = buf.rfind(b"<c ", 0, i)
                if cell < 0:
                    if len(tail) > 0:
                        continue  # seen in the previous chunk's overlap
                    raise Unstreamable("error cell without its <c> tag")
                close = buf.find(b">", cell)
                if 0 <= close < i:
                    continue  # inside a value (inline text), not a cell's attribute
                ref = _CELL_REF.search(buf, cell, close if close >= 0 else len(buf))
                if ref is None:
                    raise Unstreamable("error cell without an address")
                errors.add((int(ref.group(2)) - 1, _col(ref.group(1))))
            if b"<mergeCell" in buf:
                for m in _MERGE.finditer(buf):
                    r0, c0 = int(m.group(2)) - 1, _col(m.group(1))
                    r1, c1 = int(m.group(4)) - 1, _col(m.group(3))
                    if (r0, c0, r1, c1) not in merged:
                        merged.append((r0, c0, r1, c1))
            tail = buf[-_OVERLAP:]
    return merged, errors


def used_range(rows: Iterator[list[Any]]) -> tuple[int, int, int, int] | None:
    """``(first_row, first_col, last_row, last_col)`` of the non-empty cells, or None."""
    r0 = c0 = r1 = c1 = -1
    blank: list[str] = []
    for r, row in enumerate(rows):
        n = len(row)
        if row.count("") == n:
            continue
        if len(blank) < n:
            blank = [""] * n
        if r0 < 0:
            r0 = r
            c0 = next(i for i, v in enumerate(row) if v != "")
            c1 = n - 1 - next(i for i, v in enumerate(reversed(row)) if v != "")
        else:
            if c0 > 0 and row[:c0] != blank[:c0]:
                c0 = next(i for i, v in enumerate(row) if v != "")
            if n > c1 + 1 and row[c1 + 1 :] != blank[: n - c1 - 1]:
                c1 = n - 1 - next(i for i, v in enumerate(reversed(row)) if v != "")
        r1 = r
    return None if r0 < 0 else (r0, c0, r1, c1)


def with_cells(
    bounds: tuple[int, int, int, int] | None, cells: set[tuple[int, int]]
) -> tuple[int, int, int, int] | None:
    """``bounds`` grown to hold ``cells`` (error cells: the stream shows their text, which
    :func:`used_range` counted, but python-calamine counts them as cells too)."""
    if not cells:
        return bounds
    rows, cols = [r for r, _ in cells], [c for _, c in cells]
    r0, c0, r1, c1 = bounds or (min(rows), min(cols), max(rows), max(cols))
    return min(r0, *rows), min(c0, *cols), max(r1, *rows), max(c1, *cols)


def shaped_rows(
    rows: Iterator[list[Any]],
    bounds: tuple[int, int, int, int],
    errors: set[tuple[int, int]],
) -> Iterator[list[Any]]:
    """Rows 0 to the last row of ``bounds``, cut to its columns and padded to its width,
    whole numbers as floats and error cells empty: python-calamine's rows."""
    _r0, c0, r1, c1 = bounds
    width, end = c1 - c0 + 1, c1 + 1
    pad = [""] * width
    error_rows: dict[int, list[int]] = {}
    for er, ec in errors:
        if c0 <= ec <= c1:
            error_rows.setdefault(er, []).append(ec - c0)
    for r, row in enumerate(rows):
        if r > r1:
            return
        if len(row) != end or c0:
            row = row[c0:end]
            if len(row) < width:
                row += pad[len(row) :]
        if int in set(map(type, row)):
            row = [float(v) if v.__class__ is int else v for v in row]
        if r in error_rows:
            for c in error_rows[r]:
                row[c] = ""
        yield row


def stream_rows(wb: Any, name: str) -> Iterator[list[Any]]:
    """Every row of sheet ``name`` from row 0, as the fork streams them. A workbook has one
    active stream: if another read started one meanwhile, this one starts again where it was."""
    import python_calamine_plus as pp

    r = 0
    while True:
        try:
            for row in wb.stream_sheet_by_name(name, min_row=r):
                yield row
                r += 1
            return
        except pp.StreamInvalidated:
            continue
