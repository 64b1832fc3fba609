"""The config editor's history in Chromium on a real ADE: an edit saved in Monaco is published
as 1.1.0 from the Publish dialog (which shows the diff against 1.0.0), the history lists it, the
diff view compares 1.0.0 with 1.1.0 in Monaco's diff editor, a revert to 1.0.0 first shows what
the draft loses and keeps it as a discarded draft, and restoring that draft brings the work back
into the draft and into the open tab."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from ade_cli.testing_browser import Axe, PageWatch, Screenshot, sign_in_with_form
from ade_cli.testing_stack import Stack

TIMEOUT = 30_000  # ms: Monaco is a large lazily loaded chunk on a busy machine
EDIT = "# published in 1.1.0"
WORK = "# work in progress"


def test_publish_diff_revert_and_restore_in_the_editor(
    page: Page, web_stack: Stack, screenshot: Screenshot, axe: Axe, page_watch: PageWatch
) -> None:
    cid = web_stack.create_config("history-browser")
    first = web_stack.http.post(
        f"/workspaces/{web_stack.ws}/configs/{cid}/publish", json={"semver": "1.0.0"}
    )
    assert first.status_code == 201, first.text

    # Edit columns/email.py in Monaco and save it.
    sign_in_with_form(page, web_stack, f"/w/{web_stack.ws}/configs/{cid}/editor")
    page.get_by_role("navigation", name="Files").get_by_role(
        "button", name="email.py", exact=True
    ).click(timeout=TIMEOUT)
    lines = page.locator(".monaco-editor .view-lines")
    expect(lines).to_be_visible(timeout=TIMEOUT)
    lines.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type(EDIT)
    publish = page.get_by_role("button", name="Publish", exact=True)
    expect(publish).to_be_disabled()  # unsaved files block publishing
    expect(lines).to_contain_text(EDIT)  # every key typed has landed before saving
    page.keyboard.press("Control+s")
    expect(page.get_by_role("img", name="unsaved changes")).to_have_count(0, timeout=TIMEOUT)

    # Publish 1.1.0 from the dialog, which shows the draft's changes since 1.0.0.
    publish.click()
    dialog = page.get_by_role("dialog", name="Publish the draft")
    expect(dialog.get_by_role("textbox", name="Version")).to_have_value("1.1.0")
    expect(dialog.get_by_role("list", name="Changed files")).to_contain_text("columns/email.py")
    expect(dialog.get_by_test_id("version-diff").locator(".monaco-diff-editor")).to_be_visible(
        timeout=TIMEOUT
    )
    expect(dialog.get_by_test_id("version-diff")).to_contain_text(EDIT, timeout=TIMEOUT)
    dialog.get_by_role("textbox", name="What changed (optional)").fill("Email detector note")
    screenshot("config-editor-history-publish")
    axe(page)
    dialog.get_by_role("button", name="Publish 1.1.0").click()
    expect(page.get_by_text("Published 1.1.0", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(dialog).to_have_count(0)
    assert web_stack.version_statuses(cid) == {
        "1.1.0": "published",
        "1.0.0": "deprecated",
        "draft": "draft",
    }

    # The history lists it; the diff view compares 1.0.0 with 1.1.0.
    page.get_by_role("tab", name="History").click()
    versions = page.get_by_role("table", name="Versions")
    row = versions.get_by_role("row", name=re.compile(r"1\.1\.0"))
    expect(row).to_contain_text("Published", timeout=TIMEOUT)
    expect(row).to_contain_text("Email detector note")
    page.get_by_role("combobox", name="From").select_option(label="1.0.0 (deprecated)")
    page.get_by_role("combobox", name="To").select_option(label="1.1.0 (published)")
    expect(page.get_by_role("list", name="Changed files")).to_contain_text("columns/email.py")
    diff = page.get_by_test_id("version-diff")
    expect(diff.locator(".monaco-diff-editor")).to_be_visible(timeout=TIMEOUT)
    expect(diff).to_contain_text(EDIT, timeout=TIMEOUT)
    screenshot("config-editor-history-diff")
    axe(page)

    # Work goes on in the draft (another client: the open tab is clean but stale now), then a
    # revert to 1.0.0 asks first, with the draft as it is now.
    saved = web_stack.put_file(cid, "columns/email.py", WORK, append=True)
    assert saved.status_code == 200, saved.text
    versions.get_by_role("button", name="Revert to 1.0.0").click(timeout=TIMEOUT)
    confirm = page.get_by_role("alertdialog", name="Revert to 1.0.0?")
    expect(confirm.get_by_role("list", name="What the draft loses")).to_contain_text(
        "columns/email.py", timeout=TIMEOUT
    )
    expect(confirm).to_contain_text("kept as a discarded draft")
    screenshot("config-editor-history-revert")
    confirm.get_by_role("button", name="Revert to 1.0.0").click()
    expect(page.get_by_text("Reverted to 1.0.0", exact=True)).to_be_visible(timeout=TIMEOUT)
    assert WORK not in web_stack.draft_file(cid, "columns/email.py")
    assert web_stack.version_statuses(cid) == {
        "1.1.0": "deprecated",
        "1.0.0": "published",
        "draft": "draft",
        "discarded": "discarded",
    }

    # Restore the discarded draft: the work is back in the draft and in the open tab, which
    # reloaded with each replaced draft (it was clean).
    discarded = versions.get_by_role("row", name=re.compile("^Discarded draft"))
    expect(discarded).to_contain_text("Discarded", timeout=TIMEOUT)
    discarded.get_by_role("button", name=re.compile("^Restore")).click()
    confirm = page.get_by_role("alertdialog", name=re.compile("^Restore the discarded draft of"))
    expect(confirm.get_by_role("list", name="What the draft loses")).to_contain_text(
        "columns/email.py", timeout=TIMEOUT
    )
    confirm.get_by_role("button", name="Restore into the draft").click()
    expect(
        page.get_by_text(re.compile("^Restored the discarded draft of .* into the draft$"))
    ).to_be_visible(timeout=TIMEOUT)
    assert WORK in web_stack.draft_file(cid, "columns/email.py")
    screenshot("config-editor-history-restored")
    page.get_by_role("tab", name="Code").click()
    lines = page.get_by_test_id("code-editor").locator(".view-lines")
    expect(lines).to_be_visible(timeout=TIMEOUT)
    lines.click()
    page.keyboard.press("Control+End")  # Monaco draws the lines in view: the end of the file
    expect(lines).to_contain_text(WORK, timeout=TIMEOUT)
    expect(page.get_by_role("img", name="unsaved changes")).to_have_count(0)
    page_watch.check()
