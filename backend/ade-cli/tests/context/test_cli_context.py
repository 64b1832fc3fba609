"""Which database a command opens: named first, and never a new one made by mistake.

Run from another folder, `ade users create` used to make `./data` there, say "not migrated",
and lead the user into a second database. Every command now names its database first (on
stderr), and only `ade db migrate`, `ade start` and a migrating `ade api serve` may create one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from ade_cli.context import database_label
from ade_db import DatabaseSettings

PASSWORD = "a-long-cli-password"


def ade(cwd: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """`ade ARGS` in `cwd`, with no ADE_* setting but `settings`, as a user's shell runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ADE_", "_ADE_"))}
    return subprocess.run(
        [sys.executable, "-m", "ade_cli", *args],
        env=env | settings,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A folder where ADE was set up (`ade db migrate`, as `ade start` does first)."""
    folder = tmp_path / "checkout"
    folder.mkdir()
    migrated = ade(folder, "db", "migrate")
    assert migrated.returncode == 0, migrated.stderr
    return folder


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_users_create_from_another_folder_creates_nothing_and_names_the_path(
    checkout: Path, elsewhere: Path
) -> None:
    done = ade(elsewhere, "users", "create", "--email", "a@example.org", "--password", PASSWORD)
    assert done.returncode != 0
    assert tree(elsewhere) == []  # no ./data, no database
    missing = elsewhere / "data" / "db" / "ade.sqlite"
    assert done.stderr.splitlines() == [
        f"database: {missing}",
        f"ade: error: no ADE database at {missing} (ADE_STORAGE_DATA_DIR unset: ./data in "
        f"{elsewhere}): run it in the folder you run `ade start` in, or set "
        "ADE_STORAGE_DATA_DIR to the data dir (ADE_DATABASE_URL for another database); only "
        "`ade db migrate` makes a new one",
    ]
    # Pointed at the right data dir, the same command works from there.
    data = str(checkout / "data")
    pointed = ade(elsewhere, "users", "create", "--email", "a@example.org", "--password", PASSWORD,
                  ADE_STORAGE_DATA_DIR=data)  # fmt: skip
    assert pointed.returncode == 0, pointed.stderr
    assert pointed.stderr.splitlines()[0] == f"database: {checkout / 'data' / 'db' / 'ade.sqlite'}"
    assert tree(elsewhere) == []


@pytest.mark.parametrize(
    "args",
    [
        ("db", "current"),
        ("db", "stamp", "head"),
        ("worker", "start", "--burst"),
        ("api", "serve", "--no-migrate"),
    ],
)
def test_other_commands_refuse_to_make_a_database_or_data_dir(
    elsewhere: Path, args: tuple[str, ...]
) -> None:
    done = ade(elsewhere, *args, ADE_REDIS_URL="redis://127.0.0.1:1/0")
    assert done.returncode == 1, done.stderr
    assert tree(elsewhere) == []
    error = done.stderr.strip().splitlines()[-1]
    assert error.startswith(f"ade: error: no {'data dir' if args[0] != 'db' else 'ADE database'}")
    assert str(elsewhere / "data") in error
    assert "ADE_STORAGE_DATA_DIR" in error


def test_a_sqlite_url_to_no_file_is_refused(elsewhere: Path) -> None:
    target = elsewhere / "other.sqlite"
    done = ade(elsewhere, "db", "current", ADE_DATABASE_URL=f"sqlite:///{target}")
    assert done.returncode == 1
    assert f"no ADE database at {target} (ADE_DATABASE_URL)" in done.stderr
    assert tree(elsewhere) == []


def test_migrate_names_the_database_first_and_creates_it(elsewhere: Path) -> None:
    done = ade(elsewhere, "db", "migrate")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == f"database: {elsewhere / 'data' / 'db' / 'ade.sqlite'}"
    assert done.stdout.startswith("database at head ")  # stdout: the answer alone
    assert (elsewhere / "data" / "db" / "ade.sqlite").is_file()


def test_commands_on_an_existing_database_name_it_first(checkout: Path) -> None:
    sqlite = checkout / "data" / "db" / "ade.sqlite"
    for args in (("db", "current"), ("db", "stamp", "head")):
        done = ade(checkout, *args)
        assert done.returncode == 0, done.stderr
        assert done.stderr.splitlines() == [f"database: {sqlite}"]


def test_the_label_hides_a_password_and_shows_a_sqlite_path(tmp_path: Path) -> None:
    url = "postgresql+psycopg://ade:s3cret@db.internal:5432/ade"
    assert database_label(DatabaseSettings(database_url=SecretStr(url))) == (
        "postgresql+psycopg://ade:***@db.internal:5432/ade"
    )
    embedded = DatabaseSettings(storage_data_dir=tmp_path / "data")
    assert database_label(embedded) == str(tmp_path / "data" / "db" / "ade.sqlite")
