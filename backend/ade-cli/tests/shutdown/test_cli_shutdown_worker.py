"""Graceful shutdown of `ade worker start`: SIGTERM while a job runs lets the job finish
`succeeded`, then the worker exits; nothing is left `running`. Sent to the worker alone (as
`docker stop` and Kubernetes do) or to its whole process group (as `ade start`'s supervisor and
systemd's default `KillMode=control-group` do, so the work horse gets it too).

Also: the worker logs one JSON line per job transition, with the job id and the request id of
the API request that submitted it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ade_db import create_db_engine, create_session_factory, migrate
from ade_db.models import Job
from ade_db.types import utcnow
from ade_storage import LocalBlobStore
from ade_worker.embedded_redis import EmbeddedRedis
from ade_worker.queue import connect, enqueue_job
from ade_worker.testing import example_config, seed_job

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.timeout(180)]

#: The job's transform sleeps this long, so SIGTERM surely arrives mid-run.
JOB_SECONDS = 3


def _transitions(log: str) -> list[dict[str, Any]]:
    """The `job.transition` records of a worker log (one JSON object per line)."""
    records = []
    for line in log.splitlines():
        if '"event": "job.transition"' in line:
            records.append(json.loads(line[line.index("{") :]))
    return records


@pytest.mark.parametrize("target", ["worker", "process-group"])
def test_sigterm_lets_the_running_job_finish_then_the_worker_exits(
    real_redis: EmbeddedRedis, tmp_path: Path, target: str
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    db_url = f"sqlite:///{tmp_path / 'ade.sqlite'}"
    engine = create_db_engine(db_url)
    migrate.upgrade(engine)
    sessions = create_session_factory(engine)
    queue = f"shutdown-{target}-{os.getpid()}"
    request_id = f"req-shutdown-{target}"
    seeded = seed_job(
        sessions,
        LocalBlobStore(data_dir),
        files=example_config(f"time.sleep({JOB_SECONDS})"),
        request_id=request_id,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADE_")}
    env |= {
        "ADE_DATABASE_URL": db_url,
        "ADE_STORAGE_DATA_DIR": str(data_dir),
        "ADE_REDIS_URL": real_redis.url,
        "ADE_QUEUE_NAME": queue,
        "ADE_SANDBOX_TIMEOUT_SECONDS": "60",
        "ADE_JOB_HEARTBEAT_SECONDS": "0.5",
        "ADE_LOG_LEVEL": "info",
    }
    log_path = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "ade_cli", "worker", "start"],
        env=env,
        cwd=tmp_path,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so killpg reaches it and its horse only
    )
    redis = connect(real_redis.url)
    try:
        enqueue_job(redis, seeded.job_id, queue_name=queue)

        def status() -> str:
            with sessions() as session:
                return session.get_one(Job, seeded.job_id).status

        deadline = time.monotonic() + 60
        while status() != "running":
            assert worker.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, f"never ran\n{log_path.read_text()}"
            time.sleep(0.05)
        time.sleep(1.0)  # well inside the run (materialize, then a 3 s transform)
        assert status() == "running"
        signalled_at = utcnow()
        if target == "worker":
            worker.send_signal(signal.SIGTERM)
        else:
            os.killpg(worker.pid, signal.SIGTERM)
        signalled = time.monotonic()

        returncode = worker.wait(timeout=60)
        log = log_path.read_text()
        with sessions() as session:
            job = session.get_one(Job, seeded.job_id)
            running = session.scalar(
                select(func.count()).select_from(Job).where(Job.status == "running")
            )
        assert job.status == "succeeded", f"{job.status} {job.error}\n{log}"
        assert job.completed_at is not None
        assert job.completed_at > signalled_at  # it finished after the signal, not before
        assert running == 0
        assert returncode == 0, log
        # It waited for the job rather than abandoning it.
        assert time.monotonic() - signalled < 60

        transitions = [r for r in _transitions(log) if r["job_id"] == seeded.job_id]
        assert [r["status"] for r in transitions] == ["running", "succeeded"], log
        for record in transitions:
            assert record["request_id"] == request_id
            assert record["attempt"] == 1
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        redis.close()
        engine.dispose()
