"""CSV: encodings, delimiters, quoting and typing values as a person reads them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from ade_engine import run
from ade_engine.read import open_workbook
from ade_engine.read.csv import (
    detect_encoding,
    sniff_delimiter,
    type_text,
    type_text_decimal_comma,
)


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,5", 1.5),
        ("-0,25", -0.25),
        ("1234,56", 1234.56),
        ("1.234,56", 1234.56),
        ("-1.234.567,5", -1234567.5),
        ("1.234.567", 1234567),  # dots group thousands
        ("1.234", 1234),  # a dot followed by exactly three digits groups thousands
        ("12.5", 12.5),  # any other dot is a decimal point
        ("42", 42),
        ("00123", "00123"),
        ("01,5", "01,5"),  # a leading zero before the comma: not a number
        ("1,234,567", "1,234,567"),  # more than one comma: text
        ("1.23,4", "1.23,4"),  # broken grouping: text
        ("15.03.2024", dt.date(2024, 3, 15)),
        ("2024-03-15", dt.date(2024, 3, 15)),
        ("true", True),
        ("Köln", "Köln"),
    ],
)
def test_type_text_decimal_comma(text: str, expected: Any) -> None:
    value = type_text_decimal_comma(text)
    assert value == expected
    assert type(value) is type(expected)


EUROPEAN_ROWS = [
    ["Member ID", "Amount", "Balance", "Joined"],
    ["001", "1,5", "1.234,56", "15.03.2024"],
    ["002", "-0,25", "12.345.678,9", "01.02.2023"],
]


def test_semicolon_csv_types_decimal_commas(tmp_path: Path) -> None:
    path = tmp_path / "eu.csv"
    path.write_text("\n".join(";".join(r) for r in EUROPEAN_ROWS) + "\n", encoding="utf-8")
    wb = open_workbook(path)
    assert (wb.details["delimiter"], wb.details["decimal_separator"]) == (";", ",")
    assert rows_of(path) == [
        ["Member ID", "Amount", "Balance", "Joined"],
        ["001", 1.5, 1234.56, dt.date(2024, 3, 15)],
        ["002", -0.25, 12345678.9, dt.date(2023, 2, 1)],
    ]


def test_comma_csv_leaves_decimal_commas_alone(tmp_path: Path) -> None:
    path = tmp_path / "us.csv"
    lines = [",".join(f'"{v}"' if "," in v else v for v in r) for r in EUROPEAN_ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    wb = open_workbook(path)
    assert (wb.details["delimiter"], wb.details["decimal_separator"]) == (",", ".")
    assert rows_of(path)[1:] == [
        ["001", "1,5", "1.234,56", dt.date(2024, 3, 15)],
        ["002", "-0,25", "12.345.678,9", dt.date(2023, 2, 1)],
    ]


def test_decimal_commas_reach_the_output_as_numbers(
    tmp_path: Path, config_dir: Callable[..., Path]
) -> None:
    path = tmp_path / "eu.csv"
    path.write_text("\n".join(";".join(r) for r in EUROPEAN_ROWS) + "\n", encoding="utf-8")
    config = config_dir(fields=[("member_id", "Member ID", []), ("amount", "Amount", [])])
    result = run(path, config, tmp_path / "out")
    assert result.ok, result.error
    assert result.artifact["input"]["decimal_separator"] == ","
    wb = CalamineWorkbook.from_path(str(tmp_path / "out" / "normalized.xlsx"))
    assert wb.get_sheet_by_index(0).to_python() == [
        ["Member ID", "Amount"],
        ["001", 1.5],
        ["002", -0.25],
    ]
