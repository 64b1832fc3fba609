"""Serve the built web app at `/`: the API router's fallback for paths no route matched.

Installed as the router's `default`, it runs only when no route matched at all, so every
API route (and its 405 for a wrong method) keeps answering as before. It answers GET and
HEAD outside the API's own paths (`/api`, `/docs`, `/health`, `/ready`, `/metrics`, where an
unknown path stays the JSON 404 problem) and leaves every other request to the router's
404. Its responses carry a strict Content-Security-Policy and the usual hardening headers.
"""

from __future__ import annotations

from pathlib import Path

from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ade_api.web import service

# One policy for the app's pages and files: only this origin's scripts, styles (React sets
# inline styles), images, fonts, workers and API; no plugins, framing or foreign forms.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

NOT_BUILT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ADE: web app not built</title></head>
<body><h1>The ADE web app is not built</h1>
<p>This server answers its API at <a href="/docs">/docs</a> and <code>/api/v1</code>, but it has
no built web app to show here.</p>
<p>Build it with <code>./scripts/start</code> (which builds it when its sources changed), or
<code>npm ci &amp;&amp; npm run build</code> in <code>frontend/ade-web</code>; or point
<code>ADE_WEB_DIR</code> at a built <code>dist</code> folder. Then restart the server.</p>
</body></html>
"""


async def _endpoint(_scope: Scope, _receive: Receive, _send: Send) -> None:  # pragma: no cover
    raise AssertionError("the web route is never dispatched to; it only labels requests")


# What the request metrics (and anything else reading `scope["route"]`) see for a web app
# request: one template for every client route, not one label per path.
WEB_ROUTE = Route("/{path:path}", _endpoint, methods=["GET", "HEAD"], include_in_schema=False)


def _route_path(scope: Scope) -> str:
    """The request's path below the app's mount point (`root_path`, behind a proxy)."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    return path[len(root_path) :] if root_path and path.startswith(root_path) else path


class WebApp:
    """The fallback ASGI app: the web app's files for GET/HEAD, else `not_found`."""

    def __init__(self, root: Path | None, not_found: ASGIApp) -> None:
        self.root = root
        self.not_found = not_found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = _route_path(scope) if scope["type"] == "http" else ""
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or service.is_reserved(path)
        ):
            await self.not_found(scope, receive, send)
            return
        scope["route"] = WEB_ROUTE
        response = self._response(path)
        if response is None:
            await self.not_found(scope, receive, send)
            return
        response.headers.update(SECURITY_HEADERS)
        await response(scope, receive, send)

    def _response(self, path: str) -> Response | None:
        # Looked for on each request: a build made while the server runs is served at once.
        if self.root is None or not service.is_built(self.root):
            if path.startswith("/assets/"):
                return None
            return HTMLResponse(
                NOT_BUILT_PAGE, status_code=503, headers={"Cache-Control": "no-store"}
            )
        found = service.find(self.root, path)
        if found is None:
            return None
        return FileResponse(found.path, headers={"Cache-Control": found.cache.value})
