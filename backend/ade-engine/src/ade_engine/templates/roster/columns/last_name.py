"""Last name: found by its header (label and synonyms in the manifest)."""

from __future__ import annotations

from typing import Any


def detect_header(*, header: str, **_: Any) -> float | None:
    text = header.lower()
    if ("last" in text or "family" in text) and "name" in text:
        return 0.2
    return None


def transform(*, values: list[Any], **_: Any) -> list[Any]:
    return [v.strip().title() if isinstance(v, str) and v.islower() else v for v in values]
