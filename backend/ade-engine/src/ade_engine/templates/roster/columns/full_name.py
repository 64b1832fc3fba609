"""Full name: "Ada Lovelace" in one column."""

from __future__ import annotations

from typing import Any

from . import _shared


def detect_values(*, values: list[Any], **_: Any) -> float | None:
    """Two or three capitalised words per value: probably a person's full name."""

    def looks_like(v: Any) -> bool:
        if not isinstance(v, str):
            return False
        words = v.replace(",", " ").split()
        return 2 <= len(words) <= 4 and all(_shared.WORD_RE.match(w) for w in words)

    share = _shared.fraction(values, looks_like)
    return 0.5 * share if share > 0.8 else None
