"""The harness's `ade start` survives losing its port to another process before it binds."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ade_cli import testing_stack
from ade_cli.testing_stack import run_ade, run_start, stack_env
from ade_worker.embedded_redis import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.redis]


def test_a_port_taken_before_the_start_is_tried_again_on_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ports: Iterator[int] = iter([taken.getsockname()[1]])
        monkeypatch.setattr(testing_stack, "free_port", lambda: next(ports, None) or free_port())
        env = stack_env(tmp_path)
        run_ade(tmp_path, env, "db", "migrate")
        with run_start(tmp_path, env) as started:
            assert started.port != taken.getsockname()[1]
            ready = httpx.get(f"http://127.0.0.1:{started.port}/ready", timeout=10)
            assert ready.status_code == 200
