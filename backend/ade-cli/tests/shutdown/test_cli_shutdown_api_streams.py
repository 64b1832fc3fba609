"""Graceful shutdown of `ade api serve` with a live stream open: SIGTERM ends the stream at
once (not after the 30-second graceful timeout), and the process exits cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from ade_cli.testing import wait_ready
from ade_worker.embedded_redis import EmbeddedRedis, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.timeout(180)]

EMAIL = "streams@example.org"
PASSWORD = "streams-password-123"


def test_sigterm_ends_an_open_event_stream_and_exits_zero(
    real_redis: EmbeddedRedis, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADE_")}
    env |= {"ADE_STORAGE_DATA_DIR": str(tmp_path / "data"), "ADE_REDIS_URL": real_redis.url}
    ade = [sys.executable, "-m", "ade_cli"]
    subprocess.run([*ade, "db", "migrate"], env=env, cwd=tmp_path, check=True, capture_output=True)
    account = ["--email", EMAIL, "--password", PASSWORD, "--admin"]
    subprocess.run(
        [*ade, "users", "create", *account], env=env, cwd=tmp_path, check=True, capture_output=True
    )
    port = free_port()
    log = tmp_path / "api.log"
    process = subprocess.Popen(
        [*ade, "api", "serve", "--port", str(port), "--no-migrate"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(process, f"{base}/health", log=log)
        http = httpx.Client(base_url=f"{base}/api/v1", timeout=30)
        token = http.post("/auth/login", json={"email": EMAIL, "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        ws = http.post("/workspaces", json={"name": "Streams"}, headers=headers).json()["id"]

        opened = threading.Event()
        ended: dict[str, float | BaseException] = {}

        def follow() -> None:
            stream_headers = headers | {"Accept": "text/event-stream"}
            try:
                with httpx.stream(
                    "GET",
                    f"{base}/api/v1/workspaces/{ws}/events",
                    headers=stream_headers,
                    timeout=httpx.Timeout(10, read=60),
                ) as response:
                    assert response.status_code == 200
                    opened.set()
                    for _ in response.iter_bytes():
                        pass
                ended["at"] = time.monotonic()
            except BaseException as exc:  # reported below, with the server's log
                ended["error"] = exc
                opened.set()

        reader = threading.Thread(target=follow)
        reader.start()
        assert opened.wait(30)
        time.sleep(0.5)
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        reader.join(timeout=60)
        returncode = process.wait(timeout=60)
        text = log.read_text()
        assert "error" not in ended, f"{ended.get('error')!r}\n{text}"
        ended_at = ended["at"]
        assert isinstance(ended_at, float)
        assert ended_at - signalled < 5, text  # not the 30-second graceful timeout
        assert returncode == 0, text
        assert "Traceback" not in text, text
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
