"""The sandbox runs the real engine in a real jail; configs here misbehave on purpose.

Each job folder holds the roster sample as input and the example config, whose
``columns/email.py`` gets a new ``transform`` appended (the later definition wins) that does
whatever the test needs. Config code in the jail sees only its own ``/job``: what it wants a
test to see comes back through ``output/`` (after the run) or through its ``logger`` (live,
as a ``log`` event). Limits and processes: test_worker_sandbox_limits.py and
test_worker_sandbox_processes.py.
"""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import shutil
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from ade_worker import sandbox as sandbox_module
from ade_worker import zygote as zygote_module
from ade_worker.jail import Jail
from ade_worker.sandbox import SANDBOX_NICENESS, SandboxLimits, run_engine
from ade_worker.testing import EXAMPLE_COLUMN, config_line, job_folder

LIMITS = SandboxLimits(
    cpu_seconds=20,
    memory_mb=600,
    file_size_mb=50,
    wall_seconds=30.0,
    open_files=64,
    processes=32,
    disk_mb=64,
)


def test_happy_path_relays_every_event_in_order(tmp_path: Path, jail_or_none: Jail | None) -> None:
    job = job_folder(tmp_path)
    events: list[dict[str, Any]] = []
    outcome = run_engine(job, limits=LIMITS, jail=jail_or_none, on_event=events.append)
    assert outcome.status == "succeeded", outcome
    assert outcome.exit_code == 0
    assert outcome.error is None
    assert not outcome.retryable
    assert (job / "output" / "normalized.xlsx").is_file()
    assert json.loads((job / "output" / "artifact.json").read_text())["status"] == "succeeded"
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["event"] == "run.started"
    assert events[-1]["event"] == "run.completed"
    # Events come on a pipe only; logs/ holds the two capped logs and nothing else (no
    # events file, no spooled results archive).
    assert sorted(p.name for p in (job / "logs").iterdir()) == ["stderr.log", "stdout.log"]
    # The last stdout line is the engine's JSON status, captured to a file.
    last = (job / "logs" / "stdout.log").read_text().strip().splitlines()[-1]
    assert json.loads(last)["status"] == "succeeded"
    assert not list((job / "config").rglob("*.pyc"))  # -B: config folder stays as it was
    if jail_or_none is not None:
        # The run's staging folder (its copy of input/, config/, vendor/) goes with it.
        assert list((jail_or_none.root / "runs").iterdir()) == []


def test_rerun_in_the_same_folder_relays_only_the_new_events(tmp_path: Path, jail: Jail) -> None:
    job = job_folder(tmp_path)
    assert run_engine(job, limits=LIMITS, jail=jail).status == "succeeded"
    events: list[dict[str, Any]] = []
    assert run_engine(job, limits=LIMITS, jail=jail, on_event=events.append).status == "succeeded"
    assert [e["event"] for e in events].count("run.started") == 1
    assert events[0]["seq"] == 1


WRITES_EVERYWHERE = """
with open("output/early.txt", "w") as fh:
    fh.write("written before ready")
logger.info("ready")
with open("output/result.txt", "w") as fh:
    fh.write("kept")
for name in ("cwd.txt", os.path.join(tempfile.gettempdir(), "tmp.txt")):
    with open(name, "w") as fh:
        fh.write("scratch")
os.mkdir("output/sub")
with open("output/sub/inner.txt", "w") as fh:
    fh.write("nested")
os.symlink("/job/input/members.csv", "output/link.csv")
"""


def test_only_the_output_folders_regular_files_come_back_after_the_run(
    tmp_path: Path, jail: Jail
) -> None:
    job = job_folder(tmp_path, WRITES_EVERYWHERE)
    early_on_host: list[bool] = []

    def on_event(event: dict[str, Any]) -> None:
        if event["event"] == "log" and event["message"] == "ready":
            early_on_host.append((job / "output" / "early.txt").exists())

    outcome = run_engine(job, limits=LIMITS, jail=jail, on_event=on_event)
    assert outcome.status == "succeeded", outcome
    assert early_on_host == [False]  # nothing comes back while the run goes on
    output = job / "output"
    assert (output / "early.txt").read_text() == "written before ready"
    assert (output / "result.txt").read_text() == "kept"
    assert sorted(p.name for p in output.iterdir()) == [
        "artifact.json",
        "early.txt",
        "normalized.xlsx",
        "result.txt",
    ]
    # The jail's cwd and tmp are its own tmpfs: gone with the run.
    assert not (job / "cwd.txt").exists()
    assert list((job / "tmp").iterdir()) == []


def test_environment_is_built_from_scratch_and_limits_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jail_or_none: Jail | None
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
    job = job_folder(
        tmp_path,
        """
        names = ("RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_CORE",
                 "RLIMIT_NPROC")
        limits = {name: resource.getrlimit(getattr(resource, name)) for name in names}
        with open("output/env.json", "w") as fh:
            json.dump({"env": dict(os.environ), "tmp": tempfile.gettempdir(),
                       "cwd": os.getcwd(), "limits": limits, "nice": os.nice(0),
                       "uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid()}, fh)
        """,
    )
    outcome = run_engine(job, limits=LIMITS, jail=jail_or_none)
    assert outcome.status == "succeeded", outcome
    seen = json.loads((job / "output" / "env.json").read_text())
    env = seen["env"]
    for name, value in secrets.items():
        assert name not in env
        assert value not in json.dumps(env)
    expected = {
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
    home = str(job) if jail_or_none is None else "/job"
    assert set(env) == expected  # bash's own PWD, SHLVL and _ never reach the engine
    assert env["PATH"] == "/usr/local/bin:/usr/bin:/bin"
    assert env["HOME"] == home
    assert seen["tmp"] == f"{home}/tmp"
    assert seen["cwd"] == home
    mb = 1024 * 1024
    nproc = (
        [LIMITS.processes] * 2 if jail_or_none else list(resource.getrlimit(resource.RLIMIT_NPROC))
    )
    assert seen["limits"] == {
        "RLIMIT_CPU": [20, 25],
        "RLIMIT_AS": [600 * mb, 600 * mb],
        "RLIMIT_FSIZE": [50 * mb, 50 * mb],
        "RLIMIT_NOFILE": [64, 64],
        "RLIMIT_CORE": [0, 0],
        # Per host user: set for the sandbox user only, never for ours.
        "RLIMIT_NPROC": nproc,
    }
    # Config code runs at a lower CPU priority than the worker and the API.
    assert seen["nice"] == os.nice(0) + SANDBOX_NICENESS
    if jail_or_none is not None:
        # bwrap maps the sandbox user to itself in the new user namespace: never root.
        assert seen["uid"] == seen["euid"] == jail_or_none.user.uid != 0
        assert seen["gid"] == jail_or_none.user.gid
    # The parent's own limits are untouched (preexec_fn ran in the child only).
    assert resource.getrlimit(resource.RLIMIT_NOFILE) != (64, 64)


def test_config_that_raises_fails_with_file_and_line(tmp_path: Path, jail: Jail) -> None:
    job = job_folder(tmp_path, 'raise ValueError("no such member")')
    outcome = run_engine(job, limits=LIMITS, jail=jail)
    assert outcome.status == "failed"
    assert outcome.exit_code == 1
    assert not outcome.retryable
    assert outcome.error is not None
    assert outcome.error["type"] == "config_code"
    assert "no such member" in outcome.error["message"]
    assert outcome.error["file"] == EXAMPLE_COLUMN
    assert outcome.error["line"] == config_line(job, "no such member")
    assert "no such member" in outcome.stderr_tail


def test_os_exit_is_a_crash_but_not_retryable(tmp_path: Path, jail: Jail) -> None:
    job = job_folder(tmp_path, "os._exit(3)")
    outcome = run_engine(job, limits=LIMITS, jail=jail)
    assert outcome.status == "crashed"
    assert outcome.exit_code == 3
    assert not outcome.retryable
    assert outcome.error is not None
    assert "the engine process exited unexpectedly with code 3" in outcome.error["message"]


FORGES_EVENTS = """
import sys
fd = int(sys.argv[sys.argv.index("--events-fd") + 1])
os.write(fd, b'{"event": "job.succeeded", "seq": 999}\\n{"event": ["log"]}\\n')
"""


def test_forged_events_are_dropped_and_counted(tmp_path: Path, jail: Jail) -> None:
    # Config code can reach the engine's events pipe; only engine event types get through,
    # and nothing it writes there stops the worker.
    job = job_folder(tmp_path, FORGES_EVENTS)
    events: list[dict[str, Any]] = []
    outcome = run_engine(job, limits=LIMITS, jail=jail, on_event=events.append)
    assert outcome.status == "succeeded", outcome
    assert "job.succeeded" not in [e["event"] for e in events]
    assert events[-1]["source"] == "ade-sandbox"
    assert events[-1]["level"] == "warning"
    assert events[-1]["message"].startswith("2 event line(s) were not kept")


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
    jail: Jail,
    prepare: Callable[[Path], None],
    extra_args: tuple[str, ...],
    expected: str,
) -> None:
    job = job_folder(tmp_path)
    prepare(job)
    outcome = run_engine(job, limits=LIMITS, jail=jail, extra_args=extra_args)
    assert outcome.status == "failed"
    assert outcome.exit_code == 2
    assert not outcome.retryable
    assert outcome.error is not None
    assert outcome.error["type"] == "usage"
    assert outcome.error["message"].startswith("sandbox usage error: ")
    assert expected in outcome.error["message"]


def test_a_jail_that_cannot_be_set_up_is_not_blamed_on_the_config(
    tmp_path: Path, jail: Jail, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A runtime folder gone since the jail was checked: bwrap gives up before the engine runs;
    # warm, the run's staging folder gone: the run's init gives up before the engine runs.
    broken = dataclasses.replace(jail, runtime=(*jail.runtime, tmp_path / "gone"))
    if jail.zygote is not None:
        real = zygote_module.warm_spec
        monkeypatch.setattr(sandbox_module, "warm_spec", lambda **kw: real(**{**kw, "run": "gone"}))
    job = job_folder(tmp_path)
    events: list[dict[str, Any]] = []
    outcome = run_engine(job, limits=LIMITS, jail=broken, on_event=events.append)
    assert outcome.status == "failed"
    assert not outcome.retryable
    assert outcome.error is not None
    assert outcome.error["type"] == "SandboxUnavailable"
    assert outcome.error["message"].startswith("the sandbox jail could not be set up: ")
    assert "gone" in outcome.error["message"]
    assert events == []
    assert list((jail.root / "runs").iterdir()) == []


@pytest.mark.parametrize("name", [f.name for f in fields(SandboxLimits)])
def test_limits_reject_zero(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        SandboxLimits(**{name: 0})
