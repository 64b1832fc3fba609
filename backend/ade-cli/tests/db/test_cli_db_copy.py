"""`ade db copy`: an ADE install's SQLite database copied into a real PostgreSQL database.

The source is made the way an operator's is: `ade db migrate`, `ade users create`, a
workspace with a document, a published config version and a job (the worker tests' seed), and
what the API adds around them, so that every table has rows. Every table is then compared row
by row. Failures are one line on stderr, exit 1, never
a password, and leave the target empty.
"""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import JSON, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

import ade_db.models  # noqa: F401  (every table on the metadata)
from ade_db import create_db_engine, create_session_factory, migrate
from ade_db.metadata import metadata
from ade_db.models import (
    ApiKey,
    Config,
    DomainEvent,
    Job,
    JobEvent,
    RevokedToken,
    User,
    WorkspaceActiveConfig,
    WorkspaceMember,
)
from ade_db.testing import create_database, drop_database, table_rows
from ade_db.types import new_id, utcnow
from ade_storage import LocalBlobStore
from ade_worker.testing import seed_job

RunAde = Callable[..., subprocess.CompletedProcess[str]]
PASSWORD = "s3cretpw"  # the test server trusts every login: any password gets in


def total_rows(url: str) -> int:
    return sum(len(rows) for rows in table_rows(url).values())


@pytest.fixture
def source(run_ade: RunAde, tmp_path: Path) -> str:
    """The URL of the data dir's embedded SQLite, holding a user and a seeded job."""
    assert run_ade("db", "migrate").returncode == 0
    created = run_ade(
        "users", "create", "--email", "admin@example.org", "--password", "a-long-pw", "--admin"
    )
    assert created.returncode == 0, created.stderr
    url = f"sqlite:///{tmp_path / 'data' / 'db' / 'ade.sqlite'}"
    engine = create_db_engine(url)
    sessions = create_session_factory(engine)
    try:
        seeded = seed_job(sessions, LocalBlobStore(tmp_path / "data"))
        fill_every_table(sessions, seeded.workspace_id, seeded.job_id)
    finally:
        engine.dispose()
    return url


def fill_every_table(sessions: sessionmaker[Session], workspace_id: str, job_id: str) -> None:
    """What the seed leaves empty, as the API would have written it: an API key, a logout,
    a membership, the active config, a finished job's timeline and the event log."""
    with sessions() as session:
        admin = session.scalars(select(User)).one()
        config = session.scalars(select(Config)).one()
        job = session.get_one(Job, job_id)
        job.status = "succeeded"
        job.started_at = job.queued_at + timedelta(seconds=1)
        job.completed_at = job.queued_at + timedelta(seconds=2, microseconds=345678)
        job.metrics = {"rows": 5, "seconds": 1.345678, "sheet": "Membres — été 2024 ✓"}
        # JSON null, next to the SQL NULLs of other JSON columns: both must stay as they are.
        session.execute(update(Job).where(Job.id == job_id).values(error=JSON.NULL))
        session.add_all(
            [
                ApiKey(user_id=admin.id, name="ci", prefix="ade_ci", secret_hash="h"),
                RevokedToken(jti=new_id(), user_id=admin.id, expires_at=utcnow()),
                WorkspaceMember(workspace_id=workspace_id, user_id=admin.id, role="owner"),
                WorkspaceActiveConfig(
                    workspace_id=workspace_id, config_id=config.id, activated_by_id=admin.id
                ),
                JobEvent(job_id=job_id, seq=2, type="job.running", payload={"attempt": 1}),
                JobEvent(job_id=job_id, seq=3, type="job.succeeded", payload={}),
                DomainEvent(
                    workspace_id=workspace_id,
                    type="job.succeeded",
                    subject_type="job",
                    subject_id=job_id,
                    actor_id=admin.id,
                    payload={"status": "succeeded"},
                ),
            ]
        )
        session.commit()


@pytest.fixture
def empty_source(tmp_path: Path) -> str:
    """A migrated SQLite database without rows, made in-process (quicker than `ade`)."""
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    engine = create_db_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    return url


@pytest.fixture
def new_postgres(postgres_admin_url: str) -> Iterator[Callable[[], str]]:
    """Make empty PostgreSQL databases; their URLs carry a password, to check it never shows."""
    names: list[str] = []

    def make() -> str:
        name = f"cli_copy_{new_id().lower()}"
        names.append(name)
        url = make_url(create_database(postgres_admin_url, name)).set(password=PASSWORD)
        return url.render_as_string(hide_password=False)

    yield make
    for name in names:
        drop_database(postgres_admin_url, name)


def migrated(run_ade: RunAde, ade_env: dict[str, str], url: str) -> str:
    """Migrate `url` as the how-to does: `ade db migrate` with ADE_DATABASE_URL set to it."""
    done = run_ade("db", "migrate", env={**ade_env, "ADE_DATABASE_URL": url})
    assert done.returncode == 0, done.stderr
    return url


def assert_one_line_error(done: subprocess.CompletedProcess[str], message: str) -> None:
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"ade: error: {message}"), lines[0]
    assert "Traceback" not in done.stderr
    assert PASSWORD not in done.stdout + done.stderr


@pytest.mark.postgres
def test_copy_sqlite_to_postgres(
    run_ade: RunAde, ade_env: dict[str, str], source: str, new_postgres: Callable[[], str]
) -> None:
    target = migrated(run_ade, ade_env, new_postgres())
    done = run_ade("db", "copy", "--from", source, "--to", target)
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    shown = make_url(target).render_as_string(hide_password=True)
    assert ":***@" in shown
    lines = done.stdout.splitlines()
    head = migrate.head_revision()
    assert lines[0] == f"copying {source} -> {shown} (revision {head})"
    assert lines[1].split() == ["table", "rows"]
    expected = table_rows(source)
    counts = {name: len(rows) for name, rows in expected.items()}
    assert [line.split() for line in lines[2:-2]] == [
        [table.name, str(counts[table.name])] for table in metadata.sorted_tables
    ]
    assert lines[-2].split() == ["total", str(sum(counts.values()))]
    assert lines[-1] == ("verified: source and target row counts match in all 13 tables; committed")
    assert all(counts.values()), f"the source misses rows in a table: {counts}"

    assert table_rows(target) == expected  # every table, row for row, value for value
    current = run_ade("db", "current", env={**ade_env, "ADE_DATABASE_URL": target})
    assert current.stdout.strip() == f"{head} (head)"
    # ADE works on the copy: the copied admin is there, a new user goes in next to it.
    env = {**ade_env, "ADE_DATABASE_URL": target}
    again = run_ade(
        "users", "create", "--email", "admin@example.org", "--password", "x" * 9, env=env
    )
    assert again.returncode == 1
    added = run_ade("users", "create", "--email", "new@example.org", "--password", "x" * 9, env=env)
    assert added.returncode == 0, added.stderr


@pytest.mark.postgres
def test_a_target_with_rows_is_refused(
    run_ade: RunAde, ade_env: dict[str, str], source: str, new_postgres: Callable[[], str]
) -> None:
    target = migrated(run_ade, ade_env, new_postgres())
    assert run_ade("db", "copy", "--from", source, "--to", target).returncode == 0
    before = table_rows(target)
    done = run_ade("db", "copy", "--from", source, "--to", target)
    assert_one_line_error(
        done,
        "the target database is not empty (table users has 1 row): ade db copy only fills "
        "an empty, migrated database, it never merges",
    )
    assert done.stdout == ""
    assert table_rows(target) == before


@pytest.mark.postgres
def test_an_unmigrated_target_is_refused(
    run_ade: RunAde, empty_source: str, new_postgres: Callable[[], str]
) -> None:
    done = run_ade("db", "copy", "--from", empty_source, "--to", new_postgres())
    assert_one_line_error(
        done,
        f"the target database is at revision none, not head {migrate.head_revision()}: run "
        "`ade db migrate` with ADE_DATABASE_URL set to the target first",
    )


def test_a_source_behind_head_is_refused(
    run_ade: RunAde, empty_source: str, tmp_path: Path
) -> None:
    assert run_ade("db", "migrate").returncode == 0  # the data dir's SQLite is the target
    engine = create_db_engine(empty_source)
    try:
        migrate.stamp(engine, "base")  # as if never migrated
    finally:
        engine.dispose()
    target = f"sqlite:///{tmp_path / 'data' / 'db' / 'ade.sqlite'}"
    done = run_ade("db", "copy", "--from", empty_source, "--to", target)
    assert_one_line_error(
        done,
        f"the source database is at revision none and the target at "
        f"{migrate.head_revision()}: both must be at head; run `ade db migrate`",
    )


@pytest.mark.postgres
def test_a_failure_rolls_the_target_back(
    run_ade: RunAde,
    ade_env: dict[str, str],
    source: str,
    new_postgres: Callable[[], str],
) -> None:
    # SQLite never enforces VARCHAR lengths, PostgreSQL does: the last table fails to copy
    # after every other one went in.
    with sqlite3.connect(make_url(source).database or "") as raw:
        raw.execute("UPDATE job_events SET type = ?", ("x" * 65,))
    target = migrated(run_ade, ade_env, new_postgres())
    done = run_ade("db", "copy", "--from", source, "--to", target)
    assert_one_line_error(
        done, "copying table job_events failed, the target was rolled back: value too long"
    )
    assert "  jobs " in done.stdout  # the earlier tables had been copied...
    assert total_rows(target) == 0  # ...and are gone again


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", f"postgresql://ade:{PASSWORD}@db:port/ade"], "the target is not a database URL"),
        (
            ["--to", f"postgresql://ade:{PASSWORD}@127.0.0.1:1/ade"],
            "cannot reach the target database postgresql://ade:***@127.0.0.1:1/ade: ",
        ),
        (["--to", "sqlite:////nonexistent/ade.sqlite"], "the target database file"),
    ],
)
def test_bad_targets_are_one_line_without_the_password(
    run_ade: RunAde, empty_source: str, args: list[str], message: str
) -> None:
    done = run_ade("db", "copy", "--from", empty_source, *args)
    assert_one_line_error(done, message)


def test_a_missing_source_is_one_line(run_ade: RunAde, tmp_path: Path) -> None:
    target = f"sqlite:///{tmp_path / 'target.sqlite'}"
    done = run_ade("db", "copy", "--from", f"sqlite:///{tmp_path / 'no.sqlite'}", "--to", target)
    assert_one_line_error(done, f"the source database file {tmp_path / 'no.sqlite'} does not")
    assert not (tmp_path / "no.sqlite").exists()
