"""The browser-test harness itself, on a tiny stand-in app (not the real one): a page that
behaves passes; a console error, an uncaught error, a CSP violation or a serious axe-core
violation fails it; screenshots land in the screenshot folder; and the real ADE serves a
built app from `ADE_WEB_DIR` that the browser can use.

The stand-in is served two ways: by a small local server sending a strict CSP of its own
(the harness alone), and by a real `ade start` (the API's own serving and CSP)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ade_cli.testing_browser import (
    Axe,
    PageWatch,
    Screenshot,
    api_serves_the_web_app,
    start_web_stack,
)
from ade_cli.testing_stack import Stack
from ade_worker.embedded_redis import EmbeddedRedis

CSP = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'"

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title>
<link rel="icon" href="/favicon.svg">{head}</head>
<body><main><h1>{title}</h1>{body}</main></body>
</html>
"""
# The button asks the server for /health: the API's own, once the stack serves the app.
APP_JS = """\
const button = document.getElementById("check");
const status = document.getElementById("status");
button.addEventListener("click", async () => {
  const answer = await fetch("/health");
  status.textContent = answer.ok ? `Server says ${(await answer.json()).status}` : "No server";
});
"""
FAULTY_JS = """\
console.error("the stand-in app logged an error");
setTimeout(() => { throw new TypeError("the stand-in app threw"); }, 0);
"""


def page_html(title: str, body: str = "", head: str = "") -> str:
    return PAGE.format(title=title, body=body, head=head)


@pytest.fixture(scope="module")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stand-in's pictures never join the app's (ADE_SCREENSHOT_DIR=docs/img/app)."""
    return tmp_path_factory.mktemp("harness-screenshots")


@pytest.fixture(scope="module")
def fake_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built app as Vite lays it out: index.html, hashed assets, a few other pages."""
    dist = tmp_path_factory.mktemp("fake-dist")
    (dist / "assets").mkdir()
    (dist / "assets" / "app-abc123.js").write_text(APP_JS)
    (dist / "assets" / "faulty-def456.js").write_text(FAULTY_JS)
    (dist / "health").write_text('{"status": "ok"}')  # the local server's stand-in
    button = (
        '<button type="button" id="check">Check the server</button>'
        '<p id="status" role="status">Not checked</p>'
    )
    script = '<script type="module" src="/assets/app-abc123.js"></script>'
    (dist / "index.html").write_text(page_html("Harness", button, script))
    inline = "<script>document.title = 'inline script ran';</script>"
    (dist / "inline.html").write_text(page_html("Inline script", inline))
    faulty = '<script src="/assets/faulty-def456.js"></script>'
    (dist / "faulty.html").write_text(page_html("Faulty", head=faulty))
    inaccessible = '<img src="/missing-alt.svg"><input type="text">'
    (dist / "inaccessible.html").write_text(page_html("Inaccessible", inaccessible))
    square = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    (dist / "missing-alt.svg").write_text(square)
    (dist / "favicon.svg").write_text(square)
    return dist


class _CspHandler(SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def local_site(fake_dist: Path) -> Iterator[str]:
    """The stand-in served on a free loopback port with a strict CSP; its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_CspHandler, directory=str(fake_dist)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_page_that_behaves_passes_and_is_screenshotted(
    page: Page, local_site: str, screenshot: Screenshot, screenshot_dir: Path
) -> None:
    page.goto(f"{local_site}/")
    page.get_by_role("button", name="Check the server").click()
    expect(page.get_by_role("status")).to_have_text("Server says ok")
    saved = screenshot("harness-local")
    assert saved == screenshot_dir / "harness-local.png"
    assert saved.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_an_inline_script_is_a_csp_violation_that_fails_the_test(
    page: Page, page_watch: PageWatch, local_site: str
) -> None:
    page.goto(f"{local_site}/inline.html")
    expect(page).to_have_title("Inline script")  # the script did not run
    found = page_watch.wait_for(page, "CSP violation: script-src-elem blocked inline")
    assert "/inline.html:" in found[0]  # where the inline script is
    with pytest.raises(pytest.fail.Exception, match="CSP violation"):
        page_watch.check()
    page_watch.problems.clear()  # seen and checked: the fixture has nothing left to fail on


def test_console_and_uncaught_errors_fail_the_test(
    page: Page, page_watch: PageWatch, local_site: str
) -> None:
    page.goto(f"{local_site}/faulty.html")
    page_watch.wait_for(page, "console error: the stand-in app logged an error")
    page_watch.wait_for(page, "uncaught error: TypeError: the stand-in app threw")
    with pytest.raises(pytest.fail.Exception, match="uncaught error"):
        page_watch.check()
    page_watch.problems.clear()


def test_an_expected_error_can_be_allowed(
    page: Page, page_watch: PageWatch, local_site: str
) -> None:
    page_watch.allow(r"^console error: the stand-in app logged an error")
    page.goto(f"{local_site}/faulty.html")
    page_watch.wait_for(page, "uncaught error: TypeError")
    assert not [p for p in page_watch.problems if "logged an error" in p]
    page_watch.problems.clear()


def test_axe_passes_a_clean_page_and_names_what_fails_another(
    page: Page, local_site: str, axe: Axe
) -> None:
    page.goto(f"{local_site}/")
    axe(page)  # under the page's strict CSP, which axe's injection does not need relaxed
    page.goto(f"{local_site}/inaccessible.html")
    with pytest.raises(AssertionError) as failed:
        axe(page)
    assert "image-alt" in str(failed.value)
    assert "label" in str(failed.value)


# -- the same stand-in, served by a real ADE ----------------------------------------------------


@pytest.fixture(scope="module")
def fake_app_stack(
    fake_dist: Path,
    real_redis: EmbeddedRedis,
    sandbox_root: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    if not api_serves_the_web_app():
        pytest.skip("this ADE's API has no ADE_WEB_DIR setting: it serves no web app yet")
    root = tmp_path_factory.mktemp("fake-app-stack")
    with start_web_stack(root, real_redis.url, sandbox_root, fake_dist) as stack:
        yield stack


def test_the_real_ade_serves_the_app_and_the_browser_uses_its_api(
    page: Page, fake_app_stack: Stack, screenshot: Screenshot, axe: Axe
) -> None:
    base = f"http://127.0.0.1:{fake_app_stack.port}"
    answer = page.goto(f"{base}/w/some-workspace/documents")  # a client route: index.html
    assert answer is not None
    assert answer.ok
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    page.get_by_role("button", name="Check the server").click()
    expect(page.get_by_role("status")).to_have_text("Server says ok")
    screenshot("harness-stack")
    axe(page)


def test_the_real_ades_csp_stops_an_inline_script(
    page: Page, page_watch: PageWatch, fake_app_stack: Stack
) -> None:
    page.goto(f"http://127.0.0.1:{fake_app_stack.port}/inline.html")
    expect(page).to_have_title("Inline script")
    page_watch.wait_for(page, "CSP violation: script-src")
    page_watch.problems.clear()
