"""Helpers shared by the column modules (imported with a relative import: ``from . import``).

Files whose name starts with ``_`` are not fields; they are ordinary modules of the package.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%b-%Y", "%b %d, %Y")
DATEISH_RE = re.compile(
    r"^(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{1,2}-[A-Za-z]{3}-\d{4}|"
    r"[A-Za-z]{3} \d{1,2}, \d{4})$"
)


def fraction(values: list[Any], test: Callable[[Any], bool]) -> float:
    """Share of ``values`` for which ``test(value)`` is true (0.0 for no values)."""
    if not values:
        return 0.0
    return sum(1 for v in values if test(v)) / len(values)


def is_text(value: Any) -> bool:
    return isinstance(value, str)


def to_date(value: Any) -> Any:
    """A date from a date, a datetime or a string in one of DATE_FORMATS; else the value."""
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date) or not isinstance(value, str):
        return value
    if not DATEISH_RE.match(value.strip()):
        return value
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return value


WORD_RE = re.compile(r"^[A-Za-z][A-Za-z'\-.]*$")
