"""`ade start` runs the API and a worker together and stops both cleanly on Ctrl-C; a worker
that dies is started again while the API keeps serving; the Redis it starts keeps its
password to itself."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx
import pytest
from rq import Worker
from rq.worker import BaseWorker

from ade_db import create_db_engine, create_session_factory
from ade_db.models import Job
from ade_storage import LocalBlobStore
from ade_worker.embedded_redis import EmbeddedRedis, find_redis_server, free_port
from ade_worker.queue import enqueue_job
from ade_worker.testing import seed_job
from redis import Redis

pytestmark = pytest.mark.e2e


def _start(
    env: dict[str, str], cwd: Path, port: int, log: IO[str] | None = None
) -> subprocess.Popen[str]:
    """`ade start` on `port`; its output piped, or into `log` (for long runs that log more
    than a pipe holds while nobody reads it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "ade_cli", "start", "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=log or subprocess.PIPE,
        stderr=log or subprocess.PIPE,
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
        assert f"web app and API http://127.0.0.1:{port}" in out
        assert f"open http://127.0.0.1:{port}/setup and use setup token " in out
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


def test_the_printed_setup_token_opens_first_run_setup_once(
    ade_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    log_path = tmp_path / "start.log"
    with log_path.open("w") as log:
        process = _start(ade_env, tmp_path, port, log)
        try:
            _wait_ready(port, process)
            found = re.search(r"/setup and use setup token (\S+)", log_path.read_text())
            assert found, log_path.read_text()
            token = found.group(1)
            api = f"http://127.0.0.1:{port}/api/v1"
            assert httpx.get(f"{api}/setup").json() == {"needed": True}
            first = {"email": "first@example.org", "password": "a-long-password"}
            wrong = httpx.post(f"{api}/setup", json={**first, "token": token + "x"})
            assert wrong.status_code == 403
            done = httpx.post(f"{api}/setup", json={**first, "token": token})
            assert done.status_code == 201, done.text
            assert done.json()["user"]["is_admin"] is True
            again = httpx.post(f"{api}/setup", json={**first, "token": token})
            assert again.status_code == 409
            assert httpx.get(f"{api}/setup").json() == {"needed": False}
        finally:
            code, _, err = _interrupt_and_wait(process)
    assert code == 0, err
    # Only `ade start` printed it (its API child was handed it, and did not make another).
    assert log_path.read_text().count("use setup token") == 1


def test_start_fails_clearly_when_the_api_cannot_start(
    ade_env: dict[str, str], tmp_path: Path
) -> None:
    # The API cannot bind an address this machine does not have (TEST-NET-1): it exits, and
    # so does `ade start`.
    env = ade_env | {"ADE_API_HOST": "192.0.2.1"}
    process = _start(env, tmp_path, free_port())
    try:
        _out, err = process.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("ade start kept running although its API could not start")
    assert process.returncode == 1
    assert "ade start: the api exited unexpectedly" in err


def test_start_on_a_port_in_use_says_so_before_starting_anything(
    ade_env: dict[str, str], tmp_path: Path
) -> None:
    # Another ADE (or anything) listens on the port: one line saying what to do, no data dir,
    # no setup token, no worker started and stopped again.
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = int(blocker.getsockname()[1])
        process = _start(ade_env, tmp_path, port)
        try:
            out, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail("ade start kept running although its port is in use")
    assert process.returncode == 1
    assert err.strip().splitlines()[-1] == (
        f"ade: error: port {port} on 127.0.0.1 is already in use (another `ade start`?): stop "
        f"what holds it, or start on another port: `ade start --port {port + 1}` "
        f"(`./scripts/start --port {port + 1}`)"
    )
    assert "setup token" not in out
    assert not (tmp_path / "data").exists()


def _children(pid: int) -> dict[int, str]:
    """The processes whose parent is `pid`, with their command lines."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            found[int(stat.parent.name)] = cmdline
    return found


def _child(pid: int, word: str) -> int:
    (found,) = [child for child, cmdline in _children(pid).items() if word in cmdline]
    return found


@pytest.mark.redis
def test_a_killed_worker_is_started_again_while_the_api_keeps_serving(
    ade_env: dict[str, str], tmp_path: Path, real_redis: EmbeddedRedis
) -> None:
    port = free_port()
    queue = f"restart-{port}"
    env = {**ade_env, "ADE_REDIS_URL": real_redis.url, "ADE_QUEUE_NAME": queue}
    log_path = tmp_path / "ade-start.log"
    with log_path.open("w") as log:
        process = _start(env, tmp_path, port, log)
        _wait_ready(port, process)
        redis = Redis.from_url(real_redis.url)
        try:

            def live_workers() -> set[int]:
                return {
                    w.pid
                    for w in Worker.all(connection=redis)
                    if queue in w.queue_names() and w.pid and Path(f"/proc/{w.pid}").exists()
                }

            assert _wait_for(lambda: len(live_workers()) == 1), "the worker never registered"
            (first,) = live_workers()
            assert first == _child(process.pid, "worker start")
            os.kill(first, signal.SIGKILL)

            def api_up() -> bool:
                return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200

            assert _wait_for(lambda: not Path(f"/proc/{first}").exists(), timeout=10)
            assert api_up()  # the API did not go down with the worker
            assert _wait_for(lambda: len(live_workers() - {first}) == 1), log_path.read_text()
            assert process.poll() is None
            assert api_up()

            # The new worker runs jobs.
            data = tmp_path / "data"
            engine = create_db_engine(f"sqlite:///{data / 'db' / 'ade.sqlite'}")
            sessions = create_session_factory(engine)
            job_id = seed_job(sessions, LocalBlobStore(data)).job_id
            enqueue_job(redis, job_id, queue_name=queue)

            def finished() -> bool:
                with sessions() as session:
                    return session.get_one(Job, job_id).status in {"succeeded", "failed"}

            assert _wait_for(finished, timeout=90), log_path.read_text()
            with sessions() as session:
                assert session.get_one(Job, job_id).status == "succeeded"
            engine.dispose()
        finally:
            redis.close()
        code, _out, _err = _interrupt_and_wait(process)
    output = log_path.read_text()
    assert code == 0, output
    assert "the worker exited (signal SIGKILL); restarting it in 1 s" in output
    assert "the worker started again" in output
    assert "ADE stopped." in output


def test_the_embedded_redis_password_is_shown_nowhere_and_its_death_stops_all(
    ade_env: dict[str, str], tmp_path: Path
) -> None:
    if find_redis_server() is None:
        pytest.skip("no redis-server: `ade start` uses the in-process Redis")
    port = free_port()
    process = _start(ade_env, tmp_path, port)
    _wait_ready(port, process)
    api = _child(process.pid, "api serve")
    environ = Path(f"/proc/{api}/environ").read_bytes().split(b"\0")
    (url,) = [v.split(b"=", 1)[1].decode() for v in environ if v.startswith(b"ADE_REDIS_URL=")]
    password = Redis.from_url(url).get_connection_kwargs()["password"]
    assert password, "the embedded Redis has no password"
    base = f"http://127.0.0.1:{port}"
    for path in ("/ready", "/metrics"):
        answer = httpx.get(base + path, timeout=5)
        assert answer.status_code == 200
        assert password not in answer.text, path
    # On no command line on this machine (anyone can read them).
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            assert password.encode() not in cmdline.read_bytes(), cmdline

    os.kill(_child(process.pid, "redis-server"), signal.SIGKILL)
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"ade start kept running without its Redis: {out}\n{err}")
    assert process.returncode == 1
    assert "ade start: the redis exited unexpectedly (signal SIGKILL)" in err
    assert not _listening(port)
    assert password not in out + err
