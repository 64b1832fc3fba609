"""`run_job` in this process, against a real database and the real sandbox subprocess."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, event, update
from sqlalchemy.orm import Session, sessionmaker

from ade_db.models import Job, JobEvent
from ade_db.types import utcnow
from ade_storage import LocalBlobStore
from ade_worker import sandbox, tasks
from ade_worker.sandbox import SandboxOutcome
from ade_worker.tasks import reset_runtime, run_job
from ade_worker.testing import EXAMPLE_COLUMN, example_config, seed_job
from ade_worker.timeline import job_events


@pytest.fixture
def job_env(
    monkeypatch: pytest.MonkeyPatch, migrated_engine: Engine, data_dir: Path, sandbox_root: Path
) -> Iterator[None]:
    """The worker's settings, from the environment as in production."""
    monkeypatch.setenv(
        "ADE_DATABASE_URL", migrated_engine.url.render_as_string(hide_password=False)
    )
    monkeypatch.setenv("ADE_STORAGE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("ADE_REDIS_URL", "redis://127.0.0.1:9/0")  # nothing should need it
    monkeypatch.setenv("ADE_SANDBOX_DIR", str(sandbox_root))  # the session's, not /var/lib
    monkeypatch.setenv("ADE_SANDBOX_MEMORY_MB", "600")
    monkeypatch.setenv("ADE_SANDBOX_TIMEOUT_SECONDS", "60")
    monkeypatch.setenv("ADE_JOB_HEARTBEAT_SECONDS", "0.5")
    monkeypatch.setenv("ADE_JOB_STALE_SECONDS", "30")
    reset_runtime()
    yield
    reset_runtime()


def _job(sessions: sessionmaker[Session], job_id: str) -> Job:
    with sessions() as session:
        return session.get_one(Job, job_id)


def _types(sessions: sessionmaker[Session], job_id: str) -> list[str]:
    with sessions() as session:
        return [e.type for e in job_events(session, job_id)]


def _line_of(files: dict[str, bytes], text: str) -> int:
    lines = files[EXAMPLE_COLUMN].decode().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def assert_good_job_succeeds(
    sessions: sessionmaker[Session], blobs: LocalBlobStore, data_dir: Path
) -> None:
    job_id = seed_job(sessions, blobs).job_id
    run_job(job_id)
    job = _job(sessions, job_id)
    assert job.status == "succeeded", job.error
    assert job.attempts == 1
    assert job.metrics is not None
    assert job.metrics["rows_processed"] == 5
    assert job.output_path is not None
    assert job.artifact_path is not None
    output = data_dir / job.output_path
    assert output.is_file()
    artifact = json.loads((data_dir / job.artifact_path).read_text())
    # The name it was uploaded as, not the staged file's storage name (input/source.csv).
    assert artifact["input"]["name"] == "members.csv"
    sheet = openpyxl.load_workbook(output).worksheets[0]
    assert sheet.max_row == 6  # header and five members
    types = _types(sessions, job_id)
    assert types[:3] == ["job.queued", "job.started", "run.started"]
    assert "pass.completed" in types
    assert "table.detected" in types
    assert types[-2:] == ["run.completed", "job.succeeded"]
    with sessions() as session:
        events = job_events(session, job_id)
    # The run names the upload and the config as their users know them (seed_job's config
    # is "roster"), not the folders they were staged in.
    assert (events[2].payload["input"], events[2].payload["config"]) == ("members.csv", "roster")
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    engine_seqs = [e.payload["seq"] for e in events[2:-1]]
    assert engine_seqs == list(range(1, len(engine_seqs) + 1))


def test_a_good_job_succeeds(
    job_env: None, sessions: sessionmaker[Session], blobs: LocalBlobStore, data_dir: Path
) -> None:
    assert_good_job_succeeds(sessions, blobs, data_dir)


def test_a_config_that_raises_fails_with_file_and_line(
    job_env: None, sessions: sessionmaker[Session], blobs: LocalBlobStore, data_dir: Path
) -> None:
    files = example_config('raise ValueError("no such member")')
    job_id = seed_job(sessions, blobs, files=files).job_id
    run_job(job_id)
    job = _job(sessions, job_id)
    assert job.status == "failed"
    assert job.error is not None
    assert job.error["type"] == "config_code"
    assert "no such member" in job.error["message"]
    assert job.error["file"] == EXAMPLE_COLUMN
    assert job.error["line"] == _line_of(files, "no such member")
    assert job.artifact_path == f"jobs/{job_id}/output/artifact.json"
    assert job.output_path is None
    assert _types(sessions, job_id)[-1] == "job.failed"
    assert_good_job_succeeds(sessions, blobs, data_dir)


def test_without_its_jail_a_job_fails_closed(
    job_env: None,
    sessions: sessionmaker[Session],
    blobs: LocalBlobStore,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ADE_SANDBOX_USER", "ade-no-such-user")
    reset_runtime()
    job_id = seed_job(sessions, blobs).job_id
    run_job(job_id)
    job = _job(sessions, job_id)
    assert job.status == "failed"
    assert job.error is not None
    assert job.error["type"] == "SandboxUnavailable"
    assert "'ade-no-such-user' does not exist" in job.error["message"]
    assert job.attempts == 1  # not retried: nothing changes until an operator acts
    assert "run.started" not in _types(sessions, job_id)  # config code never ran
    assert not (data_dir / "jobs" / job_id).exists()  # nor was its folder made


def test_a_config_that_sleeps_past_the_limit_times_out(
    job_env: None,
    sessions: sessionmaker[Session],
    blobs: LocalBlobStore,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ADE_SANDBOX_TIMEOUT_SECONDS", "3")
    reset_runtime()
    job_id = seed_job(sessions, blobs, files=example_config("time.sleep(60)")).job_id
    started = time.monotonic()
    run_job(job_id)
    assert time.monotonic() - started < 15
    job = _job(sessions, job_id)
    assert job.status == "failed"
    assert job.error == {
        "type": "TimeoutError",
        "message": "the run took longer than 3 s and was stopped",
    }
    assert job.attempts == 1  # not retried
    assert_good_job_succeeds(sessions, blobs, data_dir)


def test_a_config_that_hoards_memory_fails_with_a_memory_error(
    job_env: None, sessions: sessionmaker[Session], blobs: LocalBlobStore, data_dir: Path
) -> None:
    files = example_config("hoard = bytearray(2 * 1024 ** 3)")
    job_id = seed_job(sessions, blobs, files=files).job_id
    run_job(job_id)
    job = _job(sessions, job_id)
    assert job.status == "failed"
    assert job.error is not None
    assert job.error["exception"] == "MemoryError"
    assert "memory limit is 600 MB" in job.error["message"]
    assert job.attempts == 1
    assert_good_job_succeeds(sessions, blobs, data_dir)


def test_a_config_that_calls_os_exit_fails(
    job_env: None, sessions: sessionmaker[Session], blobs: LocalBlobStore, data_dir: Path
) -> None:
    job_id = seed_job(sessions, blobs, files=example_config("os._exit(3)")).job_id
    run_job(job_id)
    job = _job(sessions, job_id)
    assert job.status == "failed"
    assert job.error is not None
    assert job.error["type"] == "Crashed"
    assert "exited unexpectedly with code 3" in job.error["message"]
    assert job.attempts == 1
    assert_good_job_succeeds(sessions, blobs, data_dir)


@dataclass
class Later:
    """A change made to a running job from another thread; `done_at` is when it committed."""

    thread: threading.Thread
    done_at: float | None = None


def _set_later(
    sessions: sessionmaker[Session], job_id: str, when: float, **values: object
) -> Later:
    def act() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if _job(sessions, job_id).status == "running" and time.monotonic() >= when:
                with sessions() as session:
                    session.execute(update(Job).where(Job.id == job_id).values(**values))
                    session.commit()
                later.done_at = time.monotonic()
                return
            time.sleep(0.05)

    later = Later(threading.Thread(target=act, daemon=True))
    later.thread.start()
    return later


def test_cancel_request_stops_the_run_within_a_second(
    job_env: None, sessions: sessionmaker[Session], blobs: LocalBlobStore
) -> None:
    job_id = seed_job(sessions, blobs, files=example_config("time.sleep(60)")).job_id
    canceller = _set_later(sessions, job_id, time.monotonic() + 2.0, cancel_requested_at=utcnow())
    run_job(job_id)
    ended = time.monotonic()
    canceller.thread.join(5)
    # From the moment the request was committed (not when it was scheduled: a loaded machine
    # delays the canceller too); the run itself would take 60 s.
    assert canceller.done_at is not None
    assert ended - canceller.done_at < 2.0
    job = _job(sessions, job_id)
    assert job.status == "cancelled"
    types = _types(sessions, job_id)
    assert types[-1] == "job.cancelled"
    assert "run.started" in types  # relayed before it was stopped


def test_heartbeats_advance_while_the_run_lasts(
    job_env: None, sessions: sessionmaker[Session], blobs: LocalBlobStore
) -> None:
    job_id = seed_job(sessions, blobs, files=example_config("time.sleep(2.5)")).job_id
    seen: list[object] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            job = _job(sessions, job_id)
            if job.status == "running":
                seen.append(job.heartbeat_at)
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    run_job(job_id)
    stop.set()
    watcher.join(5)
    assert _job(sessions, job_id).status == "succeeded"
    assert len(set(seen)) >= 3  # refreshed every 0.5 s


def test_a_run_that_is_no_longer_ours_is_stopped_and_not_recorded(
    job_env: None, sessions: sessionmaker[Session], blobs: LocalBlobStore
) -> None:
    job_id = seed_job(sessions, blobs, files=example_config("time.sleep(60)")).job_id
    # The reconciler decided this worker was lost and gave the job to someone else.
    taker = _set_later(
        sessions, job_id, time.monotonic() + 1.5, worker_id="elsewhere:1", attempts=2
    )
    started = time.monotonic()
    run_job(job_id)
    taker.thread.join(5)
    assert time.monotonic() - started < 10
    job = _job(sessions, job_id)
    assert (job.status, job.worker_id, job.attempts) == ("running", "elsewhere:1", 2)
    assert "job.cancelled" not in _types(sessions, job_id)


def test_an_unexpected_error_fails_the_job_as_a_worker_error(
    job_env: None,
    sessions: sessionmaker[Session],
    blobs: LocalBlobStore,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire: /secret/path")

    monkeypatch.setattr(tasks, "run_engine", broken)
    job_id = seed_job(sessions, blobs).job_id
    run_job(job_id)
    job = _job(sessions, job_id)
    assert job.status == "failed"
    assert job.error == {"type": "WorkerError", "message": tasks.WORKER_ERROR_MESSAGE}
    assert "disk on fire" in caplog.text  # the traceback is in the worker's log, not the job


def test_a_refused_requirements_file_fails_the_job(
    job_env: None, sessions: sessionmaker[Session], blobs: LocalBlobStore
) -> None:
    # A version stored before the API refused such files (or written to the database by
    # other means): the worker applies the same rules and installs nothing.
    requirements = b"--index-url http://127.0.0.1:9/simple\nade-not-a-package==1\n"
    files = example_config(extra={"requirements.txt": requirements})
    job_id = seed_job(sessions, blobs, files=files).job_id
    run_job(job_id)
    job = _job(sessions, job_id)
    assert job.status == "failed"
    assert job.error is not None
    assert job.error["type"] == "RequirementsError"
    assert "line 1: '--index-url' is an option" in job.error["message"]
    assert job.attempts == 1


def test_a_job_that_is_not_queued_is_left_alone(
    job_env: None, sessions: sessionmaker[Session], blobs: LocalBlobStore
) -> None:
    job_id = seed_job(sessions, blobs).job_id
    with sessions() as session:
        session.execute(update(Job).where(Job.id == job_id).values(status="cancelled"))
        session.commit()
    run_job(job_id)
    assert _job(sessions, job_id).status == "cancelled"
    assert _types(sessions, job_id) == ["job.queued"]


def test_a_small_job_costs_two_commits_and_no_heartbeat_query(
    job_env: None,
    sessions: sessionmaker[Session],
    blobs: LocalBlobStore,
    monkeypatch: pytest.MonkeyPatch,
    migrated_engine: Engine,
) -> None:
    # The claim (with job.started) and the record (with every engine event of a run shorter
    # than the relay's interval, and the outcome): the heartbeat thread writes nothing yet.
    monkeypatch.setenv("ADE_JOB_HEARTBEAT_SECONDS", "30")
    monkeypatch.setenv("ADE_JOB_STALE_SECONDS", "120")
    reset_runtime()
    real = sandbox.run_engine

    def quiet_relay(job_dir: Path, **kwargs: Any) -> Any:
        relay = kwargs["on_event"]
        result = real(job_dir, **kwargs)
        assert relay.written == 0  # nothing flushed during the run: all left for the record
        return result

    monkeypatch.setattr(tasks, "run_engine", quiet_relay)
    monkeypatch.setattr(tasks, "EVENT_FLUSH_SECONDS", 60.0)
    monkeypatch.setattr(tasks, "CANCEL_POLL_SECONDS", 60.0)
    job_id = seed_job(sessions, blobs).job_id
    statements: list[str] = []
    commits: list[int] = []

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    def on_commit(conn: Any) -> None:
        commits.append(1)

    event.listen(Engine, "before_cursor_execute", on_execute)
    event.listen(Engine, "commit", on_commit)
    try:
        run_job(job_id)
    finally:
        event.remove(Engine, "before_cursor_execute", on_execute)
        event.remove(Engine, "commit", on_commit)
    assert _job(sessions, job_id).status == "succeeded"
    assert len(commits) == 2
    polls = [s for s in statements if s.lstrip().startswith("SELECT jobs.cancel_requested_at")]
    assert polls == []
    types = _types(sessions, job_id)
    assert types[:3] == ["job.queued", "job.started", "run.started"]
    assert types[-2:] == ["run.completed", "job.succeeded"]
    seqs = [e.seq for e in _events(sessions, job_id)]
    assert seqs == list(range(1, len(seqs) + 1))


def test_events_relayed_before_an_unexpected_error_are_kept_before_the_failure(
    job_env: None,
    sessions: sessionmaker[Session],
    blobs: LocalBlobStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def crashes_after_events(job_dir: Path, **kwargs: Any) -> None:
        kwargs["on_event"]({"ts": "t", "seq": 1, "event": "run.started"})
        raise RuntimeError("the worker broke mid-run")

    monkeypatch.setattr(tasks, "run_engine", crashes_after_events)
    job_id = seed_job(sessions, blobs).job_id
    run_job(job_id)
    assert _job(sessions, job_id).status == "failed"
    assert _types(sessions, job_id) == ["job.queued", "job.started", "run.started", "job.failed"]


def test_inside_the_worker_a_retried_job_is_left_for_the_worker_to_enqueue(
    job_env: None,
    sessions: sessionmaker[Session],
    blobs: LocalBlobStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def killed(job_dir: Path, **kwargs: Any) -> SandboxOutcome:
        error = {"type": "Crashed", "message": "killed by signal SIGKILL"}
        return SandboxOutcome("failed", None, 1, error, True, "")

    monkeypatch.setattr(tasks, "run_engine", killed)
    monkeypatch.setattr(tasks, "_deferred_requeues", None)
    tasks.defer_requeues()
    job_id = seed_job(sessions, blobs).job_id
    run_job(job_id)  # ADE_REDIS_URL points nowhere: enqueueing here would fail
    assert _job(sessions, job_id).status == "queued"
    assert tasks.take_requeues() == [job_id]
    assert tasks.take_requeues() == []


def _events(sessions: sessionmaker[Session], job_id: str) -> list[JobEvent]:
    with sessions() as session:
        return job_events(session, job_id)
