"""The sandbox runs the real engine in a real subprocess; configs here misbehave on purpose.

Each job folder holds the roster sample as input and the roster example config, whose
``columns/email.py`` gets a new ``transform`` appended (the later definition wins) that does
whatever the test needs. Limits are small so the whole file runs in well under a minute.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ade_engine import init_config
from ade_worker.sandbox import SANDBOX_NICENESS, SandboxLimits, _EventTail, run_engine

LIMITS = SandboxLimits(
    cpu_seconds=20, memory_mb=600, file_size_mb=50, wall_seconds=30.0, open_files=64
)
COLUMN = Path("columns") / "email.py"


def make_job(root: Path, transform_body: str | None = None) -> Path:
    """A job folder: input/members.csv and config/ (with an optional misbehaving transform)."""
    job = root / "job"
    (job / "input").mkdir(parents=True)
    init_config(job / "config")
    shutil.copy(job / "config" / "samples" / "members.csv", job / "input" / "members.csv")
    if transform_body is not None:
        code = "\n\nimport json, os, resource, signal, subprocess, tempfile, time\n\n\n"
        code += "def transform(*, values, logger, **_):\n"
        code += textwrap.indent(textwrap.dedent(transform_body).strip("\n"), "    ") + "\n"
        code += "    return values\n"
        with (job / "config" / COLUMN).open("a", encoding="utf-8") as fh:
            fh.write(code)
    return job


def line_of(job: Path, text: str) -> int:
    """The 1-based line of the config's column module that contains ``text``."""
    lines = (job / "config" / COLUMN).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def group_members(pgid: int) -> list[tuple[int, str]]:
    """(pid, state) of every process in group ``pgid``, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, pgrp, ...
        if int(fields[2]) == pgid:
            found.append((int(entry.name), fields[0]))
    return found


def assert_group_gone(pgid: int) -> None:
    """No live process is left in group ``pgid`` (zombies only wait for init to reap them)."""
    deadline = time.monotonic() + 3
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        live = [pid for pid, state in group_members(pgid) if state not in ("Z", "X")]
        if not live:
            return
        assert time.monotonic() < deadline, f"processes of group {pgid} survived: {live}"
        time.sleep(0.05)


def read_ints(path: Path) -> list[int]:
    return [int(x) for x in path.read_text().split()]


def wait_for(path: Path, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


# A transform that starts a child process, records its process group, then sleeps. The engine's
# guard refuses subprocess and os.fork (an audit hook); calling libc's fork through ctypes gets
# around it, as code escaping the guard would, which is what the process-group kill is for.
SPAWN_AND_SLEEP = """
import ctypes
child, how = None, None
for how in ("subprocess", "os.fork", "libc fork"):
    try:
        if how == "subprocess":
            child = subprocess.Popen(["sleep", "60"]).pid
            break
        child = os.fork() if how == "os.fork" else ctypes.CDLL(None).fork()
    except PermissionError:
        continue
    if child == 0:
        time.sleep(60)
        os._exit(0)
    break
with open("spawned", "w") as fh:
    fh.write(how)
with open("pids", "w") as fh:
    fh.write(f"{os.getpgid(0)} {os.getpid()} {child}")
open("ready", "w").close()  # pids is complete
time.sleep(60)
"""


def test_happy_path_relays_every_event_in_order(tmp_path: Path) -> None:
    job = make_job(tmp_path)
    events: list[dict[str, Any]] = []
    outcome = run_engine(job, limits=LIMITS, on_event=events.append)
    assert outcome.status == "succeeded", outcome
    assert outcome.exit_code == 0
    assert outcome.error is None
    assert not outcome.retryable
    assert (job / "output" / "normalized.xlsx").is_file()
    assert json.loads((job / "output" / "artifact.json").read_text())["status"] == "succeeded"
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["event"] == "run.started"
    assert events[-1]["event"] == "run.completed"
    on_disk = (job / "logs" / "events.ndjson").read_text().splitlines()
    assert events == [json.loads(line) for line in on_disk]
    # The last stdout line is the engine's JSON status, captured to a file.
    last = (job / "logs" / "stdout.log").read_text().strip().splitlines()[-1]
    assert json.loads(last)["status"] == "succeeded"
    assert (job / "tmp").is_dir()
    assert not list((job / "config").rglob("*.pyc"))  # -B: config folder stays as it was


def test_rerun_in_the_same_folder_relays_only_the_new_events(tmp_path: Path) -> None:
    job = make_job(tmp_path)
    assert run_engine(job, limits=LIMITS).status == "succeeded"
    events: list[dict[str, Any]] = []
    assert run_engine(job, limits=LIMITS, on_event=events.append).status == "succeeded"
    assert [e["event"] for e in events].count("run.started") == 1


def test_environment_is_scrubbed_and_limits_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = {
        "ADE_SECRET_KEY": "s3cret",
        "ADE_DATABASE_URL": "postgresql://u:pw@db/ade",
        "ADE_REDIS_URL": "redis://:pw@redis:6379/0",
        "AWS_SECRET_ACCESS_KEY": "aws-s3cret",
        "PYTHONPATH": "/nowhere",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    job = make_job(
        tmp_path,
        """
        limits = {
            name: resource.getrlimit(getattr(resource, name))
            for name in ("RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_CORE")
        }
        with open(os.path.join(os.getcwd(), "env.json"), "w") as fh:
            json.dump({"env": dict(os.environ), "tmp": tempfile.gettempdir(),
                       "cwd": os.getcwd(), "limits": limits, "nice": os.nice(0)}, fh)
        """,
    )
    outcome = run_engine(job, limits=LIMITS)
    assert outcome.status == "succeeded", outcome
    seen = json.loads((job / "env.json").read_text())
    env = seen["env"]
    for name, value in secrets.items():
        assert name not in env
        assert value not in json.dumps(env)
    assert set(env) == {
        "PATH",
        "HOME",
        "TMPDIR",
        "LANG",
        "LC_ALL",
        "PYTHONUNBUFFERED",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
    }
    assert env["PATH"] == "/usr/local/bin:/usr/bin:/bin"
    assert env["HOME"] == str(job)
    assert seen["tmp"] == str(job / "tmp")
    assert seen["cwd"] == str(job)
    mb = 1024 * 1024
    assert seen["limits"] == {
        "RLIMIT_CPU": [20, 25],
        "RLIMIT_AS": [600 * mb, 600 * mb],
        "RLIMIT_FSIZE": [50 * mb, 50 * mb],
        "RLIMIT_NOFILE": [64, 64],
        "RLIMIT_CORE": [0, 0],
    }
    # Config code runs at a lower CPU priority than the worker and the API.
    assert seen["nice"] == os.nice(0) + SANDBOX_NICENESS
    # The parent's own limits are untouched (preexec_fn ran in the child only).
    assert resource.getrlimit(resource.RLIMIT_NOFILE) != (64, 64)


def test_config_that_raises_fails_with_file_and_line(tmp_path: Path) -> None:
    job = make_job(tmp_path, 'raise ValueError("no such member")')
    outcome = run_engine(job, limits=LIMITS)
    assert outcome.status == "failed"
    assert outcome.exit_code == 1
    assert not outcome.retryable
    assert outcome.error is not None
    assert outcome.error["type"] == "config_code"
    assert "no such member" in outcome.error["message"]
    assert outcome.error["file"] == COLUMN.as_posix()
    assert outcome.error["line"] == line_of(job, "no such member")
    assert "no such member" in outcome.stderr_tail


def test_wall_clock_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    job = make_job(tmp_path, SPAWN_AND_SLEEP)
    limits = SandboxLimits(
        cpu_seconds=20, memory_mb=600, file_size_mb=50, wall_seconds=3.0, open_files=64
    )
    t0 = time.monotonic()
    outcome = run_engine(job, limits=limits, poll_interval=0.05)
    took = time.monotonic() - t0
    assert outcome.status == "timeout"
    assert outcome.exit_code is None
    assert not outcome.retryable
    assert outcome.error == {
        "type": "TimeoutError",
        "message": "the run took longer than 3 s and was stopped",
    }
    assert 3.0 <= took < 4.5
    pgid, engine_pid, child_pid = read_ints(job / "pids")
    assert pgid == engine_pid  # the engine led its own group
    assert child_pid not in (0, engine_pid)
    assert pgid != os.getpgid(0)  # and that group was not ours
    assert_group_gone(pgid)


def test_cpu_time_limit(tmp_path: Path) -> None:
    job = make_job(tmp_path, "while True:\n    pass")
    limits = SandboxLimits(
        cpu_seconds=2, memory_mb=600, file_size_mb=50, wall_seconds=30.0, open_files=64
    )
    outcome = run_engine(job, limits=limits)
    assert outcome.status == "failed"
    assert outcome.exit_code == -signal.SIGXCPU
    assert not outcome.retryable
    assert outcome.error is not None
    assert outcome.error["type"] == "CpuTimeLimit"
    assert "CPU time limit of 2 s" in outcome.error["message"]
    assert outcome.elapsed_ms < 10_000


def test_cpu_limit_holds_when_the_config_ignores_sigxcpu(tmp_path: Path) -> None:
    # The kernel then SIGKILLs at the hard limit (soft + 5 s): still the config's fault.
    job = make_job(tmp_path, "signal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass")
    limits = SandboxLimits(
        cpu_seconds=1, memory_mb=600, file_size_mb=50, wall_seconds=30.0, open_files=64
    )
    outcome = run_engine(job, limits=limits)
    assert outcome.status == "failed"
    assert outcome.exit_code == -signal.SIGKILL
    assert not outcome.retryable
    assert outcome.error is not None
    assert outcome.error["type"] == "CpuTimeLimit"


def test_a_limit_too_small_for_the_engine_itself_says_so(tmp_path: Path) -> None:
    # numpy and scipy do not even load in 64 MB of address space (the roster needs ~110 MB).
    job = make_job(tmp_path)
    limits = SandboxLimits(
        cpu_seconds=20, memory_mb=64, file_size_mb=50, wall_seconds=30.0, open_files=64
    )
    outcome = run_engine(job, limits=limits)
    assert outcome.status == "failed"
    assert not outcome.retryable
    assert outcome.error is not None
    assert "memory limit is 64 MB" in outcome.error["message"]


def test_memory_limit(tmp_path: Path) -> None:
    job = make_job(tmp_path, "hoard = bytearray(2 * 1024 ** 3)")
    outcome = run_engine(job, limits=LIMITS)
    assert outcome.status == "failed"
    assert outcome.exit_code == 1
    assert not outcome.retryable
    assert outcome.error is not None
    assert outcome.error["exception"] == "MemoryError"
    assert outcome.error["line"] == line_of(job, "hoard = ")
    assert "memory limit is 600 MB" in outcome.error["message"]


def test_file_size_limit(tmp_path: Path) -> None:
    job = make_job(
        tmp_path,
        """
        with open("big.bin", "wb") as fh:
            for _ in range(20):
                fh.write(b"x" * 1024 * 1024)
        """,
    )
    limits = SandboxLimits(
        cpu_seconds=20, memory_mb=600, file_size_mb=5, wall_seconds=30.0, open_files=64
    )
    outcome = run_engine(job, limits=limits)
    assert outcome.status == "failed"
    assert outcome.exit_code == 1
    assert not outcome.retryable
    assert outcome.error is not None
    assert outcome.error["exception"] == "OSError"
    assert "file size limit is 5 MB" in outcome.error["message"]
    assert (job / "big.bin").stat().st_size <= 5 * 1024 * 1024


def test_os_exit_is_a_crash_but_not_retryable(tmp_path: Path) -> None:
    job = make_job(tmp_path, "os._exit(3)")
    outcome = run_engine(job, limits=LIMITS)
    assert outcome.status == "crashed"
    assert outcome.exit_code == 3
    assert not outcome.retryable
    assert outcome.error is not None
    assert "the engine process exited unexpectedly with code 3" in outcome.error["message"]


def test_cancel_stops_the_run_quickly(tmp_path: Path) -> None:
    job = make_job(tmp_path, SPAWN_AND_SLEEP)
    seen: list[float] = []

    def on_event(event: dict[str, Any]) -> None:
        if not seen:
            seen.append(time.monotonic())

    outcome = run_engine(
        job, limits=LIMITS, on_event=on_event, should_cancel=lambda: bool(seen), poll_interval=0.05
    )
    done = time.monotonic()
    assert outcome.status == "cancelled"
    assert outcome.exit_code is None
    assert not outcome.retryable
    assert outcome.error is not None
    assert outcome.error["type"] == "Cancelled"
    assert seen
    assert done - seen[0] < 2.0


def test_cancel_also_kills_what_the_config_started(tmp_path: Path) -> None:
    job = make_job(tmp_path, SPAWN_AND_SLEEP)
    outcome = run_engine(
        job, limits=LIMITS, should_cancel=lambda: (job / "ready").exists(), poll_interval=0.05
    )
    assert outcome.status == "cancelled"
    pgid, _, _ = read_ints(job / "pids")
    assert_group_gone(pgid)


PID_THEN_SLEEP = """
logger.info("pid", pid=os.getpid())
time.sleep(60)
"""


def test_sigkill_from_outside_is_a_retryable_crash(tmp_path: Path) -> None:
    job = make_job(tmp_path, PID_THEN_SLEEP)

    def on_event(event: dict[str, Any]) -> None:
        pid = event.get("data", {}).get("pid") if event["event"] == "log" else None
        if pid:
            os.kill(pid, signal.SIGKILL)  # an operator or the OOM killer, not the sandbox

    outcome = run_engine(job, limits=LIMITS, on_event=on_event, poll_interval=0.05)
    assert outcome.status == "crashed"
    assert outcome.exit_code == -signal.SIGKILL
    assert outcome.retryable
    assert outcome.error is not None
    assert outcome.error["message"] == "the engine process was killed by signal SIGKILL"
    assert outcome.elapsed_ms < 10_000


def test_on_event_exception_propagates_after_killing_the_child(tmp_path: Path) -> None:
    job = make_job(tmp_path, PID_THEN_SLEEP)
    pids: list[int] = []

    def on_event(event: dict[str, Any]) -> None:
        pid = event.get("data", {}).get("pid") if event["event"] == "log" else None
        if pid:
            pids.append(pid)
            raise RuntimeError("timeline is down")

    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="timeline is down"):
        run_engine(job, limits=LIMITS, on_event=on_event)
    assert time.monotonic() - t0 < 10
    assert pids
    assert_group_gone(pids[0])


@pytest.mark.parametrize(
    ("prepare", "extra_args", "expected"),
    [
        pytest.param(
            lambda job: shutil.rmtree(job / "input"),
            (),
            "must hold exactly one input file",
            id="no-input",
        ),
        pytest.param(lambda job: None, ("--bogus",), "unrecognized arguments: --bogus", id="args"),
    ],
)
def test_usage_errors_and_extra_args(
    tmp_path: Path,
    prepare: Callable[[Path], None],
    extra_args: tuple[str, ...],
    expected: str,
) -> None:
    job = make_job(tmp_path)
    prepare(job)
    outcome = run_engine(job, limits=LIMITS, extra_args=extra_args)
    assert outcome.status == "failed"
    assert outcome.exit_code == 2
    assert not outcome.retryable
    assert outcome.error is not None
    assert outcome.error["type"] == "usage"
    assert outcome.error["message"].startswith("sandbox usage error: ")
    assert expected in outcome.error["message"]


def test_event_tail_waits_for_the_file_and_for_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    tail = _EventTail(path)
    assert tail.read() == []  # not there yet
    with path.open("w") as fh:
        fh.write('{"seq": 1, "event": "run.started"}\n{"seq": 2, "ev')
        fh.flush()
        assert tail.read() == [{"seq": 1, "event": "run.started"}]
        assert tail.read() == []
        fh.write('ent": "log"}\nnot json\n[1, 2]\n{"seq": 3, "event": "run.completed"}\n')
        fh.flush()
        assert tail.read() == [{"seq": 2, "event": "log"}, {"seq": 3, "event": "run.completed"}]
    tail.close()


def test_limits_reject_zero() -> None:
    with pytest.raises(ValueError, match="wall_seconds"):
        SandboxLimits(wall_seconds=0)


LAUNCHER = """
import sys
from pathlib import Path
from ade_worker.sandbox import SandboxLimits, run_engine
run_engine(Path(sys.argv[1]), limits=SandboxLimits(wall_seconds=60.0))
"""


def test_a_sandbox_never_outlives_the_process_that_launched_it(tmp_path: Path) -> None:
    # A worker SIGKILLed mid-run cannot kill its sandbox: the kernel must (PR_SET_PDEATHSIG).
    # (Only the engine process itself: what config code forks past the guard is not covered.)
    job = make_job(
        tmp_path,
        """
        with open("pids", "w") as fh:
            fh.write(str(os.getpid()))
        open("ready", "w").close()
        time.sleep(60)
        """,
    )
    launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(job)])
    try:
        wait_for(job / "ready", 20)
        (engine_pid,) = read_ints(job / "pids")
        assert engine_pid != launcher.pid
    finally:
        launcher.kill()
        launcher.wait()
    deadline = time.monotonic() + 5
    while True:
        try:
            state = Path(f"/proc/{engine_pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            break
        if state in ("Z", "X"):
            break
        assert time.monotonic() < deadline, "the sandbox outlived its launcher"
        time.sleep(0.05)


def test_die_with_parent_reports_whether_it_applies() -> None:
    # In a child process: the signal must not be set on the test run itself.
    code = (
        "import ctypes, signal; from ade_worker.sandbox import die_with_parent\n"
        "applied = die_with_parent()\n"
        "got = ctypes.c_int()\n"
        "ctypes.CDLL(None).prctl(2, ctypes.byref(got))  # PR_GET_PDEATHSIG\n"
        "print(applied, got.value == signal.SIGKILL)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.split() == ["True", "True"]
