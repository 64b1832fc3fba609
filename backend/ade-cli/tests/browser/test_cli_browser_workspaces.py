"""The workspace and account pages in Chromium on a real ADE: API keys (the secret shown once,
then revoked), members (an unknown email answered at the field, the last-owner rule next to the
role control) and the workspace settings. The first-run setup page needs a server without any
user; its behaviour is covered by the web app's unit tests (src/app/setup.test.tsx)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from ade_cli.testing_browser import Axe, PageWatch, Screenshot, sign_in_with_form
from ade_cli.testing_stack import EMAIL, Stack

TIMEOUT = 15_000  # ms: lazily loaded pages on a busy machine


def test_an_api_key_is_created_shown_once_and_revoked(
    page: Page, web_stack: Stack, screenshot: Screenshot, axe: Axe
) -> None:
    sign_in_with_form(page, web_stack, "/account/api-keys")
    expect(page.get_by_role("heading", name="API keys")).to_be_visible(timeout=TIMEOUT)
    page.get_by_role("button", name="Create API key").first.click()
    dialog = page.get_by_role("dialog", name="Create API key")
    dialog.get_by_label("Name").fill("browser test key")
    dialog.get_by_role("button", name="Create key").click()

    shown = page.get_by_role("dialog", name="Key “browser test key” created")
    secret = shown.get_by_label("API key secret")
    expect(secret).to_be_visible()
    expect(shown.get_by_text("You will not be able to see it again")).to_be_visible()
    screenshot("api-key-created")
    axe(page)
    # The secret works as the X-API-Key header, and is gone from the page once closed.
    value = secret.inner_text().strip()
    me = web_stack.http.get("/me", headers={"Authorization": "", "X-API-Key": value})
    assert me.status_code == 200, me.text
    shown.get_by_role("button", name="Done").click()
    expect(page.get_by_text(value)).to_have_count(0)

    page.get_by_role("button", name="Revoke browser test key").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Revoke key").click()
    expect(page.get_by_role("button", name="Revoke browser test key")).to_have_count(0)


def test_members_and_settings_answer_in_words_next_to_the_control(
    page: Page, web_stack: Stack, screenshot: Screenshot, axe: Axe, page_watch: PageWatch
) -> None:
    # Chromium logs the refused requests this test provokes as console errors.
    page_watch.allow(r"status of (404|409)")
    sign_in_with_form(page, web_stack, f"/w/{web_stack.ws}/members")
    role = page.get_by_role("combobox", name=f"Role of {EMAIL}")
    expect(role).to_be_visible(timeout=TIMEOUT)

    page.get_by_role("button", name="Add member").click()
    dialog = page.get_by_role("dialog", name="Add member")
    dialog.get_by_label("Email").fill("nobody@example.org")
    dialog.get_by_role("button", name="Add member").click()
    expect(dialog.get_by_text("user not found")).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()

    role.select_option("viewer")  # the only owner: the API refuses with 409
    expect(page.get_by_role("alert")).to_contain_text("at least one owner")
    screenshot("members")
    axe(page)

    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Workspace settings")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Delete workspace…")).to_be_visible()
    screenshot("workspace-settings")
    axe(page)
