"""The whole flow on one machine, as a user runs it: `ade start` (API + worker + a real
redis-server), then over HTTP: publish a config, upload a spreadsheet, submit jobs, follow
them, download the normalized workbook. Misbehaving config code fails its own job only."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import python_calamine

from ade_cli.testing_stack import SAMPLE, Stack, stack_env, start_stack
from ade_db.types import new_id
from ade_engine.testing import ods_bytes
from ade_worker.embedded_redis import EmbeddedRedis

pytestmark = [pytest.mark.e2e, pytest.mark.redis]


@pytest.fixture(scope="module")
def stack(
    real_redis: EmbeddedRedis, sandbox_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("e2e-stack")
    env = stack_env(
        root,
        ADE_REDIS_URL=real_redis.url,
        ADE_QUEUE_NAME=f"e2e-{new_id().lower()}",
        ADE_SANDBOX_DIR=str(sandbox_root / "e2e"),
        # Small limits so misbehaving configs fail fast; the example needs ~30 MB.
        ADE_SANDBOX_TIMEOUT_SECONDS="8",
        ADE_SANDBOX_MEMORY_MB="600",
    )
    with start_stack(root, env) as running:
        yield running


def test_upload_run_download_then_cache_hit_then_force(stack: Stack) -> None:
    version = stack.publish("roster")
    document = stack.upload()
    job = stack.wait(str(stack.submit(document, version)["id"]))
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 1
    assert job["metrics"]["rows_processed"] == 5

    output = stack.http.get(f"/workspaces/{stack.ws}/jobs/{job['id']}/output")
    assert output.status_code == 200
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(output.content))
    rows = workbook.get_sheet_by_name("Normalized").to_python()
    assert rows[0][:3] == ["Member ID", "First Name", "Last Name"]
    assert len(rows) == 6
    assert rows[1][1] == "Ada"
    assert "ada@example.org" in [str(v).lower() for v in rows[1]]

    events = stack.http.get(
        f"/workspaces/{stack.ws}/jobs/{job['id']}/events", params={"page_size": 200}
    )
    types = [e["type"] for e in events.json()["items"]]
    assert types[0] == "job.queued"
    assert "job.started" in types
    assert "run.completed" in types
    assert types[-1] == "job.succeeded"

    hit = stack.submit(document, version)
    assert hit["cache_hit"] is True
    assert hit["status"] == "succeeded"
    assert hit["cache_hit_of_id"] == job["id"]
    again = stack.http.get(f"/workspaces/{stack.ws}/jobs/{hit['id']}/output")
    assert again.content == output.content

    forced = stack.wait(str(stack.submit(document, version, force=True)["id"]))
    assert forced["status"] == "succeeded"
    assert forced["cache_hit"] is False
    assert forced["id"] != job["id"]

    detail = stack.http.get(f"/workspaces/{stack.ws}/documents/{document}").json()
    assert {j["id"] for j in detail["jobs"]} >= {job["id"], forced["id"]}


MISBEHAVING = {
    "raises": (
        "def transform(*, values, **_):\n    raise RuntimeError('config exploded')\n",
        "config exploded",
    ),
    "sleeps": (
        "def transform(*, values, **_):\n    import time\n    time.sleep(120)\n    return values\n",
        "8",
    ),
    "eats-memory": (
        "def transform(*, values, **_):\n    hog = bytearray(2 * 1024**3)\n    return values\n",
        "memory",
    ),
    "exits": ("def transform(*, values, **_):\n    import os\n    os._exit(3)\n", "3"),
}


def typed(value: str) -> str | float | None:
    """A CSV cell as a spreadsheet program saves it: empty, a plain number, or text."""
    if not value:
        return None
    return float(value) if re.fullmatch(r"[1-9]\d*(\.\d+)?", value) else value


@pytest.mark.parametrize("name", ["members.ods", "members.tsv"])
def test_every_format_the_upload_accepts_runs_in_the_jail(stack: Stack, name: str) -> None:
    """The upload check and the engine share one format table: what is accepted runs."""
    rows = list(csv.reader(io.StringIO(SAMPLE.read_text(encoding="utf-8"))))
    content = (
        ods_bytes({"Members": [[typed(v) for v in row] for row in rows]})
        if name.endswith(".ods")
        else "\n".join("\t".join(r) for r in rows).encode("utf-8")
    )
    version = stack.publish(f"roster-{name.replace('.', '-')}")
    job = stack.wait(str(stack.submit(stack.upload(name, content), version)["id"]))
    assert job["status"] == "succeeded", job
    assert job["metrics"]["rows_processed"] == 5


@pytest.mark.parametrize("kind", sorted(MISBEHAVING))
def test_misbehaving_config_fails_its_job_and_the_next_job_succeeds(
    stack: Stack, kind: str
) -> None:
    code, expected = MISBEHAVING[kind]
    bad = stack.publish(f"bad-{kind}", code)
    good = stack.publish(f"good-{kind}")
    document = stack.upload()
    failed = stack.wait(str(stack.submit(document, bad)["id"]))
    assert failed["status"] == "failed", failed
    error = failed["error"]
    assert isinstance(error, dict)
    assert expected in str(error["message"]), error
    assert failed["attempts"] == 1  # deterministic failures are not retried
    if kind == "raises":
        assert error["file"] == "columns/email.py"
        assert error["line"]
    assert stack.process.poll() is None  # the worker (and the API) live on
    after = stack.wait(str(stack.submit(document, good)["id"]))
    assert after["status"] == "succeeded", after


def test_cancel_a_running_job_within_two_seconds(stack: Stack) -> None:
    slow = stack.publish(
        "slow",
        "def transform(*, values, **_):\n    import time\n    time.sleep(6)\n    return values\n",
    )
    document = stack.upload()
    job_id = str(stack.submit(document, slow)["id"])
    deadline = time.monotonic() + 30
    while stack.http.get(f"/workspaces/{stack.ws}/jobs/{job_id}").json()["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    time.sleep(0.5)
    asked = time.monotonic()
    assert stack.http.post(f"/workspaces/{stack.ws}/jobs/{job_id}:cancel").status_code == 202
    job = stack.wait(job_id, timeout=10)
    assert job["status"] == "cancelled"
    assert time.monotonic() - asked < 2.5
    retried = stack.http.post(f"/workspaces/{stack.ws}/jobs/{job_id}:retry")
    assert retried.status_code == 202
    assert retried.json()["status"] == "queued"
