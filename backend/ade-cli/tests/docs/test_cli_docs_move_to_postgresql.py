"""docs/how-to/move-to-postgresql.md, run as written: an ADE install on SQLite, with data,
moved to a real PostgreSQL database, then ADE started on it.

The install is made the way a reader's is: `ade db migrate`, `ade users create`, and a job that
a real worker ran (`ade worker start --burst`) on a workspace, document and config version
seeded as the worker tests seed them. Its data dir is the test's `ADE_STORAGE_DATA_DIR`, as it
would be the reader's; the page finds the SQLite file from that setting.

The page's one precondition is a PostgreSQL database at a URL the reader writes on one
`export PG_URL=...` line. The test runs a copy of the page in which exactly that line carries
the URL of a fresh database on the session's throwaway PostgreSQL server (with a password in
it: the server trusts every login, so any password gets in, and none may be printed). Nothing
else in the page changes beyond what the docs runner always does (the API's port in URLs);
`ADE_API_PORT` in the environment makes the page's `ade start` listen on that port.

After the page ran, every ADE table in PostgreSQL must hold the SQLite rows, value for value,
and so must the SQLite file the page's "going back" section copies PostgreSQL into.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

import ade_db.models  # noqa: F401  (every table on the metadata)
from ade_cli.testing import ROOT, RunPage, base_env
from ade_db import create_db_engine, create_session_factory, migrate
from ade_db.models import Job
from ade_db.testing import create_database, drop_database, table_rows
from ade_db.types import new_id
from ade_storage import LocalBlobStore
from ade_worker.embedded_redis import EmbeddedRedis, free_port
from ade_worker.queue import connect, enqueue_job
from ade_worker.testing import seed_job

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres]

PAGE = ROOT / "docs" / "how-to" / "move-to-postgresql.md"
PG_LINE = re.compile(r"^export PG_URL=\S+$", re.M)
PASSWORD = "n0t-Printed-ever"


def ade(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "ade_cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def install_with_data(env: dict[str, str], redis: EmbeddedRedis) -> str:
    """An ADE install on SQLite that has been used; returns the SQLite file's URL."""
    data_dir = Path(env["ADE_STORAGE_DATA_DIR"])
    ade(env, "db", "migrate")
    ade(
        env, "users", "create", "--email", "admin@example.org", "--password", "pw-123456", "--admin"
    )
    url = f"sqlite:///{data_dir / 'db' / 'ade.sqlite'}"
    engine = create_db_engine(url)
    sessions = create_session_factory(engine)
    try:
        seeded = seed_job(sessions, LocalBlobStore(data_dir))
        queue = f"docs-move-{new_id().lower()}"
        connection = connect(redis.url)
        try:
            enqueue_job(connection, seeded.job_id, queue_name=queue)
        finally:
            connection.close()
        worker_env = env | {"ADE_REDIS_URL": redis.url, "ADE_QUEUE_NAME": queue}
        ade(worker_env, "worker", "start", "--burst", "--name", queue)
        with sessions() as session:
            job = session.get_one(Job, seeded.job_id)
            assert job.status == "succeeded", job.error  # terminal: ADE on PG leaves it be
    finally:
        engine.dispose()
    return url


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """An empty PostgreSQL database, as the page asks the reader to have (not migrated)."""
    name = f"docs_move_{new_id().lower()}"
    url = make_url(create_database(postgres_admin_url, name)).set(password=PASSWORD)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        drop_database(postgres_admin_url, name)


def page_with_url(url: str, folder: Path) -> Path:
    """A copy of the page whose `export PG_URL=...` line holds `url`."""
    text, count = PG_LINE.subn(f"export PG_URL={url}", PAGE.read_text(encoding="utf-8"))
    assert count == 1, "the page must set PG_URL on one line of its own"
    folder.mkdir()
    copy = folder / PAGE.name
    copy.write_text(text, encoding="utf-8")
    return copy


def test_move_to_postgresql_runs_as_written(
    run_page: RunPage, real_redis: EmbeddedRedis, postgres_url: str, tmp_path: Path
) -> None:
    env = base_env(tmp_path) | {"ADE_STORAGE_DATA_DIR": str(tmp_path / "data")}
    source = install_with_data(env, real_redis)
    before = table_rows(source)
    for name in ("users", "workspaces", "documents", "config_files", "jobs", "job_events"):
        assert before[name], f"the install has no {name}"

    port = free_port()
    done = run_page(
        page_with_url(postgres_url, tmp_path / "page"),
        env=env | {"ADE_API_PORT": str(port)},
        port=port,
        timeout=400,
    )
    assert done.returncode == 0, done.output
    assert done.background_status == [0], done.output  # Ctrl-C stops `ade start` cleanly
    assert PASSWORD not in done.output

    # The data really is in PostgreSQL, and the SQLite file was only read.
    assert table_rows(postgres_url) == before
    assert table_rows(source) == before
    head = migrate.head_revision()
    shown = make_url(postgres_url).render_as_string(hide_password=True)
    assert f"-> {shown} (revision {head})" in done.stdout
    assert "verified: source and target row counts match in all 13 tables; committed" in (
        done.stdout
    )
    assert done.stdout.count(f"{head} (head)") == 2  # PostgreSQL, then SQLite after going back
    assert '"status":"ready"' in done.stdout

    # Step 3's backup, and the way back: PostgreSQL copied into a new SQLite file.
    db_folder = Path(env["ADE_STORAGE_DATA_DIR"]).resolve() / "db"
    assert (db_folder.parent / "db.before-postgresql" / "ade.sqlite").is_file()
    assert table_rows(f"sqlite:///{db_folder / 'ade-from-postgresql.sqlite'}") == before
