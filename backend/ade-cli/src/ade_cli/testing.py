"""Test support: run the documentation's shell commands as written (fixtures for the tests).

A page's shell blocks (```bash) run in order, in one bash session (so a variable one block
sets is there in the next), with `set -euo pipefail`. Two HTML comments, on the line right
above a block, change that:

- `<!-- not run: REASON -->`: the block is shown, not run (the reason is required, and
  `tests/docs/test_cli_docs_coverage.py` checks every block is run by a test or says why not);
- `<!-- background: URL -->` (or just `<!-- background -->`): the block is a server that runs
  until stopped. It starts in its own process group; the script waits until URL answers 200, then
  goes on; at the end its process group gets SIGINT, as a Ctrl-C in its terminal sends.

The only change the runner makes is the API's port: 127.0.0.1:8000 and `--port 8000` become
a free port. Commands use `ade` from `source .venv/bin/activate`, as a reader without `uv` on
PATH does; `.venv` in the working folder is the test's environment.

The working folder stands for the checkout, and no ADE_* setting is set for the page (ADE's
data is the checkout's `./data`, as after the quickstart). Docs never have the reader create
files there: a page that writes files moves to a scratch folder first (`cd "$(mktemp -d)"`;
mktemp makes it under the run's own TMPDIR), and after every run the runner fails if the
checkout holds anything new but what the product makes there (`CHECKOUT_MADE_BY_ADE`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ade_db.types import new_id
from ade_worker.embedded_redis import EmbeddedRedis, free_port

ROOT = Path(__file__).resolve().parents[4]  # the checkout (tests only run from one)
#: Set by ./scripts/test (as CI runs it): a tool a test needs fails the test when missing,
#: rather than skipping it, as ADE_TEST_REQUIRE_POSTGRES and ADE_TEST_REQUIRE_REDIS do.
REQUIRE_TOOLS = "ADE_TEST_REQUIRE_TOOLS"


def need_tools(*names: str) -> None:
    """Skip the test when one of the commands is not on PATH; fail it under REQUIRE_TOOLS."""
    missing = [name for name in names if shutil.which(name) is None]
    if not missing:
        return
    message = f"needs {' and '.join(missing)} on PATH"
    if os.environ.get(REQUIRE_TOOLS, "") in {"1", "true", "yes"}:
        pytest.fail(f"{message} ({REQUIRE_TOOLS}=1)")
    pytest.skip(message)


def need_tools_of(item: pytest.Item) -> None:
    """`pytest_runtest_setup`'s half of `@pytest.mark.needs_tools("curl", "jq")`."""
    for mark in item.iter_markers("needs_tools"):
        need_tools(*mark.args)


SHELL_LANGS = frozenset({"bash", "sh", "shell", "console", "zsh"})
FENCE = re.compile(r"^```([\w+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
MARKER = re.compile(r"<!--\s*(not run|background)\s*(?::\s*(.*?))?\s*-->\s*$")
DOC_PORT = "127.0.0.1:8000"
#: What ADE makes in a checkout (docs/quickstart.md): its data, the environments
#: `./scripts/start` installs, the web app's build; bytecode caches anywhere.
CHECKOUT_MADE_BY_ADE = frozenset(
    {"data", ".venv", ".tools", "frontend/ade-web/node_modules", "frontend/ade-web/dist"}
)
MADE_ANYWHERE = frozenset({"__pycache__"})


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: Path
    line: int
    lang: str
    code: str
    not_run: str | None = None  # the reason it is not run
    background: str | None = None  # "" for a background block without a readiness URL

    @property
    def where(self) -> str:
        page = self.page.relative_to(ROOT) if self.page.is_relative_to(ROOT) else self.page
        return f"{page}:{self.line}"


def doc_pages() -> list[Path]:
    """README.md and every page under docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def page_blocks(page: Path) -> list[Block]:
    """Every fenced block of `page`, with the marker on the line above it, if any."""
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = MARKER.search(before)
        kind, value = (marker.group(1), marker.group(2) or "") if marker else (None, None)
        blocks.append(
            Block(
                page=page,
                line=text.count("\n", 0, match.start()) + 1,
                lang=match.group(1),
                code=match.group(2),
                not_run=value if kind == "not run" else None,
                background=value if kind == "background" else None,
            )
        )
    return blocks


def runnable_blocks(page: Path) -> list[Block]:
    """The shell blocks of `page` a test runs: every one not marked `not run`."""
    return [b for b in page_blocks(page) if b.lang in SHELL_LANGS and b.not_run is None]


PRELUDE = """\
set -euo pipefail
__bg=()
__stop() {
  local status=$?
  for p in "${__bg[@]}"; do kill -INT -- "-$p" 2>/dev/null || true; done
  for p in "${__bg[@]}"; do
    local s=0
    wait "$p" || s=$?
    echo "$s" >> "$__BG_STATUS"
  done
  exit "$status"
}
trap __stop EXIT
__wait_ready() {
  local pid=$1 url=$2 log=$3
  for _ in $(seq 1500); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "background block exited early:" >&2; cat "$log" >&2; return 1
    fi
    if [ -z "$url" ]; then sleep 1; return 0; fi
    if curl -sf -o /dev/null "$url"; then return 0; fi
    sleep 0.2
  done
  echo "timed out waiting for $url" >&2; cat "$log" >&2; return 1
}
"""


def build_script(blocks: list[Block], port: int, logs: Path, prelude: str = "") -> str:
    """One bash script running `blocks` in order (background ones in their own process group)."""
    parts = [PRELUDE, prelude.replace(DOC_PORT, f"127.0.0.1:{port}")]
    for index, block in enumerate(blocks):
        code = block.code.replace(DOC_PORT, f"127.0.0.1:{port}").replace(
            "--port 8000", f"--port {port}"
        )
        parts.append(f"# --- {block.where}")
        if block.background is None:
            parts.append(code)
            continue
        log = logs / f"background-{index}.log"
        url = block.background.replace(DOC_PORT, f"127.0.0.1:{port}")
        command = shlex.quote("set -euo pipefail\n" + code)
        parts.append(
            # Job control on while it starts: the block gets its own process group and keeps
            # SIGINT (bash ignores it in background jobs otherwise), as in a terminal.
            f"set -m\nbash -c {command} > {log} 2>&1 &\nset +m\n"
            f'__bg+=($!)\necho "$!" >> "$__BG_PIDS"\n'
            f"__wait_ready $! {shlex.quote(url)} {log}"
        )
    return "\n".join(parts) + "\n"


def kill_process_groups(pids_file: Path) -> None:
    """SIGKILL what is left of the background blocks' process groups."""
    if not pids_file.exists():
        return
    for pid in pids_file.read_text().split():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(int(pid), signal.SIGKILL)


@dataclass
class PageRun:
    """What running a page's blocks gave."""

    returncode: int
    stdout: str
    stderr: str
    background_status: list[int]
    logs: Path

    @property
    def output(self) -> str:
        return (
            self.stdout
            + self.stderr
            + "".join(
                p.read_text(errors="replace") for p in sorted(self.logs.glob("background-*.log"))
            )
        )

    @property
    def scratch(self) -> Path:
        """The scratch folder the page moved to (`cd "$(mktemp -d)"`) and wrote its files in."""
        [folder] = [p for p in (self.logs / "tmp").iterdir() if p.is_dir() and any(p.iterdir())]
        return folder


RunPage = Callable[..., PageRun]


def checkout_files(checkout: Path, made: frozenset[str] = CHECKOUT_MADE_BY_ADE) -> set[str]:
    """Every path under `checkout`, relative, but inside what `made` names (and caches)."""
    found = set()
    for folder, dirs, files in os.walk(checkout):
        here = Path(folder).relative_to(checkout)
        dirs[:] = [d for d in dirs if d not in MADE_ANYWHERE and (here / d).as_posix() not in made]
        found |= {(here / name).as_posix() for name in [*dirs, *files]}
    return found - made


def assert_checkout_unchanged(checkout: Path, before: set[str], made: frozenset[str]) -> None:
    """Fail when running a page left files in the checkout that ADE itself does not make."""
    new = sorted(checkout_files(checkout, made) - before)
    assert not new, f"the page created files in the checkout ({checkout}): {new}"


def base_env(tmp_path: Path) -> dict[str, str]:
    """The test's environment without ADE_* settings and without the project's environment on
    PATH: pages put `ade` on PATH themselves, with `source .venv/bin/activate`."""
    venv_bin = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ADE_", "VIRTUAL_ENV"))}
    env["PATH"] = ":".join(p for p in env.get("PATH", "").split(":") if p and p != venv_bin)
    return env


@pytest.fixture
def run_page(tmp_path: Path) -> RunPage:
    """Run a page's runnable blocks (or the ones given) in `cwd`, the checkout (default: the
    folder `ade_stack` runs in), then check the page left nothing new in it but what ADE makes
    there (and the paths of `creates`, that the page says the reader makes there).

    `.venv` in the working directory points at the test's environment, so the docs'
    `source .venv/bin/activate` works as it does in a checkout.
    """

    def run(
        page: Path,
        *,
        blocks: list[Block] | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        port: int | None = None,
        prelude: str = "",
        timeout: float = 600,
        link_venv: bool = True,
        creates: frozenset[str] = frozenset(),
    ) -> PageRun:
        workdir = cwd or tmp_path / "work"
        workdir.mkdir(parents=True, exist_ok=True)
        venv = workdir / ".venv"
        if link_venv and not venv.exists():
            venv.symlink_to(Path(sys.prefix))
        made = CHECKOUT_MADE_BY_ADE | creates
        before = checkout_files(workdir, made)
        logs = tmp_path / f"logs-{new_id().lower()}"
        (logs / "tmp").mkdir(parents=True)
        status_file = logs / "background-status"
        script = build_script(
            runnable_blocks(page) if blocks is None else blocks,
            port or 8000,
            logs,
            prelude,
        )
        pids_file = logs / "background-pids"
        run_env = dict(env or base_env(tmp_path))
        run_env |= {
            "__BG_STATUS": str(status_file),
            "__BG_PIDS": str(pids_file),
            "TMPDIR": str(logs / "tmp"),
        }
        try:
            done = subprocess.run(
                ["bash", "-c", script],
                cwd=workdir,
                env=run_env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        finally:
            # The script stops its servers itself; after a timeout nothing did, so no server
            # outlives the test.
            kill_process_groups(pids_file)
        statuses = [int(s) for s in status_file.read_text().split()] if status_file.exists() else []
        assert_checkout_unchanged(workdir, before, made)
        return PageRun(done.returncode, done.stdout, done.stderr, statuses, logs)

    return run


@dataclass(frozen=True)
class Stack:
    """`ade start` running on a free port: the API and a worker, a real redis-server."""

    port: int
    env: dict[str, str]
    url: str
    checkout: Path

    def create_admin(self) -> None:
        """The admin the docs sign in as, made with the quickstart's own command."""
        account = ["--email", "admin@example.org", "--password", "change-me-please"]
        subprocess.run(
            [sys.executable, "-m", "ade_cli", "users", "create", "--admin", *account],
            env=self.env,
            cwd=self.checkout,
            check=True,
            capture_output=True,
        )


def wait_ready(
    process: subprocess.Popen[bytes], url: str, timeout: float = 90, log: Path | None = None
) -> None:
    """Wait until `url` answers 200 while `process` runs (a failure quotes `log`, if given)."""
    deadline = time.monotonic() + timeout

    def said() -> str:
        return f":\n{log.read_text(errors='replace')}" if log is not None else ""

    while True:
        assert process.poll() is None, f"the server exited{said()}"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{url} not ready in {timeout} s{said()}"
        time.sleep(0.2)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as a terminal sends it; killed if it has not exited within a minute."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def ade_stack(real_redis: EmbeddedRedis, tmp_path: Path) -> Iterator[Stack]:
    """`ade start` up on a free port with a real redis-server, as the quickstart starts it: in
    the checkout (the folder `run_page` runs pages in), its data in the checkout's `./data`."""
    port = free_port()
    checkout = tmp_path / "work"
    checkout.mkdir(exist_ok=True)
    env = base_env(tmp_path)
    env |= {
        "ADE_REDIS_URL": real_redis.url,
        "ADE_QUEUE_NAME": f"docs-{new_id().lower()}",
    }
    ade = [sys.executable, "-m", "ade_cli"]
    subprocess.run([*ade, "db", "migrate"], env=env, cwd=checkout, check=True, capture_output=True)
    server = subprocess.Popen(
        [*ade, "start", "--port", str(port)],
        env=env,
        cwd=checkout,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(server, f"http://127.0.0.1:{port}/ready")
        yield Stack(port=port, env=env, url=f"http://127.0.0.1:{port}", checkout=checkout)
    finally:
        stop(server)


@pytest.fixture
def doc_blocks() -> list[Block]:
    """Every fenced block of README.md and docs/."""
    return [block for page in doc_pages() for block in page_blocks(page)]
