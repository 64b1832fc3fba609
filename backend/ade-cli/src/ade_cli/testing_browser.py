"""Browser tests: Debian's Chromium driven by Playwright, on the web app a real ADE serves.

Shipped with the package beside `ade_cli.testing_stack` (whose `start_stack` runs the ADE the
pages talk to); `backend/ade-cli/tests/conftest.py` imports the fixtures and marks every test
in `tests/browser/` `browser` (and `e2e`). Nothing here is imported by production code.

- `first_run_stack`: one `ade start` for the session, its API serving `frontend/ade-web/dist`,
  started with no user (its console's setup token: `first_run_stack.setup_token()`); tests
  marked `browser_first_run` run first, while setup is still to do.
- `web_stack`: the same ADE once set up, signed in over HTTP as its admin (`stack.http`), with
  a workspace (`stack.ws`); `sign_in_page(page, web_stack)` opens the app signed in.
- `page`: a fresh browser context and page per test; the test fails on any console error,
  uncaught page error or CSP violation (`page_watch` holds what was seen).
- `axe(page)`: fails on axe-core's critical or serious violations.
- `screenshot(name)`: saves the page as NAME.png in `$ADE_SCREENSHOT_DIR` (default: a temp
  folder; never the checkout unless asked), e.g. `ADE_SCREENSHOT_DIR=docs/img/app
  ./scripts/test -m browser` refreshes the documentation's pictures.

Without Chromium, or (for the tests that use it) without the built app, the tests skip
outside CI and fail under CI (env CI set), where ./scripts/test installs and builds both.

Playwright never downloads a browser here: it launches `/usr/bin/chromium` (the `chromium`
package; `scripts/test` installs it) with the flags below, which also keep Chromium from
calling home. A page fails its test on any console error, uncaught page error or
Content-Security-Policy violation (`PageWatch`); `axe_violations` runs axe-core, the web
app's own devDependency, on a page.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    sync_playwright,
)

from ade_api.settings import ApiSettings
from ade_cli.testing import ROOT
from ade_cli.testing_stack import (
    EMAIL,
    PASSWORD,
    Stack,
    Started,
    run_start,
    stack_env,
    start_stack,
)
from ade_db.types import new_id
from ade_worker.embedded_redis import EmbeddedRedis

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WEB_APP = ROOT / "frontend" / "ade-web"
DIST = WEB_APP / "dist"
AXE_SCRIPT = WEB_APP / "node_modules" / "axe-core" / "axe.min.js"
# The fixtures' helpers (tests/browser/conftest.py): `screenshot(name)` and `axe(page)`.
Screenshot = Callable[[str], Path]
Axe = Callable[[Page], None]
# axe-core's impact levels that fail a page.
BLOCKING_IMPACTS = frozenset({"critical", "serious"})

# Every CSP violation in any frame of the page, reported to `PageWatch` as it happens.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const where = event.sourceFile ? ` at ${event.sourceFile}:${event.lineNumber}` : "";
  window.__adeCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "a resource"}${where}`
  );
}, true);
"""


def in_ci() -> bool:
    """CI sets CI (e.g. CI=true): there, what the browser tests need must be present."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false")


def unavailable(reason: str) -> NoReturn:
    """Skip the test for a missing prerequisite, or fail it under CI where it must be there."""
    if in_ci():
        pytest.fail(f"{reason} (CI needs it: ./scripts/test installs and builds it)")
    pytest.skip(reason)


def require_chromium() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"no Chromium at {CHROMIUM} (the chromium package)")


def app_unavailable(reason: str) -> NoReturn:
    """Like `unavailable`, for what comes with the web app: a checkout without the app at all
    (`frontend/ade-web/package.json`) skips, even under CI."""
    if not (WEB_APP / "package.json").is_file():
        pytest.skip(f"no web app in {WEB_APP}: {reason}")
    unavailable(reason)


def require_dist() -> Path:
    """The built web app, `frontend/ade-web/dist`."""
    if not (DIST / "index.html").is_file():
        app_unavailable(f"the web app is not built: no {DIST / 'index.html'}")
    return DIST


def api_serves_the_web_app() -> bool:
    """Whether this ADE's API has the `ADE_WEB_DIR` setting (it serves a built app at `/`)."""
    return "web_dir" in ApiSettings.model_fields


class PageWatch:
    """What went wrong in a browser context's pages: console errors, uncaught errors, CSP
    violations. `check()` fails the test when anything did."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self._allowed: list[re.Pattern[str]] = []

    def allow(self, pattern: str) -> None:
        """Expect problems matching `pattern` (a regex searched in each): for a test that
        provokes an error answer on purpose, which Chromium logs as a console error."""
        self._allowed.append(re.compile(pattern))

    def attach(self, context: BrowserContext) -> None:
        """Report CSP violations of every page the context opens (before any of its scripts)."""
        context.expose_function("__adeCspViolation", self._csp_violation)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("page", self.watch)

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", self._page_error)
        page.on("crash", lambda crashed: self._add(f"page crashed: {crashed.url}"))

    def wait_for(self, page: Page, text: str, timeout: float = 5.0) -> list[str]:
        """The problems containing `text`, once there is one (they arrive asynchronously)."""
        deadline = time.monotonic() + timeout
        while not (found := [p for p in self.problems if text in p]):
            assert time.monotonic() < deadline, f"no problem with {text!r}: {self.problems}"
            page.wait_for_timeout(50)  # Playwright delivers events while it waits
        return found

    def _add(self, problem: str) -> None:
        if not any(allowed.search(problem) for allowed in self._allowed):
            self.problems.append(problem)

    def check(self) -> None:
        if self.problems:
            pytest.fail("the page reported problems:\n" + "\n".join(self.problems), pytrace=False)

    def _csp_violation(self, description: str) -> None:
        self._add(f"CSP violation: {description}")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            url = message.location.get("url", "")
            where = f" ({url})" if url else ""
            self._add(f"console error: {message.text}{where}")

    def _page_error(self, error: Error) -> None:
        self._add(f"uncaught error: {error.name}: {error.message}")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's critical and serious violations on the page as it is now.

    axe is evaluated through the DevTools protocol, which the page's CSP does not govern, so
    the policy under test stays in force (a <script> tag would need it relaxed).
    """
    if not AXE_SCRIPT.is_file():
        app_unavailable(f"no {AXE_SCRIPT} (axe-core, a devDependency of the web app)")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    results: dict[str, Any] = page.evaluate(
        "() => window.axe.run(document, { resultTypes: ['violations'] })"
    )
    return [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['impact']}: {v['id']} ({v['help']}) at "
        + ", ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:5])
        for v in violations
    )


def web_stack_env(root: Path, redis_url: str, sandbox_root: Path, web_dir: Path) -> dict[str, str]:
    """The environment of an `ade start` whose API serves the app in `web_dir`. The tests sign
    in more often than a person would: the per-address login limit is raised for them."""
    return stack_env(
        root,
        ADE_REDIS_URL=redis_url,
        ADE_QUEUE_NAME=f"browser-{new_id().lower()}",
        ADE_SANDBOX_DIR=str(sandbox_root / "browser"),
        ADE_WEB_DIR=str(web_dir),
        ADE_LOGIN_IP_MAX_ATTEMPTS="10000",
    )


@contextmanager
def start_web_stack(
    root: Path, redis_url: str, sandbox_root: Path, web_dir: Path
) -> Iterator[Stack]:
    """A real ADE (`ade start`: API, worker, Redis) whose API serves the app in `web_dir`."""
    with start_stack(root, web_stack_env(root, redis_url, sandbox_root, web_dir)) as stack:
        yield stack


def finish_setup(started: Started) -> None:
    """Create the first admin (EMAIL, PASSWORD) with the printed setup token, unless a test
    already did it in the browser (the first-run journey)."""
    status = httpx.get(f"{started.base}/api/v1/setup", timeout=30)
    assert status.status_code == 200, status.text
    if status.json()["needed"]:
        body = {"token": started.setup_token(), "email": EMAIL, "password": PASSWORD}
        done = httpx.post(f"{started.base}/api/v1/setup", json=body, timeout=30)
        assert done.status_code == 201, done.text


def sign_in_with_form(page: Page, stack: Stack, path: str) -> None:
    """Open `path` and sign in on the sign-in page it sends a stranger to (which returns there)."""
    page.goto(f"http://127.0.0.1:{stack.port}{path}")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_in_page(page: Page, stack: Stack, token: str | None = None) -> None:
    """Open the app in `page`'s context already signed in (as `stack.http`'s user, or with
    `token`): the session the sign-in page would store, put in sessionStorage before any
    script runs. The sign-in page itself is tested once, in the first-run journey."""
    bearer = token or stack.http.headers["Authorization"].removeprefix("Bearer ")
    page.context.add_init_script(
        "sessionStorage.setItem('ade.session', JSON.stringify("
        f"{{ token: {bearer!r}, expiresAt: Date.now() + 3600 * 1000 }}))"
    )


# -- fixtures ------------------------------------------------------------------------------------

BROWSER_TESTS = Path(__file__).resolve().parents[2] / "tests" / "browser"


def mark_browser_tests(items: list[pytest.Item]) -> None:
    """`pytest_collection_modifyitems` of the package's tests: mark the browser folder and run
    it last, the tests marked `browser_first_run` first among it: they need the session's ADE
    before its first user exists, which the `web_stack` fixture creates.

    Last, because the session's Playwright (sync API) keeps an event loop running in the main
    thread from its first test on: any later test that runs a loop there (Starlette's
    TestClient, anyio) would fail with "another loop is running"."""

    def order(item: pytest.Item) -> int:
        if not item.path.is_relative_to(BROWSER_TESTS):
            return 0
        return 1 if item.get_closest_marker("browser_first_run") else 2

    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.e2e)
    items.sort(key=order)  # stable: every other test keeps its place


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    require_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def first_run_stack(
    real_redis: EmbeddedRedis, sandbox_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Started]:
    """The session's one real ADE (API, worker, Redis) serving the built web app, started
    without a user: `setup_token()` reads the token its console printed. Tests marked
    `browser_first_run` get it before anything else touched it."""
    dist = require_dist()
    root = tmp_path_factory.mktemp("browser-stack")
    with run_start(root, web_stack_env(root, real_redis.url, sandbox_root, dist)) as started:
        yield started


@pytest.fixture(scope="session")
def web_stack(first_run_stack: Started) -> Stack:
    """The same ADE, set up (its first admin EMAIL) and signed in as that admin over HTTP,
    with a workspace of its own."""
    finish_setup(first_run_stack)
    return first_run_stack.sign_in()


@pytest.fixture
def page_watch() -> PageWatch:
    return PageWatch()


@pytest.fixture
def page(browser: Browser, page_watch: PageWatch) -> Iterator[Page]:
    """A page in a context of its own; any console error, page error or CSP violation while
    the test ran fails it (a test may inspect and clear `page_watch.problems` first)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page_watch.attach(context)
    opened = context.new_page()
    try:
        yield opened
        page_watch.check()
    finally:
        context.close()


@pytest.fixture
def axe() -> Axe:
    def check(page: Page) -> None:
        violations = axe_violations(page)
        assert not violations, f"axe-core on {page.url}:\n{describe_violations(violations)}"

    return check


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("ADE_SCREENSHOT_DIR")
    folder = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def screenshot(page: Page, screenshot_dir: Path) -> Screenshot:
    def take(name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take
