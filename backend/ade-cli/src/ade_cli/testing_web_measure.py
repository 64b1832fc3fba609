"""Figures about the web app in Chromium, shared by the browser tests (which record them in
their report, asserting nothing about timings) and `bench/web.py` (which prints them beside a
baseline from the same run). Nothing here is imported by production code.

- `sign_in_javascript`: the JavaScript the sign-in page loads, raw and gzipped.
- `documents_paint`: first contentful paint, largest contentful paint and the moment the
  documents table shows its rows, on a workspace's documents page.
- `preview_scroll`: frame times (requestAnimationFrame deltas) while a sheet preview scrolls.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Response, expect
from sqlalchemy import select

from ade_api.documents._upload import ReceivedFile
from ade_api.documents.service import Upload, create_document
from ade_api.storage import Storage
from ade_api.workspaces.service import WorkspaceAccess
from ade_cli.testing_stack import EMAIL, Stack
from ade_db.engine import create_db_engine, create_session_factory
from ade_db.enums import WorkspaceRole
from ade_db.models import User, Workspace
from ade_db.settings import DatabaseSettings
from ade_db.types import new_id
from ade_storage import StorageSettings
from ade_storage.local import TEMP_PREFIX

# Collects largest-contentful-paint entries from the start (buffered), before app scripts.
OBSERVE_LCP = """
window.__adeLcp = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__adeLcp = entry.startTime;
}).observe({ type: 'largest-contentful-paint', buffered: true });
"""

# Records the time between animation frames until stopped.
FRAME_RECORDER = """() => {
  window.__adeFrames = [];
  window.__adeRecording = true;
  let last = performance.now();
  const tick = (now) => {
    window.__adeFrames.push(now - last);
    last = now;
    if (window.__adeRecording) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def session_script(token: str) -> str:
    """An init script that opens the app signed in with `token` (see `sign_in_page`)."""
    return (
        "sessionStorage.setItem('ade.session', JSON.stringify("
        f"{{ token: {token!r}, expiresAt: Date.now() + 3600 * 1000 }}))"
    )


def token_of(stack: Stack) -> str:
    return str(stack.http.headers["Authorization"]).removeprefix("Bearer ")


def sign_in_javascript(browser: Browser, base: str) -> dict[str, int]:
    """Scripts the sign-in page loads in a fresh context: count, bytes, gzipped bytes."""
    context = browser.new_context()
    scripts: list[Response] = []
    page = context.new_page()
    page.on(
        "response", lambda r: scripts.append(r) if r.request.resource_type == "script" else None
    )
    try:
        page.goto(f"{base}/sign-in")
        expect(page.get_by_role("heading").first).to_be_visible()
        page.wait_for_load_state("networkidle")
        bodies = [response.body() for response in scripts]
    finally:
        context.close()
    return {
        "scripts": len(bodies),
        "bytes": sum(len(body) for body in bodies),
        "gzip_bytes": sum(len(gzip.compress(body, 9)) for body in bodies),
    }


def seed_documents(stack: Stack, workspace_id: str, count: int) -> None:
    """`count` small CSV documents in a workspace, as uploads make them: recorded by the API's
    own document service (sniffed, placed in storage, `document.uploaded` events) in one
    transaction on the stack's database and data dir, without an HTTP round trip each (1,000
    uploads over HTTP take minutes on a 2-core machine; the page measured is the same)."""
    data_dir = stack.root / "data"
    storage = Storage.from_settings(StorageSettings(data_dir=data_dir))
    engine = create_db_engine(
        settings=DatabaseSettings(database_url=None, storage_data_dir=data_dir)
    )
    try:
        with create_session_factory(engine)() as session:
            workspace = session.get_one(Workspace, workspace_id)
            user = session.scalars(select(User).where(User.email == EMAIL)).one()
            access = WorkspaceAccess(workspace, WorkspaceRole.OWNER, user)
            for index in range(count):
                document_id = new_id()
                folder = storage.layout.document_path(workspace_id, document_id, ".bin").parent
                body = f"id,name\n{index},member {index}\n".encode()
                received = _received(folder, f"doc-{index:05d}.csv", body)
                create_document(session, access, storage, Upload(document_id, received, None))
            session.commit()
    finally:
        engine.dispose()


def _received(folder: Path, name: str, body: bytes) -> ReceivedFile:
    """`body` as the upload receiver leaves it: a temp file in the document's own folder."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=folder)
    with os.fdopen(fd, "wb") as out:
        out.write(body)
    return ReceivedFile(Path(temp), name, len(body), hashlib.sha256(body).hexdigest())


def documents_paint(browser: Browser, base: str, token: str, workspace_id: str) -> dict[str, float]:
    """Paint timings (ms from navigation) of the documents page in a fresh signed-in context."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(session_script(token))
    context.add_init_script(OBSERVE_LCP)
    page = context.new_page()
    try:
        page.goto(f"{base}/w/{workspace_id}/documents")
        rows_at = page.wait_for_function(
            """() => {
              const table = document.querySelector('table[aria-label="Documents"]');
              return table && table.querySelectorAll('tbody tr').length > 0 && performance.now();
            }""",
            polling="raf",
            timeout=30_000,
        ).json_value()
        page.wait_for_timeout(300)  # let LCP settle
        paint: dict[str, float] = page.evaluate(
            """() => Object.fromEntries(performance.getEntriesByType('paint')
                 .map((e) => [e.name, e.startTime]))"""
        )
        lcp = float(page.evaluate("() => window.__adeLcp"))
    finally:
        context.close()
    return {
        "first_contentful_paint_ms": round(paint.get("first-contentful-paint", 0.0), 1),
        "largest_contentful_paint_ms": round(lcp, 1),
        "rows_visible_ms": round(float(rows_at), 1),
    }


# The element that scrolls the grid: the grid itself or its nearest scrollable ancestor.
SCROLLER = """(grid) => {
  for (let el = grid; el; el = el.parentElement) {
    if (el.scrollHeight > el.clientHeight + 1) return el;
  }
  return document.scrollingElement;
}"""


def preview_scroll(page: Page, steps: int = 60, delta: int = 2400) -> dict[str, Any]:
    """Scroll the first sheet grid on the page, `delta` pixels a frame for `steps` frames
    (a fast fling), recording frame times; how far it went and frame time figures."""
    grid = page.get_by_role("grid").first
    expect(grid).to_be_visible()
    scroller = grid.evaluate_handle(SCROLLER)
    page.evaluate(FRAME_RECORDER)
    for _ in range(steps):
        scroller.evaluate(f"(el) => el.scrollBy(0, {delta})")
        page.wait_for_timeout(16)
    page.wait_for_timeout(200)
    frames: list[float] = page.evaluate(
        "() => { window.__adeRecording = false; return window.__adeFrames; }"
    )
    scrolled = float(scroller.evaluate("(el) => el.scrollTop"))
    frames = frames[1:] or [0.0]
    ordered = sorted(frames)
    return {
        "frames": len(frames),
        "scrolled_px": scrolled,
        "median_frame_ms": round(statistics.median(frames), 1),
        "p95_frame_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "max_frame_ms": round(ordered[-1], 1),
        "frames_over_50ms": sum(1 for f in frames if f > 50),
    }


def big_csv(rows: int) -> bytes:
    """A roster CSV with `rows` data rows under a title and a header."""
    lines = ["Member roster export,,,", ",,,", "Member #,Given Name,Surname,E-Mail Address"]
    lines += [f"{i:06d},Given{i},Surname{i},m{i}@example.org" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()
