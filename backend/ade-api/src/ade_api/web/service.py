"""Which file of the built web app answers a path, and how long it may be cached.

The app is a single-page React app built by Vite (`frontend/ade-web/dist`): `index.html`,
content-hashed files under `assets/`, and a few top-level files (favicon, robots.txt). Every
path the API does not own is the app's: a file of the build when one matches, else
`index.html`, which routes on the client. Knows nothing of HTTP; every path goes through the
storage's safe-path helper, so nothing outside the build folder can be named.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import ade_api
from ade_storage import UnsafePathError, resolve_within

# Paths the API itself owns: never the web app's, even when nothing there matches.
RESERVED_PREFIXES = ("/api", "/docs", "/health", "/ready", "/metrics")
INDEX = "index.html"
ASSETS = "assets"


class Cache(Enum):
    """How long a browser may keep what it got."""

    REVALIDATE = "no-cache"  # index.html and unhashed files: asked again each time
    FOREVER = "public, max-age=31536000, immutable"  # content-hashed files: never change


@dataclass(frozen=True)
class WebFile:
    """The file that answers a request, and its cache policy."""

    path: Path
    cache: Cache


def checkout_web_dir() -> Path:
    """Where the checkout's build lands: `frontend/ade-web/dist` next to `backend/`."""
    # ade_api/__init__.py -> ade_api -> src -> ade-api -> backend -> the checkout.
    return Path(ade_api.__file__).resolve().parents[4] / "frontend" / "ade-web" / "dist"


def web_dir(configured: Path | None) -> Path | None:
    """The build folder: ADE_WEB_DIR, else the checkout's when this code runs from a checkout
    holding the app's sources (built or not yet); None when neither."""
    if configured is not None:
        return configured
    default = checkout_web_dir()
    return default if default.parent.is_dir() else None


def is_built(root: Path | None) -> bool:
    """Whether `root` holds a built app (its `index.html`)."""
    return root is not None and (root / INDEX).is_file()


def is_reserved(path: str) -> bool:
    """Whether `path` belongs to the API (answered by its routes, or its 404)."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in RESERVED_PREFIXES)


def _existing_file(root: Path, relative: str) -> Path | None:
    try:
        path = resolve_within(root, relative)
    except UnsafePathError:
        return None
    return path if path.is_file() else None


def find(root: Path, path: str) -> WebFile | None:
    """The file answering `path` (as the client sent it, decoded) in the build at `root`.

    `/assets/...`: that file, cached for ever, or None (a missing asset is a 404, never
    `index.html`, which a browser would try to run as a script). A top-level file of the
    build: that file. A top-level name with a dot that is not there (`/favicon.ico`): None.
    Anything else is a client route: `index.html`.
    """
    relative = path.lstrip("/")
    if relative == ASSETS or relative.startswith(ASSETS + "/"):
        asset = _existing_file(root, relative)
        return WebFile(asset, Cache.FOREVER) if asset is not None else None
    if relative and "/" not in relative:
        top = _existing_file(root, relative)
        if top is not None:
            return WebFile(top, Cache.REVALIDATE)
        if "." in relative:
            return None
    return WebFile(root / INDEX, Cache.REVALIDATE)
