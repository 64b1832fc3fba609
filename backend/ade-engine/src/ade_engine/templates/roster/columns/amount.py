"""Amount: money, read from numbers or text like "$1,234.50"."""

from __future__ import annotations

import re
from typing import Any

MONEY_RE = re.compile(r"^\(?-?[$€£]?\s*-?[\d,]*\.?\d+\)?$")


def _to_number(v: Any) -> Any:
    if isinstance(v, str) and MONEY_RE.match(v.strip()):
        text = v.strip()
        negative = text.startswith("(") or "-" in text
        number = float(re.sub(r"[^\d.]", "", text))
        return -number if negative else number
    return v


def detect_values(*, values: list[Any], **_: Any) -> float | None:
    if not values:
        return None
    numeric = sum(
        1
        for v in values
        if (isinstance(v, int | float) and not isinstance(v, bool))
        or (isinstance(v, str) and MONEY_RE.match(v))
    )
    return 0.3 * numeric / len(values) if numeric / len(values) > 0.6 else None


def transform(*, values: list[Any], **_: Any) -> list[Any]:
    return [_to_number(v) for v in values]


def validate(*, values: list[Any], **_: Any) -> list[str | None]:
    return [
        None
        if v is None or (isinstance(v, int | float) and not isinstance(v, bool))
        else "amount is not a number"
        for v in values
    ]
