"""docs/how-to/release.md: its commands run as written in the checkout, and what it states about
the version stays true: every file that declares the version is on the page, they all agree
(with uv.lock and the web app's lock too), `ade version` prints it, and it is the newest
release in CHANGELOG.md (0.1.0 before the first), whose policy the page repeats."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

from ade_cli.testing import ROOT, RunPage, base_env, checkout_files, page_blocks

PAGE = ROOT / "docs" / "how-to" / "release.md"
CHANGELOG = ROOT / "CHANGELOG.md"
FIRST_VERSION = "0.1.0"
#: How each kind of file declares the version (as the page's `grep`s look for it).
DECLARATIONS = {
    "pyproject.toml": re.compile(r'^version = "([^"]+)"', re.M),
    "__init__.py": re.compile(r'^__version__ = "([^"]+)"', re.M),
    "package.json": re.compile(r'^  "version": "([^"]+)"', re.M),
}
RELEASE_HEADING = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", re.M)


def declared_versions() -> dict[str, str]:
    """Every file of the checkout that declares a version -> that version."""
    found = {}
    for rel in sorted(checkout_files(ROOT)):
        pattern = DECLARATIONS.get(Path(rel).name)
        if pattern is None or rel.startswith(".git/"):
            continue
        match = pattern.search((ROOT / rel).read_text(encoding="utf-8"))
        if match:
            found[rel] = match.group(1)
    return found


def files_on_the_page() -> set[str]:
    """The files the page's runnable `grep -H` lines read (their globs expanded)."""
    block = next(b for b in page_blocks(PAGE) if b.lang == "bash" and b.not_run is None)
    files: set[str] = set()
    for line in block.code.splitlines():
        if line.startswith("grep -H "):
            for pattern in shlex.split(line)[3:]:
                files |= {p.relative_to(ROOT).as_posix() for p in ROOT.glob(pattern)}
    return files


def the_version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def test_every_declared_version_is_on_the_page_and_they_agree() -> None:
    declared = declared_versions()
    assert "pyproject.toml" in declared
    assert "frontend/ade-web/package.json" in declared
    assert set(declared) == files_on_the_page(), "the release page lists other files"
    assert set(declared.values()) == {the_version()}, declared


def test_the_locks_record_the_same_version() -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    ours = {
        p["name"]: p["version"]
        for p in lock["package"]
        if "editable" in p.get("source", {}) or "virtual" in p.get("source", {})
    }
    assert len(ours) == 7, ours  # the workspace root and its six members
    assert set(ours.values()) == {the_version()}, ours
    web = json.loads((ROOT / "frontend" / "ade-web" / "package-lock.json").read_text())
    assert {web["version"], web["packages"][""]["version"]} == {the_version()}


def test_the_version_is_the_newest_release_in_the_changelog() -> None:
    text = CHANGELOG.read_text(encoding="utf-8")
    assert "## [Unreleased]" in text
    releases = RELEASE_HEADING.findall(text)
    assert the_version() == (releases[0] if releases else FIRST_VERSION)


def test_the_page_states_the_changelogs_policy() -> None:
    page = " ".join(PAGE.read_text(encoding="utf-8").split())
    changelog = " ".join(CHANGELOG.read_text(encoding="utf-8").split())
    # The same public surface, and the same rule for a breaking change before and after 1.0.
    for surface in ("`/api/v1`", "`manifest.json`", "`ade` CLI", "(`ADE_*`)", "artifact's shape"):
        assert surface in page, surface
        assert surface in changelog, surface
    assert "Before 1.0 a breaking change to any of them bumps the minor version" in changelog
    assert "after 1.0 it bumps the major" in changelog
    assert "| **minor** (0.1.0 -> 0.2.0), listed under **Changed**" in page
    assert "| **major** (1.4.2 -> 2.0.0) |" in page
    assert "docs/how-to/release.md" in changelog  # the changelog points at the page


def test_the_release_page_runs_as_written(run_page: RunPage, tmp_path: Path) -> None:
    done = run_page(PAGE, env=base_env(tmp_path), cwd=ROOT, link_venv=False, timeout=120)
    assert done.returncode == 0, done.output
    version = the_version()
    lines = done.stdout.strip().splitlines()
    assert lines[0] == f"ade {version}"
    packages = [line for line in lines[1:] if line.startswith("  ade_")]
    assert len(packages) == 5
    assert all(line.endswith(f" {version}") for line in packages)
    greps = [line for line in lines if re.match(r"^\S+:", line)]
    assert len(greps) == len(declared_versions())
    assert all(line.rstrip('",').endswith(version) for line in greps), greps
