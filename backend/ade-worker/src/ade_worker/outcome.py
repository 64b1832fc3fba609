"""How a sandboxed engine run ended, in words a user can act on.

:func:`outcome_for_exit` maps the exit status of a run that ended on its own (or was killed by
someone else) to a status, an error and whether a rerun could succeed, pointing at the sandbox
limit behind an error where there is one.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ade_engine.artifact_types import Artifact, ArtifactError, load_artifact
from ade_worker.limits import SandboxLimits

SandboxStatus = Literal["succeeded", "failed", "timeout", "cancelled", "crashed"]
#: How much of stderr.log ends up in :attr:`SandboxOutcome.stderr_tail`.
STDERR_TAIL_BYTES = 4096


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


def tail(path: Path, size: int = STDERR_TAIL_BYTES) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - size))
            return fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    line = lines[-1]
    return line.removeprefix("error: ")


def read_artifact(job_dir: Path) -> Artifact | None:
    """The run's ``artifact.json``, or None when it left none of the artifact's shape."""
    try:
        return load_artifact((job_dir / "output" / "artifact.json").read_bytes())
    except (OSError, ArtifactError):
        return None


def _read_artifact_error(job_dir: Path) -> dict[str, Any] | None:
    artifact = read_artifact(job_dir)
    error = artifact["error"] if artifact else None
    return dict(error) if error and error["message"] else None


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
    elif "No space left on device" in message or "[Errno 28]" in message:
        error["message"] = (
            f"{message} (a run may write {limits.disk_mb} MB in all: the sandbox disk limit)"
        )
    return error


def outcome_for_exit(
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
            "message": last_line(stderr) or "the run failed without saying why",
        }
        return "failed", _explain_limits(error, stderr, limits), False
    if returncode == 2:
        detail = last_line(stderr) or "bad arguments or job folder"
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
    detail = last_line(stderr)
    if detail:
        message = f"{message}: {detail}"
    return "crashed", {"type": "Crashed", "message": message}, False


def jail_failed(stderr: str) -> dict[str, Any]:
    """bubblewrap (or a warm run's init) gave up before starting the engine: the jail itself
    could not be set up."""
    prefixes = ("bwrap:", "ade-zygote:")
    reasons = [line for line in stderr.splitlines() if line.startswith(prefixes)]
    reason = reasons[-1].split(":", 1)[1].strip() if reasons else "no reason given"
    message = f"the sandbox jail could not be set up: {reason}"
    return {"type": "SandboxUnavailable", "message": message}
