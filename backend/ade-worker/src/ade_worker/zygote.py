"""The jail's warm start: a zygote that has imported the engine, forks one jailed child per run.

Starting bubblewrap and importing the engine costs a small job most of its time. The zygote
pays that once per worker process: it runs inside bubblewrap as the sandbox user (user, PID,
network, IPC, UTS and cgroup namespaces; no network, no host ``/proc``, no data dir, no further
user namespaces, the sandbox environment), sees ``ADE_SANDBOX_DIR/runs`` (searchable, not
listable) and the shared vendor folder read-only, keeps only the capabilities it needs to build
a job's namespaces inside its own user namespace (``CAP_SYS_ADMIN``, ``CAP_SETPCAP``,
``CAP_NET_ADMIN``), imports the engine and waits for jobs on a unix socket. It never runs
config code: every run gets a child that enters a jail of its own first (see
:mod:`ade_worker.zygote_main`, the program the zygote runs, for the three processes per run).

This side (the worker's) starts the zygote lazily on a thread that lives as long as it does
(the kernel's parent-death signal is tied to the thread that forked), restarts it when it died,
and hands it a run: the stdout, stderr, events and results pipes and a socket of the run's own
are passed with SCM_RIGHTS, so :mod:`ade_worker.channels` reads them as for a cold run. The
run's supervisor says hello on that socket (the kernel tells us its pid), we answer "go", and it
reports ``{"exit", "cpu", "ran"}`` the moment the run has ended: no polling. Killing the
supervisor (SIGKILL through a pidfd) kills the run's whole namespace with it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import resource
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ade_worker.jail import JOB_ROOT, Jail

log = logging.getLogger(__name__)

#: The capabilities the zygote keeps inside its own user namespace to build each run's jail
#: (namespaces and mounts, emptying the bounding set, bringing up the run's loopback). Every
#: run's init drops them all before config code exists.
ZYGOTE_CAPABILITIES = ("CAP_SYS_ADMIN", "CAP_SETPCAP", "CAP_NET_ADMIN")
#: How long the zygote may take to import the engine and say it is ready.
START_SECONDS = 60.0
#: How long a run's supervisor may take to say hello; after that the zygote counts as down.
HELLO_SECONDS = 10.0
#: After a failed start, cold runs only for this long before the next try.
RETRY_SECONDS = 30.0
#: Descriptor numbers the engine process sees (set by the zygote's run init).
EVENTS_FD = 3
_PROGRAM = Path(__file__).with_name("zygote_main.py")


class ZygoteDownError(Exception):
    """The zygote is not there (any more): nothing of the run has started, run it cold."""


@dataclass
class WarmRun:
    """One run handed to the zygote: its socket (read by the run's channels) and supervisor."""

    fd: int  # our end of the run's socket, read by RunChannels
    pid: int  # the supervisor, as the host sees it
    pidfd: int
    report: dict[str, Any] | None = None
    lost: bool = False  # the socket ended without a report: the zygote died during the run
    _closed: bool = field(default=False, repr=False)

    def feed(self, data: bytes) -> None:
        with contextlib.suppress(ValueError, TypeError):
            report = json.loads(data)
            if isinstance(report, dict) and isinstance(report.get("exit"), int):
                self.report = report

    def ended(self, still_open: bool) -> tuple[int, float] | None:
        """(exit code, CPU seconds) once the supervisor reported, or once its socket closed
        without a report (then ``lost``: killed with the zygote, or by us)."""
        if self.report is not None:
            return int(self.report["exit"]), float(self.report.get("cpu", 0.0))
        if not still_open:
            self.lost = True
            return -signal.SIGKILL, 0.0
        return None

    @property
    def ran(self) -> bool:
        return bool(self.report and self.report.get("ran"))

    def kill(self) -> None:
        """SIGKILL the supervisor: its init dies with it, and every process of the run's PID
        namespace with the init."""
        with contextlib.suppress(ProcessLookupError, OSError):
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            os.close(self.pidfd)


#: Every zygote made in this process (for zygote_pids).
_MADE: weakref.WeakSet[Zygote] = weakref.WeakSet()


def zygote_pids() -> set[int]:
    """The host pids of the bubblewrap processes of this process's running zygotes."""
    return {z._proc.pid for z in _MADE if z._proc is not None and z._proc.returncode is None}


class Zygote:
    """The warm start of one jail, per process (see the module's docstring)."""

    def __init__(self, jail: Jail, python: str | None = None) -> None:
        _MADE.add(self)
        self.jail = jail
        self.python = python or sys.executable
        self.problem: str | None = None
        self._control: socket.socket | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._owner: int | None = None
        self._failed_at: float | None = None
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- lifecycle

    def up(self) -> bool:
        """Whether the zygote is there to take a run (a dead one hangs up its socket)."""
        control = self._control
        if control is None:
            return False
        poller = select.poll()
        poller.register(control, select.POLLIN)
        return not any(ev & (select.POLLHUP | select.POLLERR) for _, ev in poller.poll(0))

    def ensure(self) -> bool:
        """Start the zygote if it is not up (in the process that owns it; a forked work horse
        uses its worker's and runs cold while it is down). False: cold runs for now."""
        with self._lock:
            if self.up():
                return True
            if self._owner is not None and self._owner != os.getpid():
                return False
            if self._failed_at is not None and time.monotonic() - self._failed_at < RETRY_SECONDS:
                return False
            self.stop()
            try:
                self._start()
            except ZygoteDownError as exc:
                self.problem = str(exc)
                self._failed_at = time.monotonic()
                self.stop()
                log.warning("sandbox: the warm start is unavailable, runs start cold: %s", exc)
                return False
            self.problem = None
            self._failed_at = None
            return True

    def stop(self) -> None:
        """Kill the zygote (and every run in it) and forget it."""
        if self._proc is not None and self._owner == os.getpid():
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()
        if self._control is not None:
            self._control.close()
        self._proc = None
        self._control = None

    def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        errors = tempfile.TemporaryFile()  # noqa: SIM115 (read on failure, closed below)
        launched = threading.Event()
        failure: list[BaseException] = []

        def launch() -> None:
            # This thread lives as long as the zygote: bwrap dies with it (and with us).
            try:
                proc = subprocess.Popen(
                    self.command(theirs.fileno()),
                    env={},
                    cwd="/",
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=errors,
                    pass_fds=[theirs.fileno()],
                    close_fds=True,
                    start_new_session=True,
                    preexec_fn=self._preexec(),
                )
            except BaseException as exc:
                failure.append(exc)
                launched.set()
                return
            self._proc = proc
            launched.set()
            proc.wait()

        threading.Thread(target=launch, name="ade-zygote", daemon=True).start()
        launched.wait()
        theirs.close()
        self._owner = os.getpid()
        self._control = ours
        try:
            if failure:
                raise ZygoteDownError(f"bubblewrap could not be started: {failure[0]}")
            ours.settimeout(START_SECONDS)
            try:
                ready = ours.recv(4096)
            except TimeoutError:
                ready = b""
            ours.settimeout(None)
            if ready.startswith(b"failed: "):
                reason = ready.removeprefix(b"failed: ").decode("utf-8", "replace")
                raise ZygoteDownError(f"a run's jail cannot be built here: {reason}")
            if ready != b"ready":
                errors.seek(0)
                lines = errors.read().decode("utf-8", "replace").strip().splitlines()
                reason = lines[-1] if lines else "no reason given"
                raise ZygoteDownError(f"the zygote did not start: {reason}")
        finally:
            errors.close()

    def command(self, control_fd: int) -> list[str]:
        """bwrap's argv for the zygote: the cold jail's namespaces and read-only system, plus
        the staged runs and shared vendor folders (read-only; every run's init covers them)
        and an empty /job for each run's own tmpfs."""
        from ade_worker.sandbox import sandbox_env

        capabilities = ["--cap-drop", "ALL"]
        for name in ZYGOTE_CAPABILITIES:
            capabilities += ["--cap-add", name]
        vendors = self.jail.root / "vendor"
        with contextlib.suppress(FileExistsError):
            vendors.mkdir(mode=0o711)
        args = self.jail.base_args(capabilities)
        args += ["--dir", JOB_ROOT, "--ro-bind", str(self.jail.root / "runs"), "/runs"]
        args += ["--ro-bind", str(vendors), "/vendors"]
        args += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/"]
        for key, value in sandbox_env(Path(JOB_ROOT)).items():
            args += ["--setenv", key, value]
        source = _PROGRAM.read_text(encoding="utf-8")
        return [*args, "--", self.python, "-I", "-B", "-c", source, str(control_fd)]

    def _preexec(self) -> Any:
        switch = self.jail.switch_user()
        parent = os.getpid()

        def apply() -> None:
            from ade_worker.limits import die_with_parent

            die_with_parent(parent)
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            switch()

        return apply

    # ---------------------------------------------------------------- runs

    def submit(self, spec: dict[str, Any], fds: list[int]) -> WarmRun:
        """Hand the zygote one run (its pipes in `fds`: stdout, stderr, events, results).
        Raises ZygoteDownError when the zygote is not there: nothing of the run started."""
        control = self._control
        if control is None or not self.up():
            raise ZygoteDownError("the zygote is not running")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            ours.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
            try:
                socket.send_fds(control, [json.dumps(spec).encode()], [theirs.fileno(), *fds])
            except OSError as exc:
                raise ZygoteDownError(f"the zygote is gone: {exc}") from exc
            theirs.close()
            pid = _hello(ours)
            try:
                pidfd = os.pidfd_open(pid)
            except OSError as exc:
                raise ZygoteDownError(f"the run's supervisor is gone: {exc}") from exc
            ours.send(b"go")
        except BaseException:
            ours.close()
            theirs.close()
            raise
        ours.setblocking(False)
        return WarmRun(fd=ours.detach(), pid=pid, pidfd=pidfd)


def _hello(sock: socket.socket) -> int:
    """The supervisor's hello; the kernel's credentials on it give its pid as we see it."""
    ready, _, _ = select.select([sock], [], [], HELLO_SECONDS)
    if not ready:
        raise ZygoteDownError("the zygote did not answer")
    size = socket.CMSG_SPACE(struct.calcsize("iII"))
    data, ancillary, _, _ = sock.recvmsg(16, size)
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and data == b"hello":
            pid: int = struct.unpack("iII", payload[: struct.calcsize("iII")])[0]
            return pid
    raise ZygoteDownError("the zygote ended the run before it started")


def warm_spec(
    *,
    run: str,
    vendor: str | None,
    argv: list[str],
    env: dict[str, str],
    disk_bytes: int,
    limits: list[tuple[int, int, int]],
    late_limits: list[tuple[int, int, int]],
    nice: int,
) -> dict[str, Any]:
    """What the zygote needs to know of one run (see zygote_main)."""
    return {
        "run": run,
        "vendor": vendor,
        "argv": argv,
        "env": env,
        "disk": disk_bytes,
        "limits": limits,
        "late_limits": late_limits,
        "nice": nice,
    }
