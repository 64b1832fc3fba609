"""Email: recognised by header or by values that look like addresses."""

from __future__ import annotations

import re
from typing import Any

from . import _shared

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def detect_values(*, values: list[Any], **_: Any) -> float | None:
    share = _shared.fraction(values, lambda v: isinstance(v, str) and bool(EMAIL_RE.match(v)))
    return 0.6 * share if share > 0.5 else None


def transform(*, values: list[Any], **_: Any) -> list[Any]:
    return [v.strip().lower() if isinstance(v, str) else v for v in values]


def validate(*, values: list[Any], **_: Any) -> list[str | None]:
    return [
        None
        if v is None or (isinstance(v, str) and EMAIL_RE.match(v))
        else "not a valid email address"
        for v in values
    ]
