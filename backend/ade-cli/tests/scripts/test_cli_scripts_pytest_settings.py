"""The suite's own pytest settings: an exception in a thread a test started fails that test.

Without it, pytest only warns, and a race test whose racer crashed passes (issue 18).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ade_cli.testing import REQUIRE_TOOLS, ROOT, need_tools

CRASHING_THREAD = """
import threading


def test_a_racer_crashes():
    def racer():
        raise RuntimeError("the racer crashed")

    thread = threading.Thread(target=racer)
    thread.start()
    thread.join()
"""


def test_an_exception_in_a_thread_fails_the_test(tmp_path: Path) -> None:
    test_file = tmp_path / "test_thread.py"
    test_file.write_text(CRASHING_THREAD)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(ROOT / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            "-p",
            "no:cacheprovider",
            "-q",
            str(test_file),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed" in done.stdout, done.stdout
    assert "the racer crashed" in done.stdout


def test_a_missing_tool_skips_a_test_and_fails_it_where_tools_are_required(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on it
    monkeypatch.delenv(REQUIRE_TOOLS, raising=False)
    with pytest.raises(pytest.skip.Exception, match="needs curl and jq"):
        need_tools("curl", "jq")
    monkeypatch.setenv(REQUIRE_TOOLS, "1")
    with pytest.raises(pytest.fail.Exception, match=r"needs jq on PATH \(ADE_TEST_REQUIRE_TOOLS"):
        need_tools("jq")
    # A tool that is there passes either way.
    tool = tmp_path / "jq"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    need_tools("jq")


def test_ci_requires_the_tools() -> None:
    script = (ROOT / "scripts" / "test").read_text()
    assert f'export {REQUIRE_TOOLS}="${{{REQUIRE_TOOLS}:-1}}"' in script
