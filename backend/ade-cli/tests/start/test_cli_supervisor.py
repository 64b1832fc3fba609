"""The supervisor of `ade start`, with small stand-in programs for the API and the worker: a
restartable child is started again after a back-off; any other exit stops everything."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ade_cli.supervisor import Backoff, Supervisor, describe

# argv: a file to append one line to per start, then `serve` (run until stopped) or
# `exit:N` (exit with code N at once).
STAND_IN = """
import sys, time
with open(sys.argv[1], "a") as fh:
    fh.write("started\\n")
if sys.argv[2].startswith("exit:"):
    sys.exit(int(sys.argv[2][5:]))
time.sleep(120)
"""
QUICK = Backoff(first=0.2, most=0.4, stable=60)


def supervisor(backoff: Backoff = QUICK) -> Supervisor:
    return Supervisor(
        env=dict(os.environ), backoff=backoff, program=(sys.executable, "-c", STAND_IN)
    )


def starts(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def run_for(sup: Supervisor, seconds: float) -> int:
    """`sup.run()` here (it installs signal handlers: main thread only), stopped after
    `seconds` as a Ctrl-C would stop it."""
    timer = threading.Timer(seconds, sup.request_stop)
    timer.start()
    try:
        return sup.run()
    finally:
        timer.cancel()


def test_back_off_doubles_up_to_the_most_and_starts_over_after_a_stable_run() -> None:
    backoff = Backoff(first=1, most=30, stable=60)
    delays = []
    previous = None
    for _ in range(7):
        previous = backoff.next_delay(previous, uptime=0.5)
        delays.append(previous)
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    assert backoff.next_delay(30, uptime=59) == 30
    assert backoff.next_delay(30, uptime=60) == 1  # it stayed up a minute: a new failure


def test_a_dying_worker_is_restarted_with_a_back_off_while_the_api_keeps_running(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    api, worker = tmp_path / "api", tmp_path / "worker"
    sup = supervisor()
    sup.spawn("api", [str(api), "serve"])
    sup.spawn("worker", [str(worker), "exit:3"], restart=True)
    started = time.monotonic()
    assert run_for(sup, 2.5) == 0  # stopped on request: a clean stop
    elapsed = time.monotonic() - started
    err = capfd.readouterr().err
    assert starts(api) == 1
    # Delays 0.2, 0.4, 0.4, ...: about 4 to 6 restarts in 2.5 s (fewer when the machine is
    # loaded and each start is slow); without the delays, a dozen or more.
    assert 2 <= starts(worker) - 1 <= 7, err
    assert "the worker exited (code 3); restarting it in 0.2 s" in err
    assert "restarting it in 0.4 s" in err
    assert "restarting it in 0.8 s" not in err  # capped
    assert "started again (pid " in err
    assert elapsed < 10  # and the stop was prompt
    assert all(child.process.poll() is not None for child in sup.children)


@pytest.mark.parametrize("stopper", ["api", "redis"])
def test_the_api_or_a_watched_process_exiting_stops_everything(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], stopper: str
) -> None:
    sup = supervisor()
    # A process started elsewhere (the embedded Redis) that ends after 1 s, or runs on.
    lifetime = 1 if stopper == "redis" else 120
    redis = subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({lifetime})"])
    try:
        sup.watch("redis", redis.poll)
        sup.spawn("worker", [str(tmp_path / "worker"), "serve"], restart=True)
        # The worker is up before the API ends: on a loaded machine an API that exits at once
        # could otherwise stop everything before the worker wrote that it started.
        deadline = time.monotonic() + 20
        while starts(tmp_path / "worker") < 1:
            assert time.monotonic() < deadline, "the stand-in worker never started"
            time.sleep(0.02)
        sup.spawn("api", [str(tmp_path / "api"), "exit:2" if stopper == "api" else "serve"])
        assert run_for(sup, 30) == 1
        err = capfd.readouterr().err
        expected = "code 2" if stopper == "api" else "code 0"
        assert f"ade start: the {stopper} exited unexpectedly ({expected})" in err
        assert all(child.process.poll() is not None for child in sup.children)
        assert starts(tmp_path / "worker") == 1  # stopped, not restarted
    finally:
        redis.kill()
        redis.wait()


def test_a_stop_during_the_back_off_starts_nothing_more(tmp_path: Path) -> None:
    worker = tmp_path / "worker"
    sup = supervisor(Backoff(first=5, most=5, stable=60))
    sup.spawn("worker", [str(worker), "exit:1"], restart=True)
    assert run_for(sup, 1.5) == 0
    time.sleep(0.5)
    assert starts(worker) == 1


def test_exit_statuses_read_as_people_read_them() -> None:
    assert describe(1) == "code 1"
    assert describe(-9) == "signal SIGKILL"
    assert describe(-15) == "signal SIGTERM"
