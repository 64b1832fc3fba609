"""The input formats ADE reads: one table that the engine's reader and the API's upload check
both use, so a file the upload accepts is one the engine reads, and the other way round.

Standard library only: the API imports it without loading the engine's readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FileType(StrEnum):
    """A kind of spreadsheet ADE reads, recognised by content (the name must agree)."""

    XLSX = "xlsx"
    XLSM = "xlsm"
    XLS = "xls"
    ODS = "ods"
    CSV = "csv"


@dataclass(frozen=True)
class Format:
    """One format: the names it goes by, how it is stored and served, and how to say it."""

    file_type: FileType
    # What the reader does with it: "xlsx" (OOXML, macro-enabled or not), "xls", "ods", "csv".
    reader: str
    extensions: tuple[str, ...]
    content_type: str
    # "an Excel workbook (.xlsx)": what a message says the content is.
    description: str
    # "an Excel workbook": what a message says a name ending in one of the extensions promises.
    named_like: str


FORMATS: tuple[Format, ...] = (
    Format(
        FileType.XLSX,
        "xlsx",
        (".xlsx",),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "an Excel workbook (.xlsx)",
        "an Excel workbook",
    ),
    Format(
        FileType.XLSM,
        "xlsx",
        (".xlsm",),
        "application/vnd.ms-excel.sheet.macroEnabled.12",
        "a macro-enabled Excel workbook (.xlsm)",
        "an Excel workbook",
    ),
    Format(
        FileType.XLS,
        "xls",
        (".xls",),
        "application/vnd.ms-excel",
        "a legacy Excel workbook (.xls)",
        "a legacy Excel workbook",
    ),
    Format(
        FileType.ODS,
        "ods",
        (".ods",),
        "application/vnd.oasis.opendocument.spreadsheet",
        "an OpenDocument spreadsheet (.ods)",
        "an OpenDocument spreadsheet",
    ),
    Format(
        FileType.CSV,
        "csv",
        (".csv", ".tsv", ".txt"),
        "text/csv",
        "text (CSV)",
        "a CSV file",
    ),
)

BY_TYPE: dict[FileType, Format] = {f.file_type: f for f in FORMATS}
# Every extension ADE reads, in the table's order: ".xlsx, .xlsm, .xls, .ods, .csv, .tsv, .txt".
EXTENSIONS: tuple[str, ...] = tuple(ext for f in FORMATS for ext in f.extensions)
SUPPORTED = ", ".join(EXTENSIONS)


def formats_named(extension: str) -> tuple[Format, ...]:
    """The formats a file whose name ends in ``extension`` (lower case, with the dot) may be.

    OOXML workbooks are one container whatever the name says: ``.xlsx`` and ``.xlsm`` both
    allow either, since the content (its content types) decides whether macros are enabled.
    """
    named = tuple(f for f in FORMATS if extension in f.extensions)
    if any(f.reader == "xlsx" for f in named):
        return tuple(f for f in FORMATS if f.reader == "xlsx")
    return named


def reader_for(extension: str) -> str | None:
    """How the engine reads a file named with ``extension``; None if ADE does not read it."""
    named = formats_named(extension)
    return named[0].reader if named else None
