"""Every relative link and picture in README.md, CHANGELOG.md and docs/ points at a file that
exists (a moved page or a renamed screenshot fails here, not in a reader's browser), and so does
every file the pages name in code: a `*.md` page, or a path from the checkout's top level
(`backend/...`, `scripts/...`)."""

from __future__ import annotations

import re
from pathlib import Path

from ade_cli.testing import CHECKOUT_MADE_BY_ADE, ROOT

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
#: A file path in inline code: `a/b.md`, `backend/x/y.py`, `./scripts/start`...
FILE_REF = re.compile(r"`(?:\./)?([\w.-]+(?:/[\w.-]+)+)`")


def pages() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").rglob("*.md"))]


def broken_links(page: Path) -> list[str]:
    """The page's relative link targets (outside code) that name no file."""
    text = CODE.sub("", page.read_text(encoding="utf-8"))
    return [
        target
        for target in LINK.findall(text)
        # Not a URL or an anchor on the same page.
        if not re.match(r"[a-z][a-z0-9+.-]*:", target)
        and not target.startswith("#")
        and not (page.parent / target.split("#", 1)[0]).exists()
    ]


def missing_files(page: Path) -> list[str]:
    """The files the page names in inline code that are in neither the checkout nor next to
    the page: pages (`*.md`), and paths that start at a top-level folder of the checkout (but
    in what running ADE makes there: `data/...`, the web app's build)."""
    top = {p.name for p in ROOT.iterdir() if p.is_dir()} - CHECKOUT_MADE_BY_ADE
    return [
        name
        for name in FILE_REF.findall(page.read_text(encoding="utf-8"))
        if (name.endswith(".md") or name.split("/", 1)[0] in top)
        and not any(name == made or name.startswith(f"{made}/") for made in CHECKOUT_MADE_BY_ADE)
        and not (ROOT / name).exists()
        and not (page.parent / name).exists()
    ]


def test_every_file_a_page_names_exists() -> None:
    found = [
        f"{page.relative_to(ROOT)}: {name}" for page in pages() for name in missing_files(page)
    ]
    assert not found, "\n".join(found)


def test_the_file_checker_finds_a_page_that_is_not_there(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    (tmp_path / "there.md").write_text("x", encoding="utf-8")
    page.write_text(
        "The contract is `shared/spec/http-api.md`; see `there.md`, `docs/quickstart.md`,\n"
        "`scripts/start`, `backend/ade-cli/nowhere.py` and a config's `columns/email.py`.\n",
        encoding="utf-8",
    )
    assert missing_files(page) == ["shared/spec/http-api.md", "backend/ade-cli/nowhere.py"]


def test_every_relative_link_and_picture_exists() -> None:
    found = [f"{page.relative_to(ROOT)}: {link}" for page in pages() for link in broken_links(page)]
    assert not found, "\n".join(found)


def test_the_checker_finds_a_broken_link_and_ignores_code(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    (tmp_path / "there.md").write_text("x", encoding="utf-8")
    page.write_text(
        "[ok](there.md#part) [web](https://example.org) [here](#top) ![gone](img/gone.png)\n"
        "`[not a link](nowhere.md)`\n```\n[nor this](nowhere.md)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(page) == ["img/gone.png"]
