"""The read pass: an input file becomes sheets of rows.

Spreadsheets (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``) are read with python-calamine, which
gives formulas' cached values, dates and datetimes typed by their number format, sheet
visibility and merged ranges. Hidden columns of ``.xlsx``/``.xlsm`` sheets come from the sheet
XML's ``<cols>`` element, read with a streaming parser that stops at ``<sheetData>``.

CSV files are streamed with the :mod:`csv` module (see :mod:`ade_engine.csvread`).

Rows are lists of cell values indexed from the sheet's first used column
(:attr:`Sheet.col_offset`); the empty string marks an empty cell. Values are as read: numbers
from spreadsheet cells are floats until :func:`clean_column` turns integral ones into ints.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import ElementTree as SafeET

from ade_engine.errors import InputError

SPREADSHEET_EXTS = {".xlsx", ".xlsm", ".xls", ".ods"}
CSV_EXTS = {".csv", ".tsv", ".txt"}
SUPPORTED = ".xlsx, .xlsm, .xls, .csv"
ZIP_MAGIC = b"PK\x03\x04"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@dataclass
class Sheet:
    """One sheet of an input: metadata plus a re-startable row iterator."""

    name: str
    index: int
    visible: bool = True
    visibility: str = "visible"
    hidden_columns: set[int] = field(default_factory=set)
    #: merged ranges as (first_row, first_col, last_row, last_col), absolute, 0-based.
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    col_offset: int = 0
    #: values are typed by the reader (CSV) rather than by cell type (spreadsheets).
    typed_text: bool = False
    _rows: Any = None
    _prepare: Any = None
    _release: Any = None

    def prepare(self) -> None:
        """Load the sheet (spreadsheets load a sheet at a time) and fill offsets and merges."""
        if self._prepare is not None:
            self._prepare()

    def release(self) -> None:
        """Free the loaded sheet (spreadsheets hold a whole sheet in memory while in use)."""
        if self._release is not None:
            self._release()

    def iter_rows(self) -> Iterator[list[Any]]:
        """Every row from row 0; row ``i`` of the iteration is sheet row ``i``."""
        rows: Iterator[list[Any]] = self._rows()
        return rows


@dataclass
class Workbook:
    path: Path
    format: str
    sheets: list[Sheet]
    details: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        closer = self.details.pop("_close", None)
        if closer is not None:
            closer()


def sniff_format(path: Path) -> str:
    """Decide how to read ``path``: ``xlsx``, ``xls``, ``ods``, ``csv`` or raise InputError."""
    if not path.is_file():
        raise InputError(f"input file not found: {path.name}")
    size = path.stat().st_size
    ext = path.suffix.lower()
    if size == 0:
        raise InputError(f"input file {path.name} is empty (0 bytes)")
    with path.open("rb") as fh:
        head = fh.read(8)
    if ext in CSV_EXTS:
        return "csv"
    if ext not in SPREADSHEET_EXTS:
        raise InputError(
            f"unsupported file type {ext or '(no extension)'!r} for {path.name}; "
            f"supported: {SUPPORTED}"
        )
    if head.startswith(CFB_MAGIC):
        if ext in (".xlsx", ".xlsm") and _cfb_is_encrypted(path):
            raise InputError(
                f"{path.name} is encrypted (password-protected); save it without a password "
                "and try again"
            )
        return "xls"
    if head.startswith(ZIP_MAGIC):
        return "ods" if ext == ".ods" else "xlsx"
    raise InputError(f"{path.name} is not a valid {ext} file (corrupt or not a spreadsheet)")


def _cfb_is_encrypted(path: Path) -> bool:
    with path.open("rb") as fh:
        blob = fh.read(4 << 20)
    return (
        "EncryptionInfo".encode("utf-16-le") in blob
        or b"EncryptedPackage" in blob
        or ("EncryptedPackage".encode("utf-16-le") in blob)
    )


def open_workbook(path: Path) -> Workbook:
    """Open ``path`` for reading; raise :class:`InputError` with a clear message if it can't be."""
    path = Path(path)
    fmt = sniff_format(path)
    if fmt == "csv":
        from ade_engine.csvread import open_csv

        return open_csv(path)
    return _open_calamine(path, fmt)


def _open_calamine(path: Path, fmt: str) -> Workbook:
    import python_calamine as pc

    ext = path.suffix.lower()
    try:
        matches = (
            (fmt == "xls" and ext == ".xls")
            or (fmt == "xlsx" and ext in (".xlsx", ".xlsm"))
            or (fmt == "ods" and ext == ".ods")
        )
        if matches:
            wb = pc.CalamineWorkbook.from_path(str(path))
        else:
            fh = path.open("rb")
            wb = pc.CalamineWorkbook.from_filelike(fh)
    except pc.PasswordError as exc:
        raise InputError(f"{path.name} is encrypted (password-protected): {exc}") from exc
    except Exception as exc:
        raise InputError(f"{path.name} could not be read as {fmt}: corrupt file ({exc})") from exc

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
        sheet._rows, sheet._prepare, sheet._release = _calamine_rows_factory(
            wb, meta.name, sheet, path
        )
        sheets.append(sheet)
    return Workbook(path=path, format=fmt, sheets=sheets, details={"_close": wb.close})


def _calamine_rows_factory(wb: Any, name: str, sheet: Sheet, path: Path) -> tuple[Any, Any, Any]:
    state: dict[str, Any] = {}

    def load() -> Any:
        if "sheet" not in state:
            try:
                cs = wb.get_sheet_by_name(name)
            except Exception as exc:
                raise InputError(f"{path.name}: sheet {name!r} could not be read: {exc}") from exc
            start = cs.start
            sheet.col_offset = start[1] if start else 0
            sheet.merged = [(a[0], a[1], b[0], b[1]) for a, b in (cs.merged_cell_ranges or [])]
            state["sheet"] = cs
        return state["sheet"]

    def rows() -> Iterator[list[Any]]:
        cs = load()
        if cs.start is None:
            return iter(())
        rows_iter: Iterator[list[Any]] = cs.iter_rows()
        return rows_iter

    def release() -> None:
        state.pop("sheet", None)

    return rows, load, release


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


# --------------------------------------------------------------------------- value cleaning

_EXCEL_MAX_INT = 2**53


def clean_column(values: list[Any] | tuple[Any, ...], *, spreadsheet: bool) -> list[Any]:
    """Turn a column of raw cells into values as a person reads them.

    ``''`` and whitespace-only strings become ``None``; strings are stripped; integral floats
    that came from numeric spreadsheet cells become ints (``100000.0`` -> ``100000``).
    """
    kinds = set(map(type, values))
    m = _EXCEL_MAX_INT
    if str in kinds:
        if len(kinds) == 1:
            return [v.strip() or None for v in values]
        if spreadsheet and float in kinds:
            return [
                (v.strip() or None)
                if type(v) is str
                else (int(v) if type(v) is float and v.is_integer() and -m < v < m else v)
                for v in values
            ]
        return [(v.strip() or None) if type(v) is str else v for v in values]
    if spreadsheet and float in kinds:
        if len(kinds) == 1:
            return [int(v) if v.is_integer() and -m < v < m else v for v in values]
        return [int(v) if type(v) is float and v.is_integer() and -m < v < m else v for v in values]
    return list(values)


def raw_cells(values: list[Any]) -> list[Any]:
    """A row as row classifiers see it: empty cells are None, values as read."""
    if "" in values:
        return [None if v == "" else v for v in values]
    return values


def is_empty(v: Any) -> bool:
    return v is None or v == ""


def cell_kind(v: Any) -> str:
    """A short kind name: text, int, float, bool, date, datetime, time, duration, empty."""
    if v is None or v == "":
        return "empty"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, dt.datetime):
        return "datetime"
    if isinstance(v, dt.date):
        return "date"
    if isinstance(v, dt.time):
        return "time"
    if isinstance(v, dt.timedelta):
        return "duration"
    return "text"


def col_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    s = ""
    i = index + 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def a1(row: int, col: int) -> str:
    return f"{col_letter(col)}{row + 1}"


def a1_range(r0: int, c0: int, r1: int, c1: int) -> str:
    return f"{a1(r0, c0)}:{a1(r1, c1)}"
