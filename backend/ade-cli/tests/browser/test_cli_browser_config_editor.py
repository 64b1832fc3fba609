"""The config editor in Chromium on a real ADE: Monaco (bundled, running under the API's CSP)
opens a draft file, Ctrl+S saves it with If-Match, and a save another browser made first
turns the next save into the conflict view, where "Keep mine" saves over the newer version."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from ade_cli.testing_browser import Axe, PageWatch, Screenshot, sign_in_with_form
from ade_cli.testing_stack import Stack

TIMEOUT = 30_000  # ms: Monaco is a large lazily loaded chunk on a busy machine


def open_and_type(page: Page, stack: Stack, cid: str, line: str) -> None:
    """Open columns/email.py in the editor and append `line` at its end."""
    sign_in_with_form(page, stack, f"/w/{stack.ws}/configs/{cid}/editor")
    page.get_by_role("navigation", name="Files").get_by_role(
        "button", name="email.py", exact=True
    ).click(timeout=TIMEOUT)
    lines = page.locator(".monaco-editor .view-lines")
    expect(lines).to_be_visible(timeout=TIMEOUT)
    lines.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type(line)
    expect(
        page.get_by_role("list", name="Open files").get_by_role("img", name="unsaved changes")
    ).to_be_visible()


def test_the_editor_saves_with_ctrl_s_and_shows_a_conflict(
    page: Page,
    browser: Browser,
    web_stack: Stack,
    screenshot: Screenshot,
    axe: Axe,
    page_watch: PageWatch,
) -> None:
    page_watch.allow(r"status of 412")  # the stale save this test provokes
    cid = web_stack.create_config("editor-browser")
    open_and_type(page, web_stack, cid, "# first edit from the browser")
    expect(page.get_by_role("heading", name="Problems")).to_be_visible()
    page.keyboard.press("Control+s")
    expect(page.get_by_role("img", name="unsaved changes")).to_have_count(0, timeout=TIMEOUT)
    assert "# first edit from the browser" in web_stack.draft_file(cid, "columns/email.py")
    expect(page.get_by_text("The draft is valid.")).to_be_visible(timeout=TIMEOUT)
    screenshot("config-editor")
    axe(page)

    # Edit again here, but a colleague's browser saves the same file first.
    page.keyboard.press("Enter")
    page.keyboard.type("# mine")
    other = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        colleague = other.new_page()
        open_and_type(colleague, web_stack, cid, "# theirs")
        colleague.keyboard.press("Control+s")
        expect(colleague.get_by_role("img", name="unsaved changes")).to_have_count(
            0, timeout=TIMEOUT
        )
    finally:
        other.close()
    assert "# theirs" in web_stack.draft_file(cid, "columns/email.py")

    page.keyboard.press("Control+s")
    conflict = page.get_by_role("heading", name="Someone saved columns/email.py first")
    expect(conflict).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("conflict-diff").locator(".monaco-diff-editor")).to_be_visible(
        timeout=TIMEOUT
    )
    screenshot("config-editor-conflict")
    page.get_by_role("button", name="Keep mine").click()
    expect(conflict).to_have_count(0)
    expect(page.get_by_role("img", name="unsaved changes")).to_have_count(0, timeout=TIMEOUT)
    saved = web_stack.draft_file(cid, "columns/email.py")
    assert "# mine" in saved
    assert "# theirs" not in saved
