"""Member ID: the roster's key. Required: a table without it gets an issue."""

from __future__ import annotations

import re
from typing import Any

from . import _shared

ID_RE = re.compile(r"^[A-Za-z]{0,4}[-#]?\d{3,12}$")


def detect_values(*, values: list[Any], **_: Any) -> float | None:
    """Value evidence: mostly distinct integers or id-like codes (e.g. 000123, M-10042)."""
    if not values:
        return None
    idlike = _shared.fraction(
        values,
        lambda v: (
            (isinstance(v, int) and not isinstance(v, bool) and v >= 0)
            or (isinstance(v, str) and bool(ID_RE.match(v)))
        ),
    )
    distinct = len(set(map(str, values))) / len(values)
    if idlike < 0.9 or distinct < 0.95:
        return None
    return 0.45 * idlike * distinct


def transform(*, values: list[Any], **_: Any) -> list[Any]:
    """Ids keep their form: integers stay integers, text ids keep leading zeros."""
    return [v.upper() if isinstance(v, str) else v for v in values]


def validate(*, values: list[Any], **_: Any) -> list[str | None]:
    return [None if v not in (None, "") else "member id is missing" for v in values]
