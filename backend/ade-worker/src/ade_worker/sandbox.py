"""The sandbox: the one place that runs config-package code.

The worker (jobs) and the API (config plans and dry-runs) both call :func:`run_engine`, which
launches ``python -m ade_engine --job-dir DIR`` in a child process with

* a scrubbed environment built from scratch (no ``ADE_*`` settings, secrets or service URLs),
* ``cwd``, ``HOME`` and ``TMPDIR`` inside the job folder,
* rlimits on CPU time, address space, file size and open files, and no core dumps,
* its own process group, killed as a whole on cancel, on wall-clock timeout and after exit,
* SIGKILLed by the kernel when the thread that launched it dies (``PR_SET_PDEATHSIG``),
* stdout and stderr going to ``logs/stdout.log`` and ``logs/stderr.log`` (never pipes, so a
  chatty child can never block on a full pipe),

relays the engine's ``logs/events.ndjson`` to ``on_event`` while the child runs, and maps how the
child ended to a :class:`SandboxOutcome`.

This module must not import :mod:`ade_worker.settings` (settings imports :class:`SandboxLimits`
from here).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import logging
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

log = logging.getLogger(__name__)

SandboxStatus = Literal["succeeded", "failed", "timeout", "cancelled", "crashed"]

#: PATH inside the sandbox: enough to find system tools, nothing from the parent's PATH.
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
#: How much of stderr.log ends up in :attr:`SandboxOutcome.stderr_tail`.
STDERR_TAIL_BYTES = 4096
#: Longest unfinished events.ndjson line kept in memory while waiting for its newline; a longer
#: one (a config logging a huge value, or scribbling on the file) is dropped, not hoarded.
MAX_EVENT_LINE = 16 * 1024 * 1024

_MB = 1024 * 1024

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _load_prctl() -> Callable[[int, int], int] | None:
    """libc's prctl on Linux, else None (the parent-death signal is Linux-only)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    prctl = libc.prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


_prctl = _load_prctl()


def die_with_parent(expected_parent: int | None = None) -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux; else a no-op).

    With `expected_parent`, a parent that died before the request took effect is caught too:
    the process then kills itself at once. Returns whether the signal was set.
    Note the kernel ties this to the parent *thread* that forked us.
    """
    if _prctl is None:
        return False
    if _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        return False
    if expected_parent is not None and os.getppid() != expected_parent:
        os.kill(os.getpid(), signal.SIGKILL)
    return True


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits of one sandboxed engine run."""

    cpu_seconds: int = 300  # RLIMIT_CPU
    memory_mb: int = 2048  # RLIMIT_AS
    file_size_mb: int = 1024  # RLIMIT_FSIZE
    wall_seconds: float = 600.0  # wall clock, enforced by the parent
    open_files: int = 256  # RLIMIT_NOFILE

    def __post_init__(self) -> None:
        # A zero limit would kill every run at once and look like a config failure.
        for name in ("cpu_seconds", "memory_mb", "file_size_mb", "wall_seconds", "open_files"):
            if not getattr(self, name) > 0:
                raise ValueError(f"SandboxLimits.{name} must be greater than 0")


@dataclass(frozen=True)
class SandboxOutcome:
    """How a sandboxed engine run ended."""

    status: SandboxStatus
    exit_code: int | None  # None when killed by us; negative = signal
    elapsed_ms: int
    error: dict[str, Any] | None  # {"type", "message", "file"?, "line"?}; None on success
    # True only for infrastructure failures (killed by a SIGKILL we did not send: an external
    # kill or the OOM killer); a rerun of the same job may then succeed. False for config
    # errors, bad input, timeouts and limits, which a rerun would only repeat.
    retryable: bool
    stderr_tail: str  # last ~4 KB of stderr, for logs only


def sandbox_env(job_dir: Path) -> dict[str, str]:
    """The child's whole environment, built from scratch rather than filtered from ours.

    An allow-list cannot leak a secret someone adds to the worker's environment later.
    """
    one_thread = "1"  # numeric libraries size thread pools (and their stacks) by this
    return {
        "PATH": SANDBOX_PATH,
        "HOME": str(job_dir),
        "TMPDIR": str(job_dir / "tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        # Every BLAS thread reserves stack and arena address space, which counts against
        # RLIMIT_AS; one thread keeps small memory limits usable.
        "OPENBLAS_NUM_THREADS": one_thread,
        "OMP_NUM_THREADS": one_thread,
        "MKL_NUM_THREADS": one_thread,
    }


def engine_command(
    job_dir: Path, extra_args: Sequence[str] = (), python: str | None = None
) -> list[str]:
    """The child's argv: isolated mode (-I: no PYTHON* variables, no user site, no script dir
    on sys.path; the interpreter's own site-packages, where ade_engine lives, stay) and no
    .pyc files written into the config folder (-B)."""
    return [
        python or sys.executable,
        "-I",
        "-B",
        "-m",
        "ade_engine",
        "--job-dir",
        str(job_dir),
        *extra_args,
    ]


def _rlimit(limit: int, value: int) -> tuple[int, int]:
    """(soft, hard) for ``value``, never above the hard limit we inherited (raising it fails)."""
    _, hard = resource.getrlimit(limit)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    return value, value


#: Added to the sandbox's nice value (lower CPU priority than the API and the worker).
SANDBOX_NICENESS = 10


def _limit_setter(limits: SandboxLimits) -> Callable[[], None]:
    """The preexec_fn that applies ``limits`` in the child between fork and exec.

    Everything is computed here, in the parent, so the child runs as little Python as possible
    between fork and exec. preexec_fn is not safe in general when the parent has other threads
    (one of them could hold a lock the child then needs); the function below only calls prctl
    (through a ctypes function loaded at import) and setrlimit, taking no Python-level locks,
    which keeps it safe enough for threaded callers (the worker's heartbeat thread, the API).
    """
    _, cpu_hard_inherited = resource.getrlimit(resource.RLIMIT_CPU)
    cpu_soft = limits.cpu_seconds
    # The hard limit is a few seconds later: at the soft limit the kernel sends SIGXCPU (which
    # kills Python, it has no handler); a config that ignores SIGXCPU is SIGKILLed at the hard.
    cpu_hard = limits.cpu_seconds + 5
    if cpu_hard_inherited != resource.RLIM_INFINITY:
        cpu_hard = min(cpu_hard, cpu_hard_inherited)
        cpu_soft = min(cpu_soft, cpu_hard)
    settings = [
        (resource.RLIMIT_CORE, (0, 0)),
        (resource.RLIMIT_CPU, (cpu_soft, cpu_hard)),
        (resource.RLIMIT_FSIZE, _rlimit(resource.RLIMIT_FSIZE, limits.file_size_mb * _MB)),
        (resource.RLIMIT_NOFILE, _rlimit(resource.RLIMIT_NOFILE, limits.open_files)),
        # Last: the forked child still maps the parent's memory until exec, and later
        # allocations in this function could fail under a limit smaller than that.
        (resource.RLIMIT_AS, _rlimit(resource.RLIMIT_AS, limits.memory_mb * _MB)),
    ]

    parent = os.getpid()

    def apply() -> None:
        # First: a sandbox must never outlive the process that launched it (a SIGKILLed
        # worker must not leave a config run writing into a job folder someone else owns).
        die_with_parent(parent)
        # Config runs are batch work: on a busy machine the API's requests go first.
        os.nice(SANDBOX_NICENESS)
        for limit, value in settings:
            resource.setrlimit(limit, value)

    return apply


def _kill_group(pgid: int) -> None:
    """SIGKILL every process in the group (the child and whatever it started)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


class _EventTail:
    """Reads complete JSON lines from a file another process appends to (and may create late)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[bytes] | None = None
        self._partial = b""

    def read(self) -> list[dict[str, Any]]:
        """The events completed since the last call (an unfinished last line waits)."""
        if self._fh is None:
            try:
                self._fh = self.path.open("rb")
            except FileNotFoundError:
                return []
        data = self._fh.read()
        if not data:
            return []
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        if len(self._partial) > MAX_EVENT_LINE:
            log.warning(
                "sandbox: dropping an events.ndjson line longer than %d bytes", MAX_EVENT_LINE
            )
            self._partial = b""
        events: list[dict[str, Any]] = []
        for line in lines:
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError:
                # Config code can write to the job folder; a bad line must not stop the relay.
                log.warning("sandbox: skipping a malformed events.ndjson line")
                continue
            if isinstance(event, dict):
                events.append(event)
        return events

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _tail(path: Path, size: int = STDERR_TAIL_BYTES) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - size))
            return fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    line = lines[-1]
    return line.removeprefix("error: ")


def _read_artifact_error(job_dir: Path) -> dict[str, Any] | None:
    try:
        artifact = json.loads((job_dir / "output" / "artifact.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    error = artifact.get("error") if isinstance(artifact, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return dict(error)
    return None


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


#: How failed allocations show up in errors and stderr: Python's MemoryError, libc's ENOMEM,
#: OpenBLAS giving up on its buffers, the loader failing to map a compiled module, C++.
MEMORY_MARKERS = (
    "MemoryError",
    "Cannot allocate memory",
    "Memory allocation",
    "failed to map segment",
    "bad_alloc",
)


def _mentions_memory(error: dict[str, Any], stderr: str) -> bool:
    text = f"{error.get('exception', '')} {error.get('message', '')} {stderr}"
    return any(marker in text for marker in MEMORY_MARKERS)


def _explain_limits(error: dict[str, Any], stderr: str, limits: SandboxLimits) -> dict[str, Any]:
    """Point at the sandbox limit behind an error the engine reported in its own words."""
    message = str(error.get("message", ""))
    if _mentions_memory(error, stderr):
        error["message"] = (
            f"{message} (out of memory: the sandbox memory limit is {limits.memory_mb} MB)"
        )
    elif "File too large" in message or "[Errno 27]" in message:
        error["message"] = (
            f"{message} (the sandbox file size limit is {limits.file_size_mb} MB per file)"
        )
    return error


def _outcome_for_exit(
    job_dir: Path,
    returncode: int,
    cpu_used: float,
    stderr: str,
    limits: SandboxLimits,
) -> tuple[SandboxStatus, dict[str, Any] | None, bool]:
    """(status, error, retryable) for a child that ended on its own (or was killed by others)."""
    if returncode == 0:
        return "succeeded", None, False
    if returncode == 1:
        error = _read_artifact_error(job_dir) or {
            "type": "engine",
            "message": _last_line(stderr) or "the run failed without saying why",
        }
        return "failed", _explain_limits(error, stderr, limits), False
    if returncode == 2:
        detail = _last_line(stderr) or "bad arguments or job folder"
        return "failed", {"type": "usage", "message": f"sandbox usage error: {detail}"}, False
    cpu_message = (
        f"the run used more than its CPU time limit of {limits.cpu_seconds} s and was stopped"
    )
    if returncode == -signal.SIGXCPU:
        return "failed", {"type": "CpuTimeLimit", "message": cpu_message}, False
    if returncode == -signal.SIGKILL and cpu_used >= limits.cpu_seconds:
        # Code that ignored SIGXCPU was killed by the kernel at the hard CPU limit.
        return "failed", {"type": "CpuTimeLimit", "message": cpu_message}, False
    if returncode < 0 and _mentions_memory({}, stderr):
        # The interpreter aborted on an allocation failure that it could not report itself.
        message = (
            f"the engine process ran out of memory (the sandbox memory limit is "
            f"{limits.memory_mb} MB) and was killed by {_signal_name(-returncode)}"
        )
        return "failed", {"type": "MemoryLimit", "message": message}, False
    if returncode < 0:
        name = _signal_name(-returncode)
        message = f"the engine process was killed by signal {name}"
        # SIGKILL that we did not send comes from outside (an operator, the OOM killer, a
        # container shutting down): nothing about the job says a rerun would fail again.
        retryable = returncode == -signal.SIGKILL
        return "crashed", {"type": "Crashed", "message": message}, retryable
    # Any other exit code: the engine never exits that way, so config code called os._exit or
    # sys.exit; a rerun would do it again.
    message = f"the engine process exited unexpectedly with code {returncode}"
    detail = _last_line(stderr)
    if detail:
        message = f"{message}: {detail}"
    return "crashed", {"type": "Crashed", "message": message}, False


def _reap(pid: int) -> tuple[int, float] | None:
    """(returncode, CPU seconds used) once ``pid`` has exited, else None (non-blocking).

    os.wait4 rather than Popen.poll: it also reports the child's CPU time, which tells a
    kernel SIGKILL at the hard CPU limit from an outside SIGKILL.
    """
    done, status, usage = os.wait4(pid, os.WNOHANG)
    if done == 0:
        return None
    return os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime


def _wait(pid: int) -> tuple[int, float]:
    _, status, usage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime


def _prepare(job_dir: Path) -> Path:
    """Create logs/ and tmp/, and remove what an earlier run in this folder left behind.

    A stale events.ndjson would be relayed again and a stale artifact.json would be taken for
    this run's error if the engine dies before writing its own.
    """
    logs = job_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    (job_dir / "tmp").mkdir(exist_ok=True)
    (logs / "events.ndjson").unlink(missing_ok=True)
    (job_dir / "output" / "artifact.json").unlink(missing_ok=True)
    return logs


def run_engine(
    job_dir: Path,
    *,
    limits: SandboxLimits,
    extra_args: Sequence[str] = (),
    on_event: Callable[[dict[str, Any]], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    poll_interval: float = 0.1,
    python: str | None = None,
) -> SandboxOutcome:
    """Run ``python -m ade_engine --job-dir job_dir *extra_args`` in the sandbox.

    Blocks until the child has ended. ``on_event`` receives every event of
    ``logs/events.ndjson`` in order, on this thread, while the child runs; ``should_cancel`` is
    asked every ``poll_interval`` seconds. If either callback raises, the child's process group
    is killed and reaped and the exception propagates. A child that cannot be started at all
    (no such interpreter, preexec_fn failed) raises as well: that is a worker problem, not a
    job outcome.
    """
    job_dir = Path(job_dir).resolve()
    logs = _prepare(job_dir)
    stderr_path = logs / "stderr.log"
    tail = _EventTail(logs / "events.ndjson")

    def relay() -> None:
        for event in tail.read():
            if on_event is not None:
                on_event(event)

    started = time.monotonic()
    with (logs / "stdout.log").open("wb") as out, stderr_path.open("wb") as err:
        proc = subprocess.Popen(
            engine_command(job_dir, extra_args, python),
            cwd=job_dir,
            env=sandbox_env(job_dir),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            close_fds=True,
            start_new_session=True,  # its own process group, so killpg reaches grandchildren
            preexec_fn=_limit_setter(limits),  # single-threaded caller: see _limit_setter
        )
    pgid = proc.pid  # a new session's leader is also its process group's leader
    stopped: Literal["timeout", "cancelled"] | None = None
    ended: tuple[int, float] | None = None
    try:
        while True:
            ended = _reap(proc.pid)
            relay()
            if ended is not None:
                break
            if should_cancel is not None and should_cancel():
                stopped = "cancelled"
                break
            if time.monotonic() - started >= limits.wall_seconds:
                stopped = "timeout"
                break
            time.sleep(poll_interval)
        if ended is None:
            _kill_group(pgid)
            ended = _wait(proc.pid)
        # Also after a normal exit: config code may have left background processes behind.
        _kill_group(pgid)
        elapsed_ms = round((time.monotonic() - started) * 1000)
        relay()  # what the child wrote between the last poll and its end
    except BaseException:
        _kill_group(pgid)
        if ended is None:
            ended = _wait(proc.pid)
        raise
    finally:
        tail.close()
        # We reaped the child with os.wait4; tell Popen so it never waits for a reused pid.
        proc.returncode = ended[0] if ended is not None else proc.returncode

    returncode, cpu_used = ended
    if stopped is not None and returncode != -signal.SIGKILL:
        # The child ended on its own between our last look and the kill: report that instead.
        stopped = None
    stderr = _tail(stderr_path)
    if stopped == "timeout":
        message = f"the run took longer than {limits.wall_seconds:g} s and was stopped"
        return SandboxOutcome(
            "timeout", None, elapsed_ms, {"type": "TimeoutError", "message": message}, False, stderr
        )
    if stopped == "cancelled":
        cancelled = {"type": "Cancelled", "message": "the run was cancelled"}
        return SandboxOutcome("cancelled", None, elapsed_ms, cancelled, False, stderr)
    status, error, retryable = _outcome_for_exit(job_dir, returncode, cpu_used, stderr, limits)
    return SandboxOutcome(status, returncode, elapsed_ms, error, retryable, stderr)
