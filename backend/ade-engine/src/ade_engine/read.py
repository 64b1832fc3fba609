"""The read pass: an input file becomes sheets of rows.

Spreadsheets (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``) are read with python-calamine, which
gives formulas' cached values, dates and datetimes typed by their number format, sheet
visibility and merged ranges. Hidden columns of ``.xlsx``/``.xlsm`` sheets come from the sheet
XML's ``<cols>`` element, read with a streaming parser that stops at ``<sheetData>``.

CSV files are streamed with the :mod:`csv` module (see :mod:`ade_engine.csvread`).

OLE compound files (legacy ``.xls``, and encrypted ``.xlsx``) are inspected before calamine
opens them (:func:`inspect_cfb`), so that a password-protected file fails with a clear
"encrypted" message. Sheets are loaded through a :class:`SheetPool`, which keeps memory bounded
by one sheet plus a budget of cells however many sheets a workbook has.

Rows are lists of cell values indexed from the sheet's first used column
(:attr:`Sheet.col_offset`); the empty string marks an empty cell. Values are as read: numbers
from spreadsheet cells are floats until :func:`clean_column` turns integral ones into ints.
"""

from __future__ import annotations

import datetime as dt
import struct
import sys
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from defusedxml import ElementTree as SafeET

from ade_engine.errors import InputError
from ade_engine.formats import SUPPORTED, reader_for

ZIP_MAGIC = b"PK\x03\x04"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@dataclass(eq=False)
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
    #: how many times the sheet was loaded (parsed) during the run.
    loads: int = 0
    _rows: Any = None
    _prepare: Any = None
    _release: Any = None
    _cells: Any = None

    def prepare(self) -> None:
        """Load the sheet (spreadsheets load a sheet at a time) and fill offsets and merges."""
        if self._prepare is not None:
            self._prepare()

    def release(self) -> None:
        """Free the loaded sheet (spreadsheets hold a whole sheet in memory while in use)."""
        if self._release is not None:
            self._release()

    @property
    def loaded_cells(self) -> int:
        """Cells the loaded sheet holds in the reader's memory (0 when not loaded, and for CSV,
        which is streamed): the used range's height x width, since calamine keeps it dense."""
        return int(self._cells()) if self._cells is not None else 0

    def iter_rows(self) -> Iterator[list[Any]]:
        """Every row from row 0; row ``i`` of the iteration is sheet row ``i``."""
        rows: Iterator[list[Any]] = self._rows()
        return rows


class SheetPool:
    """Decides which sheets stay loaded, so that memory does not grow with the sheet count.

    :meth:`load` loads a sheet, first releasing other loaded sheets (the last in sheet order
    first, since sheets are written in order) until the ones kept hold at most
    ``retain_cells`` cells. So at any time the loaded sheets are the one in use plus at most
    ``retain_cells`` cells of others: small workbooks are parsed once, large ones are parsed
    again (one sheet at a time) when their rows are written. :meth:`done` releases a sheet
    that is no longer needed.
    """

    def __init__(self, retain_cells: int) -> None:
        self.retain_cells = retain_cells
        self._loaded: list[Sheet] = []

    @property
    def loaded(self) -> list[Sheet]:
        return list(self._loaded)

    def load(self, sheet: Sheet) -> None:
        if any(s is sheet for s in self._loaded):
            return
        others = sorted(self._loaded, key=lambda s: s.index)
        kept = sum(s.loaded_cells for s in others)
        while others and kept > self.retain_cells:
            victim = others.pop()
            kept -= victim.loaded_cells
            self.done(victim)
        sheet.prepare()
        self._loaded.append(sheet)

    def done(self, sheet: Sheet) -> None:
        sheet.release()
        self._loaded = [s for s in self._loaded if s is not sheet]

    def close(self) -> None:
        for sheet in self._loaded:
            sheet.release()
        self._loaded = []


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
    reader = reader_for(ext)
    if reader == "csv":
        return "csv"
    if reader is None:
        raise InputError(
            f"unsupported file type {ext or '(no extension)'!r} for {path.name}; "
            f"supported: {SUPPORTED}"
        )
    if head.startswith(CFB_MAGIC):
        kind = inspect_cfb(path)
        if kind in ("encrypted-ooxml", "encrypted-biff"):
            what = (
                "an encrypted Office Open XML package"
                if kind == "encrypted-ooxml"
                else "a legacy Excel workbook with a password (FILEPASS record)"
            )
            raise InputError(
                f"{path.name} is encrypted (password-protected): {what}; save it without a "
                "password and try again"
            )
        if kind == "other":
            raise InputError(
                f"{path.name} is not a valid {ext} file: an OLE compound file with no workbook "
                "stream (a Word or other Office document?)"
            )
        return "xls"
    if head.startswith(ZIP_MAGIC):
        return "ods" if reader == "ods" else "xlsx"
    raise InputError(f"{path.name} is not a valid {ext} file (corrupt or not a spreadsheet)")


# --------------------------------------------------------------------------- OLE (CFB) files

_MAXREGSECT = 0xFFFFFFFA  # sector numbers at or above this are markers (end of chain, free, ...)
_BIFF_BOF = frozenset({0x0809, 0x0409, 0x0209, 0x0009})
_BIFF_FILEPASS = 0x002F
_BIFF_EOF = 0x000A
_BIFF_SCAN_BYTES = 64 * 1024
_MAX_MINI_STREAM = 16 << 20


class _Cfb:
    """The directory of an OLE compound file ([MS-CFB]) and its streams, read on demand.

    Only what the engine needs to tell an encrypted workbook from a plain one: the header, the
    FAT (through the DIFAT), the directory entries and stream reading (regular sectors or the
    mini stream). Raises ValueError on anything malformed.
    """

    def __init__(self, fh: IO[bytes], size: int) -> None:
        self.fh = fh
        header = fh.read(512)
        if len(header) < 512 or not header.startswith(CFB_MAGIC):
            raise ValueError("not a compound file")
        major, _order, sector_shift, mini_shift = struct.unpack_from("<HHHH", header, 26)
        if sector_shift not in (9, 12) or mini_shift != 6:
            raise ValueError("bad sector sizes")
        self.sector_size = 1 << sector_shift
        self.major = major
        n_sectors = max(0, size - 512) // self.sector_size + 1
        (n_fat, dir_start, _sig, self.cutoff, minifat_start, n_minifat, difat_start, n_difat) = (
            struct.unpack_from("<8I", header, 44)
        )
        difat = list(struct.unpack_from("<109I", header, 76))
        per_sector = self.sector_size // 4
        sector = difat_start
        for _ in range(min(n_difat, n_sectors)):
            if sector >= _MAXREGSECT:
                break
            ids = self._ids(self._sector(sector))
            difat.extend(ids[:-1])
            sector = ids[-1]
        fat_sectors = [s for s in difat if s < _MAXREGSECT][: min(n_fat, n_sectors)]
        self.fat = array("I")
        for s in fat_sectors:
            self.fat.extend(self._ids(self._sector(s)))
        if len(self.fat) < per_sector:
            raise ValueError("no FAT")
        directory = self._chain_bytes(dir_start, self.fat, self._sector)
        self.entries: dict[str, tuple[int, int, int]] = {}  # lower name -> (type, start, size)
        self.root: tuple[int, int] | None = None
        for off in range(0, len(directory) - 127, 128):
            raw = directory[off : off + 128]
            name_len, kind = struct.unpack_from("<HB", raw, 64)
            if kind == 0 or not 2 <= name_len <= 64:
                continue
            name = raw[: name_len - 2].decode("utf-16-le", "replace")
            start, low, high = struct.unpack_from("<3I", raw, 116)
            length = low if major == 3 else low | high << 32
            if kind == 5:
                self.root = (start, length)
            else:
                self.entries.setdefault(name.lower(), (kind, start, length))
        self._minifat_start, self._n_minifat = minifat_start, n_minifat

    @staticmethod
    def _ids(data: bytes) -> array[int]:
        ids = array("I", data)
        if sys.byteorder == "big":
            ids.byteswap()
        return ids

    def _sector(self, n: int) -> bytes:
        self.fh.seek(512 + n * self.sector_size)
        data = self.fh.read(self.sector_size)
        if len(data) < self.sector_size:
            raise ValueError("sector beyond the end of the file")
        return data

    @staticmethod
    def _chain_bytes(
        start: int, fat: array[int], read: Any, limit: int | None = None, unit: int = 0
    ) -> bytes:
        parts: list[bytes] = []
        sector, got = start, 0
        for _ in range(len(fat)):
            if sector >= _MAXREGSECT or (limit is not None and got >= limit):
                break
            if sector >= len(fat):
                raise ValueError("sector chain leaves the FAT")
            data = read(sector)
            parts.append(data)
            got += len(data)
            sector = fat[sector]
        return b"".join(parts)

    def stream(self, name: str, limit: int) -> bytes | None:
        """The first ``limit`` bytes (at most) of stream ``name`` (case-insensitive)."""
        entry = self.entries.get(name.lower())
        if entry is None or entry[0] != 2:
            return None
        _kind, start, length = entry
        want = min(length, limit)
        if length >= self.cutoff:
            return self._chain_bytes(start, self.fat, self._sector, want)[:want]
        if self.root is None:
            raise ValueError("no root entry")
        root_start, root_size = self.root
        if root_size > _MAX_MINI_STREAM:
            raise ValueError("mini stream too large to inspect")
        container = self._chain_bytes(root_start, self.fat, self._sector, root_size)
        minifat = array("I")
        minifat.extend(self._ids(self._chain_bytes(self._minifat_start, self.fat, self._sector)))

        def mini(n: int) -> bytes:
            data = container[n * 64 : n * 64 + 64]
            if len(data) < 64:
                raise ValueError("mini sector beyond the mini stream")
            return data

        return self._chain_bytes(start, minifat, mini, want)[:want]


def inspect_cfb(path: Path) -> str | None:
    """What an OLE compound file holds, for the read pass:

    - ``"encrypted-ooxml"``: an encrypted .xlsx/.xlsm (streams ``EncryptionInfo`` and
      ``EncryptedPackage``, [MS-OFFCRYPTO]);
    - ``"encrypted-biff"``: a legacy .xls whose workbook globals hold a FILEPASS record;
    - ``"xls"``: a legacy workbook (a ``Workbook`` or ``Book`` stream) without one;
    - ``"other"``: a compound file with none of those streams (a .doc, say);
    - ``None`` when the container cannot be parsed; then a raw scan of the first 4 MiB for
      the encryption stream names decides between ``"encrypted-ooxml"`` and ``None``.
    """
    try:
        with path.open("rb") as fh:
            cfb = _Cfb(fh, path.stat().st_size)
            names = cfb.entries
            if "encryptioninfo" in names or "encryptedpackage" in names:
                return "encrypted-ooxml"
            for stream_name in ("Workbook", "Book"):
                data = cfb.stream(stream_name, _BIFF_SCAN_BYTES)
                if data is not None:
                    return "encrypted-biff" if _biff_has_filepass(data) else "xls"
            return "other"
    except (ValueError, struct.error, OSError):
        return "encrypted-ooxml" if _cfb_names_encryption(path) else None


def _biff_has_filepass(data: bytes) -> bool:
    """Whether the workbook globals substream (which starts the stream) holds FILEPASS."""
    if len(data) < 4 or struct.unpack_from("<H", data, 0)[0] not in _BIFF_BOF:
        return False
    pos = 0
    while pos + 4 <= len(data):
        kind, length = struct.unpack_from("<HH", data, pos)
        if kind == _BIFF_FILEPASS:
            return True
        if kind == _BIFF_EOF:
            return False
        pos += 4 + length
    return False


def _cfb_names_encryption(path: Path) -> bool:
    with path.open("rb") as fh:
        blob = fh.read(4 << 20)
    return (
        "EncryptionInfo".encode("utf-16-le") in blob
        or "EncryptedPackage".encode("utf-16-le") in blob
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
        if reader_for(ext) == fmt:
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
        sheet._rows, sheet._prepare, sheet._release, sheet._cells = _calamine_rows_factory(
            wb, meta.name, sheet, path
        )
        sheets.append(sheet)
    return Workbook(path=path, format=fmt, sheets=sheets, details={"_close": wb.close})


def _calamine_rows_factory(
    wb: Any, name: str, sheet: Sheet, path: Path
) -> tuple[Any, Any, Any, Any]:
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
            sheet.loads += 1
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

    def cells() -> int:
        cs = state.get("sheet")
        return 0 if cs is None or cs.start is None else int(cs.height) * int(cs.width)

    return rows, load, release, cells


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
