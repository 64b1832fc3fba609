"""The configs page in Chromium on a real ADE: a config created from the roster template opens
in the editor; a duplicate ("Copy of …", from a chosen version) opens in the editor too, as a
new draft with nothing published; the active config wears its badge; a taken slug is answered
under the slug."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from ade_cli.testing_browser import Axe, PageWatch, Screenshot, sign_in_page
from ade_cli.testing_stack import Stack

TIMEOUT = 30_000  # ms: the editor is a large lazily loaded chunk on a busy machine


def open_configs(page: Page, stack: Stack) -> None:
    page.goto(f"http://127.0.0.1:{stack.port}/w/{stack.ws}/configs")
    expect(page.get_by_role("table", name="Configs")).to_be_visible(timeout=TIMEOUT)


def editor_config_id(page: Page, stack: Stack) -> str:
    """Wait for the editor of a config and return its id (from the URL)."""
    editor = re.compile(rf"/w/{stack.ws}/configs/(\w+)/editor$")
    page.wait_for_url(editor, timeout=TIMEOUT)
    expect(page.get_by_role("navigation", name="Files")).to_be_visible(timeout=TIMEOUT)
    found = editor.search(page.url)
    assert found is not None, page.url
    return found.group(1)


def config(stack: Stack, cid: str) -> dict[str, object]:
    answer = stack.http.get(f"/workspaces/{stack.ws}/configs/{cid}")
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def test_create_from_the_template_and_duplicate_land_in_the_editor(
    page: Page, web_stack: Stack, screenshot: Screenshot, axe: Axe, page_watch: PageWatch
) -> None:
    page_watch.allow(r"status of 409")  # the taken slug this test tries
    # An active config beside the new ones: published and activated over HTTP.
    base = f"/workspaces/{web_stack.ws}/configs"
    active = web_stack.create_config("configs-active")
    published = web_stack.http.post(f"{base}/{active}/publish", json={"semver": "1.0.0"})
    assert published.status_code == 201, published.text
    activated = web_stack.http.post(f"{base}/{active}:activate")
    assert activated.status_code == 200, activated.text
    sign_in_page(page, web_stack)
    open_configs(page, web_stack)

    page.get_by_role("button", name="New config").first.click()
    dialog = page.get_by_role("dialog", name="New config")
    expect(dialog.get_by_role("radio", name=re.compile("Roster template"))).to_be_checked()
    dialog.get_by_label("Title").fill("Browser members")
    expect(dialog.get_by_label("Slug")).to_have_value("browser-members")
    screenshot("configs-new")
    axe(page)
    dialog.get_by_role("button", name="Create config").click()
    cid = editor_config_id(page, web_stack)
    created = config(web_stack, cid)
    assert (created["slug"], created["title"]) == ("browser-members", "Browser members")
    # The roster template's files are the draft's.
    expect(
        page.get_by_role("navigation", name="Files").get_by_role(
            "button", name="email.py", exact=True
        )
    ).to_be_visible()

    # The list: the title links to the editor, the active config wears its badge.
    open_configs(page, web_stack)
    table = page.get_by_role("table", name="Configs")
    row = table.get_by_role("row").filter(has=page.get_by_role("link", name="Browser members"))
    expect(row.get_by_role("link", name="Browser members")).to_have_attribute(
        "href", f"/w/{web_stack.ws}/configs/{cid}/editor"
    )
    active_row = table.get_by_role("row").filter(has_text="configs-active")
    expect(active_row.get_by_text("Active", exact=True)).to_be_visible()
    screenshot("configs-list")
    axe(page)

    # Duplicate it: a taken slug is answered under the slug, then a free one lands in the editor.
    page.get_by_role("button", name="Actions for Browser members").click()
    page.get_by_role("menuitem", name="Duplicate…").click()
    dialog = page.get_by_role("dialog", name="Duplicate “Browser members”")
    expect(dialog.get_by_label("Title")).to_have_value("Copy of Browser members")
    expect(dialog.get_by_label("Slug")).to_have_value("copy-of-browser-members")
    slug = dialog.get_by_label("Slug")
    slug.fill("configs-active")
    dialog.get_by_role("button", name="Duplicate config").click()
    expect(
        dialog.get_by_text("the slug 'configs-active' is taken in this workspace")
    ).to_be_visible()
    expect(slug).to_have_attribute("aria-invalid", "true")
    slug.fill("copy-of-browser-members")
    expect(dialog.get_by_label("Copy from")).to_have_value("")  # the draft
    screenshot("configs-duplicate")
    axe(page)
    dialog.get_by_role("button", name="Duplicate config").click()
    copy_id = editor_config_id(page, web_stack)
    assert copy_id != cid
    copy = config(web_stack, copy_id)
    assert copy["slug"] == "copy-of-browser-members"
    assert (copy["published_version_id"], copy["active"]) == (None, False)
    drafts = [
        web_stack.http.get(f"{base}/{c}/versions/{v}").json()
        for c, v in ((cid, created["version_id"]), (copy_id, copy["version_id"]))
    ]
    assert drafts[0]["files_hash"] == drafts[1]["files_hash"]
