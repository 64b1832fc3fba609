"""A job id put on ADE's queue is taken and run by an ADE worker."""

from __future__ import annotations

import pytest
from rq.job import JobStatus

from ade_worker.embedded_redis import EmbeddedRedis
from ade_worker.queue import connect, job_queue
from ade_worker.settings import DEFAULT_REDIS_URL, WorkerSettings
from ade_worker.worker import build_worker
from redis import Redis


def _round_trip(connection: Redis, settings: WorkerSettings) -> None:
    queue = job_queue(connection, settings)
    job = queue.enqueue("builtins.len", "abcd")
    worker = build_worker(settings, connection)
    assert worker.work(burst=True) is True
    job.refresh()  # type: ignore[no-untyped-call]
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == 4
    assert queue.count == 0


@pytest.mark.redis
def test_worker_runs_a_queued_job_on_a_real_redis_server(real_redis: EmbeddedRedis) -> None:
    settings = WorkerSettings(queue_name="real", _env_file=None)
    connection = connect(real_redis.url)
    try:
        assert real_redis.kind == "redis-server"
        assert connection.info("server")["redis_version"]
        _round_trip(connection, settings)
    finally:
        connection.close()


def test_redis_url_defaults_to_this_machine_and_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ADE_REDIS_URL", raising=False)
    assert WorkerSettings(_env_file=None).redis_dsn == DEFAULT_REDIS_URL
    monkeypatch.setenv("ADE_REDIS_URL", "redis://:hunter2@cache:6380/3")
    settings = WorkerSettings(_env_file=None)
    assert settings.redis_dsn == "redis://:hunter2@cache:6380/3"
    assert "hunter2" not in repr(settings)
