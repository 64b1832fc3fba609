"""The jailed run's resource limits: CPU time, memory, file size and the disk it may write.

Job folders as in test_worker_sandbox.py; each limit is set small enough to be hit in seconds.
"""

from __future__ import annotations

import dataclasses
import signal
from pathlib import Path

from ade_worker.jail import Jail
from ade_worker.sandbox import SandboxLimits, run_engine
from ade_worker.testing import config_line, job_folder

LIMITS = SandboxLimits(
    cpu_seconds=20, memory_mb=600, file_size_mb=50, wall_seconds=30.0, open_files=64, disk_mb=64
)
SPIN = "while True:\n    pass"


def test_cpu_time_limit(tmp_path: Path, jail: Jail) -> None:
    job = job_folder(tmp_path, SPIN)
    outcome = run_engine(job, limits=dataclasses.replace(LIMITS, cpu_seconds=2), jail=jail)
    assert outcome.status == "failed"
    assert outcome.exit_code == -signal.SIGXCPU
    assert not outcome.retryable
    assert outcome.error is not None
    assert outcome.error["type"] == "CpuTimeLimit"
    assert "CPU time limit of 2 s" in outcome.error["message"]
    assert outcome.elapsed_ms < 10_000


def test_cpu_limit_holds_when_the_config_ignores_sigxcpu(tmp_path: Path, jail: Jail) -> None:
    # The kernel then SIGKILLs at the hard limit (soft + 5 s): still the config's fault.
    job = job_folder(tmp_path, f"signal.signal(signal.SIGXCPU, signal.SIG_IGN)\n{SPIN}")
    outcome = run_engine(job, limits=dataclasses.replace(LIMITS, cpu_seconds=1), jail=jail)
    assert outcome.status == "failed"
    assert outcome.exit_code == -signal.SIGKILL
    assert not outcome.retryable
    assert outcome.error is not None
    assert outcome.error["type"] == "CpuTimeLimit"


def test_a_limit_too_small_for_the_engine_itself_says_so(tmp_path: Path, jail: Jail) -> None:
    # The interpreter and the engine do not even load in 16 MB of address space (a small run
    # needs about 30 MB now that it no longer loads numpy and scipy).
    job = job_folder(tmp_path)
    outcome = run_engine(job, limits=dataclasses.replace(LIMITS, memory_mb=16), jail=jail)
    assert outcome.status == "failed"
    assert not outcome.retryable
    assert outcome.error is not None
    assert "memory limit is 16 MB" in outcome.error["message"]


def test_memory_limit(tmp_path: Path, jail: Jail) -> None:
    job = job_folder(tmp_path, "hoard = bytearray(2 * 1024 ** 3)")
    outcome = run_engine(job, limits=LIMITS, jail=jail)
    assert outcome.status == "failed"
    assert outcome.exit_code == 1
    assert not outcome.retryable
    assert outcome.error is not None
    assert outcome.error["exception"] == "MemoryError"
    assert outcome.error["line"] == config_line(job, "hoard = ")
    assert "memory limit is 600 MB" in outcome.error["message"]


def write_mb(name: str, megabytes: int) -> str:
    """Config code that writes `megabytes` MB into output/`name`, one MB at a time."""
    return f"""
        with open("output/{name}", "wb") as fh:
            for _ in range({megabytes}):
                fh.write(b"x" * 1024 * 1024)
                fh.flush()
        """


def test_file_size_limit(tmp_path: Path, jail: Jail) -> None:
    job = job_folder(tmp_path, write_mb("big.bin", 20))
    outcome = run_engine(job, limits=dataclasses.replace(LIMITS, file_size_mb=5), jail=jail)
    assert outcome.status == "failed"
    assert outcome.exit_code == 1
    assert not outcome.retryable
    assert outcome.error is not None
    assert outcome.error["exception"] == "OSError"
    assert "file size limit is 5 MB" in outcome.error["message"]
    # What was written up to the limit still comes back, and no more.
    assert (job / "output" / "big.bin").stat().st_size == 5 * 1024 * 1024


def test_disk_limit_caps_what_a_run_writes_in_all(tmp_path: Path, jail: Jail) -> None:
    # Within the file size limit, over the jail's 8 MB tmpfs. The engine cannot even write
    # its artifact then: the error comes from its last words on stderr.
    job = job_folder(tmp_path, write_mb("big.bin", 12))
    outcome = run_engine(job, limits=dataclasses.replace(LIMITS, disk_mb=8), jail=jail)
    assert outcome.status == "failed"
    assert outcome.exit_code == 1
    assert not outcome.retryable
    assert outcome.error is not None
    assert "No space left on device" in outcome.error["message"]
    assert "a run may write 8 MB in all: the sandbox disk limit" in outcome.error["message"]
    # What the run did write comes back, within the cap.
    assert 0 < (job / "output" / "big.bin").stat().st_size <= 8 * 1024 * 1024
