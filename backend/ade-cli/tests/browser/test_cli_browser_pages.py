"""The main pages in Chromium on a real ADE: each is accessible (axe-core), shows keyboard
focus, and is screenshotted; a viewer sees no control they cannot use; another workspace's
document is a not-found page; an API conflict reads as a message next to its control; a job
started by another client updates the open list live."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from ade_cli.testing_browser import Axe, PageWatch, Screenshot, sign_in_page
from ade_cli.testing_stack import Stack

# Chromium logs every 4xx answer as a console error: expected where a test provokes one.
CONFLICT = r"status of 409"
NOT_FOUND = r"status of 404"
PASSES = ("transform", "validate", "output")


@dataclass
class Seeded:
    """What the page tests look at: a published, active config and a finished job."""

    config_id: str
    version_id: str
    document_id: str
    job_id: str


@pytest.fixture(scope="module")
def seeded(web_stack: Stack) -> Seeded:
    version = web_stack.publish("roster")
    config_id = web_stack.http.get(f"/workspaces/{web_stack.ws}/configs").json()["items"][0]["id"]
    activated = web_stack.http.post(f"/workspaces/{web_stack.ws}/configs/{config_id}:activate")
    assert activated.status_code == 200, activated.text
    document = web_stack.upload("members.csv")
    job = web_stack.submit(document, version)
    assert web_stack.wait(job["id"])["status"] == "succeeded"
    return Seeded(config_id, version, document, job["id"])


def base(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.port}"


def focus_is_visible(page: Page) -> None:
    """Tab moves focus to a control that draws a visible :focus-visible ring."""
    page.locator("body").click(position={"x": 1, "y": 1})
    page.keyboard.press("Tab")
    styled = page.evaluate(
        """() => {
          const el = document.activeElement;
          if (!el || el === document.body) return null;
          const style = getComputedStyle(el);
          return {
            focusVisible: el.matches(':focus-visible'),
            ring: style.outlineStyle !== 'none' && style.outlineWidth !== '0px'
              || style.boxShadow !== 'none',
          };
        }"""
    )
    assert styled == {"focusVisible": True, "ring": True}, styled


MAIN_PAGES = {
    "documents": ("documents", "Documents"),
    "jobs": ("jobs", "Jobs"),
    "configs": ("configs", "Configs"),
    "members": ("members", "Members"),
}


@pytest.mark.parametrize("name", sorted(MAIN_PAGES))
def test_each_main_page_is_accessible_with_visible_focus(
    page: Page, web_stack: Stack, seeded: Seeded, name: str, axe: Axe, screenshot: Screenshot
) -> None:
    path, heading = MAIN_PAGES[name]
    sign_in_page(page, web_stack)
    page.goto(f"{base(web_stack)}/w/{web_stack.ws}/{path}")
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    # Live lists keep an event stream open: wait for the content, not for an idle network.
    expect(page.get_by_role("table").or_(page.get_by_role("status")).first).to_be_visible()
    expect(page.get_by_text(re.compile("^Loading"))).to_have_count(0)
    screenshot(name)
    axe(page)
    focus_is_visible(page)


def test_the_detail_pages_are_accessible(
    page: Page, web_stack: Stack, seeded: Seeded, axe: Axe, screenshot: Screenshot
) -> None:
    sign_in_page(page, web_stack)
    page.goto(f"{base(web_stack)}/w/{web_stack.ws}/jobs/{seeded.job_id}")
    expect(page.get_by_text("Succeeded").first).to_be_visible()
    screenshot("job")
    axe(page)
    # The timeline: detect and map one after the other, then one span for the rows passes
    # (they run together, a chunk at a time) with each pass's time inside it.
    timeline = page.get_by_role("list", name="Job timeline")
    page.locator("#timeline").evaluate("el => el.scrollIntoView({block: 'start'})")
    expect(timeline).to_contain_text(re.compile(r"job started.*Detect.*Map.*Rows.*job succeeded"))
    passes = timeline.get_by_role("list", name="Rows: each pass's time", exact=True).get_by_role(
        "listitem"
    )
    expect(passes).to_have_text([re.compile(rf"^{name} \d+ ms$") for name in PASSES])
    screenshot("job-timeline")
    page.goto(f"{base(web_stack)}/w/{web_stack.ws}/documents/{seeded.document_id}")
    expect(page.get_by_role("heading", name="members.csv")).to_be_visible()
    expect(page.get_by_role("grid").first).to_contain_text("Member roster export")
    screenshot("document-preview")
    axe(page)
    page.goto(f"{base(web_stack)}/account/api-keys")
    expect(page.get_by_role("heading", name="API keys")).to_be_visible()
    screenshot("api-keys")
    axe(page)


def test_a_viewer_sees_no_upload_run_or_delete_controls(
    page: Page, web_stack: Stack, seeded: Seeded
) -> None:
    token = web_stack.add_member("viewer@example.org", "viewer")
    sign_in_page(page, web_stack, token)
    page.goto(f"{base(web_stack)}/w/{web_stack.ws}/documents")
    expect(page.get_by_role("link", name="members.csv").first).to_be_visible()
    for control in ("Choose files", "Delete", "Run"):
        expect(page.get_by_role("button", name=re.compile(control))).to_have_count(0)
    page.goto(f"{base(web_stack)}/w/{web_stack.ws}/documents/{seeded.document_id}")
    expect(page.get_by_role("heading", name="members.csv")).to_be_visible()
    for control in ("Run", "Delete"):
        expect(page.get_by_role("button", name=re.compile(control))).to_have_count(0)
    page.goto(f"{base(web_stack)}/w/{web_stack.ws}/configs")
    expect(page.get_by_role("table", name="Configs")).to_be_visible()
    expect(page.get_by_role("button", name="New config")).to_have_count(0)


def test_another_workspaces_document_is_a_not_found_page(
    page: Page, page_watch: PageWatch, web_stack: Stack
) -> None:
    page_watch.allow(NOT_FOUND)
    other = web_stack.http.post("/workspaces", json={"name": "Elsewhere"}).json()["id"]
    foreign = web_stack.http.post(
        f"/workspaces/{other}/documents",
        files={"file": ("secret.csv", b"a,b\n1,2\n", "text/csv")},
    ).json()["id"]
    sign_in_page(page, web_stack)
    page.goto(f"{base(web_stack)}/w/{web_stack.ws}/documents/{foreign}")
    expect(page.get_by_role("heading", name=re.compile("not found", re.I))).to_be_visible()
    expect(page.get_by_text("secret.csv")).to_have_count(0)


def test_archiving_the_active_config_shows_the_conflict_in_its_dialog(
    page: Page, page_watch: PageWatch, web_stack: Stack, seeded: Seeded
) -> None:
    page_watch.allow(CONFLICT)
    sign_in_page(page, web_stack)
    page.goto(f"{base(web_stack)}/w/{web_stack.ws}/configs")
    row = page.get_by_role("row", name=re.compile("roster"))
    expect(row.get_by_text("Active", exact=True)).to_be_visible()
    row.get_by_role("button", name=re.compile("^Actions for")).click()
    page.get_by_role("menuitem", name="Archive…").click()
    dialog = page.get_by_role("alertdialog", name=re.compile("^Archive"))
    dialog.get_by_role("button", name="Archive config").click()
    expect(dialog.get_by_role("alert")).to_contain_text(
        "this is the workspace's active config; activate another one first"
    )


def test_a_job_started_elsewhere_updates_the_open_jobs_list(
    page: Page, web_stack: Stack, seeded: Seeded
) -> None:
    sign_in_page(page, web_stack)
    page.goto(f"{base(web_stack)}/w/{web_stack.ws}/jobs")
    table = page.get_by_role("table", name="Jobs")
    expect(table.get_by_role("row").nth(1)).to_be_visible()
    rows_before = table.get_by_role("row").count()
    # Another client (a script with the same account's token) starts a job over HTTP.
    document = web_stack.upload("live.csv")
    job = web_stack.submit(document, seeded.version_id)
    assert web_stack.wait(job["id"])["status"] == "succeeded"
    live = table.get_by_role("row").filter(has_text=job["id"][-8:])
    expect(live).to_contain_text("Succeeded", timeout=30_000)
    assert table.get_by_role("row").count() == rows_before + 1
