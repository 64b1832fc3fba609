"""A worker runs only the jobs ADE enqueued: a record written by anyone else who reached Redis
(another function, other arguments, a pickled payload, an unreadable record) is removed
unrun, and the ADE job behind it still runs."""

from __future__ import annotations

import json
import logging
import os
import pickle
import socket
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from rq import Queue
from rq.webhook import Webhook
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ade_db.models import Job
from ade_db.types import new_id
from ade_storage import LocalBlobStore
from ade_worker.embedded_redis import EmbeddedRedis
from ade_worker.queue import (
    JOB_FUNCTION,
    AdeJob,
    ForeignJobError,
    ade_queue,
    connect,
    enqueue_job,
)
from ade_worker.settings import WorkerSettings
from ade_worker.tasks import reset_runtime
from ade_worker.testing import seed_job
from ade_worker.worker import build_worker
from redis import Redis

pytestmark = pytest.mark.redis


class PickleBomb:
    """Unpickling this runs a shell command: what a crafted RQ payload does to pickle."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (self.command,))


@pytest.fixture
def queue_name() -> str:
    return f"foreign-{new_id().lower()}"


@pytest.fixture
def redis(real_redis: EmbeddedRedis) -> Iterator[Redis]:
    connection = connect(real_redis.url)
    yield connection
    connection.close()


@pytest.fixture
def worker_env(
    monkeypatch: pytest.MonkeyPatch,
    migrated_engine: Engine,
    data_dir: Path,
    real_redis: EmbeddedRedis,
    queue_name: str,
) -> Iterator[WorkerSettings]:
    """The environment a worker reads its settings from."""
    monkeypatch.setenv(
        "ADE_DATABASE_URL", migrated_engine.url.render_as_string(hide_password=False)
    )
    monkeypatch.setenv("ADE_STORAGE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("ADE_REDIS_URL", real_redis.url)
    monkeypatch.setenv("ADE_QUEUE_NAME", queue_name)
    monkeypatch.setenv("ADE_SANDBOX_TIMEOUT_SECONDS", "60")
    reset_runtime()
    yield WorkerSettings(_env_file=None)
    reset_runtime()


def raw_job(redis: Redis, queue_name: str, job_id: str, **fields: bytes) -> None:
    """A job record written straight into Redis, as someone who knows RQ's key format would,
    and its id pushed on the queue."""
    record = {
        "status": b"queued",
        "origin": queue_name.encode(),
        "created_at": b"2024-01-01T00:00:00.000000Z",
        **fields,
    }
    for field, value in record.items():
        redis.hset(f"rq:job:{job_id}", field, value)
    redis.rpush(f"rq:queue:{queue_name}", job_id)


def test_only_ade_s_function_runs_and_the_ade_job_after_the_others_completes(
    redis: Redis,
    worker_env: WorkerSettings,
    sessions: sessionmaker[Session],
    blobs: LocalBlobStore,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    name = worker_env.queue_name
    markers = tmp_path / "markers"
    markers.mkdir()

    def touch(marker: str) -> str:
        return f"touch {markers / marker}"

    # RQ's own API, with its default (pickle) serializer, and with ADE's JSON one.
    pickled = Queue(name, connection=redis).enqueue("os.system", touch("rq-pickle"))
    plain = ade_queue(redis, name).enqueue("os.system", touch("rq-json"))
    evaluated = ade_queue(redis, name).enqueue("builtins.eval", "print('x')")
    # ADE's own function, but aimed at another id, or with more arguments.
    other_id = ade_queue(redis, name).enqueue(JOB_FUNCTION, "01ARZ3NDEKTSV4RRFFQ69G5FAV")
    extra = ade_queue(redis, name).enqueue(JOB_FUNCTION, "x", mode="fast")
    # Raw records: payload and meta that run code when unpickled, and a record RQ cannot read.
    bomb_id, unreadable_id = f"bomb-{new_id()}", f"bad-{new_id()}"
    raw_job(
        redis,
        name,
        bomb_id,
        data=zlib.compress(pickle.dumps(PickleBomb(touch("unpickled-data")))),
        meta=pickle.dumps(PickleBomb(touch("unpickled-meta"))),
    )
    raw_job(redis, name, unreadable_id, data=b"[]", status=b"no-such-status")
    refused = [pickled.id, plain.id, evaluated.id, other_id.id, extra.id, bomb_id, unreadable_id]

    seeded = seed_job(sessions, blobs).job_id
    enqueue_job(redis, seeded, queue_name=name)

    with caplog.at_level(logging.WARNING, logger="ade_worker.worker"):
        assert build_worker(worker_env, redis).work(burst=True) is True

    assert sorted(p.name for p in markers.iterdir()) == []  # nothing of theirs ran
    with sessions() as session:
        job = session.get_one(Job, seeded)
        assert job.status == "succeeded", job.error
    warned = " ".join(r.getMessage() for r in caplog.records if "refused RQ job" in r.message)
    for job_id in refused:
        assert repr(job_id) in warned
        assert not redis.exists(f"rq:job:{job_id}"), f"{job_id} was left in Redis"
    assert "os.system" in warned
    assert redis.llen(f"rq:queue:{name}") == 0
    assert redis.llen(ade_queue(redis, name).intermediate_queue_key) == 0


def test_an_unreadable_record_in_rq_s_registries_does_not_stop_the_worker(
    redis: Redis, queue_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = WorkerSettings(_env_file=None, queue_name=queue_name)
    # A "started" job whose run expired long ago: RQ's clean-up reads its record, and fails.
    bad = f"bad-{new_id()}"
    redis.hset(
        f"rq:job:{bad}", mapping={"data": "[]", "status": "started", "created_at": "not a date"}
    )
    redis.zadd(f"rq:wip:{queue_name}", {f"{bad}:execution": 1})
    stranger = ade_queue(redis, queue_name).enqueue("builtins.len", "abcd")
    with caplog.at_level(logging.WARNING, logger="ade_worker.worker"):
        # RQ alone would quit before taking any job, and return False.
        assert build_worker(settings, redis).work(burst=True) is True
    assert "registry clean-up failed" in caplog.text
    assert f"refused RQ job {stranger.id!r}" in caplog.text
    assert redis.llen(f"rq:queue:{queue_name}") == 0


def test_ade_enqueues_json_naming_its_function_and_the_job_id(redis: Redis) -> None:
    name = f"json-{new_id().lower()}"
    job_id = new_id()
    enqueue_job(redis, job_id, queue_name=name)
    raw = redis.hget(f"rq:job:{job_id}", "data")
    assert isinstance(raw, bytes)
    assert json.loads(zlib.decompress(raw)) == [JOB_FUNCTION, None, [job_id], {}]


def test_a_foreign_job_cannot_be_performed_even_past_the_worker(
    redis: Redis, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    job = ade_queue(redis, f"perform-{new_id().lower()}").enqueue("os.system", f"touch {marker}")
    fetched = AdeJob.fetch(job.id, connection=redis, serializer=job.serializer)
    with pytest.raises(ForeignJobError, match=r"os\.system"):
        fetched.perform()
    assert not marker.exists()


def test_callbacks_and_webhooks_a_record_names_are_ignored(redis: Redis) -> None:
    name = f"hooks-{new_id().lower()}"
    job_id = new_id()
    enqueue_job(redis, job_id, queue_name=name)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.5)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
        hook = Webhook(url, "finished")
        redis.hset(
            f"rq:job:{job_id}",
            mapping={
                "success_callback_name": "os.system",
                "failure_callback_name": "os.system",
                "stopped_callback_name": "os.system",
                "webhooks": json.dumps([hook.to_dict()]),
            },
        )
        job = ade_queue(redis, name).fetch_job(job_id)
        assert isinstance(job, AdeJob)
        assert job.webhooks  # RQ read them...
        assert job.success_callback is None  # ...but nothing named is ever called
        assert job.failure_callback is None
        assert job.stopped_callback is None
        job.send_webhooks("finished")
        with pytest.raises(TimeoutError):
            listener.accept()  # no request was made
