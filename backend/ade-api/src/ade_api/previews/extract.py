"""Writing a preview extract: a spreadsheet's sheets as JSON rows any page of which is cheap
to read. Runs in a subprocess (``python -m ade_api.previews.extract``, started by
:mod:`ade_api.previews.runner`), never in the API process: it parses files users uploaded.

The workbook is read with the engine's own reader (:func:`ade_engine.read.open_workbook`), so
the preview sees what a run sees: the same sheets, the same CSV encoding, delimiter and typing,
and rows numbered the same way (row ``i`` of a sheet is the engine's row ``i``; cells are
placed at their absolute column, ``A`` = 0, so a table's A1 range in the artifact lines up).

An extract is a folder::

    meta.json        {"format", "reader", "truncated", "sheets": [{name, index, visibility,
                      rows, columns, truncated}]}  (written last)
    <n>.jsonl        sheet n (position in `sheets`): one JSON array of cells per line
    <n>.idx          rows + 1 little-endian uint64: the byte offset where each line starts,
                     then the file's size

A cell is encoded compactly (see :func:`encode_cell`). Rows lose their trailing empty cells
(an empty row is ``[]``). The extract stops once it holds ``max_rows`` rows or ``max_bytes``
bytes in all; the sheet being read and the sheets after it are then marked truncated.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import struct
import sys
from array import array
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: Bumped when the folder's layout, the cell encoding or the sheets' naming changes: older
#: extracts are rebuilt. 2: a CSV's sheet is named after the upload (it was the storage name).
FORMAT = 2
META = "meta.json"
#: One entry of a sheet's `.idx` file.
OFFSET = struct.Struct("<Q")
_MAX_SAFE_INT = 2**53

#: Exit codes of the child (besides 0, done).
EXIT_UNREADABLE = 2  # the reader refused the file; a JSON line on stdout says why
EXIT_OUT_OF_MEMORY = 3  # MemoryError under the address-space limit


@dataclass
class SheetMeta:
    """One sheet of an extract, as listed in `meta.json`."""

    name: str
    index: int
    visibility: str
    rows: int = 0
    columns: int = 0
    truncated: bool = False


@dataclass
class ExtractMeta:
    """The contents of `meta.json`."""

    reader: str
    sheets: list[SheetMeta] = field(default_factory=list)
    truncated: bool = False
    format: int = FORMAT

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> ExtractMeta:
        raw = json.loads(data)
        return cls(
            reader=str(raw["reader"]),
            sheets=[SheetMeta(**sheet) for sheet in raw["sheets"]],
            truncated=bool(raw["truncated"]),
            format=int(raw["format"]),
        )


def reader_version() -> str:
    """What produced the rows: an engine upgrade may read files differently."""
    import ade_engine

    return f"ade-engine {ade_engine.__version__}"


def _duration(value: dt.timedelta) -> str:
    """ISO 8601 duration, e.g. ``PT5H``, ``P1DT0.5S``, ``-PT30M``."""
    total = value.total_seconds()
    sign = "-" if total < 0 else ""
    micros = abs(value) // dt.timedelta(microseconds=1)
    days, micros = divmod(micros, 86_400_000_000)
    hours, micros = divmod(micros, 3_600_000_000)
    minutes, micros = divmod(micros, 60_000_000)
    seconds = micros / 1_000_000
    time = ""
    if hours:
        time += f"{hours}H"
    if minutes:
        time += f"{minutes}M"
    if seconds or not (days or time):
        time += f"{seconds:g}S"
    return f"{sign}P{f'{days}D' if days else ''}{'T' + time if time else ''}"


def encode_cell(value: Any) -> Any:
    """A cell as JSON: ``null`` when empty, strings, numbers and booleans as themselves
    (an integral float becomes an int, as the engine cleans spreadsheet numbers), and dates,
    datetimes, times and durations as ``{"t": kind, "v": ISO 8601 text}``."""
    if value is None or value == "":
        return None
    kind = type(value)
    if kind is str or kind is bool or kind is int:
        return value
    if kind is float:
        if not math.isfinite(value):
            return str(value)  # JSON has no infinity; the reader gave one for e.g. "1e999"
        if value.is_integer() and -_MAX_SAFE_INT < value < _MAX_SAFE_INT:
            return int(value)
        return value
    if isinstance(value, dt.datetime):
        return {"t": "datetime", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {"t": "date", "v": value.isoformat()}
    if isinstance(value, dt.time):
        return {"t": "time", "v": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"t": "duration", "v": _duration(value)}
    if isinstance(value, int):  # an int subclass (bool was handled above)
        return int(value)
    return str(value)


_AS_IS = frozenset({str, int, bool})
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode_row(values: Iterable[Any], col_offset: int) -> tuple[bytes, int]:
    """One line of a sheet file (the row's cells from column A, trailing empties dropped)
    and the row's width."""
    # The common cells (text, ints) as they are; "" (empty) is the one such value to change.
    cells = [v if type(v) in _AS_IS else encode_cell(v) for v in values]
    if "" in cells:
        cells = [None if c == "" else c for c in cells]
    while cells and cells[-1] is None:
        cells.pop()
    if cells and col_offset:
        cells = [None] * col_offset + cells
    return _JSON.encode(cells).encode("utf-8") + b"\n", len(cells)


class _Budget:
    """Rows and bytes the extract may still take."""

    def __init__(self, max_rows: int, max_bytes: int) -> None:
        self.rows = max_rows
        self.bytes = max_bytes

    def take(self, size: int) -> bool:
        if self.rows <= 0 or size > self.bytes:
            return False
        self.rows -= 1
        self.bytes -= size
        return True


def write_extract(
    source: Path, dest: Path, *, max_rows: int, max_bytes: int, name: str | None = None
) -> ExtractMeta:
    """Read ``source`` with the engine's reader and write its extract into folder ``dest``
    (which must exist and be empty). ``name``: the file's name as its user knows it (the
    upload's; a CSV's one sheet is named after it, as in a job). Raises
    :class:`ade_engine.errors.InputError` when the reader refuses the file."""
    from ade_engine.read import open_workbook

    workbook = open_workbook(source, name)
    meta = ExtractMeta(reader=reader_version())
    budget = _Budget(max_rows, max_bytes)
    try:
        for position, sheet in enumerate(workbook.sheets):
            info = SheetMeta(name=sheet.name, index=sheet.index, visibility=sheet.visibility)
            meta.sheets.append(info)
            if meta.truncated:  # the budget ran out in an earlier sheet
                info.truncated = True
                _write_sheet(dest, position, [], info, budget)
                continue
            sheet.prepare()
            try:
                rows = (encode_row(values, sheet.col_offset) for values in sheet.iter_rows())
                _write_sheet(dest, position, rows, info, budget)
            finally:
                sheet.release()
            meta.truncated = info.truncated
    finally:
        workbook.close()
    (dest / META).write_bytes(meta.to_json())
    return meta


def _write_sheet(
    dest: Path,
    position: int,
    lines: Iterable[tuple[bytes, int]],
    info: SheetMeta,
    budget: _Budget,
) -> None:
    """Write one sheet's lines and index, filling in its row count, width and truncation."""
    offsets = array("Q", [0])
    with (dest / f"{position}.jsonl").open("wb") as out:
        for line, width in lines:
            if not budget.take(len(line)):
                info.truncated = True
                break
            out.write(line)
            offsets.append(offsets[-1] + len(line))
            info.columns = max(info.columns, width)
    info.rows = len(offsets) - 1
    if sys.byteorder == "big":
        offsets.byteswap()
    (dest / f"{position}.idx").write_bytes(offsets.tobytes())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ade_api.previews.extract")
    parser.add_argument("source", type=Path)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--max-rows", type=int, required=True)
    parser.add_argument("--max-bytes", type=int, required=True)
    parser.add_argument("--name", default=None, help="the upload's name (names a CSV's sheet)")
    args = parser.parse_args(argv)
    from ade_engine.errors import InputError

    try:
        write_extract(
            args.source,
            args.dest,
            max_rows=args.max_rows,
            max_bytes=args.max_bytes,
            name=args.name,
        )
    except InputError as exc:
        sys.stdout.write(json.dumps({"error": str(exc)}) + "\n")
        return EXIT_UNREADABLE
    except MemoryError:
        return EXIT_OUT_OF_MEMORY
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
