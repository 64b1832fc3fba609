"""The built web app (`frontend/ade-web/dist`) as a real ADE serves it, in Chromium: its first
page loads without a console error or CSP violation and has no serious accessibility fault.
The pages' own tests (sign-in, documents, jobs...) build on the same fixtures."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from ade_cli.testing_browser import Axe, Screenshot
from ade_cli.testing_stack import Stack


def test_the_app_loads_at_the_root_under_its_csp(
    page: Page, web_stack: Stack, screenshot: Screenshot, axe: Axe
) -> None:
    answer = page.goto(f"http://127.0.0.1:{web_stack.port}/")
    assert answer is not None
    assert answer.ok
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    # Signed out, the app shows a page of its own (sign-in or setup), not a blank one.
    expect(page.locator("body")).not_to_be_empty()
    expect(page.get_by_role("heading").first).to_be_visible()
    screenshot("first-page")
    axe(page)
