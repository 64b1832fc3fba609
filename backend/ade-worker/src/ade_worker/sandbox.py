"""The sandbox: the one place that runs config-package code.

The worker (jobs) and the API (config plans, dry-runs and import checks) both call
:func:`run_engine`, which launches ``python -m ade_engine`` for one job folder:

* **jailed** (the default; see :mod:`ade_worker.jail`): inside bubblewrap, as the sandbox user,
  with no network, no host ``/proc``, no data dir, and a size-capped ``/job``; the job's input
  and config are staged for it and its ``output/`` comes back as a tar stream on a pipe;
* **unjailed** (``ADE_SANDBOX=none``, one trusted user only): in the job folder itself.

Either way the child gets an environment built from scratch (no ``ADE_*`` settings, secrets or
service URLs, and bubblewrap itself is started with an empty one), rlimits on CPU time, address
space, file size, open files and (jailed) processes, no core dumps, nice +10, its own process
group that is killed as a whole on cancel, on timeout and after exit, and the kernel's SIGKILL
when the thread that launched it dies. stdout, stderr and the engine's events come back on
pipes, read here within caps (:mod:`ade_worker.channels`); events go to ``on_event`` while the
child runs. How the child ended becomes a :class:`SandboxOutcome` (:mod:`ade_worker.outcome`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from ade_worker.channels import ResultSpool, RunChannels, extract_results
from ade_worker.jail import JOB_ROOT, Jail
from ade_worker.limits import SANDBOX_NICENESS, SandboxLimits, die_with_parent, limit_setter
from ade_worker.outcome import SandboxOutcome, SandboxStatus, outcome_for_exit, tail

__all__ = [
    "SANDBOX_NICENESS",
    "SANDBOX_PATH",
    "SandboxLimits",
    "SandboxOutcome",
    "SandboxStatus",
    "die_with_parent",
    "engine_command",
    "run_engine",
    "sandbox_env",
]

#: PATH inside the sandbox: enough to find system tools, nothing from the parent's PATH.
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
#: After the child has exited, how long its pipes may stay open (a process it left behind, in
#: an unjailed run) before we stop reading them.
DRAIN_SECONDS = 2.0

_MB = 1024 * 1024


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


def _kill_group(pgid: int) -> None:
    """SIGKILL every process in the group (the child and whatever it started)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


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
    """Create logs/, tmp/ and output/, and remove what an earlier run here left behind.

    A stale events.ndjson would be relayed again and a stale artifact.json would be taken for
    this run's error if the engine dies before writing its own.
    """
    logs = job_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    (job_dir / "tmp").mkdir(exist_ok=True)
    (job_dir / "output").mkdir(exist_ok=True)
    (logs / "events.ndjson").unlink(missing_ok=True)
    (job_dir / "output" / "artifact.json").unlink(missing_ok=True)
    return logs


def _spawn(
    job_dir: Path,
    channels: RunChannels,
    *,
    jail: Jail | None,
    run_dir: Path | None,
    limits: SandboxLimits,
    extra_args: Sequence[str],
    python: str | None,
) -> subprocess.Popen[bytes]:
    """Start the child with its pipes (our copies of the write ends are closed again)."""
    out_w = channels.pipe(channels.stdout.feed)
    err_w = channels.pipe(channels.stderr.feed)
    events_w = channels.pipe(channels.relay)
    child_fds = [out_w, err_w, events_w]
    try:
        if jail is None:
            argv = engine_command(job_dir, ["--events-fd", str(events_w), *extra_args], python)
            env, cwd, preexec = sandbox_env(job_dir), job_dir, limit_setter(limits)
        else:
            assert run_dir is not None
            assert channels.spool is not None
            results_w = channels.pipe(channels.spool.feed)
            status_w = channels.pipe(channels.status.feed)
            child_fds += [results_w, status_w]
            inner_dir = Path(JOB_ROOT)
            inner = engine_command(
                inner_dir, ["--events-fd", str(events_w), *extra_args], python or sys.executable
            )
            vendor = job_dir / "vendor"
            argv = jail.command(
                run_dir,
                vendor=jail.share_vendor(vendor) if _has_packages(vendor) else None,
                inner=inner,
                env=sandbox_env(inner_dir),
                disk_bytes=limits.disk_mb * _MB,
                status_fd=status_w,
                results_fd=results_w,
                events_fd=events_w,
            )
            # bubblewrap itself starts with an empty environment and from a neutral folder.
            env, cwd, preexec = {}, Path("/"), limit_setter(limits, then=jail.switch_user())
        return subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out_w,
            stderr=err_w,
            pass_fds=child_fds[2:],
            close_fds=True,
            start_new_session=True,  # its own process group, so killpg reaches grandchildren
            preexec_fn=preexec,  # single-threaded caller: see _limit_setter
        )
    finally:
        for fd in child_fds:
            os.close(fd)


def _has_packages(vendor: Path) -> bool:
    return vendor.is_dir() and any(vendor.iterdir())


def run_engine(
    job_dir: Path,
    *,
    limits: SandboxLimits,
    jail: Jail | None,
    extra_args: Sequence[str] = (),
    on_event: Callable[[dict[str, Any]], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    poll_interval: float = 0.1,
    python: str | None = None,
) -> SandboxOutcome:
    """Run ``python -m ade_engine --job-dir job_dir *extra_args`` in the sandbox: in `jail`,
    or unjailed when `jail` is None (``ADE_SANDBOX=none``).

    Blocks until the child has ended. ``on_event`` receives every accepted event in order, on
    this thread, while the child runs; ``should_cancel`` is asked every ``poll_interval``
    seconds. If either callback raises, the child's process group is killed and reaped and the
    exception propagates. A child that cannot be started at all (no such interpreter,
    preexec_fn failed) raises as well: that is a worker problem, not a job outcome.
    """
    job_dir = Path(job_dir).resolve()
    logs = _prepare(job_dir)
    channels = RunChannels(logs, limits, on_event)
    run_dir: Path | None = None
    spool_path = logs / ".results.tar"
    try:
        if jail is not None:
            run_dir = jail.stage(job_dir)
            channels.spool = ResultSpool(spool_path, limits.disk_mb * _MB + _MB)
        started = time.monotonic()
        proc = _spawn(
            job_dir,
            channels,
            jail=jail,
            run_dir=run_dir,
            limits=limits,
            extra_args=extra_args,
            python=python,
        )
        channels.watch_exit(proc.pid)
        stopped, ended = _supervise(proc, channels, limits, should_cancel, poll_interval, started)
        elapsed_ms = round((time.monotonic() - started) * 1000)
        spool = channels.spool
        channels.close()
        if spool is not None and not spool.overflow:
            extract_results(spool_path, job_dir / "output", max_bytes=limits.disk_mb * _MB)
    finally:
        channels.close()
        spool_path.unlink(missing_ok=True)
        if run_dir is not None:
            shutil.rmtree(run_dir, ignore_errors=True)
    return _outcome(job_dir, channels, jail, stopped, ended, elapsed_ms, limits)


def _supervise(
    proc: subprocess.Popen[bytes],
    channels: RunChannels,
    limits: SandboxLimits,
    should_cancel: Callable[[], bool] | None,
    poll_interval: float,
    started: float,
) -> tuple[Literal["timeout", "cancelled", "output"] | None, tuple[int, float]]:
    """Relay the child's pipes until it ends, is cancelled, runs out of time or writes too
    much back; then kill its whole group and read what is left in the pipes."""
    pgid = proc.pid  # a new session's leader is also its process group's leader
    stopped: Literal["timeout", "cancelled", "output"] | None = None
    ended: tuple[int, float] | None = None
    try:
        while True:
            ended = _reap(proc.pid)
            if ended is not None:
                break
            channels.pump(poll_interval)
            if should_cancel is not None and should_cancel():
                stopped = "cancelled"
                break
            if time.monotonic() - started >= limits.wall_seconds:
                stopped = "timeout"
                break
            if channels.spool is not None and channels.spool.overflow:
                stopped = "output"
                break
        if ended is None:
            _kill_group(pgid)
            ended = _wait(proc.pid)
        # Also after a normal exit: config code may have left background processes behind.
        _kill_group(pgid)
        channels.drain(DRAIN_SECONDS)
    except BaseException:
        _kill_group(pgid)
        if ended is None:
            ended = _wait(proc.pid)
        raise
    finally:
        # We reaped the child with os.wait4; tell Popen so it never waits for a reused pid.
        proc.returncode = ended[0] if ended is not None else proc.returncode
    if stopped is not None and ended[0] != -signal.SIGKILL:
        # The child ended on its own between our last look and the kill: report that instead.
        stopped = None
    return stopped, ended


def _outcome(
    job_dir: Path,
    channels: RunChannels,
    jail: Jail | None,
    stopped: Literal["timeout", "cancelled", "output"] | None,
    ended: tuple[int, float],
    elapsed_ms: int,
    limits: SandboxLimits,
) -> SandboxOutcome:
    returncode, cpu_used = ended
    stderr = tail(channels.stderr.path)
    summary = channels.events.summary()
    if summary is not None and channels.on_event is not None:
        channels.on_event(summary)
    if stopped == "timeout":
        message = f"the run took longer than {limits.wall_seconds:g} s and was stopped"
        error = {"type": "TimeoutError", "message": message}
        return SandboxOutcome("timeout", None, elapsed_ms, error, False, stderr)
    if stopped == "cancelled":
        cancelled = {"type": "Cancelled", "message": "the run was cancelled"}
        return SandboxOutcome("cancelled", None, elapsed_ms, cancelled, False, stderr)
    if stopped == "output":
        message = f"the run's output is larger than the sandbox disk limit of {limits.disk_mb} MB"
        return SandboxOutcome(
            "failed", None, elapsed_ms, {"type": "DiskLimit", "message": message}, False, stderr
        )
    if jail is not None:
        # An exit of its own without running the command: bubblewrap could not set up the
        # jail. (Killed by a signal, it was someone else's kill: judged like any other below.)
        if not channels.status.ran and returncode >= 0:
            return SandboxOutcome(
                "failed", returncode, elapsed_ms, _jail_failed(stderr), False, stderr
            )
        if 128 < returncode < 128 + 65:
            returncode = 128 - returncode  # the jail's shell reports a death by signal N as 128+N
    status, exit_error, retryable = outcome_for_exit(job_dir, returncode, cpu_used, stderr, limits)
    return SandboxOutcome(status, returncode, elapsed_ms, exit_error, retryable, stderr)


def _jail_failed(stderr: str) -> dict[str, Any]:
    """bubblewrap exited before starting the child: the jail itself could not be set up."""
    reasons = [line for line in stderr.splitlines() if line.startswith("bwrap:")]
    reason = reasons[-1].removeprefix("bwrap:").strip() if reasons else "no reason given"
    message = f"the sandbox jail could not be set up: {reason}"
    return {"type": "SandboxUnavailable", "message": message}
