"""`ade start` runs the API and a worker together and stops both cleanly on Ctrl-C."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from rq import Worker
from rq.worker import BaseWorker

from ade_worker.embedded_redis import EmbeddedRedis, free_port
from redis import Redis

pytestmark = pytest.mark.e2e


def _start(env: dict[str, str], cwd: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ade_cli", "start", "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_ready(
    port: int, process: subprocess.Popen[str], timeout: float = 60
) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"ade start exited early ({process.returncode}): {out}\n{err}")
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2)
            if response.status_code == 200:
                body: dict[str, object] = response.json()
                return body
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    pytest.fail("ade start did not become ready in time")


def _wait_for(predicate: object, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _interrupt_and_wait(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"ade start did not stop on SIGINT: {out}\n{err}")
    return process.returncode, out, err


@pytest.mark.redis
def test_start_serves_api_and_worker_and_stops_cleanly(
    ade_env: dict[str, str], tmp_path: Path, real_redis: EmbeddedRedis
) -> None:
    port = free_port()
    queue = f"start-{port}"
    env = {**ade_env, "ADE_REDIS_URL": real_redis.url, "ADE_QUEUE_NAME": queue}
    process = _start(env, tmp_path, port)
    body = _wait_ready(port, process)
    assert body["status"] == "ready"

    redis = Redis.from_url(real_redis.url)
    try:

        def workers_on_queue() -> list[BaseWorker]:
            return [w for w in Worker.all(connection=redis) if queue in w.queue_names()]

        assert _wait_for(lambda: len(workers_on_queue()) == 1), "the worker never registered"
        assert (tmp_path / "data" / "db" / "ade.sqlite").exists()

        code, out, err = _interrupt_and_wait(process)
        assert code == 0, err
        assert "ADE is starting" in out
        assert "auth/login" in out
        assert "ADE stopped." in out
        assert not _listening(port)
        assert _wait_for(lambda: workers_on_queue() == [], timeout=10)
    finally:
        redis.close()


def test_start_with_no_redis_configured_runs_its_own(
    ade_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    process = _start(ade_env, tmp_path, port)
    _wait_ready(port, process)
    code, out, err = _interrupt_and_wait(process)
    assert code == 0, err
    assert "Redis: redis-server" in out or "Redis: in-process" in out
    assert not _listening(port)


def test_start_fails_clearly_when_the_api_cannot_start(
    ade_env: dict[str, str], tmp_path: Path
) -> None:
    # Something else already holds the port: the API exits, and so does `ade start`.
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = int(blocker.getsockname()[1])
        process = _start(ade_env, tmp_path, port)
        try:
            _out, err = process.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail("ade start kept running although its API could not start")
    assert process.returncode == 1
    assert "ade start: the api exited unexpectedly" in err
