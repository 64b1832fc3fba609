"""A config author's whole path in Chromium on a real ADE (`ade start`, a worker, the jail),
the scenario the config editor was built for: create a config from the roster template and
publish 1.0.0 → add a column with the wizard → edit its detector in Monaco and save → a
colleague's browser saves the same file first, the author sees the conflict view and keeps their
text → the plan marks a deliberate syntax error at its line → fixed → a dry run on an uploaded
document maps the new column with its score → publish 1.1.0 → the diff of 1.0.0 and 1.1.0 shows
the change → revert to 1.0.0 (the unpublished draft is kept) → restore the discarded draft."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from ade_cli.testing_browser import Axe, PageWatch, Screenshot, sign_in_page
from ade_cli.testing_stack import Stack

TIMEOUT = 30_000  # ms: Monaco and the sandboxed runs on a busy machine
BADGE = "columns/badge_id.py"
DETECTOR = "def detect_badge_prefix(*, values, **_): return 0.3 if values and all(str(v).startswith('B-') for v in values) else None"  # noqa: E501
ROSTER = (
    "Member #,Given Name,Surname,E-Mail Address,Badge\n"
    "000123,Ada,Lovelace,ada@example.org,B-1001\n"
    "000124,Alan,Turing,alan@example.org,B-1002\n"
    "000125,Grace,Hopper,grace@example.org,B-1003\n"
)


def type_at_end(page: Page, *lines: str) -> None:
    """Append `lines` to the open file in Monaco (inserted whole: no auto-closing brackets)."""
    view = page.get_by_test_id("code-editor").locator(".view-lines")
    expect(view).to_be_visible(timeout=TIMEOUT)
    view.click()
    page.keyboard.press("Control+End")
    for line in lines:
        page.keyboard.press("Enter")
        page.keyboard.insert_text(line)
    expect(view).to_contain_text(lines[-1][:40], timeout=TIMEOUT)


def save(page: Page) -> None:
    expect(page.get_by_role("img", name="unsaved changes").first).to_be_visible()
    page.keyboard.press("Control+s")
    expect(page.get_by_role("img", name="unsaved changes")).to_have_count(0, timeout=TIMEOUT)


def publish(page: Page, semver: str, message: str) -> None:
    page.get_by_role("button", name="Publish", exact=True).click()
    dialog = page.get_by_role("dialog", name="Publish the draft")
    dialog.get_by_role("textbox", name="Version").fill(semver)
    dialog.get_by_role("textbox", name="What changed (optional)").fill(message)
    dialog.get_by_role("button", name=f"Publish {semver}").click()
    expect(page.get_by_text(f"Published {semver}", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(dialog).to_have_count(0)


def test_a_config_author_writes_tests_publishes_and_rolls_back_in_the_browser(
    page: Page,
    browser: Browser,
    web_stack: Stack,
    screenshot: Screenshot,
    axe: Axe,
    page_watch: PageWatch,
    tmp_path: Path,
) -> None:
    page_watch.allow(r"status of 412")  # the stale save the colleague causes
    # After the revert, the open tab of the column 1.0.0 lacks reloads: 404, and the tab closes.
    page_watch.allow(r"status of 404 .*badge_id\.py")
    sign_in_page(page, web_stack)

    # Create from the roster template: the new config opens in the editor. Publish 1.0.0.
    page.goto(f"http://127.0.0.1:{web_stack.port}/w/{web_stack.ws}/configs")
    page.get_by_role("button", name="New config").first.click()
    dialog = page.get_by_role("dialog", name="New config")
    dialog.get_by_label("Title").fill("Club members")
    dialog.get_by_role("button", name="Create config").click()
    editor_url = re.compile(rf"/w/{web_stack.ws}/configs/(\w+)/editor$")
    page.wait_for_url(editor_url, timeout=TIMEOUT)
    found = editor_url.search(page.url)
    assert found is not None
    cid = found.group(1)
    files = page.get_by_role("navigation", name="Files")
    expect(files.get_by_role("button", name="email.py", exact=True)).to_be_visible(timeout=TIMEOUT)
    publish(page, "1.0.0", "The roster template")

    # Add a column with the wizard: its module opens in a tab.
    files.get_by_role("button", name="Add column").click()
    wizard = page.get_by_role("dialog", name="Add column")
    wizard.get_by_label("Field name").fill("badge_id")
    wizard.get_by_label("Synonyms").fill("badge, badge number")
    wizard.get_by_label("Starting kind").select_option("identifier")
    wizard.get_by_role("button", name="Add column").click()
    expect(wizard).to_have_count(0)
    tabs = page.get_by_role("list", name="Open files")
    expect(tabs.get_by_role("button", name="badge_id.py", exact=True)).to_be_visible(
        timeout=TIMEOUT
    )

    # Edit its detector and save.
    type_at_end(page, DETECTOR)
    save(page)
    assert "detect_badge_prefix" in web_stack.draft_file(cid, BADGE)
    screenshot("config-author-detector")

    # A colleague's browser saves the same file first; our next save meets the conflict view.
    type_at_end(page, "# mine: badges are issued at the desk")
    other = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        colleague = other.new_page()
        sign_in_page(colleague, web_stack)
        colleague.goto(f"http://127.0.0.1:{web_stack.port}/w/{web_stack.ws}/configs/{cid}/editor")
        colleague.get_by_role("navigation", name="Files").get_by_role(
            "button", name="badge_id.py", exact=True
        ).click(timeout=TIMEOUT)
        type_at_end(colleague, "# theirs")
        save(colleague)
    finally:
        other.close()
    page.keyboard.press("Control+s")
    conflict = page.get_by_role("heading", name=f"Someone saved {BADGE} first")
    expect(conflict).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("conflict-diff").locator(".monaco-diff-editor")).to_be_visible(
        timeout=TIMEOUT
    )
    expect(page.get_by_test_id("conflict-diff")).to_contain_text("# theirs", timeout=TIMEOUT)
    screenshot("config-author-conflict")
    page.get_by_role("button", name="Keep mine").click()
    expect(conflict).to_have_count(0)
    expect(page.get_by_role("img", name="unsaved changes")).to_have_count(0, timeout=TIMEOUT)
    saved = web_stack.draft_file(cid, BADGE)
    assert "# mine" in saved
    assert "# theirs" not in saved

    # A deliberate syntax error: the plan marks its file and line, in the list and in Monaco.
    type_at_end(page, "def broken(:")
    save(page)
    line = len(web_stack.draft_file(cid, BADGE).splitlines())
    # The file has `line` lines, so no other line number starts with these digits.
    problem = page.get_by_role("button").filter(has_text=f"{BADGE}:{line}")
    expect(problem).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("code-editor").locator(".squiggly-error")).not_to_have_count(0)
    screenshot("config-author-problem")
    # Fixed: the line goes (Ctrl+Shift+K deletes it) and the draft is valid again.
    page.get_by_test_id("code-editor").locator(".view-lines").click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Control+Shift+K")
    save(page)
    expect(page.get_by_text("The draft is valid.")).to_be_visible(timeout=TIMEOUT)
    assert "broken" not in web_stack.draft_file(cid, BADGE)

    # A dry run on an uploaded document maps the new column, with its score.
    page.get_by_role("tab", name="Dry run").click()
    upload = tmp_path / "badges.csv"
    upload.write_text(ROSTER, encoding="utf-8")
    page.get_by_label("Upload a document to run on").set_input_files(upload)
    expect(page).to_have_url(re.compile(r"[?&]document=\w{26}"), timeout=TIMEOUT)
    page.get_by_role("button", name=re.compile(r"^Run( again)?$")).click()
    summary = page.get_by_label("Run summary")
    expect(summary).to_contain_text("Succeeded", timeout=TIMEOUT)
    mapping = page.get_by_role("table", name=re.compile(r"^Mapping of "))
    badge = mapping.get_by_role("row", name=re.compile(r"^E Badge "))
    expect(badge.get_by_role("cell").nth(1)).to_contain_text(re.compile("badge", re.I))
    expect(badge).to_contain_text(re.compile(r"\d\.\d"))  # its score
    expect(badge).to_contain_text("Header synonym")  # the parts of it: the synonym ...
    expect(badge).to_contain_text("detect_badge_prefix")  # ... and the new detector
    screenshot("config-author-dry-run")
    axe(page)

    # Publish 1.1.0; the history's diff of 1.0.0 and 1.1.0 shows the new column.
    publish(page, "1.1.0", "A badge column")
    page.get_by_role("tab", name="History").click()
    page.get_by_role("combobox", name="From").select_option(label="1.0.0 (deprecated)")
    page.get_by_role("combobox", name="To").select_option(label="1.1.0 (published)")
    changed = page.get_by_role("list", name="Changed files")
    expect(changed).to_contain_text(BADGE, timeout=TIMEOUT)
    expect(changed).to_contain_text("manifest.json")
    # Monaco draws the lines in view: the top of the new module.
    diff = page.get_by_test_id("version-diff")
    expect(diff).to_contain_text("Column `badge_id`", timeout=TIMEOUT)
    screenshot("config-author-diff")

    # Unpublished work, then a revert to 1.0.0: the draft is kept as a discarded version.
    assert web_stack.put_file(cid, BADGE, "# next idea", append=True).status_code == 200
    versions = page.get_by_role("table", name="Versions")
    versions.get_by_role("button", name="Revert to 1.0.0").click(timeout=TIMEOUT)
    confirm = page.get_by_role("alertdialog", name="Revert to 1.0.0?")
    expect(confirm.get_by_role("list", name="What the draft loses")).to_contain_text(
        BADGE, timeout=TIMEOUT
    )
    confirm.get_by_role("button", name="Revert to 1.0.0").click()
    expect(page.get_by_text("Reverted to 1.0.0", exact=True)).to_be_visible(timeout=TIMEOUT)
    assert web_stack.version_statuses(cid)["1.0.0"] == "published"
    assert web_stack.version_statuses(cid)["discarded"] == "discarded"
    answer = web_stack.http.get(f"/workspaces/{web_stack.ws}/configs/{cid}/draft/files/{BADGE}")
    assert answer.status_code == 404  # 1.0.0 has no badge column ...
    page.get_by_role("tab", name="Code").click()  # ... and its open tab has closed
    expect(page.get_by_text("Open a file from the list.")).to_be_visible(timeout=TIMEOUT)
    expect(tabs.get_by_role("button", name="badge_id.py", exact=True)).to_have_count(0)
    page.get_by_role("tab", name="History").click()

    # Restore the discarded draft: the work is back.
    discarded = versions.get_by_role("row", name=re.compile("^Discarded draft"))
    discarded.get_by_role("button", name=re.compile("^Restore")).click(timeout=TIMEOUT)
    page.get_by_role("alertdialog").get_by_role("button", name="Restore into the draft").click()
    expect(page.get_by_text(re.compile("^Restored the discarded draft"))).to_be_visible(
        timeout=TIMEOUT
    )
    assert "# next idea" in web_stack.draft_file(cid, BADGE)
    page_watch.check()
