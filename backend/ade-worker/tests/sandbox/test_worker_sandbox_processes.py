"""A sandboxed run's processes: stopped on timeout and cancel, all of them, and never left
behind by a launcher that dies.

Config code in the jail sees its own PID namespace, so the tests watch the run from the host:
the processes below this one (what the run started, jailed or not), noted when the config
code says "ready" through its logger (a ``log`` event, relayed while the run goes on).
"""

from __future__ import annotations

import dataclasses
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ade_worker.jail import Jail
from ade_worker.sandbox import SandboxLimits, run_engine
from ade_worker.testing import (
    TEST_SANDBOX_USER,
    HostProcess,
    assert_gone,
    descendants,
    job_folder,
)

LIMITS = SandboxLimits(
    cpu_seconds=20, memory_mb=600, file_size_mb=50, wall_seconds=30.0, open_files=64
)

# A transform that starts a child process, says so, then sleeps. The engine's guard refuses
# subprocess and os.fork (an audit hook); calling libc's fork through ctypes gets around it,
# as code escaping the guard would, which is what killing the whole run is for.
SPAWN_AND_SLEEP = """
import ctypes
child, how = None, None
for how in ("subprocess", "os.fork", "libc fork"):
    try:
        if how == "subprocess":
            child = subprocess.Popen(["sleep", "60"]).pid
            break
        child = os.fork() if how == "os.fork" else ctypes.CDLL(None).fork()
    except PermissionError:
        continue
    if child == 0:
        time.sleep(60)
        os._exit(0)
    break
logger.info("ready", how=how, pid=os.getpid(), child=child)
time.sleep(60)
"""

PID_THEN_SLEEP = """
logger.info("ready", pid=os.getpid(), child=None)
time.sleep(60)
"""


def is_ready(event: dict[str, Any]) -> bool:
    return event["event"] == "log" and event.get("message") == "ready"


class Ready:
    """An on_event that notes the config's "ready" and the run's processes at that moment."""

    def __init__(self) -> None:
        self.data: dict[str, Any] | None = None
        self.launched: HostProcess | None = None  # what run_engine started (bwrap or python)
        self.processes: list[HostProcess] = []  # it and everything below it

    def __call__(self, event: dict[str, Any]) -> None:
        if is_ready(event):
            self.data = event["data"]
            # Only the run's own tree: the test process has other children too (the
            # session's redis-server and PostgreSQL, say).
            below = {p.pid: p for p in descendants(os.getpid())}
            launched = next(p for p in below.values() if p.nspid == self.data["pid"])
            while launched.ppid != os.getpid() and launched.ppid in below:
                launched = below[launched.ppid]
            self.launched = launched
            self.processes = [launched, *descendants(launched.pid)]

    def process(self, key: str) -> HostProcess:
        """The host's view of the process the config reported as `key` (its own pid)."""
        assert self.data is not None
        (found,) = [p for p in self.processes if p.nspid == self.data[key]]
        return found


def assert_config_started_a_child(ready: Ready) -> None:
    assert ready.data is not None
    assert ready.data["child"] not in (0, ready.data["pid"])
    assert ready.process("child").ppid == ready.process("pid").pid


def test_wall_clock_timeout_kills_every_process_of_the_run(
    tmp_path: Path, jail_or_none: Jail | None
) -> None:
    job = job_folder(tmp_path, SPAWN_AND_SLEEP)
    limits = dataclasses.replace(LIMITS, wall_seconds=3.0)
    ready = Ready()
    t0 = time.monotonic()
    outcome = run_engine(job, limits=limits, jail=jail_or_none, on_event=ready, poll_interval=0.05)
    took = time.monotonic() - t0
    assert outcome.status == "timeout"
    assert outcome.exit_code is None
    assert not outcome.retryable
    assert outcome.error == {
        "type": "TimeoutError",
        "message": "the run took longer than 3 s and was stopped",
    }
    assert 3.0 <= took < 4.5
    assert_config_started_a_child(ready)
    # What we launched led a process group of its own, not ours.
    launched = ready.launched
    assert launched is not None
    assert launched.pgid == launched.pid != os.getpgid(0)
    if jail_or_none is not None:
        # Every process of a jailed run is the sandbox user's, whatever it started.
        assert {p.uid for p in ready.processes} == {jail_or_none.user.uid}
        # In its own PID namespace: config code never sees the host's pid numbers.
        assert ready.data is not None
        assert ready.process("pid").pid != ready.data["pid"]
    assert_gone(ready.processes)


def test_cancel_stops_the_run_quickly(tmp_path: Path, jail: Jail) -> None:
    job = job_folder(tmp_path, SPAWN_AND_SLEEP)
    seen: list[float] = []

    def on_event(event: dict[str, Any]) -> None:
        if not seen:
            seen.append(time.monotonic())

    outcome = run_engine(
        job,
        limits=LIMITS,
        jail=jail,
        on_event=on_event,
        should_cancel=lambda: bool(seen),
        poll_interval=0.05,
    )
    done = time.monotonic()
    assert outcome.status == "cancelled"
    assert outcome.exit_code is None
    assert not outcome.retryable
    assert outcome.error is not None
    assert outcome.error["type"] == "Cancelled"
    assert seen
    assert done - seen[0] < 2.0


def test_cancel_also_kills_what_the_config_started(tmp_path: Path, jail: Jail) -> None:
    job = job_folder(tmp_path, SPAWN_AND_SLEEP)
    ready = Ready()
    outcome = run_engine(
        job,
        limits=LIMITS,
        jail=jail,
        on_event=ready,
        should_cancel=lambda: ready.data is not None,
        poll_interval=0.05,
    )
    assert outcome.status == "cancelled"
    assert_config_started_a_child(ready)
    assert_gone(ready.processes)


def test_sigkill_from_outside_is_a_retryable_crash(tmp_path: Path, jail: Jail) -> None:
    job = job_folder(tmp_path, PID_THEN_SLEEP)
    ready = Ready()

    def on_event(event: dict[str, Any]) -> None:
        ready(event)
        if is_ready(event):
            # An operator or the OOM killer, not the sandbox: by its host pid.
            os.kill(ready.process("pid").pid, signal.SIGKILL)

    outcome = run_engine(job, limits=LIMITS, jail=jail, on_event=on_event, poll_interval=0.05)
    assert outcome.status == "crashed"
    assert outcome.exit_code == -signal.SIGKILL
    assert outcome.retryable
    assert outcome.error is not None
    assert outcome.error["message"] == "the engine process was killed by signal SIGKILL"
    assert outcome.elapsed_ms < 10_000


def test_on_event_exception_propagates_after_killing_the_run(tmp_path: Path, jail: Jail) -> None:
    job = job_folder(tmp_path, PID_THEN_SLEEP)
    ready = Ready()

    def on_event(event: dict[str, Any]) -> None:
        ready(event)
        if is_ready(event):
            raise RuntimeError("timeline is down")

    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="timeline is down"):
        run_engine(job, limits=LIMITS, jail=jail, on_event=on_event)
    assert time.monotonic() - t0 < 10
    assert ready.processes
    assert_gone(ready.processes)


LAUNCHER = """
import json, sys
from pathlib import Path
from ade_worker.jail import Jail
from ade_worker.sandbox import SandboxLimits, run_engine
job, user, root = sys.argv[1:]
run_engine(
    Path(job),
    limits=SandboxLimits(wall_seconds=600.0),  # the test kills us, never the clock
    jail=Jail.create(user=user, root=Path(root)),
    on_event=lambda event: print(json.dumps(event), flush=True),
)
"""


def wait_until_ready(launcher: subprocess.Popen[str], seconds: float) -> None:
    """Read the launcher's relayed events until the config's "ready".

    From the pipe itself, a line at a time out of what each read brings: `readline()` on the
    file object would leave the lines after the first of a read in its buffer, where `select`
    cannot see them; a "ready" that arrived with an earlier event then waited for the run's
    next output, the end of its 60 s sleep (seen once, on a loaded machine)."""
    assert launcher.stdout is not None
    fd = launcher.stdout.fileno()
    deadline = time.monotonic() + seconds
    pending = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            assert left > 0, "the config never said it was ready"
            if not selector.select(left):
                continue
            chunk = os.read(fd, 1 << 16)
            assert chunk, "the launcher ended before the config said it was ready"
            *lines, pending = (pending + chunk).split(b"\n")
            if any(is_ready(json.loads(line)) for line in lines if line.strip()):
                return


def test_a_sandbox_never_outlives_the_process_that_launched_it(tmp_path: Path, jail: Jail) -> None:
    # A worker SIGKILLed mid-run cannot kill its sandbox: the kernel must (PR_SET_PDEATHSIG,
    # and bwrap's --die-with-parent). The jail's PID namespace ends with it: what config code
    # forked past the guard goes too.
    job = job_folder(tmp_path, SPAWN_AND_SLEEP)
    launcher = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, str(job), TEST_SANDBOX_USER, str(jail.root)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_ready(launcher, 90)  # a ceiling for a loaded machine, not a timing
        processes = descendants(launcher.pid)
    finally:
        launcher.kill()
        launcher.wait()
        assert launcher.stdout is not None
        launcher.stdout.close()
    assert {p.name for p in processes} >= {"bwrap", "bash", "python"}
    assert_gone(processes, seconds=5)


def test_die_with_parent_reports_whether_it_applies() -> None:
    # In a child process: the signal must not be set on the test run itself.
    code = (
        "import ctypes, signal; from ade_worker.sandbox import die_with_parent\n"
        "applied = die_with_parent()\n"
        "got = ctypes.c_int()\n"
        "ctypes.CDLL(None).prctl(2, ctypes.byref(got))  # PR_GET_PDEATHSIG\n"
        "print(applied, got.value == signal.SIGKILL)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.split() == ["True", "True"]
