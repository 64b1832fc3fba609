"""docs/reference/cli.md's examples, run as written (tests/deploy checks its table).

The page's stated precondition, Redis at `ADE_REDIS_URL`, is a real redis-server; the rest
(SQLite database, data folder) is the embedded default in a fresh folder.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from ade_cli.testing import ROOT, RunPage, base_env
from ade_db.types import new_id
from ade_worker.embedded_redis import EmbeddedRedis, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

PAGE = ROOT / "docs" / "reference" / "cli.md"


def test_cli_reference_examples_run_as_written(
    real_redis: EmbeddedRedis, run_page: RunPage, tmp_path: Path
) -> None:
    env = base_env(tmp_path) | {
        "ADE_REDIS_URL": real_redis.url,
        "ADE_QUEUE_NAME": f"cli-docs-{new_id().lower()}",
    }
    work = tmp_path / "work"
    done = run_page(PAGE, env=env, cwd=work, port=free_port(), timeout=300)
    assert done.returncode == 0, done.output
    assert done.background_status == [0], done.output  # `ade api serve` stops cleanly
    assert re.search(r"^  ade_engine \S+", done.stdout, re.M)  # ade version
    assert "(head)" in done.stdout  # ade db current after ade db migrate
    assert "created admin admin@example.org" in done.stdout
    assert "my-config: valid" in done.stdout
    artifact = json.loads((done.scratch / "out" / "artifact.json").read_text())
    assert artifact["status"] == "succeeded"
    with zipfile.ZipFile(done.scratch / "my-config.zip") as packed:
        assert "manifest.json" in packed.namelist()
    # The user landed in the checkout's database (the embedded SQLite), which the API served.
    database = work / "data" / "db" / "ade.sqlite"
    with sa.create_engine(f"sqlite:///{database}").connect() as conn:
        emails = conn.execute(sa.text("select email from users")).scalars().all()
    assert emails == ["admin@example.org"]
