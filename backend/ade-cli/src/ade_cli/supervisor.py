"""Run the API and a worker as child processes for `ade start`.

The worker runs config code, the part most likely to die (killed for memory, a crash): it is
started again after a back-off while the API keeps serving. The API, or a process the
supervisor only watches (the embedded Redis), is not replaceable that way: when one of them
exits, everything stops and `ade start` fails.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import FrameType

# How long children get to finish in-flight work after SIGTERM before they are killed.
STOP_GRACE_SECONDS = 30.0
# Back-off between restarts of a child that keeps dying: doubles from the first delay up to
# the last, and starts over once the child has stayed up for STABLE_SECONDS.
FIRST_RESTART_DELAY_SECONDS = 1.0
MAX_RESTART_DELAY_SECONDS = 30.0
STABLE_SECONDS = 60.0
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Backoff:
    """Delays before restarting a child that exited."""

    first: float = FIRST_RESTART_DELAY_SECONDS
    most: float = MAX_RESTART_DELAY_SECONDS
    stable: float = STABLE_SECONDS

    def next_delay(self, previous: float | None, uptime: float) -> float:
        """The wait before starting again a child that ran `uptime` seconds, `previous` being
        the wait before its last start (None: it never restarted)."""
        if previous is None or uptime >= self.stable:
            return self.first  # a first failure, or a new one after a stable run
        return min(previous * 2, self.most)


@dataclass
class Child:
    """A supervised process; `restart` ones are started again when they exit."""

    name: str
    args: list[str]
    process: subprocess.Popen[bytes]
    restart: bool
    started_at: float
    delay: float | None = None  # the wait before its last restart
    due: float | None = None  # when it is to be started again, while it waits to be


@dataclass
class Watched:
    """A process started by someone else that must stay up: `poll` is its exit code, or None."""

    name: str
    poll: Callable[[], int | None]


@dataclass
class Supervisor:
    """Starts children, restarts the restartable ones, and stops them all when a stop signal
    arrives or a child that is not restartable (or a watched process) exits."""

    env: Mapping[str, str]
    backoff: Backoff = field(default_factory=Backoff)
    #: What a child's arguments are given to: the `ade` command of this Python.
    program: tuple[str, ...] = (sys.executable, "-m", "ade_cli")
    children: list[Child] = field(default_factory=list)
    watched: list[Watched] = field(default_factory=list)
    _stop_requested: bool = False

    def spawn(self, name: str, args: list[str], *, restart: bool = False) -> None:
        self.children.append(Child(name, args, self._popen(args), restart, time.monotonic()))

    def watch(self, name: str, poll: Callable[[], int | None]) -> None:
        self.watched.append(Watched(name, poll))

    def _popen(self, args: list[str]) -> subprocess.Popen[bytes]:
        # Own session: a terminal's Ctrl-C reaches only the supervisor, which then stops
        # the children in order instead of all of them racing each other.
        return subprocess.Popen([*self.program, *args], env=dict(self.env), start_new_session=True)

    def request_stop(self) -> None:
        """Make `run` stop the children and return 0 (what SIGINT and SIGTERM do)."""
        self._stop_requested = True

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.request_stop()

    def run(self) -> int:
        """Block until stopped; return the exit code for `ade start`."""
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            exited = self._wait()
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if exited is None:
            return 0
        name, code = exited
        print(f"ade start: the {name} exited unexpectedly ({describe(code)})", file=sys.stderr)
        return 1

    def _wait(self) -> tuple[str, int] | None:
        """Until a stop is requested (None), or a child that cannot be restarted exits."""
        while not self._stop_requested:
            for watched in self.watched:
                code = watched.poll()
                if code is not None:
                    return watched.name, code
            for child in self.children:
                code = child.process.poll()
                if code is None:
                    continue
                if not child.restart:
                    return child.name, code
                self._restart_when_due(child, code)
            time.sleep(POLL_SECONDS)
        return None

    def _restart_when_due(self, child: Child, code: int) -> None:
        now = time.monotonic()
        if child.due is None:
            child.delay = self.backoff.next_delay(child.delay, now - child.started_at)
            child.due = now + child.delay
            print(
                f"ade start: the {child.name} exited ({describe(code)}); "
                f"restarting it in {child.delay:g} s",
                file=sys.stderr,
            )
        elif now >= child.due:
            child.process = self._popen(child.args)
            child.started_at, child.due = now, None
            print(
                f"ade start: the {child.name} started again (pid {child.process.pid})",
                file=sys.stderr,
            )

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """SIGTERM every live child, wait up to `grace` seconds, then kill what is left."""
        for child in self.children:
            if child.process.poll() is None:
                _signal_group(child.process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in self.children:
            remaining = max(0.0, deadline - time.monotonic())
            try:
                child.process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                _signal_group(child.process, signal.SIGKILL)
                child.process.wait()


def describe(code: int) -> str:
    """An exit status as people read it: `code 1`, or `signal SIGKILL` (Popen's -9)."""
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"signal {signal.Signals(-code).name}"
    return f"code {code}"


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
