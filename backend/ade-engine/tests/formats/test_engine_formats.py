"""The one format table: what the engine reads is what the upload check accepts (both use it)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ade_engine.formats import (
    BY_TYPE,
    EXTENSIONS,
    FORMATS,
    SUPPORTED,
    FileType,
    formats_named,
    reader_for,
)


def test_every_file_type_has_one_format_and_every_extension_one_reader() -> None:
    assert set(BY_TYPE) == set(FileType)
    assert len(FORMATS) == len(FileType)
    assert len(EXTENSIONS) == len(set(EXTENSIONS))
    assert all(ext.startswith(".") and ext == ext.lower() for ext in EXTENSIONS)
    assert SUPPORTED == ".xlsx, .xlsm, .xls, .ods, .csv, .tsv, .txt"


@pytest.mark.parametrize(
    ("extension", "reader", "types"),
    [
        (".xlsx", "xlsx", {FileType.XLSX, FileType.XLSM}),
        (".xlsm", "xlsx", {FileType.XLSX, FileType.XLSM}),
        (".xls", "xls", {FileType.XLS}),
        (".ods", "ods", {FileType.ODS}),
        (".csv", "csv", {FileType.CSV}),
        (".tsv", "csv", {FileType.CSV}),
        (".txt", "csv", {FileType.CSV}),
    ],
)
def test_a_name_says_how_it_is_read_and_what_it_may_be(
    extension: str, reader: str, types: set[FileType]
) -> None:
    assert reader_for(extension) == reader
    assert {f.file_type for f in formats_named(extension)} == types


@pytest.mark.parametrize("extension", [".pdf", ".numbers", "", ".xlsb", ".XLSX"])
def test_names_ade_does_not_read(extension: str) -> None:
    # Callers lower-case the suffix first; the table itself holds lower case only.
    assert reader_for(extension) is None
    assert formats_named(extension) == ()


def test_the_table_loads_without_the_readers() -> None:
    """The API imports it to check uploads: it must not pull in calamine or the engine."""
    code = (
        "import sys, ade_engine.formats; "
        "print(sorted(m for m in sys.modules if m.startswith(('python_calamine', 'ade_engine.'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['ade_engine.formats']"
