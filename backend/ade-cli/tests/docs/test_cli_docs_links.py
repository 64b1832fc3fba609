"""Every relative link and picture in README.md, CHANGELOG.md and docs/ points at a file that
exists (a moved page or a renamed screenshot fails here, not in a reader's browser)."""

from __future__ import annotations

import re
from pathlib import Path

from ade_cli.testing import ROOT

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


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
