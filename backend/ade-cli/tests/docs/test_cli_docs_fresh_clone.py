"""The README's and the quickstart's commands, run as a new user runs them on a fresh clone.

The checkout's files (tracked and untracked, not ignored: what `git clone` of this work would
give) are copied to a temp folder. The user has Python and the system's tools, and nothing
else: no `uv` on PATH, no `.venv`, no `.tools`, no ADE_* settings. `./scripts/start` must
install uv, the pinned packages, and start ADE; then the pages' commands run as written.
The only adjustment is the port (`ADE_API_PORT`, and `127.0.0.1:8000` in the commands), so the
test never collides with a server already on 8000.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import python_calamine

from ade_cli.testing import RunPage, need_tools
from ade_worker.embedded_redis import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[4]
# What a clone never holds: environments, caches and data made by running things.
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git", ".venv", ".tools", "data", "__pycache__", ".*_cache", ".hypothesis", "*.egg-info"
)


@dataclass(frozen=True)
class Clone:
    path: Path
    env: dict[str, str]
    port: int


def copy_checkout(target: Path) -> None:
    """Copy what a clone of this checkout would hold (git's view when there is a .git)."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:  # not a git checkout (an sdist, an export): copy the tree
        shutil.copytree(ROOT, target, ignore=NOT_IN_A_CLONE, symlinks=True)
        return
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if not source.is_file():  # deleted in the working tree but still in the index
            continue
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)


def new_user_env(bin_dir: Path, port: int) -> dict[str, str]:
    """Python 3.11+ and the system's tools on PATH; none of the test run's environment."""
    bin_dir.mkdir()
    base_python = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    (bin_dir / "python3").symlink_to(base_python)
    dropped = ("ADE_", "VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH", "PYTEST_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env["PATH"] = f"{bin_dir}:/usr/bin:/bin:/usr/sbin:/sbin"
    env["ADE_API_PORT"] = str(port)
    # As the Dockerfile (and many a CI machine) sets it: only install-time compiling leaves .pyc
    # files, which jobs (python -B, a read-only jail) need so as not to compile on every run.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@pytest.fixture(scope="module")
def clone() -> Iterator[Clone]:
    need_tools("curl", "jq")  # the quickstart's commands use them
    # Not under pytest's temp root: `ade sandbox setup` lets the sandbox user search the
    # clone's parents with an ACL, and every pytest session that starts meanwhile (another
    # xdist worker's, a developer's) chmods that root back to 0700, which voids the ACL.
    base = Path(tempfile.mkdtemp(prefix="ade-fresh-clone-"))
    try:
        path = base / "ade"
        copy_checkout(path)
        port = free_port()
        yield Clone(path=path, env=new_user_env(base / "bin", port), port=port)
    finally:
        shutil.rmtree(base, ignore_errors=True)


# It installs everything as a new user's first `./scripts/start` does (uv, the packages, the
# web app's npm ci and build): minutes on a busy 2-core machine, which pytest's 300 s can cut.
@pytest.mark.timeout(600)
def test_readme_quickstart_on_a_fresh_clone(clone: Clone, run_page: RunPage) -> None:
    done = run_page(
        clone.path / "README.md", cwd=clone.path, env=clone.env, port=clone.port, link_venv=False
    )
    assert done.returncode == 0, done.output
    assert done.background_status == [0], done.output  # Ctrl-C stops ./scripts/start cleanly
    assert (clone.path / ".tools").is_dir()  # uv was installed for the user
    assert "Usage: ade" in done.stdout
    assert "(head)" in done.stdout  # `ade db current` after ./scripts/start migrated
    assert (clone.path / "data" / "db" / "ade.sqlite").is_file()
    # The engine's own modules were compiled at install, not left to every job.
    engine = clone.path / "backend" / "ade-engine" / "src" / "ade_engine"
    assert list((engine / "__pycache__").glob("pipeline.*.pyc"))
    assert list((engine / "passes" / "__pycache__").glob("map.*.pyc"))


def test_docs_quickstart_on_a_fresh_clone(clone: Clone, run_page: RunPage) -> None:
    page = clone.path / "docs" / "quickstart.md"
    done = run_page(page, cwd=clone.path, env=clone.env, port=clone.port, link_venv=False)
    assert done.returncode == 0, done.output
    assert done.background_status == [0], done.output
    assert '"status":"ready"' in done.stdout.replace(" ", "")
    assert "event: job.succeeded" in done.stdout  # the live stream ran to the end
    assert '"succeeded"' in done.stdout  # the job's status, read after the stream
    rows = (
        python_calamine.CalamineWorkbook.from_path(str(done.scratch / "normalized.xlsx"))
        .get_sheet_by_name("Normalized")
        .to_python()
    )
    assert rows[0][:2] == ["Member ID", "First Name"]
    assert len(rows) == 6
