"""Every shell command in README.md and docs/ is run by a test, or says why it cannot be.

A page's runnable blocks are all run by the test named for it below (the harness runs every
block of a page not marked `<!-- not run: REASON -->`), so covering a page covers its blocks.
A new page with commands fails here until a test runs it.
"""

from __future__ import annotations

import re
from pathlib import Path

from ade_cli.testing import ROOT, SHELL_LANGS, Block, RunPage
from ade_worker.embedded_redis import free_port

HERE = Path(__file__).parent

# page -> the test file that runs it.
RUN_BY = {
    "README.md": "test_cli_docs_fresh_clone.py",
    "docs/quickstart.md": "test_cli_docs_fresh_clone.py",
    "docs/how-to/write-a-config-package.md": "test_cli_docs_howto.py",
    "docs/how-to/tune-detection.md": "test_cli_docs_tune_detection.py",
    "docs/how-to/run-many-workers.md": "test_cli_docs_run_many_workers.py",
    "docs/how-to/move-to-postgresql.md": "test_cli_docs_move_to_postgresql.py",
    "docs/how-to/deploy.md": "test_cli_docs_deploy.py",
    "docs/reference/http-api.md": "test_cli_docs_http_api.py",
    "docs/reference/cli.md": "test_cli_docs_cli_reference.py",
    "docs/reference/routes.md": "test_cli_docs_routes.py",
}
# A line that looks like a command a reader would type, in a block not marked as shell.
COMMAND_LINE = re.compile(r"^\s*(\$ |curl |ade |uv |\./scripts/|docker |source |python3? )")


def rel(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def test_every_page_with_commands_is_run_by_a_test(doc_blocks: list[Block]) -> None:
    runnable_pages = {
        rel(b.page) for b in doc_blocks if b.lang in SHELL_LANGS and b.not_run is None
    }
    assert runnable_pages, "no runnable block found: the parser is broken"
    missing = sorted(runnable_pages - RUN_BY.keys())
    assert not missing, f"pages with commands no test runs: {missing}"
    for page, test_file in RUN_BY.items():
        if page not in runnable_pages:
            continue
        source = (HERE / test_file).read_text(encoding="utf-8")
        # The runner names the page it runs (its file name at least).
        assert Path(page).name in source, f"{test_file} does not run {page}"


def test_a_block_not_run_says_why(doc_blocks: list[Block]) -> None:
    for block in doc_blocks:
        if block.not_run is not None:
            assert block.lang in SHELL_LANGS, f"{block.where}: `not run` on a {block.lang!r} block"
            assert len(block.not_run) >= 8, f"{block.where}: say why it is not run"
        if block.background is not None:
            assert block.lang in SHELL_LANGS, f"{block.where}: `background` on a non-shell block"


def test_commands_need_no_uv(doc_blocks: list[Block]) -> None:
    """A new user has no `uv` on PATH (./scripts/start installs its own into .tools/):
    pages use `ade` from `source .venv/bin/activate` instead of `uv run`."""
    uses_uv = [
        f"{b.where}: {line.strip()}"
        for b in doc_blocks
        if b.lang in SHELL_LANGS and b.not_run is None
        for line in b.code.splitlines()
        if re.match(r"\s*uv\s", line)
    ]
    assert not uses_uv, "\n".join(uses_uv)


def test_no_commands_hide_in_blocks_that_are_not_shell(doc_blocks: list[Block]) -> None:
    hidden = [
        f"{b.where}: {line.strip()}"
        for b in doc_blocks
        if b.lang in {"", "text"}
        for line in b.code.splitlines()
        if COMMAND_LINE.match(line)
    ]
    assert not hidden, "mark these blocks ```bash so they are run (or say why not):\n" + "\n".join(
        hidden
    )


def test_the_harness_runs_blocks_and_servers_as_written(tmp_path: Path, run_page: RunPage) -> None:
    """The runner itself: a variable set in one block is there in the next, a background
    server is up before the next block and stopped (SIGINT) at the end, `not run` skips."""
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- background: http://127.0.0.1:8000/ -->\n"
        "```bash\nURL=http://127.0.0.1:8000/ && PORT=${URL##*:} && PORT=${PORT%/}\n"
        'exec python3 -m http.server "$PORT" --bind 127.0.0.1\n```\n\n'
        "```bash\nGREETING=served\n```\n\n"
        "<!-- not run: a block the page shows but cannot run -->\n"
        "```bash\nexit 7\n```\n\n"
        '```bash\ncurl -sf http://127.0.0.1:8000/ >/dev/null && echo "$GREETING"\n```\n',
        encoding="utf-8",
    )
    done = run_page(page, port=free_port(), timeout=60)
    assert done.returncode == 0, done.output
    assert done.stdout.strip().endswith("served")
    assert done.background_status == [0]  # http.server exits 0 on SIGINT


def test_the_harness_fails_when_a_command_fails(tmp_path: Path, run_page: RunPage) -> None:
    page = tmp_path / "page.md"
    page.write_text("```bash\necho one\nfalse\necho never\n```\n", encoding="utf-8")
    done = run_page(page, timeout=60)
    assert done.returncode != 0
    assert "one" in done.stdout
    assert "never" not in done.stdout
