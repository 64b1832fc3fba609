"""Cell values and cell addresses.

Values are as read: numbers from spreadsheet cells are floats until :func:`clean_column` turns
integral ones into ints; the empty string marks an empty cell.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

_EXCEL_MAX_INT = 2**53


def clean_column(values: list[Any] | tuple[Any, ...], *, spreadsheet: bool) -> list[Any]:
    """Turn a column of raw cells into values as a person reads them.

    ``''`` and whitespace-only strings become ``None``; strings are stripped; integral floats
    that came from numeric spreadsheet cells become ints (``100000.0`` -> ``100000``). Text
    the CSV reader typed (``spreadsheet=False``) is stripped already (see
    :func:`~ade_engine.read.csvtype.type_text`), so a column of it without an empty cell is
    copied as it is.
    """
    kinds = set(map(type, values))
    m = _EXCEL_MAX_INT
    if str in kinds:
        if len(kinds) == 1:
            if not spreadsheet and "" not in values:
                return list(values)
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
