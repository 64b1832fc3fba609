"""Test helpers shared by the API's test suites (shipped so every domain's tests use one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RANK = {"viewer": 1, "editor": 2, "owner": 3}


@dataclass(frozen=True)
class Route:
    """A workspace-scoped route for the role table: who may call it and what success is."""

    method: str
    path: str  # placeholders in braces are filled in per test
    minimum: str
    success: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] | None = None


def expected_status(role: str, route: Route) -> int:
    """What `role` ("outsider" for a non-member) must get from `route`."""
    if role == "outsider":
        return 404  # ids of other workspaces do not leak
    return route.success if RANK[role] >= RANK[route.minimum] else 403


def fill(value: Any, values: dict[str, str]) -> Any:
    """Replace `{name}` placeholders in strings, recursively through dicts and lists."""
    if isinstance(value, str):
        for key, replacement in values.items():
            value = value.replace("{" + key + "}", replacement)
        return value
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    return value
