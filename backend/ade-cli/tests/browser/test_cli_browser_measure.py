"""The issue's web figures, measured in Chromium and recorded in the test report (`-rP`
prints them; junit XML has them as properties). Timings are not asserted: this machine's
load varies. `bench/web.py` prints the same with a baseline; docs/benchmarks.md records them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from playwright.sync_api import Browser, Page, expect

from ade_cli.testing_browser import sign_in_page
from ade_cli.testing_stack import Stack
from ade_cli.testing_web_measure import (
    big_csv,
    documents_paint,
    preview_scroll,
    seed_documents,
    sign_in_javascript,
    token_of,
)

Record = Callable[[str, object], None]


def report(record_property: Record, name: str, figures: Mapping[str, object]) -> None:
    record_property(name, json.dumps(figures))
    print(f"{name}: {json.dumps(figures)}")


def test_initial_javascript_of_the_sign_in_page(
    browser: Browser, web_stack: Stack, record_property: Record
) -> None:
    figures = sign_in_javascript(browser, f"http://127.0.0.1:{web_stack.port}")
    report(record_property, "sign_in_javascript", figures)
    assert figures["scripts"] >= 1


def test_documents_page_paint_with_1000_documents(
    browser: Browser, web_stack: Stack, record_property: Record
) -> None:
    base = f"http://127.0.0.1:{web_stack.port}"
    many = web_stack.http.post("/workspaces", json={"name": "Thousand"}).json()["id"]
    few = web_stack.http.post("/workspaces", json={"name": "Ten"}).json()["id"]
    seed_documents(web_stack, many, 1000)
    seed_documents(web_stack, few, 10)
    token = token_of(web_stack)
    documents_paint(browser, base, token, few)  # warm the server and the browser's cache
    report(record_property, "documents_paint_10", documents_paint(browser, base, token, few))
    report(record_property, "documents_paint_1000", documents_paint(browser, base, token, many))


def test_scrolling_a_100k_row_preview(
    page: Page, web_stack: Stack, record_property: Record
) -> None:
    document = web_stack.upload("big-roster.csv", big_csv(100_000))
    sign_in_page(page, web_stack)
    page.goto(f"http://127.0.0.1:{web_stack.port}/w/{web_stack.ws}/documents/{document}")
    grid = page.get_by_role("grid").first
    expect(grid).to_contain_text("Member roster export", timeout=60_000)
    figures = preview_scroll(page)
    report(record_property, "preview_scroll_100k", figures)
    assert figures["scrolled_px"] > 0
