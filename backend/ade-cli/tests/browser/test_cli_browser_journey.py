"""A new user's whole first day, in Chromium on a real ADE (`ade start` with its worker):
set up the server with the token its console printed, sign in, create a workspace, import,
publish and activate a config, drop three files (one not a spreadsheet), run a job and watch
it finish, read the mapping and the source preview, and download the workbook.

It runs first in the session (`browser_first_run`): the ADE has no user yet. Its
screenshots are the documentation's ("Your first job — in the browser")."""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from ade_cli.testing_browser import Axe, PageWatch, Screenshot
from ade_cli.testing_stack import EMAIL, PASSWORD, SAMPLE, Started
from ade_engine.scaffold import example_files

# Chromium logs a failed request (the refused upload) as a console error.
REFUSED_UPLOAD = r"Failed to load resource: the server responded with a status of 4\d\d"


def config_zip(folder: Path) -> Path:
    """The example config package (a member roster) as a zip, as `Export` or a person makes."""
    path = folder / "roster-config.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in example_files().items():
            archive.writestr(name, content)
    path.write_bytes(buffer.getvalue())
    return path


def three_files(folder: Path) -> list[Path]:
    """Two rosters (CSV) and a PDF, which is not a spreadsheet."""
    roster = SAMPLE.read_bytes()
    files = {
        "members.csv": roster,
        "members-2026.csv": roster.replace(b"Lovelace", b"Byron"),
        "notes.pdf": b"%PDF-1.7\n% call the club about the dues\n",
    }
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return [folder / name for name in files]


def dismiss_toasts(page: Page) -> None:
    """Close the notifications still shown (they would cover the screenshot)."""
    close = page.get_by_role("button", name="Dismiss")
    while close.count():
        # A toast may also leave by itself (its time is up) while this clicks.
        with contextlib.suppress(PlaywrightTimeoutError):
            close.first.click(timeout=1_000)


def set_up_and_sign_in(page: Page, stack: Started, screenshot: Screenshot, axe: Axe) -> None:
    page.goto(f"{stack.base}/")
    expect(page.get_by_role("heading", name="Set up ADE")).to_be_visible()
    screenshot("setup")
    axe(page)
    page.get_by_label("Setup token").fill(stack.setup_token())
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create admin account").click()
    expect(page.get_by_role("heading", name="Create your first workspace")).to_be_visible()

    # A new tab session: the admin signs in like any user.
    page.evaluate("() => sessionStorage.clear()")
    page.goto(f"{stack.base}/sign-in")
    expect(page.get_by_role("heading", name="Sign in to ADE")).to_be_visible()
    screenshot("sign-in")
    axe(page)
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def create_workspace(page: Page) -> None:
    expect(page.get_by_role("heading", name="Create your first workspace")).to_be_visible()
    page.get_by_label("Workspace name").fill("Membership")
    page.get_by_role("button", name="Create workspace").click()
    expect(page).to_have_url(re.compile(r"/w/[^/]+/documents$"))


def import_publish_activate(page: Page, package: Path) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Configs").click()
    expect(page.get_by_role("heading", name="Configs")).to_be_visible()
    page.get_by_role("button", name="New config").first.click()
    dialog = page.get_by_role("dialog", name="New config")
    dialog.get_by_role("radio", name=re.compile("Import a zip")).check()
    dialog.get_by_label("Config package").set_input_files(package)
    expect(dialog.get_by_label("Slug")).to_have_value("roster-config")
    dialog.get_by_role("button", name="Import config").click()
    # The new config opens in the editor; back to the list to publish and activate it.
    expect(page).to_have_url(re.compile(r"/configs/[^/]+/editor$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Configs").click()
    table = page.get_by_role("table", name="Configs")
    row = table.get_by_role("row", name=re.compile("roster-config"))
    expect(row).to_contain_text("Draft only")

    row.get_by_role("button", name=re.compile("^Actions for")).click()
    page.get_by_role("menuitem", name="Publish draft…").click()
    publish = page.get_by_role("dialog", name=re.compile("^Publish"))
    expect(publish.get_by_label("Version")).to_have_value("1.0.0")
    publish.get_by_role("button", name="Publish").click()
    expect(publish).to_be_hidden(timeout=60_000)  # the sandbox imports every module first
    expect(row).to_contain_text("1.0.0")

    row.get_by_role("button", name=re.compile("^Actions for")).click()
    page.get_by_role("menuitem", name="Activate").click()
    expect(row.get_by_text("Active", exact=True)).to_be_visible()


def upload_three(page: Page, files: list[Path], screenshot: Screenshot) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Documents").click()
    zone = page.get_by_role("region", name="Upload documents")
    with page.expect_file_chooser() as chooser:
        zone.get_by_role("button", name="Choose files").click()
    chooser.value.set_files(files)
    uploads = zone.get_by_role("list", name="Uploads")
    bad = uploads.get_by_role("listitem").filter(has_text="notes.pdf")
    expect(bad).to_contain_text(re.compile("not a spreadsheet|not supported|unsupported", re.I))
    documents = page.get_by_role("table", name="Documents")
    for name in ("members.csv", "members-2026.csv"):
        expect(documents.get_by_role("link", name=name)).to_be_visible()
    expect(documents.get_by_role("link", name="notes.pdf")).to_have_count(0)
    dismiss_toasts(page)
    screenshot("documents-uploads")


def run_and_watch(page: Page) -> str:
    page.get_by_role("table", name="Documents").get_by_role("link", name="members.csv").click()
    expect(page.get_by_role("heading", name="members.csv")).to_be_visible()
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page).to_have_url(re.compile(r"/jobs/[^/]+$"))
    # The status, passes and progress update live (SSE) on the page as it is: no reload.
    page.evaluate("() => { window.__sameDocument = true; }")
    expect(page.get_by_text("Succeeded").first).to_be_visible(timeout=90_000)
    expect(page.get_by_role("progressbar", name="Job progress")).to_have_attribute(
        "aria-valuenow", "100"
    )
    expect(page.get_by_role("list", name="Passes").get_by_role("listitem")).to_have_count(5)
    assert page.evaluate("() => window.__sameDocument === true"), "the job page reloaded"
    return page.url


def read_result(page: Page, screenshot: Screenshot, folder: Path) -> None:
    mapping = page.get_by_role("table", name=re.compile("^Mapping of"))
    expect(mapping).to_have_count(1)
    email = mapping.get_by_role("row").filter(has_text="E-Mail Address")
    expect(email.get_by_role("cell").nth(1)).to_contain_text(re.compile("e-?mail", re.I))
    mapping.scroll_into_view_if_needed()
    dismiss_toasts(page)
    screenshot("result-mapping")

    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("workbook", re.I)).click()
    saved = folder / "normalized.xlsx"
    download.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved, read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = [str(cell).lower() for cell in rows[0]]
    assert "email" in header, header
    emails = [row[header.index("email")] for row in rows[1:]]
    assert {"ada@example.org", "alan@example.org"} <= set(emails), emails


def open_preview(page: Page) -> None:
    page.get_by_role("link", name="members.csv").first.click()
    grid = page.get_by_role("grid", name=re.compile("^Sheet "))
    expect(grid).to_contain_text("Member roster export")
    expect(grid).to_contain_text("ada@example.org")
    # The latest job's findings are drawn on the source: its table, header row, skipped rows.
    expect(page.get_by_text("Table found (1)")).to_be_visible()
    marked = grid.get_by_role("rowheader")
    expect(marked.filter(has_text=re.compile("header: Header row of"))).to_have_count(1)
    expect(marked.filter(has_text=re.compile("skipped|title", re.I)).first).to_be_attached()


@pytest.mark.browser_first_run
def test_a_new_user_sets_up_ade_and_gets_a_first_job_done(
    page: Page,
    page_watch: PageWatch,
    first_run_stack: Started,
    screenshot: Screenshot,
    axe: Axe,
    tmp_path: Path,
) -> None:
    page_watch.allow(REFUSED_UPLOAD)
    set_up_and_sign_in(page, first_run_stack, screenshot, axe)
    create_workspace(page)
    import_publish_activate(page, config_zip(tmp_path))
    upload_three(page, three_files(tmp_path), screenshot)
    run_and_watch(page)
    read_result(page, screenshot, tmp_path)
    open_preview(page)
