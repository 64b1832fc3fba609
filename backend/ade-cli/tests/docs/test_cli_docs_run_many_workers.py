"""docs/how-to/run-many-workers.md, run as written: one API and three workers sharing a real
PostgreSQL database, a real redis-server and one storage folder.

The page's preconditions are a PostgreSQL database and a Redis at URLs the reader puts in two
`export` lines ("Replace the two URLs below with yours"). The test does just that: it runs a
copy of the page in which exactly those two lines carry the URLs of a fresh database on the
session's throwaway PostgreSQL server and of the session's redis-server; nothing else in the
page changes (beyond what the docs runner always does: the API's port in URLs).

Two settings come from the environment instead, because the page relies on their defaults
and the test cannot: `ADE_API_PORT` (the page's `ade api serve` listens on the default 8000;
the test's free port is what the runner substitutes for 8000 in the page's URLs), and
`ADE_QUEUE_NAME` (the default `ade-jobs` on the session-wide redis-server could be shared
with other tests; a queue of its own keeps `ade_workers` counting only this page's workers).
Otherwise the environment is the test's own minus every `ADE_*` variable: the storage folder
is the one the page exports.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ade_db import create_db_engine
from ade_db.models import Job
from ade_db.testing.postgres import create_database, drop_database
from ade_db.types import new_id
from ade_worker.embedded_redis import EmbeddedRedis, free_port

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.needs_tools("curl", "jq"),
]

RunPage = Callable[..., Any]  # the docs conftest's `run_page` fixture
ROOT = Path(__file__).resolve().parents[4]
PAGE = ROOT / "docs" / "how-to" / "run-many-workers.md"
DATABASE_LINE = re.compile(r"^export ADE_DATABASE_URL=\S+$", re.M)
REDIS_LINE = re.compile(r"^export ADE_REDIS_URL=\S+$", re.M)
JOBS = 6  # per batch: the walkthrough's six jobs, then the backfill's six


@pytest.fixture
def database_url(postgres_admin_url: str) -> Iterator[str]:
    """An empty PostgreSQL database, as the page asks the reader to have."""
    name = f"docs_{new_id().lower()}"
    url = create_database(postgres_admin_url, name)
    try:
        yield url
    finally:
        drop_database(postgres_admin_url, name)


def with_urls(page: Path, database_url: str, redis_url: str, folder: Path) -> Path:
    """A copy of `page` with the reader's two URLs on the two lines that set them."""
    text = page.read_text(encoding="utf-8")
    text, n_db = DATABASE_LINE.subn(f"export ADE_DATABASE_URL={database_url}", text)
    text, n_redis = REDIS_LINE.subn(f"export ADE_REDIS_URL={redis_url}", text)
    assert (n_db, n_redis) == (1, 1), "the page must set each URL on one line of its own"
    folder.mkdir()
    copy = folder / page.name
    copy.write_text(text, encoding="utf-8")
    return copy


def expected_metrics(page: Path) -> list[str]:
    """The metric lines the page shows (its one ```text block after the metrics command)."""
    text = page.read_text(encoding="utf-8")
    match = re.search(r"grep -E '\^ade_.*?```text\n(.*?)```", text, re.S)
    assert match, "the page shows no metrics output"
    return match.group(1).strip().splitlines()


def test_run_many_workers_walkthrough(
    run_page: RunPage,
    real_redis: EmbeddedRedis,
    database_url: str,
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADE_")}
    env |= {"ADE_API_PORT": str(port), "ADE_QUEUE_NAME": f"docs-{new_id().lower()}"}
    work = tmp_path / "work"
    done = run_page(
        with_urls(PAGE, database_url, real_redis.url, tmp_path / "page"),
        env=env,
        cwd=work,
        port=port,
        timeout=240,
    )
    assert done.returncode == 0, done.output

    # Every job of the walkthrough ran and succeeded.
    statuses = re.findall(r"^([0-9A-Z]{26}) (\w+)$", done.stdout, re.M)
    assert len(statuses) == JOBS, done.stdout
    assert {status for _, status in statuses} == {"succeeded"}

    # Each ran exactly once: its timeline names one worker and its work horse, and that
    # worker's log (and no other) has the job.
    ran = re.findall(r"^([0-9A-Z]{26}) ran on (\S+) in (\S+)\n(\S+)$", done.stdout, re.M)
    assert [job for job, _, _, _ in ran] == [job for job, _ in statuses], done.stdout
    for _job, worker, horse, log in ran:
        assert worker in {"worker-1", "worker-2", "worker-3"}, worker
        assert re.fullmatch(r".+:\d+", horse), horse
        assert log == f"{worker}.log"
    # Which worker got which job is up to timing, so how they were spread is not asserted.

    # The metrics are those the page shows: three workers, an empty queue, six successes.
    for line in expected_metrics(PAGE):
        assert re.search(rf"^{re.escape(line)}$", done.stdout, re.M), (line, done.stdout)

    # The burst worker exited 0 on an empty queue; Ctrl-C stopped the API and every worker
    # cleanly (each finishing its job first).
    assert re.search(r"^done$", done.stdout, re.M), done.stdout
    assert done.background_status == [0, 0, 0, 0], done.output  # the API and three workers

    # The database agrees: all twelve jobs (the backfill's too) succeeded, each on one run.
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Job.status, Job.attempts, func.count()).group_by(Job.status, Job.attempts)
            ).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [("succeeded", 1, 2 * JOBS)]
    # And they wrote into the one storage folder the page exported.
    outputs = list((work / "data" / "jobs").glob("*/output/normalized.xlsx"))
    assert len(outputs) == 2 * JOBS
