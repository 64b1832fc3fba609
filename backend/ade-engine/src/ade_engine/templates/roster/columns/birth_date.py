"""Date of birth: dates well in the past."""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import _shared


def detect_values(*, values: list[Any], **_: Any) -> dict[str, float] | None:
    """Mostly dates, and mostly before 2010: a birth date rather than a hire date."""
    dates = [v for v in map(_shared.to_date, values) if isinstance(v, dt.date)]
    if not values or len(dates) / len(values) < 0.8:
        return None
    old = sum(1 for d in dates if d.year < 2010) / len(dates)
    return {"birth_date": 0.3 * old, "hire_date": -0.1 * old}


def transform(*, values: list[Any], **_: Any) -> list[Any]:
    return [_shared.to_date(v) for v in values]


def validate(*, values: list[Any], **_: Any) -> list[str | None]:
    today = dt.date.today()
    return [
        "date of birth is in the future"
        if isinstance(v, dt.date) and v > today
        else None
        if v is None or isinstance(v, dt.date)
        else "not a date"
        for v in values
    ]
