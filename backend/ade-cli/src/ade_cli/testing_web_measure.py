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
import statistics
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, Response, expect

from ade_cli.testing_stack import Stack

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


def seed_documents(stack: Stack, workspace_id: str, count: int, workers: int = 8) -> None:
    """`count` small CSV documents in a workspace, uploaded over HTTP a few at a time."""
    headers = {"Authorization": str(stack.http.headers["Authorization"])}
    url = f"{stack.http.base_url}workspaces/{workspace_id}/documents"

    def upload(index: int) -> None:
        with httpx.Client(timeout=60, headers=headers) as http:
            body = f"id,name\n{index},member {index}\n".encode()
            answer = http.post(url, files={"file": (f"doc-{index:05d}.csv", body, "text/csv")})
            assert answer.status_code == 201, answer.text

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(upload, range(count)))


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
