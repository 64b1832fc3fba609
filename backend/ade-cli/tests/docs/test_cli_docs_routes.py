"""docs/reference/routes.md, run as written: its HTTP table is what `ade api routes` prints.

The web app's table on the same page is checked by the app's own test
(frontend/ade-web/src/app/routeTable.test.ts), against its route objects.
"""

from __future__ import annotations

import re
from pathlib import Path

from ade_cli.testing import ROOT, RunPage, base_env

PAGE = ROOT / "docs" / "reference" / "routes.md"
TEXT_BLOCK = re.compile(r"^```text\n(.*?)^```", re.S | re.M)


def test_routes_page_shows_what_ade_api_routes_prints(run_page: RunPage, tmp_path: Path) -> None:
    done = run_page(PAGE, env=base_env(tmp_path), timeout=120)
    assert done.returncode == 0, done.output
    shown = TEXT_BLOCK.findall(PAGE.read_text(encoding="utf-8"))[0]
    printed = done.stdout
    assert printed.count("\n") > 50, printed  # the command ran and printed the table
    assert shown == printed, (
        "docs/reference/routes.md is stale: replace its HTTP table with `ade api routes`"
    )


def test_the_page_has_both_tables_and_the_web_table_names_the_editor() -> None:
    blocks = TEXT_BLOCK.findall(PAGE.read_text(encoding="utf-8"))
    assert len(blocks) == 2
    web = blocks[1]
    assert "/w/:workspaceId/configs/:configId/editor" in web
    assert all(line.startswith("/") for line in web.splitlines())
