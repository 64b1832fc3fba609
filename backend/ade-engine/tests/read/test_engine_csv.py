"""CSV: encodings, delimiters, quoting and typing values as a person reads them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from ade_engine.csvread import detect_encoding, sniff_delimiter, type_text
from ade_engine.read import open_workbook


def rows_of(path: Path) -> list[list[Any]]:
    wb = open_workbook(path)
    (sheet,) = wb.sheets
    return [list(r) for r in sheet.iter_rows()]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        ("0", 0),
        ("-17", -17),
        ("00123", "00123"),  # an id with leading zeros stays text
        ("1234567890123456", "1234567890123456"),  # 16 digits: beyond exact, stays text
        ("1,234,567", 1234567),
        ("12.5", 12.5),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("1,234.50", 1234.5),
        ("2024-03-15", dt.date(2024, 3, 15)),
        ("2024/03/15", dt.date(2024, 3, 15)),
        ("2024-03-15T10:30", dt.datetime(2024, 3, 15, 10, 30)),
        ("2024-03-15 10:30:05.25", dt.datetime(2024, 3, 15, 10, 30, 5, 250000)),
        ("03/15/2024", dt.date(2024, 3, 15)),  # month first
        ("15/03/2024", dt.date(2024, 3, 15)),  # first number over 12: day first
        ("04/03/2024", dt.date(2024, 4, 3)),  # ambiguous: month first
        ("15.03.2024", dt.date(2024, 3, 15)),  # dots: day first
        ("2024-02-30", "2024-02-30"),  # not a real date
        ("TRUE", True),
        ("false", False),
        ("  padded  ", "padded"),
        ("", ""),
        ("   ", ""),
        ("555-0101", "555-0101"),
        ("1,2", "1,2"),
        ("-", "-"),
        ("2024-03-15T10:30+02:00", "2024-03-15T10:30+02:00"),  # time zones stay text
    ],
)
def test_type_text(text: str, expected: Any) -> None:
    value = type_text(text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("utf-16-le", b"\xff\xfe", "utf-16"),
        ("utf-16-be", b"\xfe\xff", "utf-16"),
        ("utf-16-le", b"", "utf-16-le"),
        ("cp1252", b"", "cp1252"),
    ],
)
def test_encodings_are_detected_and_decoded(
    tmp_path: Path, encoding: str, bom: bytes, expected: str
) -> None:
    text = "Name,City\r\nJosé,Zürich\r\nRenée,Köln \u2013 €\r\n"
    path = tmp_path / "in.csv"
    path.write_bytes(bom + text.encode(encoding))
    assert detect_encoding(path) == expected
    assert rows_of(path) == [["Name", "City"], ["José", "Zürich"], ["Renée", "Köln \u2013 €"]]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    lines = [["Member ID", "Name", "Amount"], ["1", "Ann, Jr.", "1.5"], ["2", "Bob", "2"]]
    text = (
        "\n".join(delimiter.join(f'"{v}"' if "," in v else v for v in line) for line in lines)
        + "\n"
    )
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    assert rows_of(path) == [["Member ID", "Name", "Amount"], [1, "Ann, Jr.", 1.5], [2, "Bob", 2]]


def test_semicolon_with_decimal_commas_is_not_read_as_commas() -> None:
    sample = "a;b;c\n1;2,5;3\n4;5,5;6\n7;8,5;9\n"
    assert sniff_delimiter(sample) == ";"


def test_quoted_newlines_are_kept_and_blank_lines_are_blank(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text('id,note\n1,"line one\nline two"\n\n,,\n2,"say ""hi"""\n', encoding="utf-8")
    rows = rows_of(path)
    assert rows[0] == ["id", "note"]
    assert rows[1] == [1, "line one\nline two"]
    assert rows[2] == []  # a blank line: a blank row (never data)
    assert rows[3] == ["", "", ""]
    assert rows[4] == [2, 'say "hi"']


def test_csv_rows_are_re_readable(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    (sheet,) = open_workbook(path).sheets
    assert list(sheet.iter_rows()) == list(sheet.iter_rows())
