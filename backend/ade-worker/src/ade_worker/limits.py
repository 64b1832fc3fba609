"""The resource limits of one sandboxed run (shared by the sandbox, its outcomes and settings),
and how a child process gets them: rlimits, nice, and the kernel's SIGKILL when its launcher
dies, applied between fork and exec."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass

_MB = 1024 * 1024


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits of one sandboxed engine run."""

    cpu_seconds: int = 300  # RLIMIT_CPU
    memory_mb: int = 2048  # RLIMIT_AS
    file_size_mb: int = 1024  # RLIMIT_FSIZE
    wall_seconds: float = 600.0  # wall clock, enforced by the parent
    open_files: int = 256  # RLIMIT_NOFILE
    processes: int = 64  # RLIMIT_NPROC of the sandbox user (jailed runs only)
    disk_mb: int = 512  # the jail's /job tmpfs: every byte a run writes, in all
    log_kb: int = 1024  # stdout and stderr kept, each
    max_events: int = 10_000  # events kept per run
    event_kb: int = 64  # largest event line kept
    events_mb: int = 8  # all the events of one run kept, in all

    def __post_init__(self) -> None:
        # A zero limit would kill every run at once and look like a config failure.
        for name in (
            "cpu_seconds",
            "memory_mb",
            "file_size_mb",
            "wall_seconds",
            "open_files",
            "processes",
            "disk_mb",
            "log_kb",
            "max_events",
            "event_kb",
            "events_mb",
        ):
            if not getattr(self, name) > 0:
                raise ValueError(f"SandboxLimits.{name} must be greater than 0")


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


def _rlimit(limit: int, value: int) -> tuple[int, int]:
    """(soft, hard) for ``value``, never above the hard limit we inherited (raising it fails)."""
    _, hard = resource.getrlimit(limit)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    return value, value


#: Added to the sandbox's nice value (lower CPU priority than the API and the worker).
SANDBOX_NICENESS = 10


def lower_priority(niceness: int) -> int:
    """Run this process, and every process it starts from now on, at a niceness of at least
    ``niceness`` (a higher one it already has is kept: raising one's own niceness needs no
    privilege, lowering it does). Returns the niceness in force."""
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if niceness > current:
        os.setpriority(os.PRIO_PROCESS, 0, niceness)
        return niceness
    return current


def rlimits(limits: SandboxLimits, *, jailed: bool) -> list[tuple[int, tuple[int, int]]]:
    """The rlimits of one run, in the order they are applied (RLIMIT_AS last: the forked child
    still maps its parent's memory, and later allocations could fail under a smaller limit).
    ``jailed``: RLIMIT_NPROC too, counted per user, so only meaningful for the sandbox user."""
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
    ]
    if jailed:
        settings.append((resource.RLIMIT_NPROC, _rlimit(resource.RLIMIT_NPROC, limits.processes)))
    settings.append((resource.RLIMIT_AS, _rlimit(resource.RLIMIT_AS, limits.memory_mb * _MB)))
    return settings


def limit_setter(
    limits: SandboxLimits, *, then: Callable[[], None] | None = None
) -> Callable[[], None]:
    """The preexec_fn that applies ``limits`` in the child between fork and exec, then calls
    ``then`` (the jail's switch to the sandbox user, which must come last).

    Everything is computed here, in the parent, so the child runs as little Python as possible
    between fork and exec. preexec_fn is not safe in general when the parent has other threads
    (one of them could hold a lock the child then needs); the function below only calls prctl
    (through a ctypes function loaded at import), setrlimit and set*id, taking no Python-level
    locks, which keeps it safe enough for threaded callers (the worker's heartbeat thread, the
    API).
    """
    settings = rlimits(limits, jailed=then is not None)

    parent = os.getpid()

    def apply() -> None:
        # First: a sandbox must never outlive the process that launched it (a SIGKILLed
        # worker must not leave a config run writing into a job folder someone else owns).
        die_with_parent(parent)
        # Config runs are batch work: on a busy machine the API's requests go first.
        os.nice(SANDBOX_NICENESS)
        for limit, value in settings:
            resource.setrlimit(limit, value)
        if then is not None:
            then()

    return apply
