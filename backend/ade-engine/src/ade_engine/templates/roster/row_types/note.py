"""A row type: lines that start with "Note:", "Source:" or "*" are notes, never data."""

from __future__ import annotations

from typing import Any

PREFIXES = ("note:", "notes:", "source:", "*")


def classify(*, values: list[Any], **_: Any) -> dict[str, float] | None:
    first = next((v for v in values if v is not None), None)
    if isinstance(first, str) and first.lower().startswith(PREFIXES):
        return {"note": 2.0}
    return None
