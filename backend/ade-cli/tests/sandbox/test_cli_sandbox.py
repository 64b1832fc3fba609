"""`ade sandbox check|setup`, and the warnings `ade api serve` and `ade worker start` give
when config code would run unjailed or could not run at all."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ade_db.types import new_id
from ade_worker.embedded_redis import EmbeddedRedis
from ade_worker.jail import runtime_paths

RunAde = Callable[..., subprocess.CompletedProcess[str]]

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the jail needs root")


@pytest.fixture
def sandbox_env(ade_env: dict[str, str], sandbox_root: Path) -> dict[str, str]:
    return ade_env | {"ADE_SANDBOX_DIR": str(sandbox_root / "cli")}


def test_check_says_the_jail_is_available(run_ade: RunAde, sandbox_env: dict[str, str]) -> None:
    done = run_ade("sandbox", "check", env=sandbox_env)
    assert done.returncode == 0, done.stderr
    assert "jail available" in done.stdout
    assert "ade-sandbox" in done.stdout


def test_check_names_the_missing_piece(run_ade: RunAde, sandbox_env: dict[str, str]) -> None:
    done = run_ade("sandbox", "check", env=sandbox_env | {"ADE_SANDBOX_USER": "no-such-user"})
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("ade: error: the sandbox jail is unavailable: ")
    assert "'no-such-user' does not exist" in lines[0]
    assert "ade sandbox setup" in lines[0]


def test_check_refuses_root_as_the_sandbox_user(
    run_ade: RunAde, sandbox_env: dict[str, str]
) -> None:
    done = run_ade("sandbox", "check", env=sandbox_env | {"ADE_SANDBOX_USER": "root"})
    assert done.returncode == 1
    assert "is root; it must be unprivileged" in done.stderr


def test_check_with_the_jail_off(run_ade: RunAde, sandbox_env: dict[str, str]) -> None:
    done = run_ade("sandbox", "check", env=sandbox_env | {"ADE_SANDBOX": "none"})
    assert done.returncode == 0
    assert "off (ADE_SANDBOX=none)" in done.stdout


def test_an_unknown_mode_is_a_one_line_error(run_ade: RunAde, sandbox_env: dict[str, str]) -> None:
    done = run_ade("sandbox", "check", env=sandbox_env | {"ADE_SANDBOX": "bwrap-please"})
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture
def new_user() -> Iterator[str]:
    """A user name that does not exist yet; removed again, with the ACL entries setup made."""
    name = f"ade-t-{new_id().lower()[-8:]}"
    yield name
    folders = {parent for path in runtime_paths(sys.executable) for parent in path.parents}
    for folder in folders:
        subprocess.run(
            ["setfacl", "-x", f"u:{name}", str(folder)], capture_output=True, check=False
        )
    subprocess.run(["userdel", name], capture_output=True, check=False)


@pytest.mark.skipif(shutil.which("useradd") is None, reason="useradd is missing")
def test_setup_creates_the_user_and_lets_it_reach_the_runtime(
    run_ade: RunAde, sandbox_env: dict[str, str], new_user: str
) -> None:
    env = sandbox_env | {"ADE_SANDBOX_USER": new_user}
    assert run_ade("sandbox", "check", env=env).returncode == 1
    done = run_ade("sandbox", "setup", env=env)
    assert done.returncode == 0, done.stderr
    assert f"created the system user {new_user!r}" in done.stdout
    entry = pwd.getpwnam(new_user)
    assert entry.pw_uid not in (0, os.getuid())
    assert entry.pw_shell == "/usr/sbin/nologin"
    assert "jail available" in done.stdout
    again = run_ade("sandbox", "setup", env=env)  # idempotent
    assert again.returncode == 0, again.stderr
    assert "created" not in again.stdout
    assert "granted" not in again.stdout


def test_worker_start_warns_when_the_jail_is_off(
    run_ade: RunAde, sandbox_env: dict[str, str], real_redis: EmbeddedRedis
) -> None:
    env = sandbox_env | {
        "ADE_SANDBOX": "none",
        "ADE_REDIS_URL": real_redis.url,
        "ADE_QUEUE_NAME": f"warn-{new_id().lower()}",
    }
    assert run_ade("db", "migrate", env=env).returncode == 0
    done = run_ade("worker", "start", "--burst", env=env)
    assert done.returncode == 0, done.stderr
    assert "warning (worker): ADE_SANDBOX=none: config code runs unjailed" in done.stderr


def test_worker_start_says_when_config_code_cannot_run(
    run_ade: RunAde, sandbox_env: dict[str, str], real_redis: EmbeddedRedis
) -> None:
    env = sandbox_env | {
        "ADE_SANDBOX_USER": "no-such-user",
        "ADE_REDIS_URL": real_redis.url,
        "ADE_QUEUE_NAME": f"warn-{new_id().lower()}",
    }
    assert run_ade("db", "migrate", env=env).returncode == 0
    done = run_ade("worker", "start", "--burst", env=env)
    assert done.returncode == 0, done.stderr  # it still starts: jobs fail, naming the problem
    assert "error (worker): config code cannot run until this is fixed" in done.stderr
    assert "'no-such-user' does not exist" in done.stderr
