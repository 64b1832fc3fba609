"""Every shell command in README.md and docs/ is run by a test, or says why it cannot be.

A page's runnable blocks are all run by the test named for it below (the harness runs every
block of a page not marked `<!-- not run: REASON -->`), so covering a page covers its blocks.
A new page with commands fails here until a test runs it.
"""

from __future__ import annotations

import ast
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
    "docs/how-to/release.md": "test_cli_docs_release.py",
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
        runs = pages_run_by(HERE / test_file)
        # Mentioning the page is not enough: a `run_page` call must run it, all of its blocks.
        assert any(page.endswith(run) and Path(page).name in run for run in runs), (
            f"{test_file} does not run {page} (it runs {sorted(runs)})"
        )


def _path_parts(node: ast.expr) -> list[str]:
    """The string parts of a path expression: `ROOT / "docs" / "x.md"` -> ["docs", "x.md"]."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return _path_parts(node.left) + _path_parts(node.right)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    return []


def pages_run_by(test_file: Path) -> set[str]:
    """The pages (as "docs/x/y.md" tails) that `run_page` calls in `test_file` run whole.

    A call's page is a path expression, or a name assigned one in the module or the calling
    function; a call with `blocks=` runs only some blocks and does not count.
    """
    tree = ast.parse(test_file.read_text(encoding="utf-8"))
    module_names = {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    runs: set[str] = set()
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        names = module_names | {
            target.id: node.value
            for node in ast.walk(function)
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for call in ast.walk(function):
            if not (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Name)
                and call.func.id == "run_page"
                and call.args
                and not any(keyword.arg == "blocks" for keyword in call.keywords)
            ):
                continue
            runs |= _pages_in(call.args[0], names, functions)
    return runs


def _pages_in(
    node: ast.expr, names: dict[str, ast.expr], functions: dict[str, ast.FunctionDef]
) -> set[str]:
    """The page a `run_page` argument stands for. A call (a copy of the page with other URLs
    written in) stands for the pages its arguments or, for a function of the module, its body
    name."""
    if isinstance(node, ast.Name) and node.id in names:
        node = names[node.id]
    parts = _path_parts(node)
    if parts and parts[-1].endswith(".md"):
        return {"/".join(parts)}
    if not isinstance(node, ast.Call):
        return set()
    found: set[str] = set()
    for arg in node.args:
        found |= _pages_in(arg, names, functions)
    if isinstance(node.func, ast.Name) and node.func.id in functions:
        for inner in ast.walk(functions[node.func.id]):
            if isinstance(inner, ast.Name) and inner.id in names:
                found |= _pages_in(inner, names, {})
    return found


def test_coverage_counts_only_a_page_a_test_really_runs(tmp_path: Path) -> None:
    test_file = tmp_path / "test_page.py"
    test_file.write_text(
        "PAGE = ROOT / 'docs' / 'how-to' / 'deploy.md'\n"
        "NAMED = ROOT / 'docs' / 'reference' / 'cli.md'  # mentioned, never run\n"
        "def test_page(run_page, clone):\n"
        "    run_page(PAGE, timeout=60)\n"
        "    run_page(clone.path / 'README.md', cwd=clone.path)\n"
        "    page = clone.path / 'docs' / 'quickstart.md'\n"
        "    run_page(page)\n"
        "    run_page(ROOT / 'docs' / 'how-to' / 'tune-detection.md', blocks=[])\n"
        "    run_page(with_url(OTHER, 'x'))\n"
        "    run_page(rewritten('y'))\n"
        "OTHER = ROOT / 'docs' / 'how-to' / 'run-many-workers.md'\n"
        "LAST = ROOT / 'docs' / 'how-to' / 'move-to-postgresql.md'\n"
        "def rewritten(url):\n"
        "    return LAST.read_text().replace('u', url)\n",
        encoding="utf-8",
    )
    assert pages_run_by(test_file) == {
        "docs/how-to/deploy.md",
        "README.md",
        "docs/quickstart.md",
        "docs/how-to/run-many-workers.md",
        "docs/how-to/move-to-postgresql.md",
    }


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
