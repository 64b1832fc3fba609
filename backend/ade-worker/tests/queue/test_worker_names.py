"""`ade worker start --name N` after a crash: a name left by a dead worker on this machine is
reused; a name a live worker (or one on another machine) holds is a clear error."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
from rq import Worker

from ade_db.types import new_id
from ade_worker.embedded_redis import EmbeddedRedis
from ade_worker.queue import connect, job_queue
from ade_worker.settings import WorkerSettings
from ade_worker.worker import WORKER_TTL_SECONDS, WorkerNameTakenError, build_worker
from redis import Redis

pytestmark = pytest.mark.redis


@pytest.fixture
def connection(real_redis: EmbeddedRedis) -> Iterator[Redis]:
    redis = connect(real_redis.url)
    yield redis
    redis.close()


def dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def registered(connection: Redis, name: str, **fields: object) -> None:
    """A worker registration as a worker that was killed would leave it."""
    settings = WorkerSettings(queue_name=f"names-{name}", _env_file=None)
    worker = Worker([job_queue(connection, settings)], connection=connection, name=name)
    worker.register_birth()  # type: ignore[no-untyped-call]
    if fields:
        connection.hset(worker.key, mapping={k: str(v) for k, v in fields.items()})


def settings_named(name: str) -> WorkerSettings:
    return WorkerSettings(queue_name=f"names-{name}", worker_name=name, _env_file=None)


def test_a_name_left_by_a_dead_worker_here_is_reused(connection: Redis) -> None:
    name = f"w-{new_id().lower()}"
    registered(connection, name, pid=dead_pid())
    settings = settings_named(name)
    # Not ADE's function: taken off the queue and refused, which runs nothing here.
    job_queue(connection, settings).enqueue("builtins.len", "abcd")
    worker = build_worker(settings, connection)
    assert worker.name == name
    assert worker.work(burst=True) is True  # registered under the name and took the job


def test_a_name_a_live_worker_holds_is_refused(connection: Redis) -> None:
    name = f"w-{new_id().lower()}"
    registered(connection, name)  # this test process: alive
    with pytest.raises(WorkerNameTakenError, match=f"a worker named '{name}' is already"):
        build_worker(settings_named(name), connection)
    # The live registration is untouched.
    assert Worker.find_by_key(Worker.redis_worker_namespace_prefix + name, connection)


def test_a_name_held_on_another_machine_is_refused(connection: Redis) -> None:
    name = f"w-{new_id().lower()}"
    registered(connection, name, pid=dead_pid(), hostname="another-host")
    with pytest.raises(WorkerNameTakenError, match="host another-host"):
        build_worker(settings_named(name), connection)


def test_a_free_name_is_used_as_given(connection: Redis) -> None:
    name = f"w-{new_id().lower()}"
    assert build_worker(settings_named(name), connection).name == name


def test_a_registration_expires_soon_after_the_last_heartbeat(connection: Redis) -> None:
    """A killed worker leaves `ade_workers` (and frees its name everywhere) within two
    minutes, not RQ's default of eight."""
    worker = build_worker(settings_named(f"w-{new_id().lower()}"), connection)
    assert worker.worker_ttl == WORKER_TTL_SECONDS
    worker.register_birth()  # type: ignore[no-untyped-call]
    try:
        assert 0 < connection.ttl(worker.key) <= WORKER_TTL_SECONDS + 60
    finally:
        worker.register_death()  # type: ignore[no-untyped-call]
