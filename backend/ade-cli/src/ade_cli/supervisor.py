"""Run the API and a worker as child processes and stop both together (`ade start`)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import FrameType

# How long children get to finish in-flight work after SIGTERM before they are killed.
STOP_GRACE_SECONDS = 30.0


@dataclass
class Child:
    """A supervised process."""

    name: str
    process: subprocess.Popen[bytes]


@dataclass
class Supervisor:
    """Starts children, waits until one exits or a stop signal arrives, then stops them all."""

    env: Mapping[str, str]
    children: list[Child] = field(default_factory=list)
    _stop_requested: bool = False

    def spawn(self, name: str, args: list[str]) -> None:
        # Own session: a terminal's Ctrl-C reaches only the supervisor, which then stops
        # the children in order instead of all of them racing each other.
        process = subprocess.Popen(
            [sys.executable, "-m", "ade_cli", *args], env=dict(self.env), start_new_session=True
        )
        self.children.append(Child(name, process))

    def _request_stop(self, signum: int, _frame: FrameType | None) -> None:
        self._stop_requested = True

    def run(self) -> int:
        """Block until stopped; return the exit code for `ade start`."""
        previous = {
            sig: signal.signal(sig, self._request_stop) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            exited = self._wait()
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if exited is None:
            return 0
        code = exited.process.returncode
        print(f"ade start: the {exited.name} exited unexpectedly (code {code})", file=sys.stderr)
        return 1

    def _wait(self) -> Child | None:
        while not self._stop_requested:
            for child in self.children:
                if child.process.poll() is not None:
                    return child
            time.sleep(0.2)
        return None

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


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
