"""The manifest form and the Add Column wizard in Chromium on a real ADE: the wizard adds a
column (its module opens in the editor, its entry joins the manifest) in one request; the form
reorders columns (Move up, and the drag handle driven by the keyboard) and saves a merge patch,
after which an open, clean manifest.json tab saves without a conflict; a value the API refuses
shows the API's message on that input."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Locator, Page, expect

from ade_cli.testing_browser import Axe, PageWatch, Screenshot, sign_in_with_form
from ade_cli.testing_stack import PASSWORD, Stack

TIMEOUT = 30_000  # ms: Monaco is a large lazily loaded chunk on a busy machine


def open_tab(page: Page, name: str) -> Locator:
    """The editor's tab of an open file (by its file name)."""
    return page.get_by_role("list", name="Open files").get_by_role("button", name=name, exact=True)


def manifest(stack: Stack, cid: str) -> dict[str, Any]:
    answer = stack.http.get(f"/workspaces/{stack.ws}/configs/{cid}/draft/manifest")
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


def fields_in_order(data: dict[str, Any]) -> list[str]:
    return [c["field"] for c in sorted(data["columns"], key=lambda c: c["ordinal"])]


def test_the_wizard_adds_a_column_and_the_form_reorders_and_saves(
    page: Page, web_stack: Stack, screenshot: Screenshot, axe: Axe, page_watch: PageWatch
) -> None:
    page_watch.allow(r"status of 400")  # the refused value this test sends on purpose
    cid = web_stack.create_config("manifest-browser")
    sign_in_with_form(page, web_stack, f"/w/{web_stack.ws}/configs/{cid}/editor")
    files = page.get_by_role("navigation", name="Files")

    # The wizard: one request adds columns/badge_id.py and its manifest entry.
    files.get_by_role("button", name="Add column").click(timeout=TIMEOUT)
    wizard = page.get_by_role("dialog", name="Add column")
    wizard.get_by_label("Field name").fill("Badge")
    wizard.get_by_role("button", name="Add column").click()
    expect(wizard.get_by_label("Field name")).to_have_accessible_description(
        re.compile("lowercase letters, digits and underscores")
    )
    wizard.get_by_label("Field name").fill("badge_id")
    wizard.get_by_label("Synonyms").fill("badge, badge number")
    wizard.get_by_label("Starting kind").select_option("identifier")
    wizard.get_by_label(re.compile("^Required")).check()
    screenshot("config-editor-manifest-add-column")
    wizard.get_by_role("button", name="Add column").click()
    expect(wizard).to_have_count(0)
    expect(open_tab(page, "badge_id.py")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(".monaco-editor .view-lines")).to_contain_text("badge_id", timeout=TIMEOUT)
    entry = next(c for c in manifest(web_stack, cid)["columns"] if c["field"] == "badge_id")
    assert entry["synonyms"] == ["badge", "badge number"]
    assert entry["required"] is True
    assert entry["path"] == "columns/badge_id.py"

    # Open manifest.json (clean) in the code view, then change the manifest in the form.
    files.get_by_role("button", name="manifest.json", exact=True).click()
    expect(open_tab(page, "manifest.json")).to_be_visible()
    page.get_by_role("tab", name="Manifest").click()
    columns = page.get_by_role("group", name="Columns")
    expect(columns.get_by_role("listitem", name="badge_id")).to_be_visible(timeout=TIMEOUT)
    columns.get_by_role("button", name="Move badge_id up").click()
    columns.get_by_role("button", name="Move badge_id up").click()
    # The drag handle with the keyboard: pick up, one place up, drop.
    columns.get_by_role("button", name="Drag amount to reorder").focus()
    page.keyboard.press("Space")
    expect(page.get_by_text("Picked up amount (position 10).")).to_be_attached()
    page.keyboard.press("ArrowUp")
    expect(page.get_by_text("amount (position 10) is over position 9.")).to_be_attached()
    page.keyboard.press("Space")
    expect(page.get_by_text("Dropped amount (position 10) at position 9.")).to_be_attached()
    expect(page.get_by_text("Unsaved changes", exact=True)).to_be_visible()
    page.get_by_label("Label of badge_id").fill("Badge")
    page.get_by_role("button", name="Save manifest").click()
    expect(page.get_by_text("Unsaved changes", exact=True)).to_have_count(0, timeout=TIMEOUT)
    saved = manifest(web_stack, cid)
    order = fields_in_order(saved)
    assert order[-4:] == ["birth_date", "badge_id", "amount", "hire_date"], order
    assert next(c for c in saved["columns"] if c["field"] == "badge_id")["label"] == "Badge"
    screenshot("config-editor-manifest-form")
    axe(page)

    # A value the API refuses: its message shows on that input, nothing is saved.
    page.get_by_label("Minimum score").fill("-1")
    page.get_by_label("Output sheet").fill("Issues")
    page.get_by_role("button", name="Save manifest").click()
    expect(page.get_by_label("Minimum score")).to_have_accessible_description(
        re.compile("must be a number >= 0"), timeout=TIMEOUT
    )
    expect(page.get_by_label("Output sheet")).to_have_accessible_description(
        re.compile("must be a valid sheet name")
    )
    expect(page.get_by_text("2 problems are marked below")).to_be_visible()
    assert manifest(web_stack, cid)["engine"]["min_score"] == saved["engine"]["min_score"]
    page.get_by_role("heading", name="Engine settings").scroll_into_view_if_needed()
    screenshot("config-editor-manifest-error")
    page.get_by_role("button", name="Discard").click()
    expect(page.get_by_label("Minimum score")).not_to_have_attribute("aria-invalid", "true")

    # Hooks by stage: the example's audit hook, one more stage added (not saved).
    page.get_by_label("Hook module for before_save").fill("hooks/audit.py")
    page.get_by_label("Hook module for before_save").press("Enter")
    expect(
        page.get_by_role("button", name="Remove hooks/audit.py from before_save")
    ).to_be_visible()
    page.get_by_role("heading", name="Hooks").scroll_into_view_if_needed()
    screenshot("config-editor-manifest-hooks")
    page.get_by_role("button", name="Discard").click()

    # The open manifest.json tab took the saved text and ETag: a save there does not conflict.
    page.get_by_role("tab", name="Code").click()
    open_tab(page, "manifest.json").click()
    lines = page.locator(".monaco-editor .view-lines")
    # As the API writes it now (one key a line), not the template's compact column entries.
    expect(lines).to_contain_text(re.compile(r'"member_id",\s{2,}"label"'), timeout=TIMEOUT)
    lines.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+s")
    expect(page.get_by_role("img", name="unsaved changes")).to_have_count(0, timeout=TIMEOUT)
    expect(page.get_by_role("heading", name=re.compile("Someone saved"))).to_have_count(0)


def test_a_viewer_reads_the_manifest_form_without_controls_to_change_it(
    browser: Browser, web_stack: Stack, page_watch: PageWatch
) -> None:
    cid = web_stack.create_config("manifest-viewer")
    web_stack.add_member("manifest-viewer@example.org", "viewer")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page_watch.attach(context)
    try:
        page = context.new_page()
        page.goto(
            f"http://127.0.0.1:{web_stack.port}/w/{web_stack.ws}/configs/{cid}/editor?view=manifest"
        )
        page.get_by_label("Email").fill("manifest-viewer@example.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_label("Label of email")).to_have_value("Email", timeout=TIMEOUT)
        expect(page.get_by_label("Label of email")).not_to_be_editable()
        expect(page.get_by_label("Required: email")).to_be_disabled()
        expect(page.get_by_label("Unmapped columns")).to_be_disabled()
        for name in ("Save manifest", "Discard", "Move email up", "Drag email to reorder"):
            expect(page.get_by_role("button", name=name)).to_have_count(0)
        page_watch.check()
    finally:
        context.close()
