"""Count every HTTP request by method, route template and status, and time it.

Pure ASGI middleware (streamed responses pass through untouched). The `route` label is the
matched route's template (`/api/v1/workspaces/{workspace_id}/jobs`), never the raw path, so
ids in URLs do not create new series; a request no route matched is counted as `unmatched`.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ade_api.metrics.service import UNMATCHED_ROUTE, ApiMetrics


def route_template(scope: Scope) -> str:
    """The template of the route that handled the request, with its include prefix."""
    route: Any = scope.get("route")
    template = getattr(route, "path_format", None)
    regex = getattr(route, "path_regex", None)
    if not isinstance(template, str) or regex is None:
        return UNMATCHED_ROUTE
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    if regex.match(path):
        return template
    # The route was included under a prefix (`/api/v1`) its own template does not carry:
    # the prefix is the part of the path before the first point where the route matches.
    # Include prefixes are static in ADE, so this adds no ids.
    for index, char in enumerate(path):
        if char == "/" and index > 0 and regex.match(path[index:]):
            return path[:index] + template
    return UNMATCHED_ROUTE


class MetricsMiddleware:
    """Observe `ade_http_requests_total` and `ade_http_request_duration_seconds`."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            self.metrics.observe(
                scope["method"], route_template(scope), status, time.perf_counter() - started
            )
