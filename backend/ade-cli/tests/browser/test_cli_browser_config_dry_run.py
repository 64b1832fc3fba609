"""The config editor's dry run in Chromium on a real ADE (`ade start`, a real sandbox): upload
a document in the view, run the draft and see a column mapped with its score and why; edit the
detector in the code view, save, come back and run again on the same document (kept in the
URL); a config error shows its file and line and opens them in the code view."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from ade_cli.testing_browser import Axe, Screenshot, sign_in_with_form
from ade_cli.testing_stack import SAMPLE, Stack

TIMEOUT = 60_000  # ms: a dry run starts a sandbox; Monaco is a large lazy chunk


def email_row(page: Page) -> Locator:
    """The mapping row of the sample's email column (E, "E-Mail Address")."""
    table = page.get_by_role("table", name=re.compile(r"^Mapping of "))
    return table.get_by_role("row", name=re.compile(r"^E E-Mail Address "))


def append_in_code_view(page: Page, *lines: str) -> None:
    """In the code view, add `lines` at the end of columns/email.py, save, and come back."""
    page.get_by_role("tab", name="Code").click()
    page.get_by_role("navigation", name="Files").get_by_role(
        "button", name="email.py", exact=True
    ).click(timeout=TIMEOUT)
    editor = page.locator(".monaco-editor .view-lines")
    expect(editor).to_be_visible(timeout=TIMEOUT)
    editor.click()
    page.keyboard.press("Control+End")
    for line in lines:
        page.keyboard.press("Enter")
        page.keyboard.insert_text(line)  # typed keys would meet Monaco's bracket closing
    unsaved = page.get_by_role("img", name="unsaved changes")
    expect(unsaved.first).to_be_visible()
    page.keyboard.press("Control+s")
    expect(unsaved).to_have_count(0, timeout=TIMEOUT)
    page.get_by_role("tab", name="Dry run").click()


def run(page: Page) -> None:
    page.get_by_role("button", name=re.compile(r"^Run( again)?$")).click()
    expect(page.get_by_label("Run summary")).to_be_visible(timeout=TIMEOUT)


def test_dry_run_maps_an_uploaded_document_and_reruns_after_an_edit(
    page: Page,
    web_stack: Stack,
    screenshot: Screenshot,
    axe: Axe,
    tmp_path: Path,
) -> None:
    cid = web_stack.create_config("dry-run-browser")
    sign_in_with_form(page, web_stack, f"/w/{web_stack.ws}/configs/{cid}/editor?view=dry-run")
    expect(page.get_by_role("heading", name="Run the draft on a document")).to_be_visible(
        timeout=TIMEOUT
    )

    # Upload a document right here: it becomes the selected one, in the URL.
    upload = tmp_path / "dry-run-members.csv"
    upload.write_bytes(SAMPLE.read_bytes())
    page.get_by_label("Upload a document to run on").set_input_files(upload)
    expect(page).to_have_url(re.compile(r"[?&]document=\w{26}"), timeout=TIMEOUT)
    found = re.search(r"document=(\w{26})", page.url)
    assert found is not None
    document_id = found.group(1)
    expect(page.get_by_label("Document", exact=True)).to_have_value(document_id)

    run(page)
    expect(page.get_by_label("Run summary")).to_contain_text("Succeeded")
    row = email_row(page)
    expect(row.get_by_role("cell").nth(1)).to_contain_text("Email")
    expect(row).to_contain_text("Header synonym")
    expect(page.get_by_role("log", name="Console")).to_contain_text("roster config")
    expect(page.get_by_role("grid", name="Output preview")).to_be_visible(timeout=TIMEOUT)
    screenshot("config-editor-dry-run")
    axe(page)

    # Edit the email detector in the code view (a second one that scores every column 0.77
    # for email, and a print), save, come back: the same document is still selected.
    append_in_code_view(
        page, "print('email detector edited')", "def detect_values(**_): return 0.77"
    )
    expect(page).to_have_url(re.compile(f"document={document_id}"))
    expect(page.get_by_label("Document", exact=True)).to_have_value(document_id)
    # The last run's result is still shown until the next run replaces it.
    expect(page.get_by_label("Run summary")).to_contain_text("Succeeded")

    run(page)
    expect(email_row(page)).to_contain_text("+0.77")
    expect(page.get_by_role("log", name="Console")).to_contain_text("email detector edited")
    screenshot("config-editor-dry-run-rerun")
    page.get_by_role("grid", name="Output preview").scroll_into_view_if_needed()
    screenshot("config-editor-dry-run-console")

    # A config error: its file and line, and a jump to them in the code view.
    append_in_code_view(page, "def transform(**_): raise RuntimeError('transform broke')")
    run(page)
    failure = page.get_by_role("alert").filter(has_text="transform broke")
    expect(failure).to_be_visible()
    expect(failure).to_contain_text(re.compile(r"columns/email\.py:\d+"))
    screenshot("config-editor-dry-run-error")
    failure.get_by_role("button", name="Open columns/email.py at line").click()
    expect(page.get_by_role("tab", name="Code")).to_have_attribute("aria-selected", "true")
    expect(page.locator(".monaco-editor .view-lines")).to_contain_text(
        "transform broke", timeout=TIMEOUT
    )
