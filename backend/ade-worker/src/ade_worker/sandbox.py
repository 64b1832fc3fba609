"""The sandbox: the one place that runs config-package code.

The worker (jobs) and the API (config plans, dry-runs and import checks) both call
:func:`run_engine`, which launches ``python -m ade_engine`` for one job folder:

* **jailed** (the default; see :mod:`ade_worker.jail`): inside bubblewrap, as the sandbox user,
  with no network, no host ``/proc``, no data dir, and a size-capped ``/job``; the job's input
  and config are staged for it and its ``output/`` comes back as a tar stream on a pipe;
  **warm** when the jail has a zygote that is up (``ADE_SANDBOX_WARM``, the worker; see
  :mod:`ade_worker.zygote`): forked from it into a jail of its own, the same pipes handed over,
  the end reported by the run's supervisor; **cold** otherwise (a bubblewrap per run);
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

import logging
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from ade_worker.channels import ResultSpool, RunChannels, extract_results
from ade_worker.children import Child, ColdChild, WarmChild
from ade_worker.jail import JOB_ROOT, Jail
from ade_worker.limits import (
    SANDBOX_NICENESS,
    SandboxLimits,
    die_with_parent,
    limit_setter,
    rlimits,
)
from ade_worker.outcome import (
    SandboxOutcome,
    SandboxStatus,
    jail_failed,
    outcome_for_exit,
    tail,
)
from ade_worker.zygote import EVENTS_FD, WarmRun, Zygote, ZygoteDownError, warm_spec

log = logging.getLogger(__name__)

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


def _spawn_warm(
    job_dir: Path,
    channels: RunChannels,
    zygote: Zygote,
    run_dir: Path,
    limits: SandboxLimits,
    extra_args: Sequence[str],
) -> WarmRun:
    """Hand the run to the zygote (raises ZygoteDownError when it is not there)."""
    assert channels.spool is not None
    vendor = job_dir / "vendor"
    shared = zygote.jail.share_vendor(vendor) if _has_packages(vendor) else None
    settings = rlimits(limits, jailed=True)
    early = [(n, *v) for n, v in settings if n != resource.RLIMIT_AS]
    late = [(n, *v) for n, v in settings if n == resource.RLIMIT_AS]
    spec = warm_spec(
        run=run_dir.name,
        vendor=shared.name if shared is not None else None,
        argv=["--job-dir", JOB_ROOT, "--events-fd", str(EVENTS_FD), *extra_args],
        env=sandbox_env(Path(JOB_ROOT)),
        disk_bytes=limits.disk_mb * _MB,
        limits=early,
        late_limits=late,
        nice=SANDBOX_NICENESS,
    )
    fds = [
        channels.pipe(channels.stdout.feed),
        channels.pipe(channels.stderr.feed),
        channels.pipe(channels.relay),
        channels.pipe(channels.spool.feed),
    ]
    try:
        return zygote.submit(spec, fds)
    finally:
        for fd in fds:
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
    config: Path | None = None,
) -> SandboxOutcome:
    """Run ``python -m ade_engine --job-dir job_dir *extra_args`` in the sandbox: in `jail`
    (warm, through its zygote, when it has one that is up; else cold), or unjailed when `jail`
    is None (``ADE_SANDBOX=none``).

    Blocks until the child has ended. ``on_event`` receives every accepted event in order, on
    this thread, while the child runs; ``should_cancel`` is asked every ``poll_interval``
    seconds (the run's end is seen at once, not at the next poll). If either callback raises,
    the run is killed and reaped and the exception propagates. A child that cannot be started
    at all (no such interpreter, preexec_fn failed) raises as well: that is a worker problem,
    not a job outcome.

    ``config``: where the config's files are when not in ``job_dir/config`` (a jailed run
    stages its copy from there; see :mod:`ade_worker.config_cache`).
    """
    job_dir = Path(job_dir).resolve()
    logs = _prepare(job_dir)
    channels = RunChannels(logs, limits, on_event)
    run_dir: Path | None = None
    spool_path = logs / ".results.tar"
    child: Child | None = None
    try:
        if jail is not None:
            run_dir = jail.stage(job_dir, config=config)
            channels.spool = ResultSpool(spool_path, limits.disk_mb * _MB + _MB)
        started = time.monotonic()
        zygote = jail.zygote if jail is not None and python is None else None
        if zygote is not None and run_dir is not None and zygote.up():
            try:
                run = _spawn_warm(job_dir, channels, zygote, run_dir, limits, extra_args)
                child = WarmChild(run, channels)
            except ZygoteDownError as exc:
                log.warning("sandbox: the warm start failed, running cold: %s", exc)
                channels.close()
                channels = RunChannels(logs, limits, on_event)
                channels.spool = ResultSpool(spool_path, limits.disk_mb * _MB + _MB)
        if child is None:
            proc = _spawn(
                job_dir,
                channels,
                jail=jail,
                run_dir=run_dir,
                limits=limits,
                extra_args=extra_args,
                python=python,
            )
            child = ColdChild(proc, channels)
        stopped, ended = _supervise(child, channels, limits, should_cancel, poll_interval, started)
        elapsed_ms = round((time.monotonic() - started) * 1000)
        spool = channels.spool
        channels.close()
        if spool is not None and not spool.overflow:
            extract_results(spool_path, job_dir / "output", max_bytes=limits.disk_mb * _MB)
    finally:
        channels.close()
        if child is not None:
            child.close()
        spool_path.unlink(missing_ok=True)
        if run_dir is not None:
            shutil.rmtree(run_dir, ignore_errors=True)
    return _outcome(job_dir, channels, jail, child.lost, stopped, ended, elapsed_ms, limits)


def _supervise(
    child: Child,
    channels: RunChannels,
    limits: SandboxLimits,
    should_cancel: Callable[[], bool] | None,
    poll_interval: float,
    started: float,
) -> tuple[Literal["timeout", "cancelled", "output"] | None, tuple[int, float]]:
    """Relay the child's pipes until it ends, is cancelled, runs out of time or writes too
    much back; then kill the whole run and read what is left in the pipes.

    The run's end wakes the select at once (a pidfd for a cold child, the supervisor's report
    for a warm one); ``poll_interval`` only paces the cancel check and the wall clock."""
    stopped: Literal["timeout", "cancelled", "output"] | None = None
    ended: tuple[int, float] | None = None
    next_check = time.monotonic() + poll_interval
    try:
        while True:
            ended = child.ended()
            if ended is not None:
                break
            now = time.monotonic()
            deadline = min(next_check, started + limits.wall_seconds)
            channels.pump(max(0.0, deadline - now))
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + poll_interval
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
            child.kill()
            ended = child.wait()
        # Also after a normal exit: config code may have left background processes behind.
        child.kill()
        channels.drain(DRAIN_SECONDS)
    except BaseException:
        child.kill()
        if ended is None:
            ended = child.wait()
        raise
    if stopped is not None and ended[0] != -signal.SIGKILL:
        # The child ended on its own between our last look and the kill: report that instead.
        stopped = None
    return stopped, ended


def _outcome(
    job_dir: Path,
    channels: RunChannels,
    jail: Jail | None,
    lost: bool,
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
    if lost:
        message = "the sandbox's warm start (its zygote) stopped during the run"
        error = {"type": "Crashed", "message": message}
        return SandboxOutcome("crashed", None, elapsed_ms, error, True, stderr)
    if jail is not None:
        # An exit of its own without running the command: bubblewrap could not set up the
        # jail. (Killed by a signal, it was someone else's kill: judged like any other below.)
        if not channels.status.ran and returncode >= 0:
            return SandboxOutcome(
                "failed", returncode, elapsed_ms, jail_failed(stderr), False, stderr
            )
        if 128 < returncode < 128 + 65:
            returncode = 128 - returncode  # the jail's shell reports a death by signal N as 128+N
    status, exit_error, retryable = outcome_for_exit(job_dir, returncode, cpu_used, stderr, limits)
    return SandboxOutcome(status, returncode, elapsed_ms, exit_error, retryable, stderr)
