"""No two API operations match the same request, so the order the routers are included in
(the jobs first, the hottest path: `ade_api.app`) cannot change which route answers."""

from __future__ import annotations

import re

from fastapi import FastAPI
from starlette.routing import compile_path

_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


def _operations(app: FastAPI) -> list[tuple[str, str, re.Pattern[str], str]]:
    """(method, path template, the template's compiled pattern, a concrete path of it)."""
    found: list[tuple[str, str, re.Pattern[str], str]] = []
    for template, methods in app.openapi()["paths"].items():
        pattern = compile_path(template)[0]
        concrete = re.sub(r"{[^}:]+(:path)?}", lambda m: "a/b" if m.group(1) else _ID, template)
        found.extend((method.upper(), template, pattern, concrete) for method in methods)
    return found


def test_no_request_matches_two_operations(app: FastAPI) -> None:
    operations = _operations(app)
    assert len(operations) >= 60
    overlaps = [
        (method, template, other_template)
        for method, template, _, concrete in operations
        for other_method, other_template, pattern, _ in operations
        if method == other_method and template != other_template and pattern.match(concrete)
    ]
    assert overlaps == []


def test_the_check_finds_an_overlap_when_there_is_one(app: FastAPI) -> None:
    # The `:action` paths are the ones a looser pattern could take: a POST on
    # `.../jobs/{job_id}` would also match `.../jobs/{job_id}:cancel`'s requests.
    pattern = compile_path("/api/v1/workspaces/{workspace_id}/jobs/{job_id}")[0]
    cancel = f"/api/v1/workspaces/{_ID}/jobs/{_ID}:cancel"
    assert pattern.match(cancel)
    assert ("POST", "/api/v1/workspaces/{workspace_id}/jobs/{job_id}:cancel") in {
        (method, template) for method, template, _, _ in _operations(app)
    }


def test_the_jobs_routes_are_tried_first(app: FastAPI) -> None:
    # The schema lists the paths in the order the routes are matched.
    first = next(iter(app.openapi()["paths"]))
    assert first == "/api/v1/workspaces/{workspace_id}/jobs"
