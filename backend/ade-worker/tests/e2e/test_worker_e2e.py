"""End to end: a real redis-server, real `ade worker start` processes, a SQLite file and a data
dir in tmp_path; jobs are seeded straight into the database and enqueued as the API does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rq import Queue
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ade_db import create_db_engine, create_session_factory, migrate
from ade_db.models import Job
from ade_storage import LocalBlobStore
from ade_worker.embedded_redis import EmbeddedRedis
from ade_worker.jail import resolve_user
from ade_worker.limits import SANDBOX_NICENESS
from ade_worker.queue import ade_queue, connect, enqueue_job
from ade_worker.testing import TEST_SANDBOX_USER, descendants, example_config, seed_job
from ade_worker.timeline import job_events

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.timeout(120)]

StartWorker = Callable[..., subprocess.Popen[bytes]]


class Setup:
    def __init__(self, tmp_path: Path, redis: EmbeddedRedis, name: str) -> None:
        self.data_dir = tmp_path / "data"
        self.data_dir.mkdir()
        self.db_url = f"sqlite:///{tmp_path / 'ade.sqlite'}"
        self.redis_url = redis.url
        self.queue = f"e2e-{name}"
        self.logs = tmp_path
        self.engine: Engine = create_db_engine(self.db_url)
        migrate.upgrade(self.engine)
        self.sessions: sessionmaker[Session] = create_session_factory(self.engine)
        self.blobs = LocalBlobStore(self.data_dir)
        self.redis = connect(redis.url)

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            ADE_DATABASE_URL=self.db_url,
            ADE_STORAGE_DATA_DIR=str(self.data_dir),
            ADE_REDIS_URL=self.redis_url,
            ADE_QUEUE_NAME=self.queue,
            ADE_SANDBOX_TIMEOUT_SECONDS="60",
            ADE_JOB_HEARTBEAT_SECONDS="0.5",
            ADE_LOG_LEVEL="info",
        )
        env.update(extra)
        return env

    def job(self, job_id: str) -> Job:
        with self.sessions() as session:
            return session.get_one(Job, job_id)

    def wait_for(
        self, job_id: str, statuses: set[str], timeout: float = 40.0, what: str = ""
    ) -> Job:
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job.status in statuses:
                return job
            if time.monotonic() > deadline:
                logs = "\n".join(p.read_text()[-3000:] for p in self.logs.glob("worker-*.log"))
                raise AssertionError(f"job {job_id} is {job.status}, not {statuses} {what}\n{logs}")
            time.sleep(0.1)


@pytest.fixture
def setup(tmp_path: Path, real_redis: EmbeddedRedis, request: pytest.FixtureRequest) -> Setup:
    return Setup(tmp_path, real_redis, request.node.name.replace("_", "-")[-40:])


@pytest.fixture
def start_worker(setup: Setup) -> Iterator[StartWorker]:
    started: list[subprocess.Popen[bytes]] = []

    def start(**env: str) -> subprocess.Popen[bytes]:
        log = (setup.logs / f"worker-{len(started)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "ade_cli", "worker", "start"],
            env=setup.env(**env),
            cwd=setup.logs,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in started:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    setup.engine.dispose()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _wait_gone(pid: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_an_enqueued_job_is_run_by_a_worker(setup: Setup, start_worker: StartWorker) -> None:
    start_worker(ADE_WORKER_NAME=f"{setup.queue}-named")
    job_id = seed_job(setup.sessions, setup.blobs).job_id
    enqueue_job(setup.redis, job_id, queue_name=setup.queue)
    job = setup.wait_for(job_id, {"succeeded", "failed"})
    assert job.status == "succeeded", job.error
    assert job.attempts == 1
    assert job.output_path is not None
    assert (setup.data_dir / job.output_path).is_file()
    with setup.sessions() as session:
        types = [e.type for e in job_events(session, job_id)]
    assert types[:3] == ["job.queued", "job.started", "run.started"]
    assert types[-1] == "job.succeeded"
    with setup.sessions() as session:
        (started,) = [e for e in job_events(session, job_id) if e.type == "job.started"]
    # The timeline says which worker ran the job (its name) and in which process.
    assert started.payload["worker_name"] == f"{setup.queue}-named"
    assert started.payload["worker_id"] == job.worker_id


def test_a_worker_refuses_a_stranger_s_job_and_goes_on(
    setup: Setup, start_worker: StartWorker, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    # What config code that reached Redis did: RQ's own API, naming os.system.
    Queue(setup.queue, connection=setup.redis).enqueue("os.system", f"touch {marker}")
    ade_queue(setup.redis, setup.queue).enqueue("os.system", f"touch {marker}")
    worker = start_worker()
    job_id = seed_job(setup.sessions, setup.blobs).job_id
    enqueue_job(setup.redis, job_id, queue_name=setup.queue)
    job = setup.wait_for(job_id, {"succeeded", "failed"})
    assert job.status == "succeeded", job.error
    assert not marker.exists()
    assert worker.poll() is None  # still serving
    log = (setup.logs / "worker-0.log").read_text()
    assert log.count("refused RQ job") == 2, log


SLOW = """
time.sleep(4)
"""


def _runs_a_job(pid: int) -> bool:
    """Whether `pid` is `python -m ade_engine --job-dir ...` (not the jail's start-up probe),
    or, started warm, the engine process the zygote forked (named `ade-engine`)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        name = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return False
    return (b"ade_engine" in argv and b"--job-dir" in argv) or name == "ade-engine"


def _engine_pid(worker_pid: int, timeout: float = 20) -> int:
    """The host pid of the jailed engine a worker is running (seen from the host's /proc: the
    jail has a PID namespace of its own, and nothing it writes reaches the job folder)."""
    sandbox_uid = resolve_user(TEST_SANDBOX_USER).uid
    deadline = time.monotonic() + timeout
    while True:
        for process in descendants(worker_pid):
            if process.uid == sandbox_uid and _runs_a_job(process.pid):
                return process.pid
        assert time.monotonic() < deadline, "the sandbox never started"
        time.sleep(0.05)


def _niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def test_a_worker_and_its_runs_yield_the_cpu(setup: Setup, start_worker: StartWorker) -> None:
    worker = start_worker(ADE_WORKER_NICENESS="7")
    job_id = seed_job(setup.sessions, setup.blobs, files=example_config(SLOW)).job_id
    enqueue_job(setup.redis, job_id, queue_name=setup.queue)
    engine = _engine_pid(worker.pid)
    expected = max(7, os.getpriority(os.PRIO_PROCESS, 0))
    assert _niceness(worker.pid) == expected
    assert _niceness(engine) == min(19, expected + SANDBOX_NICENESS)
    assert setup.wait_for(job_id, {"succeeded", "failed"}).status == "succeeded"


def test_a_killed_worker_loses_nothing(setup: Setup, start_worker: StartWorker) -> None:
    first = start_worker()
    job_id = seed_job(setup.sessions, setup.blobs, files=example_config(SLOW)).job_id
    enqueue_job(setup.redis, job_id, queue_name=setup.queue)
    job = setup.wait_for(job_id, {"running"}, what="(first worker)")
    assert job.worker_id is not None
    # The worker runs the job in its own process (no work horse per job).
    assert int(job.worker_id.rsplit(":", 1)[1]) == first.pid
    sandbox_pid = _engine_pid(first.pid)

    first.kill()  # SIGKILL: no cleanup at all
    first.wait()
    # The sandbox dies with the worker (parent-death signal), so nothing of the lost run
    # keeps writing into the job folder.
    assert _wait_gone(sandbox_pid), "the sandbox outlived its worker"
    assert setup.job(job_id).status == "running"  # as the dead worker left it

    start_worker(ADE_JOB_STALE_SECONDS="2", ADE_RECONCILE_INTERVAL_SECONDS="1")
    job = setup.wait_for(job_id, {"succeeded", "failed"}, timeout=40, what="(second worker)")
    assert job.status == "succeeded", job.error
    assert job.attempts == 2
    with setup.sessions() as session:
        events = job_events(session, job_id)
    types = [e.type for e in events]
    assert types.count("job.started") == 2
    retrying = [e.payload for e in events if e.type == "job.retrying"]
    assert retrying == [{"reason": "worker lost", "attempt": 1}]
    assert types[-1] == "job.succeeded"


def test_a_flushed_redis_loses_no_queued_job(setup: Setup, start_worker: StartWorker) -> None:
    job_ids = [seed_job(setup.sessions, setup.blobs).job_id for _ in range(3)]
    for job_id in job_ids:
        enqueue_job(setup.redis, job_id, queue_name=setup.queue)
    setup.redis.flushall()
    start_worker(ADE_REQUEUE_GRACE_SECONDS="0", ADE_RECONCILE_INTERVAL_SECONDS="1")
    for job_id in job_ids:
        job = setup.wait_for(job_id, {"succeeded", "failed"})
        assert job.status == "succeeded", job.error
        assert job.attempts == 1


def test_a_sandbox_killed_from_outside_is_retried(setup: Setup, start_worker: StartWorker) -> None:
    # The OOM killer or an operator SIGKILLs the engine: nothing says a rerun would fail, so
    # the worker puts the job back on the queue itself (no reconciler needed).
    worker = start_worker(ADE_RECONCILE_INTERVAL_SECONDS="600")
    files = example_config(SLOW.replace("time.sleep(4)", "time.sleep(1.5)"))
    job_id = seed_job(setup.sessions, setup.blobs, files=files).job_id
    enqueue_job(setup.redis, job_id, queue_name=setup.queue)
    os.kill(_engine_pid(worker.pid), signal.SIGKILL)
    job = setup.wait_for(job_id, {"succeeded", "failed"})
    assert job.status == "succeeded", job.error
    assert job.attempts == 2
    with setup.sessions() as session:
        retrying = [e.payload for e in job_events(session, job_id) if e.type == "job.retrying"]
    assert retrying == [{"reason": "the engine process was killed by signal SIGKILL", "attempt": 1}]


def test_a_stopped_worker_finishes_its_job_first(setup: Setup, start_worker: StartWorker) -> None:
    # SIGTERM (a deploy, `docker stop`) while a job runs: the job ends first, then the worker.
    worker = start_worker()
    files = example_config(SLOW.replace("time.sleep(4)", "time.sleep(1.5)"))
    job_id = seed_job(setup.sessions, setup.blobs, files=files).job_id
    enqueue_job(setup.redis, job_id, queue_name=setup.queue)
    _engine_pid(worker.pid)  # the run is under way
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    job = setup.job(job_id)
    assert job.status == "succeeded", job.error
    assert job.attempts == 1


def test_a_worker_runs_jobs_one_after_another_in_its_own_process(
    setup: Setup, start_worker: StartWorker
) -> None:
    worker = start_worker()
    job_ids = [seed_job(setup.sessions, setup.blobs).job_id for _ in range(3)]
    for job_id in job_ids:
        enqueue_job(setup.redis, job_id, queue_name=setup.queue)
    for job_id in job_ids:
        job = setup.wait_for(job_id, {"succeeded", "failed"})
        assert job.status == "succeeded", job.error
        assert job.worker_id is not None
        assert int(job.worker_id.rsplit(":", 1)[1]) == worker.pid  # no work horse
        with setup.sessions() as session:
            types = [e.type for e in job_events(session, job_id)]
        assert types[:3] == ["job.queued", "job.started", "run.started"]
        assert types[-2:] == ["run.completed", "job.succeeded"]
