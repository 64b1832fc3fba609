"""Web app benchmark: prints figures, asserts nothing.

    uv run python bench/web.py [--documents 1000] [--rows 100000]

Starts a real ADE (`ade start`: API, worker, Redis) serving the built app
(`frontend/ade-web/dist`; build it first) and drives Debian's Chromium with Playwright:

1. the JavaScript the sign-in page loads (raw and gzipped; the issue's target: <= 250 KB
   gzipped);
2. the documents page's paints (first contentful, largest contentful, table rows shown) with
   ``--documents`` documents, beside a baseline workspace of 10 from the same run (target:
   under 1 s);
3. frame times while a ``--rows``-row sheet preview scrolls fast (target: smooth, i.e. frames
   near 16.7 ms, few over 50 ms).

The browser tests (backend/ade-cli/tests/browser/test_cli_browser_measure.py) record the same
figures in their report.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from ade_cli.testing_browser import CHROMIUM, CHROMIUM_ARGS, DIST, start_web_stack
from ade_cli.testing_web_measure import (
    big_csv,
    documents_paint,
    preview_scroll,
    seed_documents,
    session_script,
    sign_in_javascript,
    token_of,
)
from ade_worker.embedded_redis import embedded_redis


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    if not (DIST / "index.html").is_file():
        sys.exit(f"build the web app first: no {DIST / 'index.html'}")
    with (
        tempfile.TemporaryDirectory(prefix="ade-bench-web-") as folder,
        tempfile.TemporaryDirectory(prefix="ade-bench-jail-") as jail,
    ):
        root = Path(folder)
        (root / "stack").mkdir()
        Path(jail).chmod(0o711)  # searchable by the sandbox user, as ADE_SANDBOX_DIR must be
        with (
            embedded_redis(root / "redis") as redis,
            start_web_stack(root / "stack", redis.url, Path(jail), DIST) as stack,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            base = f"http://127.0.0.1:{stack.port}"
            token = token_of(stack)
            figures: dict[str, object] = {"sign_in_javascript": sign_in_javascript(browser, base)}
            few = stack.http.post("/workspaces", json={"name": "Ten"}).json()["id"]
            many = stack.http.post("/workspaces", json={"name": "Many"}).json()["id"]
            seed_documents(stack, few, 10)
            seed_documents(stack, many, args.documents)
            documents_paint(browser, base, token, few)  # warm up
            figures["documents_paint_10"] = documents_paint(browser, base, token, few)
            figures[f"documents_paint_{args.documents}"] = documents_paint(
                browser, base, token, many
            )
            document = stack.upload("big-roster.csv", big_csv(args.rows))
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.add_init_script(session_script(token))
            page = context.new_page()
            page.goto(f"{base}/w/{stack.ws}/documents/{document}")
            page.get_by_role("grid").first.wait_for(timeout=60_000)
            page.wait_for_timeout(1000)
            figures[f"preview_scroll_{args.rows}"] = preview_scroll(page)
            browser.close()
    for name, value in figures.items():
        print(f"{name:28} {json.dumps(value)}")


if __name__ == "__main__":
    main()
