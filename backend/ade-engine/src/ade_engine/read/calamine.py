"""Spreadsheets (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``) read with python-calamine.

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
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import ElementTree as SafeET

from ade_engine.errors import InputError
from ade_engine.formats import reader_for
from ade_engine.read.csvtype import TypedBlock
from ade_engine.read.sheet import Sheet, Workbook
from ade_engine.read.spill import RowSpill, block_of_rows

#: Rows of a sheet copied to disk together when it is parked (:mod:`.spill`).
SPILL_ROWS = 4096
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def open_calamine(path: Path, fmt: str, name: str | None = None) -> Workbook:
    """``name``: the file's name as its user knows it, for error messages (else the path's)."""
    import python_calamine as pc

    shown = name or path.name
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

    hidden_cols: dict[str, set[int]] = {}
    if fmt == "xlsx":
        try:
            hidden_cols = _xlsx_hidden_columns(path)
        except (zipfile.BadZipFile, ParseError, KeyError, OSError, ValueError):
            hidden_cols = {}
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
            hidden_columns=hidden_cols.get(meta.name, set()),
        )
        hooks = _calamine_rows_factory(wb, meta.name, sheet, shown)
        sheet._rows, sheet._prepare, sheet._park, sheet._release, sheet._cells = hooks
        sheets.append(sheet)
    return Workbook(path=path, format=fmt, sheets=sheets, details={"_close": wb.close})


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


def _xlsx_hidden_columns(path: Path) -> dict[str, set[int]]:
    """Map sheet name -> hidden column indexes (0-based), from each sheet's ``<cols>``."""
    result: dict[str, set[int]] = {}
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        wb_xml = SafeET.fromstring(zf.read("xl/workbook.xml"))
        rels_xml = SafeET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels_xml}
        sheets_el = wb_xml.find(f"{_NS_MAIN}sheets")
        for sh in sheets_el if sheets_el is not None else []:
            rid = sh.get(f"{_NS_REL}id")
            target = targets.get(rid, "")
            if not target:
                continue
            member = (
                target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            )
            if member not in names:
                continue
            hidden: set[int] = set()
            with zf.open(member) as fh:
                for _event, el in SafeET.iterparse(fh, events=("start",)):
                    tag = el.tag.rsplit("}", 1)[-1]
                    if tag == "sheetData":
                        break
                    if tag == "col" and el.get("hidden") in ("1", "true"):
                        lo, hi = int(el.get("min", "1")), int(el.get("max", "1"))
                        hidden.update(range(lo - 1, min(hi, 16384)))
            if hidden:
                result[sh.get("name", "")] = hidden
    return result
