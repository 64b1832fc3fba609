"""A worker's CPU priority: at least its configured niceness, never raised back."""

from __future__ import annotations

import os

import pytest

from ade_worker.limits import lower_priority
from ade_worker.settings import WorkerSettings


def in_a_child(*steps: int) -> list[int]:
    """`lower_priority` called with each of `steps` in a forked child (so that the test run
    keeps its own priority); the niceness after each call, as the kernel reports it."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child reports through the pipe)
        try:
            seen = []
            for step in steps:
                returned = lower_priority(step)
                seen.append(returned if returned == os.getpriority(os.PRIO_PROCESS, 0) else -1)
            os.write(write, ",".join(map(str, seen)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read().decode()
    os.waitpid(pid, 0)
    return [int(v) for v in data.split(",")]


def test_a_worker_lowers_its_priority_and_never_raises_it_back() -> None:
    start = os.getpriority(os.PRIO_PROCESS, 0)
    assert in_a_child(start + 3, start + 1, start + 5) == [start + 3, start + 3, start + 5]
    assert in_a_child(0) == [start]  # already at least that: unchanged


def test_the_niceness_setting_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    assert WorkerSettings().worker_niceness == 5
    monkeypatch.setenv("ADE_WORKER_NICENESS", "0")
    assert WorkerSettings().worker_niceness == 0
    for bad in ("-1", "20"):
        monkeypatch.setenv("ADE_WORKER_NICENESS", bad)
        with pytest.raises(ValueError, match="worker_niceness"):
            WorkerSettings()
