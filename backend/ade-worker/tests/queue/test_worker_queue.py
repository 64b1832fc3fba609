"""ADE's queue on a real redis-server; the Redis URL is a secret."""

from __future__ import annotations

import pytest

from ade_worker.embedded_redis import EmbeddedRedis
from ade_worker.queue import connect, job_queue
from ade_worker.settings import DEFAULT_REDIS_URL, WorkerSettings
from ade_worker.worker import build_worker


@pytest.mark.redis
def test_a_worker_takes_jobs_off_the_queue_and_runs_no_stranger_s_function(
    real_redis: EmbeddedRedis,
) -> None:
    settings = WorkerSettings(queue_name="real", _env_file=None)
    connection = connect(real_redis.url)
    try:
        assert real_redis.kind == "redis-server"
        assert connection.info("server")["redis_version"]
        queue = job_queue(connection, settings)
        job = queue.enqueue("builtins.len", "abcd")
        assert build_worker(settings, connection).work(burst=True) is True
        assert queue.count == 0
        # Taken, refused and removed: RQ never ran it, so it has no result, not even a failure.
        assert not connection.exists(job.key)
        assert job.latest_result() is None
    finally:
        connection.close()


def test_a_connection_s_repr_does_not_show_the_password() -> None:
    connection = connect("redis://:hunter2@127.0.0.1:6390/0")
    assert "hunter2" not in repr(connection)
    assert "hunter2" not in repr(connection.connection_pool)


def test_redis_url_defaults_to_this_machine_and_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ADE_REDIS_URL", raising=False)
    assert WorkerSettings(_env_file=None).redis_dsn == DEFAULT_REDIS_URL
    monkeypatch.setenv("ADE_REDIS_URL", "redis://:hunter2@cache:6380/3")
    settings = WorkerSettings(_env_file=None)
    assert settings.redis_dsn == "redis://:hunter2@cache:6380/3"
    assert "hunter2" not in repr(settings)
