"""The suite's own pytest settings: an exception in a thread a test started fails that test.

Without it, pytest only warns, and a race test whose racer crashed passes (issue 18).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ade_cli.testing import ROOT

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
