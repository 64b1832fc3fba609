"""Opening an input: its format decided from its extension and first bytes, then read by
calamine (spreadsheets) or the csv module (CSV)."""

from __future__ import annotations

from pathlib import Path

from ade_engine.errors import InputError
from ade_engine.formats import SUPPORTED, reader_for
from ade_engine.read.calamine import open_calamine
from ade_engine.read.cfb import CFB_MAGIC, inspect_cfb
from ade_engine.read.csv import open_csv
from ade_engine.read.csvchild import ReaderChild
from ade_engine.read.sheet import Workbook

ZIP_MAGIC = b"PK\x03\x04"


def sniff_format(path: Path, name: str | None = None) -> str:
    """Decide how to read ``path``: ``xlsx``, ``xls``, ``ods``, ``csv`` or raise InputError.
    ``name``: the file's name as its user knows it, for the messages (else the path's)."""
    shown = name or path.name
    if not path.is_file():
        raise InputError(f"input file not found: {shown}")
    size = path.stat().st_size
    ext = path.suffix.lower()
    if size == 0:
        raise InputError(f"input file {shown} is empty (0 bytes)")
    with path.open("rb") as fh:
        head = fh.read(8)
    reader = reader_for(ext)
    if reader == "csv":
        return "csv"
    if reader is None:
        raise InputError(
            f"unsupported file type {ext or '(no extension)'!r} for {shown}; supported: {SUPPORTED}"
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
                f"{shown} is encrypted (password-protected): {what}; save it without a "
                "password and try again"
            )
        if kind == "other":
            raise InputError(
                f"{shown} is not a valid {ext} file: an OLE compound file with no workbook "
                "stream (a Word or other Office document?)"
            )
        return "xls"
    if head.startswith(ZIP_MAGIC):
        return "ods" if reader == "ods" else "xlsx"
    raise InputError(f"{shown} is not a valid {ext} file (corrupt or not a spreadsheet)")


def open_workbook(
    path: Path, name: str | None = None, reader: ReaderChild | None = None
) -> Workbook:
    """Open ``path`` for reading; raise :class:`InputError` with a clear message if it can't be.
    ``name``: the input's name as its user knows it (a CSV's one sheet is named after it, and
    errors name it: never a staged file's storage name). ``reader``: a reader child started
    for ``path`` (:func:`.csvchild.start`), which a CSV's first read is then left to."""
    path = Path(path)
    fmt = sniff_format(path, name)
    if fmt == "csv":
        return open_csv(path, name, reader)
    if reader is not None:
        reader.close()
    return open_calamine(path, fmt, name)
