"""Spreadsheet reading: cell types, offsets, hidden things, merges, formulas, .xls, and the
inputs that cannot be read."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import xlwt  # type: ignore[import-untyped]

from ade_engine.errors import InputError
from ade_engine.read import clean_column, open_workbook


def test_cells_offsets_merges_hidden(xlsx: Callable[..., Path]) -> None:
    path = xlsx(
        [
            {
                "name": "Data",
                "cells": {
                    (3, 2): "Header",
                    (4, 2): 100000,
                    (4, 3): 1.5,
                    (5, 2): dt.date(2024, 3, 15),
                    (5, 3): dt.datetime(2024, 3, 15, 10, 30),
                },
                "merges": [(1, 2, 1, 3, "Group")],
                "hidden_cols": [3],
            },
            {"name": "Secret", "rows": [["x"]], "hidden": True},
        ]
    )
    wb = open_workbook(path)
    data, secret = wb.sheets
    data.prepare()
    assert data.col_offset == 2
    assert data.hidden_columns == {3}
    assert data.merged == [(1, 2, 1, 3)]
    rows = list(data.iter_rows())
    assert rows[3][0] == "Header"  # row i of the iteration is sheet row i
    assert rows[4] == [100000.0, 1.5]
    assert rows[5] == [dt.date(2024, 3, 15), dt.datetime(2024, 3, 15, 10, 30)]
    assert (secret.visible, secret.visibility) == (False, "hidden")


def test_formulas_give_cached_values(xlsx: Callable[..., Path]) -> None:
    path = xlsx([{"name": "F", "rows": [[2, 3]], "formulas": {(0, 2): ("=A1*B1", 6)}}])
    (sheet,) = open_workbook(path).sheets
    assert next(iter(sheet.iter_rows())) == [2.0, 3.0, 6.0]


def test_clean_column_keeps_types_as_people_read_them() -> None:
    assert clean_column((100000.0, 1.5, "", "  x ", "00123"), spreadsheet=True) == [
        100000,
        1.5,
        None,
        "x",
        "00123",
    ]
    assert type(clean_column((100000.0,), spreadsheet=True)[0]) is int
    assert clean_column((2.0**60,), spreadsheet=True) == [2.0**60]  # beyond exact: float
    assert clean_column((1.0,), spreadsheet=False) == [1.0]  # CSV floats were typed already
    assert clean_column((dt.date(2024, 1, 1), ""), spreadsheet=True) == [dt.date(2024, 1, 1), None]
    # CSV text was stripped when typed: a column of it is copied, empty cells become None
    assert clean_column(("a", "b c"), spreadsheet=False) == ["a", "b c"]
    assert clean_column(("a", ""), spreadsheet=False) == ["a", None]
    assert clean_column(("  x ", ""), spreadsheet=True) == ["x", None]


def test_xls_is_read(tmp_path: Path) -> None:
    book = xlwt.Workbook()
    ws = book.add_sheet("Legacy")
    ws.write(0, 0, "Member ID")
    ws.write(1, 0, 7)
    ws.write(2, 0, dt.date(2020, 5, 17), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    path = tmp_path / "legacy.xls"
    book.save(str(path))
    wb = open_workbook(path)
    assert wb.format == "xls"
    rows = list(wb.sheets[0].iter_rows())
    assert rows[0] == ["Member ID"]
    assert clean_column((rows[1][0],), spreadsheet=True) == [7]
    assert rows[2] == [dt.date(2020, 5, 17)]


def cfb_with(stream_name: str) -> bytes:
    """The first bytes of an OLE/CFB container naming one directory entry."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    entry = stream_name.encode("utf-16-le").ljust(64, b"\0")
    return header + entry + b"\0" * 448


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.xlsx", b"", "is empty"),
        ("corrupt.xlsx", b"PK\x03\x04" + b"garbage" * 20, "corrupt"),
        ("notes.xlsx", b"hello, this is plain text", "not a valid .xlsx"),
        ("secret.xlsx", cfb_with("EncryptionInfo") + cfb_with("EncryptedPackage"), "encrypted"),
        ("report.pdf", b"%PDF-1.7", "unsupported file type '.pdf'"),
        ("noext", b"data", "unsupported file type"),
    ],
)
def test_unreadable_inputs_fail_with_a_clear_message(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        open_workbook(path)


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(InputError, match="corrupt"):
        open_workbook(path)


def test_xlsm_is_read_like_xlsx(xlsx: Callable[..., Path], tmp_path: Path) -> None:
    source = xlsx([{"name": "Macro", "rows": [["Member ID"], [5]]}])
    path = tmp_path / "book.xlsm"
    path.write_bytes(source.read_bytes())
    wb = open_workbook(path)
    assert wb.format == "xlsx"
    assert list(wb.sheets[0].iter_rows()) == [["Member ID"], [5.0]]


def test_xls_content_with_xlsx_name_is_sniffed(xlsx: Callable[..., Path], tmp_path: Path) -> None:
    book = xlwt.Workbook()
    book.add_sheet("Old").write(0, 0, "hello")
    path = tmp_path / "misnamed.xlsx"
    book.save(str(path))
    wb = open_workbook(path)
    assert wb.format == "xls"
    assert list(wb.sheets[0].iter_rows()) == [["hello"]]
