"""Graceful shutdown of `ade api serve`: SIGTERM while a slow request is in flight lets that
request finish with its full answer, then the process exits cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ade_worker.embedded_redis import EmbeddedRedis, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.timeout(180)]

EMAIL = "shutdown@example.org"
PASSWORD = "shutdown-password-123"
#: Appended to the draft's columns/email.py: importing the module takes 1.5 s, so a plan (which
#: imports every module in the sandbox) is in flight long enough to be interrupted.
SLOW_IMPORT = "\n\nimport time as _time\n\n_time.sleep(1.5)\n"


def _ade(*args: str, env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ade_cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@dataclass
class Stopped:
    """What happened when `ade api serve` got SIGTERM during a slow plan."""

    response: httpx.Response | None
    error: Exception | None
    started: float
    signalled: float
    finished: float
    returncode: int
    refused_after: bool
    log: str


@pytest.fixture(scope="module")
def stopped(
    real_redis: EmbeddedRedis, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stopped]:
    """Serve the API, start a ~1.5 s plan, SIGTERM the server 0.5 s in, and record it all."""
    tmp_path = tmp_path_factory.mktemp("shutdown-api")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADE_")}
    env |= {"ADE_STORAGE_DATA_DIR": str(tmp_path / "data"), "ADE_REDIS_URL": real_redis.url}
    _ade("db", "migrate", env=env, cwd=tmp_path)
    _ade(
        "users",
        "create",
        "--email",
        EMAIL,
        "--password",
        PASSWORD,
        "--admin",
        env=env,
        cwd=tmp_path,
    )

    port = free_port()
    log = tmp_path / "api.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "ade_cli", "api", "serve", "--port", str(port), "--no-migrate"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "ade api serve did not start"
            time.sleep(0.2)

        http = httpx.Client(base_url=f"{base}/api/v1", timeout=60)
        token = http.post("/auth/login", json={"email": EMAIL, "password": PASSWORD}).json()
        http.headers["Authorization"] = f"Bearer {token['access_token']}"
        ws = http.post("/workspaces", json={"name": "Shutdown"}).json()["id"]
        created = http.post(f"/workspaces/{ws}/configs", json={"slug": "slow", "title": "Slow"})
        assert created.status_code == 201, created.text
        config = f"/workspaces/{ws}/configs/{created.json()['id']}"
        current = http.get(f"{config}/draft/files/columns/email.py")
        saved = http.put(
            f"{config}/draft/files/columns/email.py",
            json={"code": current.json()["code"] + SLOW_IMPORT},
            headers={"If-Match": current.headers["etag"]},
        )
        assert saved.status_code == 200, saved.text

        answer: dict[str, Any] = {}

        def plan() -> None:
            started = time.monotonic()
            try:
                answer["response"] = http.post(f"{config}/draft:plan")
            except httpx.HTTPError as exc:  # reported below, with the server's log
                answer["error"] = exc
            answer["started"], answer["finished"] = started, time.monotonic()

        request = threading.Thread(target=plan)
        request.start()
        time.sleep(0.5)  # the sandbox is importing the slow module now
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        request.join(timeout=60)
        assert not request.is_alive(), "the plan never answered"

        returncode = process.wait(timeout=40)
        try:
            httpx.get(f"{base}/health", timeout=2)
            refused = False
        except httpx.TransportError:
            refused = True
        yield Stopped(
            response=answer.get("response"),
            error=answer.get("error"),
            started=answer["started"],
            signalled=signalled,
            finished=answer["finished"],
            returncode=returncode,
            refused_after=refused,
            log=log.read_text(),
        )
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_sigterm_lets_the_in_flight_request_finish(stopped: Stopped) -> None:
    assert stopped.error is None, f"{stopped.error!r}\n{stopped.log}"
    assert stopped.response is not None
    assert stopped.response.status_code == 200, stopped.response.text
    body = stopped.response.json()
    assert body["valid"] is True, body
    assert any(column["field"] == "email" for column in body["columns"]), body
    # The answer came after the signal: the request really was in flight when it arrived.
    assert stopped.finished > stopped.signalled
    assert stopped.finished - stopped.started >= 1.5


def test_sigterm_stops_the_server(stopped: Stopped) -> None:
    # Gone for good: no new connection is accepted once it has shut down.
    assert stopped.refused_after
    assert "Traceback" not in stopped.log, stopped.log


def test_sigterm_exits_zero(stopped: Stopped) -> None:
    assert stopped.returncode == 0, stopped.log
