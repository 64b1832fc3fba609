"""Phone: 7 to 15 digits, with the usual separators."""

from __future__ import annotations

import re
from typing import Any

from . import _shared

PHONE_RE = re.compile(r"^\+?[\d\s().\-]{7,20}$")


def _is_phone(v: Any) -> bool:
    if not isinstance(v, str) or not PHONE_RE.match(v):
        return False
    digits = sum(ch.isdigit() for ch in v)
    return 7 <= digits <= 15


def detect_values(*, values: list[Any], **_: Any) -> float | None:
    share = _shared.fraction(values, _is_phone)
    return 0.4 * share if share > 0.6 else None


def transform(*, values: list[Any], **_: Any) -> list[Any]:
    """Numbers typed as numbers (5551234) become text so nothing is lost."""
    return [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in values]
