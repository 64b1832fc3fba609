"""`ade db ...` on an empty data dir (SQLite) and on a real PostgreSQL server."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from ade_db import migrate

RunAde = Callable[..., subprocess.CompletedProcess[str]]


def test_migrate_then_current_reports_head_and_creates_the_tables(
    run_ade: RunAde, tmp_path: Path
) -> None:
    head = migrate.head_revision()
    before = run_ade("db", "current")  # no database yet: refused, nothing made
    assert before.returncode == 1
    assert "ade: error: no ADE database at " in before.stderr
    assert not (tmp_path / "data").exists()

    result = run_ade("db", "migrate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"database at head {head}"

    after = run_ade("db", "current")
    assert after.stdout.strip() == f"{head} (head)"

    db_file = tmp_path / "data" / "db" / "ade.sqlite"
    with sqlite3.connect(db_file) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"users", "workspaces", "configs", "config_versions", "jobs"} <= tables
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700


def test_migrate_is_idempotent(run_ade: RunAde) -> None:
    assert run_ade("db", "migrate").returncode == 0
    again = run_ade("db", "migrate")
    assert again.returncode == 0
    assert "database at head" in again.stdout


def test_api_migrate_is_an_alias(run_ade: RunAde) -> None:
    result = run_ade("api", "migrate")
    assert result.returncode == 0, result.stderr
    assert run_ade("db", "current").stdout.strip().endswith("(head)")


def test_history_lists_the_migrations(run_ade: RunAde) -> None:
    result = run_ade("db", "history")
    assert result.returncode == 0
    assert f"-> {migrate.head_revision()} (head)" in result.stdout


def test_stamp_base_and_head(run_ade: RunAde) -> None:
    assert run_ade("db", "migrate").returncode == 0
    assert run_ade("db", "stamp", "base").stdout.strip() == "database stamped at base"
    assert run_ade("db", "current").stdout.startswith("none")
    head = migrate.head_revision()
    assert run_ade("db", "stamp", "head").stdout.strip() == f"database stamped at {head}"


def test_stamp_unknown_revision_is_one_line_and_non_zero(run_ade: RunAde) -> None:
    assert run_ade("db", "migrate").returncode == 0
    result = run_ade("db", "stamp", "nope")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "ade: error: unknown revision 'nope'; see `ade db history`"
    )
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_line_without_the_password(
    run_ade: RunAde, ade_env: dict[str, str]
) -> None:
    env = {**ade_env, "ADE_DATABASE_URL": "postgresql://ade:s3cretpw@127.0.0.1:1/ade"}
    result = run_ade("db", "migrate", env=env)
    assert result.returncode == 1
    shown, *lines = result.stderr.strip().splitlines()
    assert shown == "database: postgresql://ade:***@127.0.0.1:1/ade"
    assert len(lines) == 1
    assert lines[0].startswith("ade: error: cannot reach the database")
    assert "s3cretpw" not in result.stderr + result.stdout


@pytest.mark.postgres
def test_migrate_on_postgres(
    run_ade: RunAde, ade_env: dict[str, str], postgres_admin_url: str
) -> None:
    from ade_db.testing import create_database, drop_database

    url = create_database(postgres_admin_url, "cli_migrate")
    try:
        env = {**ade_env, "ADE_DATABASE_URL": url}
        result = run_ade("db", "migrate", env=env)
        assert result.returncode == 0, result.stderr
        assert run_ade("db", "current", env=env).stdout.strip() == (
            f"{migrate.head_revision()} (head)"
        )
    finally:
        drop_database(postgres_admin_url, "cli_migrate")
