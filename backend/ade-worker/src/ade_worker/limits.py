"""The resource limits of one sandboxed run (shared by the sandbox, its outcomes and settings)."""

from __future__ import annotations

from dataclasses import dataclass


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
