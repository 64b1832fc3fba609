"""``.xlsx``/``.xlsm`` sheets streamed row by row with python-calamine-plus, never held whole.

python-calamine loads a whole sheet into memory (358-364 MiB for 200,000 x 20 cells);
python-calamine-plus (a fork of it) decodes rows straight from the compressed sheet as they are
iterated. The stream is taken a batch of rows at a time, and each batch is made a block by
column (:func:`sheet_blocks`, as a CSV's are typed), so that the values are fixed a column at a
time and the engine's passes can read the sheet by column. The first read that runs to the end
also copies the blocks to disk (:mod:`.spill`, in :mod:`.calamine`) and later reads replay the
copy. Every cell has the value python-calamine gives it
(:func:`~ade_engine.read.calamine.open_calamine`), at the same sheet row and column:

- rows start at column A (:attr:`Sheet.col_offset` 0; python-calamine's start at the first
  column used, which would need a pass over the sheet before the first read to know), and are
  as wide as the fork streams them (the sheet's ``<dimension>``, else up to their last cell);
  rows after the last one with a value are dropped, as python-calamine ends at it. The engine's
  outputs do not depend on this (its tests pass byte for byte with every sheet streamed);
- whole numbers come back as ``int`` from the fork and are made ``float``;
- error cells come back as their text (``"#DIV/0!"``) from the fork and as ``""`` from
  python-calamine: their positions (``t="e"``) and the merged ranges are found by scanning the
  sheet's XML bytes (decompressed once for that, no XML parse) in a background thread
  (:class:`SheetScan`) while the first rows are read;
- where that cannot be done (a sheet's XML is not where the workbook says, cells without
  ``r`` addresses among which are error cells), the sheet is read with python-calamine instead.

Differences left (tests/read/test_engine_xlsx_stream.py): a number stored as ``-0`` reads as
``0.0`` instead of ``-0.0`` (both clean to ``0``); a cell holding an empty string counts in
python-calamine's used range but reads as an empty cell from the stream, so trailing rows that
hold only such cells are not read.

Only sheets over :data:`~ade_engine.read.calamine.STREAM_CELLS` are streamed: copying the rows
and reading them back cost about what streaming saves against loading the sheet. The fork holds
the GIL while it decodes rows, so a thread streaming the next batch would not overlap the
engine's work on the last one.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from defusedxml import ElementTree as SafeET

from ade_engine.read.csvtype import TypedBlock
from ade_engine.read.spill import holds_of

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


class UnstreamableError(Exception):
    """The sheet cannot be streamed with the same values as python-calamine reads."""


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
                    raise UnstreamableError("error cell without its <c> tag")
                close = buf.find(b">", cell)
                if 0 <= close < i:
                    continue  # inside a value (inline text), not a cell's attribute
                ref = _CELL_REF.search(buf, cell, close if close >= 0 else len(buf))
                if ref is None:
                    raise UnstreamableError("error cell without an address")
                errors.add((int(ref.group(2)) - 1, _col(ref.group(1))))
            if b"<mergeCell" in buf:
                for m in _MERGE.finditer(buf):
                    r0, c0 = int(m.group(2)) - 1, _col(m.group(1))
                    r1, c1 = int(m.group(4)) - 1, _col(m.group(3))
                    if (r0, c0, r1, c1) not in merged:
                        merged.append((r0, c0, r1, c1))
            tail = buf[-_OVERLAP:]
    return merged, errors


def stream_batches(wb: Any, name: str, size: int) -> Iterator[list[list[Any]]]:
    """Every row of sheet ``name`` from row 0 as the fork streams them, ``size`` rows at a time
    (taken from the stream in C). A workbook has one active stream: if another read started
    one meanwhile, this one starts again after the last batch it gave."""
    import python_calamine_plus as pp

    r = 0
    while True:
        try:
            stream = wb.stream_sheet_by_name(name, min_row=r)
            while batch := list(itertools.islice(stream, size)):
                r += len(batch)
                yield batch
            return
        except pp.StreamInvalidated:
            continue


def sheet_blocks(
    batches: Iterable[list[list[Any]]],
    errors: Callable[[], set[tuple[int, int]]],
    ready: Callable[[], bool] = lambda: True,
) -> Iterator[TypedBlock]:
    """The streamed rows as the engine reads them, a block (by column) per batch: whole numbers
    as floats, error cells empty, rows padded to the block's widest, and no empty rows after
    the last one with a value (an error counts as one, as in python-calamine). Empty rows are
    held as their widths until a row with a value comes, so a sheet formatted down to its last
    row does not hold a million rows; they are given back in blocks of a batch's rows (the last
    of them before the next batch's rows, in its block).

    ``errors()`` gives the error cells (it may wait for :class:`SheetScan`); until ``ready()``,
    it is asked only when a block holds text starting with ``#``, which error cells stream as.
    Each block knows its columns' types where a column has one (and no empty cell), so that
    the rows of a block of one shape are profiled once (:meth:`TypedBlock.row_types`). The
    batches are emptied as they are made blocks."""
    found: list[_Errors] = []
    held: list[int] = []  # widths of the empty rows not yet known to come before a value
    r = 0  # the sheet row of the batch's first row
    for batch in batches:
        last = len(batch)  # after the batch's last row with a value: found from the end
        while last and batch[last - 1].count("") == len(batch[last - 1]):
            last -= 1
        if not last:
            held += map(len, batch)
            r += len(batch)
            continue
        size, first = len(batch), r - len(held)
        k = 0
        while len(held) - k >= size:  # whole batches of the empty rows held
            yield _block([[""] * n for n in held[k : k + size]], first, found, errors, ready)
            first, k = first + size, k + size
        rows = batch if last == size else batch[:last]
        if k < len(held):
            rows = [[""] * n for n in held[k:]] + rows
        held = list(map(len, batch[last:]))
        r += size
        block = _block(rows, first, found, errors, ready)
        # Only the block refers to the cells now: marshal records every value referred to
        # more than once for back-references, which made writing the copy 2-3x slower.
        batch.clear()
        rows.clear()
        yield block


_NUMBERS = frozenset((int, float))


class _Errors:
    """A sheet's error cells by row: ``rows`` sorted, ``cols[row]`` the columns."""

    def __init__(self, cells: set[tuple[int, int]]) -> None:
        self.cols: dict[int, list[int]] = {}
        for er, ec in cells:
            self.cols.setdefault(er, []).append(ec)
        self.rows = sorted(self.cols)

    def blank(self, columns: list[list[Any]], first: int, height: int) -> None:
        """Empty the error cells of a block of ``columns`` from sheet row ``first``."""
        rows, cols = self.rows, self.cols
        for er in rows[bisect.bisect_left(rows, first) : bisect.bisect_left(rows, first + height)]:
            for ec in cols[er]:
                if ec < len(columns):
                    columns[ec][er - first] = ""


def _may_hold_errors(columns: list[list[Any]], kinds: list[set[type]]) -> bool:
    """Whether a text cell of the columns may start with ``#``: whether ``#`` follows a
    separator in the texts joined (in C; a text holding the separator may make it say yes
    where no cell starts with ``#``, which only asks for the error cells early)."""
    str_, is_ = itertools.repeat(str), operator.is_
    for col, k in zip(columns, kinds, strict=True):
        if str not in k:
            continue
        texts = col if len(k) == 1 else itertools.compress(col, map(is_, map(type, col), str_))
        joined = "\n".join(texts)
        if joined[:1] == "#" or "\n#" in joined:
            return True
    return False


def _kinds(values: list[Any]) -> set[type]:
    """The types of a column's values (counting a column of one type in C is 3x faster than
    building the set)."""
    types = list(map(type, values))
    if types and types.count(types[0]) == len(types):
        return {types[0]}
    return set(types)


def _block(
    rows: list[list[Any]],
    first: int,
    found: list[_Errors],
    errors: Callable[[], set[tuple[int, int]]],
    ready: Callable[[], bool],
) -> TypedBlock:
    """Streamed ``rows`` from sheet row ``first`` as a block, values made python-calamine's
    (see :func:`sheet_blocks`); ``found`` holds the error cells once asked for."""
    widths = set(map(len, rows))
    width = max(widths)
    if len(widths) > 1:
        rows = [row if len(row) == width else row + [""] * (width - len(row)) for row in rows]
    columns = list(map(list, zip(*rows, strict=True)))
    kinds = list(map(_kinds, columns))
    if not found and (ready() or _may_hold_errors(columns, kinds)):
        found.append(_Errors(errors()))
    if found and found[0].rows:
        found[0].blank(columns, first, len(rows))
    holds: list[int] = []
    types: list[type | None] = []
    for c, col in enumerate(columns):
        k = kinds[c]
        if int in k:
            if k <= _NUMBERS:
                col = columns[c] = list(map(float, col))  # float(a float) is the float itself
            else:
                col = columns[c] = [float(v) if v.__class__ is int else v for v in col]
            k = (k - {int}) | {float}
        holds.append(holds_of(col, k))
        types.append(next(iter(k)) if len(k) == 1 and (str not in k or "" not in col) else None)
    return TypedBlock(len(rows), columns, {}, holds, types)


class SheetScan:
    """:func:`scan_sheet_xml` in a background thread, so that it overlaps the first read of the
    sheet (zlib releases the GIL while it inflates). :meth:`result` waits for it."""

    def __init__(self, path: Path, member: str) -> None:
        self._done = threading.Event()
        self._result: tuple[list[Any], set[tuple[int, int]]] = ([], set())
        self._error: Exception | None = None
        args = (path, member)
        self._thread = threading.Thread(target=self._run, args=args, daemon=True)
        self._thread.start()

    def _run(self, path: Path, member: str) -> None:
        try:
            with zipfile.ZipFile(path) as zf:
                self._result = scan_sheet_xml(zf, member)
        except (UnstreamableError, zipfile.BadZipFile, KeyError, OSError, zlib.error) as exc:
            self._error = exc
        finally:
            self._done.set()

    def done(self) -> bool:
        return self._done.is_set()

    def result(self) -> tuple[list[Any], set[tuple[int, int]]]:
        """Merged ranges and error cells; raises :class:`UnstreamableError` if the scan failed."""
        self._done.wait()
        if self._error is not None:
            raise UnstreamableError(f"the sheet's XML could not be scanned: {self._error}")
        return self._result

    def errors(self) -> set[tuple[int, int]]:
        return self.result()[1]


def cells_have_addresses(zf: zipfile.ZipFile, member: str) -> bool:
    """Whether the sheet's first cell has its ``r`` address (writers give every cell one, or
    none): error cells are found by address."""
    with zf.open(member) as fh:
        head = fh.read(_CHUNK)
    data = head.find(b"<sheetData")
    cell = head.find(b"<c ", max(data, 0))
    if data < 0 or cell < 0:
        return True  # no cell in the first megabyte: nothing to tell from it
    close = head.find(b">", cell)
    return _CELL_REF.search(head, cell, close if close >= 0 else len(head)) is not None
