"""The two kinds of child a sandboxed run is supervised through (by
:func:`ade_worker.sandbox.run_engine`): each says, without blocking, whether the run has ended
((exit code, CPU seconds)), waits for it, and kills the whole run."""

from __future__ import annotations

import contextlib
import os
import resource
import selectors
import signal
import subprocess

from ade_worker.channels import RunChannels
from ade_worker.zygote import WarmRun


def kill_group(pgid: int) -> None:
    """SIGKILL every process in the group (the child and whatever it started)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


class ColdChild:
    """A child we started ourselves (bubblewrap, or the engine unjailed): reaped with wait4,
    which also reports its CPU time (a kernel SIGKILL at the hard CPU limit is not an outside
    kill), and killed as a process group."""

    lost = False

    def __init__(self, proc: subprocess.Popen[bytes], channels: RunChannels) -> None:
        self.proc = proc
        channels.watch_exit(proc.pid)  # wakes the channels' select the moment it exits

    def ended(self) -> tuple[int, float] | None:
        done, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
        if done == 0:
            return None
        return self._reaped(status, usage)

    def wait(self) -> tuple[int, float]:
        _, status, usage = os.wait4(self.proc.pid, 0)
        return self._reaped(status, usage)

    def _reaped(self, status: int, usage: resource.struct_rusage) -> tuple[int, float]:
        # Reaped with os.wait4: tell Popen so it never waits for a reused pid.
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        return self.proc.returncode, usage.ru_utime + usage.ru_stime

    def kill(self) -> None:
        kill_group(self.proc.pid)  # a new session's leader leads its process group too

    def close(self) -> None:
        return None


class WarmChild:
    """A run handed to the zygote: ended when its supervisor reports (or its socket closes)."""

    def __init__(self, run: WarmRun, channels: RunChannels) -> None:
        self.run = run
        self.channels = channels
        channels.selector.register(run.fd, selectors.EVENT_READ, run.feed)

    @property
    def lost(self) -> bool:
        return self.run.lost

    def ended(self) -> tuple[int, float] | None:
        still_open = self.run.fd in self.channels.selector.get_map()
        ended = self.run.ended(still_open)
        if ended is not None:
            self.channels.status.ran = self.run.ran
            if still_open:  # all it had to say: the pipes' ends went with the run's init
                self.channels.selector.unregister(self.run.fd)
                os.close(self.run.fd)
        return ended

    def wait(self) -> tuple[int, float]:
        while (ended := self.ended()) is None:
            self.channels.pump(1.0)
        return ended

    def kill(self) -> None:
        self.run.kill()

    def close(self) -> None:
        self.run.close()


Child = ColdChild | WarmChild
