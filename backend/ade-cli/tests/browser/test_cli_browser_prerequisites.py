"""What the browser tests do without Chromium or the built app: skip on a developer's
machine, fail under CI (env CI set), except in a checkout that has no web app at all."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from ade_cli import testing_browser
from ade_cli.testing_browser import require_chromium, require_dist


@pytest.fixture
def nothing_there(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No Chromium, and a web app (package.json) that was never built."""
    app = tmp_path / "ade-web"
    app.mkdir()
    (app / "package.json").write_text("{}")
    monkeypatch.setattr(testing_browser, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr(testing_browser, "WEB_APP", app)
    monkeypatch.setattr(testing_browser, "DIST", app / "dist")
    return app


@pytest.mark.parametrize("ci", ["", "0", "false"])
def test_outside_ci_they_skip_with_the_reason(
    nothing_there: Path, monkeypatch: pytest.MonkeyPatch, ci: str
) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match=r"no Chromium at .*no-chromium"):
        require_chromium()
    with pytest.raises(pytest.skip.Exception, match="the web app is not built"):
        require_dist()


@pytest.mark.parametrize("ci", ["true", "1"])
def test_under_ci_they_fail(nothing_there: Path, monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match=r"no Chromium .*CI needs it"):
        require_chromium()
    with pytest.raises(pytest.fail.Exception, match="the web app is not built"):
        require_dist()


def test_under_ci_a_checkout_without_the_app_skips_its_tests(
    nothing_there: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    (nothing_there / "package.json").unlink()
    with pytest.raises(pytest.skip.Exception, match="no web app in"):
        require_dist()


def test_a_built_app_is_found(nothing_there: Path) -> None:
    (nothing_there / "dist").mkdir()
    (nothing_there / "dist" / "index.html").write_text("<!doctype html>")
    assert require_dist() == nothing_there / "dist"


class _Item:
    """Just what `mark_browser_tests` reads and writes of a collected test."""

    def __init__(self, path: Path, *, first_run: bool = False) -> None:
        self.path = path
        self.markers = [pytest.mark.browser_first_run] if first_run else []

    def add_marker(self, marker: pytest.MarkDecorator) -> None:
        self.markers.append(marker)

    def get_closest_marker(self, name: str) -> pytest.MarkDecorator | None:
        return next((m for m in self.markers if m.name == name), None)


def test_browser_tests_run_last_and_the_first_run_one_first_among_them() -> None:
    # Playwright's sync loop stays up in the main thread once a browser test ran: a TestClient
    # test after it would fail, so no other test may come after the browser folder.
    browser = testing_browser.BROWSER_TESTS
    other = browser.parent / "web" / "test_x.py"
    items = [
        _Item(browser / "test_pages.py"),
        _Item(other),
        _Item(browser / "test_journey.py", first_run=True),
        _Item(browser.parent.parent.parent / "ade-api" / "tests" / "test_y.py"),
    ]
    names = {id(item): item.path.name for item in items}
    testing_browser.mark_browser_tests(cast(list[pytest.Item], items))
    assert [names[id(item)] for item in items] == [
        "test_x.py",
        "test_y.py",
        "test_journey.py",
        "test_pages.py",
    ]
    marked = [{m.name for m in item.markers} for item in items]
    assert marked[:2] == [set(), set()]
    assert marked[2] == {"browser_first_run", "browser", "e2e"}
    assert marked[3] == {"browser", "e2e"}
