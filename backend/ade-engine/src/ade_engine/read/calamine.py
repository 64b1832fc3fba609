"""Spreadsheets (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``) read with python-calamine.

``.xlsx``/``.xlsm`` sheets are streamed with python-calamine-plus instead (:mod:`.xlsx_stream`),
giving the same rows without holding a sheet in memory; python-calamine reads the other formats,
and any workbook or sheet the fork cannot read the same way.

Calamine gives formulas' cached values, dates and datetimes typed by their number format, sheet
visibility and merged ranges. Hidden columns of ``.xlsx``/``.xlsm`` sheets come from the sheet
XML's ``<cols>`` element, read with a streaming parser that stops at ``<sheetData>``. A sheet is
loaded when first used (:meth:`Sheet.prepare`). Parked (:meth:`Sheet.park`) to make room for
another sheet, its rows are copied to a temporary file (:mod:`.spill`) and calamine's copy is
freed: later reads replay the file, so the sheet is parsed once.
"""

from __future__ import annotations

import itertools
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar
from xml.etree.ElementTree import ParseError

from ade_engine.errors import InputError
from ade_engine.formats import reader_for
from ade_engine.read.csvtype import TypedBlock
from ade_engine.read.sheet import Sheet, Workbook
from ade_engine.read.spill import RowSpill, block_of_rows
from ade_engine.read.xlsx_stream import (
    SheetPart,
    SheetScan,
    UnstreamableError,
    cells_have_addresses,
    sheet_blocks,
    stream_batches,
    xlsx_sheet_parts,
)

_T = TypeVar("_T")

#: Rows of a sheet copied to disk together when it is parked (:mod:`.spill`).
SPILL_ROWS = 4096
#: Sheets of more cells than this (by their ``<dimension>``, else estimated from the size of
#: their XML) are streamed (:mod:`.xlsx_stream`) instead of loaded whole: python-calamine holds
#: about 90 bytes a cell, so a loaded sheet stays under about 220 MiB (tests set 0 to stream
#: every sheet, or a huge number to stream none, and compare).
STREAM_CELLS = 2_500_000


def open_calamine(path: Path, fmt: str, name: str | None = None) -> Workbook:
    """``name``: the file's name as its user knows it, for error messages (else the path's)."""
    import python_calamine as pc

    shown = name or path.name
    parts: dict[str, SheetPart] = {}
    if fmt == "xlsx":
        try:
            parts = xlsx_sheet_parts(path)
        except (zipfile.BadZipFile, ParseError, KeyError, OSError, ValueError):
            parts = {}
        big = [p for p in parts.values() if p.cells > STREAM_CELLS]
        if big:
            streamed = _open_streamed(path, fmt, parts, shown)
            if streamed is not None:
                return streamed
    ext = path.suffix.lower()
    try:
        if reader_for(ext) == fmt:
            wb = pc.CalamineWorkbook.from_path(str(path))
        else:
            fh = path.open("rb")
            wb = pc.CalamineWorkbook.from_filelike(fh)
    except pc.PasswordError as exc:
        raise InputError(f"{shown} is encrypted (password-protected): {exc}") from exc
    except Exception as exc:
        raise InputError(f"{shown} could not be read as {fmt}: corrupt file ({exc})") from exc
    sheets = _sheets(wb, parts)
    for sheet in sheets:
        hooks = _calamine_rows_factory(wb, sheet.name, sheet, shown)
        sheet._rows, sheet._prepare, sheet._park, sheet._release, sheet._cells = hooks
    return Workbook(path=path, format=fmt, sheets=sheets, details={"_close": wb.close})


def _sheets(wb: Any, parts: dict[str, SheetPart]) -> list[Sheet]:
    """The workbook's worksheets (chart sheets and others left out), without their hooks."""
    sheets: list[Sheet] = []
    for index, meta in enumerate(wb.sheets_metadata):
        visibility = str(meta.visible).rsplit(".", 1)[-1].lower()
        if str(meta.typ).rsplit(".", 1)[-1] not in ("WorkSheet",):
            continue
        sheet = Sheet(
            name=meta.name,
            index=index,
            visible=visibility == "visible",
            visibility=visibility,
            hidden_columns=set(parts[meta.name].hidden) if meta.name in parts else set(),
        )
        sheets.append(sheet)
    return sheets


def _open_streamed(
    path: Path, fmt: str, parts: dict[str, SheetPart], shown: str
) -> Workbook | None:
    """The workbook with its sheets over :data:`STREAM_CELLS` streamed by python-calamine-plus
    (the others loaded by python-calamine), or None when the fork cannot open it
    (python-calamine then reads it, and words the error if it fails too)."""
    try:
        import python_calamine_plus as pp

        wb = pp.CalamineWorkbook.from_path(str(path))
    except Exception:
        return None
    legacy: dict[str, Any] = {}

    def fallback(sheet: Sheet) -> tuple[Any, Any, Any, Any, Any]:
        if "wb" not in legacy:
            import python_calamine as pc

            legacy["wb"] = pc.CalamineWorkbook.from_path(str(path))
        return _calamine_rows_factory(legacy["wb"], sheet.name, sheet, shown)

    def close() -> None:
        wb.close()
        if "wb" in legacy:
            legacy.pop("wb").close()

    sheets = _sheets(wb, parts)
    for sheet in sheets:
        part = parts.get(sheet.name)
        if part is None or part.cells <= STREAM_CELLS:
            hooks = fallback(sheet)
        else:
            hooks = _streamed_rows_factory(wb, path, part.member, sheet, fallback, shown)
        sheet._rows, sheet._prepare, sheet._park, sheet._release, sheet._cells = hooks
    return Workbook(path=path, format=fmt, sheets=sheets, details={"_close": close})


def _streamed_rows_factory(
    wb: Any, path: Path, member: str | None, sheet: Sheet, fallback: Any, shown: str
) -> tuple[Any, Any, Any, Any, Any]:
    """A streamed sheet's hooks (and its blocks, :meth:`Sheet.iter_blocks`): prepare starts
    finding the merged ranges and error cells (in the sheet's XML bytes); the first read that
    runs to the end streams the sheet and copies its blocks to disk (:mod:`.spill`), later
    reads replay the copy (or stream the sheet again if it could not be written); nothing is
    held in memory to park."""
    state: dict[str, Any] = {}

    def blocks() -> Iterator[TypedBlock]:
        scan = state["scan"]
        streamed = sheet_blocks(
            stream_batches(wb, sheet.name, SPILL_ROWS),
            lambda: _scanned(shown, sheet.name, scan)[1],
            scan.done,
        )
        return _read_errors(shown, sheet.name, streamed)

    spill = RowSpill(blocks)

    def prepare() -> None:
        if "legacy" in state:
            state["legacy"][1]()
            return
        if "scan" in state:
            return
        try:
            if member is None:
                raise UnstreamableError("no sheet XML")
            with zipfile.ZipFile(path) as zf:
                addressed = cells_have_addresses(zf, member)
            scan = SheetScan(path, member)
            if not addressed:  # an error cell among them could not be placed: find out now
                scan.result()
        except (UnstreamableError, zipfile.BadZipFile, KeyError, OSError):
            state["legacy"] = fallback(sheet)
            state["legacy"][1]()
            return
        state["scan"] = scan
        sheet.col_offset = 0
        sheet.merged = lambda: _scanned(shown, sheet.name, scan)[0]
        sheet.loads += 1

    def rows() -> Iterator[list[Any]]:
        prepare()
        if "legacy" in state:
            legacy_rows: Iterator[list[Any]] = state["legacy"][0]()
            return legacy_rows
        return spill.rows()

    def sheet_blocks_() -> Iterator[TypedBlock] | None:
        prepare()
        return None if "legacy" in state else spill.blocks()

    def park() -> None:
        if "legacy" in state:
            state["legacy"][2]()

    def release() -> None:
        if "legacy" in state:
            state.pop("legacy")[3]()
        spill.close()
        state.clear()

    def cells() -> int:
        return int(state["legacy"][4]()) if "legacy" in state else 0

    sheet._blocks = sheet_blocks_
    return rows, prepare, park, release, cells


def _calamine_rows_factory(
    wb: Any, name: str, sheet: Sheet, shown: str
) -> tuple[Any, Any, Any, Any, Any]:
    """The sheet's hooks: rows, prepare (load), park (copy the rows to disk, free calamine's
    copy), release (free both) and loaded cells. ``shown``: the file's name in errors."""
    state: dict[str, Any] = {}

    def load() -> Any:
        if "sheet" not in state:
            try:
                cs = wb.get_sheet_by_name(name)
            except Exception as exc:
                raise InputError(f"{shown}: sheet {name!r} could not be read: {exc}") from exc
            start = cs.start
            sheet.col_offset = start[1] if start else 0
            sheet.merged = [(a[0], a[1], b[0], b[1]) for a, b in (cs.merged_cell_ranges or [])]
            sheet.loads += 1
            state["sheet"] = cs
        return state["sheet"]

    def loaded_rows() -> Iterator[list[Any]]:
        cs = load()
        if cs.start is None:
            return iter(())
        rows_iter: Iterator[list[Any]] = cs.iter_rows()
        return rows_iter

    def blocks() -> Iterator[TypedBlock]:
        rows = loaded_rows()
        while block := list(itertools.islice(rows, SPILL_ROWS)):
            typed = block_of_rows(block)
            # Only the block refers to the cells now: marshal records every value referred to
            # more than once for back-references, which made writing the copy 2-3x slower.
            del block
            yield typed

    spill = RowSpill(blocks)

    def rows() -> Iterator[list[Any]]:
        return spill.rows() if spill.complete else loaded_rows()

    def prepare() -> None:
        if not spill.complete:
            load()

    def park() -> None:
        if "sheet" in state:
            spill.fill()  # if the copy cannot be written, the sheet is loaded again when read
            state.pop("sheet", None)

    def release() -> None:
        state.pop("sheet", None)
        spill.close()

    def cells() -> int:
        cs = state.get("sheet")
        return 0 if cs is None or cs.start is None else int(cs.height) * int(cs.width)

    return rows, prepare, park, release, cells


def _scanned(shown: str, name: str, scan: SheetScan) -> tuple[list[Any], set[tuple[int, int]]]:
    try:
        return scan.result()
    except UnstreamableError as exc:
        raise InputError(f"{shown}: sheet {name!r} could not be read: {exc}") from exc


def _read_errors(shown: str, name: str, rows: Iterator[_T]) -> Iterator[_T]:
    """``rows`` (or blocks), with a sheet the fork cannot parse reported as an input error."""
    try:
        yield from rows
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"{shown}: sheet {name!r} could not be read: {exc}") from exc
