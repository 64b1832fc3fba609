"""Hire date: a date, usually recent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import _shared


def detect_values(*, values: list[Any], **_: Any) -> float | None:
    dates = [v for v in map(_shared.to_date, values) if isinstance(v, dt.date)]
    if not values or len(dates) / len(values) < 0.8:
        return None
    recent = sum(1 for d in dates if d.year >= 1990) / len(dates)
    return 0.2 * recent


def transform(*, values: list[Any], **_: Any) -> list[Any]:
    return [_shared.to_date(v) for v in values]


def validate(*, values: list[Any], **_: Any) -> list[str | None]:
    return [None if v is None or isinstance(v, dt.date) else "not a date" for v in values]
