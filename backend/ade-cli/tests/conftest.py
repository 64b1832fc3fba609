from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ade_cli.testing import (  # noqa: F401  (docs commands)
    ade_stack,
    doc_blocks,
    need_tools_of,
    run_page,
)
from ade_cli.testing_browser import (  # noqa: F401  (Chromium on the web app: tests/browser)
    axe,
    browser,
    first_run_stack,
    mark_browser_tests,
    page,
    page_watch,
    screenshot,
    screenshot_dir,
    web_stack,
)
from ade_db.testing.fixtures import *  # noqa: F403  (real SQLite and PostgreSQL databases)
from ade_worker.testing import (  # noqa: F401  (a real redis-server; the sandbox jail)
    jail,
    jail_provider,
    real_redis,
    sandbox_root,
)

RunAde = Callable[..., subprocess.CompletedProcess[str]]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_browser_tests(items)


def pytest_runtest_setup(item: pytest.Item) -> None:
    need_tools_of(item)


@pytest.fixture
def ade_env(tmp_path: Path) -> dict[str, str]:
    """An environment for `ade` subprocesses: a fresh data dir, nothing inherited from ADE_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADE_")}
    env["ADE_STORAGE_DATA_DIR"] = str(tmp_path / "data")
    return env


@pytest.fixture
def run_ade(ade_env: dict[str, str], tmp_path: Path) -> RunAde:
    """Run `python -m ade_cli ARGS` as a user would, in a temp working directory."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ade_cli", *args],
            env=env or ade_env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run
