"""`ade users create`: the first admin without the API; one-line errors, no secrets echoed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from ade_cli.main import app

RunAde = Callable[..., subprocess.CompletedProcess[str]]
PASSWORD = "a-long-cli-password"


def _users(tmp_path: Path) -> list[tuple[str, int, str | None]]:
    with sqlite3.connect(tmp_path / "data" / "db" / "ade.sqlite") as connection:
        return list(
            connection.execute("SELECT email, is_admin, display_name FROM users ORDER BY email")
        )


def test_create_then_duplicate(run_ade: RunAde, tmp_path: Path) -> None:
    assert run_ade("db", "migrate").returncode == 0
    created = run_ade(
        "users", "create", "--email", "Ada@Example.org", "--password", PASSWORD,
        "--admin", "--display-name", "Ada",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("created admin ada@example.org (id ")
    assert PASSWORD not in created.stdout + created.stderr

    duplicate = run_ade("users", "create", "--email", "ADA@example.org", "--password", PASSWORD)
    assert duplicate.returncode == 1
    assert duplicate.stderr.strip().splitlines()[-1] == (
        "ade: error: a user with email ada@example.org already exists"
    )
    assert "Traceback" not in duplicate.stderr
    assert PASSWORD not in duplicate.stdout + duplicate.stderr

    plain = run_ade("users", "create", "--email", "bob@example.org", "--password", PASSWORD)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.startswith("created user bob@example.org")
    assert _users(tmp_path) == [("ada@example.org", 1, "Ada"), ("bob@example.org", 0, None)]


def test_bad_input_is_one_line_without_the_password(run_ade: RunAde) -> None:
    assert run_ade("db", "migrate").returncode == 0
    result = run_ade("users", "create", "--email", "nope", "--password", "Zq7!x")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()[1:]  # after the database's name
    assert len(lines) == 1
    assert lines[0].startswith("ade: error: the user cannot be created as given: email ")
    assert "password must be 8" in lines[0]
    assert "Zq7!x" not in result.stderr + result.stdout


def test_an_unmigrated_database_is_refused(run_ade: RunAde) -> None:
    assert run_ade("db", "migrate").returncode == 0
    assert run_ade("db", "stamp", "base").returncode == 0
    result = run_ade("users", "create", "--email", "a@example.org", "--password", PASSWORD)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "ade: error: the database is not migrated: run `ade db migrate` first"
    )


def test_the_password_is_prompted_for_when_omitted(
    run_ade: RunAde, ade_env: dict[str, str], tmp_path: Path
) -> None:
    assert run_ade("db", "migrate").returncode == 0
    result = subprocess.run(
        [sys.executable, "-m", "ade_cli", "users", "create", "--email", "p@example.org"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        env=ade_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert PASSWORD not in result.stdout
    assert [row[0] for row in _users(tmp_path)] == ["p@example.org"]


def test_help() -> None:
    for command in (["users"], ["users", "create"]):
        result = CliRunner().invoke(app, [*command, "--help"])
        assert result.exit_code == 0, result.output
        assert "Usage:" in result.output
    assert "--admin" in CliRunner().invoke(app, ["users", "create", "--help"]).output
