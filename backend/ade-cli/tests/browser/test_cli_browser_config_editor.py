"""The config editor in Chromium on a real ADE: Monaco (bundled, running under the API's CSP)
opens a draft file, Ctrl+S saves it with If-Match, and a save another browser made first
turns the next save into the conflict view, where "Keep mine" saves over the newer version."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from ade_cli.testing_browser import Axe, PageWatch, Screenshot
from ade_cli.testing_stack import EMAIL, PASSWORD, Stack

TIMEOUT = 30_000  # ms: Monaco is a large lazily loaded chunk on a busy machine


def sign_in(page: Page, stack: Stack, path: str) -> None:
    page.goto(f"http://127.0.0.1:{stack.port}{path}")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def open_and_type(page: Page, stack: Stack, cid: str, line: str) -> None:
    """Open columns/email.py in the editor and append `line` at its end."""
    sign_in(page, stack, f"/w/{stack.ws}/configs/{cid}/editor")
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


def draft_email(stack: Stack, cid: str) -> str:
    answer = stack.http.get(f"/workspaces/{stack.ws}/configs/{cid}/draft/files/columns/email.py")
    assert answer.status_code == 200, answer.text
    return str(answer.json()["code"])


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
    assert "# first edit from the browser" in draft_email(web_stack, cid)
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
    assert "# theirs" in draft_email(web_stack, cid)

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
    saved = draft_email(web_stack, cid)
    assert "# mine" in saved
    assert "# theirs" not in saved
