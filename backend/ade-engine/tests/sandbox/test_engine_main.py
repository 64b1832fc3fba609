"""python -m ade_engine: one job folder in, outputs and exit codes out."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROWS = [["Member ID", "Email"], [1, "a@x.org"], [2, "b@x.org"]]


def make_job(root: Path, workbook: Path, config: Path) -> Path:
    (root / "input").mkdir(parents=True)
    shutil.copy(workbook, root / "input" / workbook.name)
    shutil.copytree(config, root / "config")
    return root


def engine(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ade_engine", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def test_job_folder_happy_path(
    tmp_path: Path, xlsx: Callable[..., Path], roster_config: Path
) -> None:
    job = make_job(tmp_path / "job", xlsx([{"name": "S", "rows": ROWS}]), roster_config)
    (job / "vendor").mkdir()
    (job / "vendor" / "roster_helper.py").write_text("MARK = 'vendored'\n")
    (job / "config" / "hooks" / "audit.py").write_text(
        "import roster_helper\n\ndef run(*, logger, **_):\n    logger.info(roster_helper.MARK)\n"
    )
    proc = engine("--job-dir", str(job))
    assert proc.returncode == 0, proc.stderr
    status = json.loads(proc.stdout.strip().splitlines()[-1])
    assert status["status"] == "succeeded"
    assert (job / "output" / "normalized.xlsx").is_file()
    art = json.loads((job / "output" / "artifact.json").read_text())
    assert art["status"] == "succeeded"
    assert art["metrics"]["rows_processed"] == 2
    events = [
        json.loads(line) for line in (job / "logs" / "events.ndjson").read_text().splitlines()
    ]
    assert events[0]["event"] == "run.started"
    assert events[-1]["event"] == "run.completed"
    assert any(e["event"] == "log" and e["message"] == "vendored" for e in events)


def test_the_input_is_named_as_its_user_knows_it(
    tmp_path: Path, xlsx: Callable[..., Path], roster_config: Path
) -> None:
    job = make_job(tmp_path / "job", xlsx([{"name": "S", "rows": ROWS}]), roster_config)
    staged = next((job / "input").iterdir()).name
    proc = engine("--job-dir", str(job), "--input-name", "Q1 members (final).xlsx")
    assert proc.returncode == 0, proc.stderr
    art = json.loads((job / "output" / "artifact.json").read_text())
    assert art["input"]["name"] == "Q1 members (final).xlsx"
    started = json.loads((job / "logs" / "events.ndjson").read_text().splitlines()[0])
    assert started["input"] == "Q1 members (final).xlsx"
    assert started["config"] == "config"  # the folder's name, when no other is given
    # A job names its config as its users know it; `--opt=value` keeps a leading dash a value.
    named = engine("--job-dir", str(job), "--input-name=-draft.xlsx", "--config-name=roster")
    assert named.returncode == 0, named.stderr
    started = json.loads((job / "logs" / "events.ndjson").read_text().splitlines()[0])
    assert (started["input"], started["config"]) == ("-draft.xlsx", "roster")
    # A CSV's one sheet is named after it too, not after the staged file.
    csv_job = tmp_path / "csv-job"
    (csv_job / "input").mkdir(parents=True)
    (csv_job / "input" / "source.csv").write_text("Member ID,Email\n1,a@x.org\n")
    shutil.copytree(roster_config, csv_job / "config")
    done = engine("--job-dir", str(csv_job), "--input-name", "members 2026.csv")
    assert done.returncode == 0, done.stderr
    sheets = json.loads((csv_job / "output" / "artifact.json").read_text())["sheets"]
    assert [s["name"] for s in sheets] == ["members 2026"]
    # Without it, the staged file's own name.
    again = engine("--job-dir", str(job))
    assert again.returncode == 0, again.stderr
    assert json.loads((job / "output" / "artifact.json").read_text())["input"]["name"] == staged


def test_cwd_is_the_default_job_folder(
    tmp_path: Path, xlsx: Callable[..., Path], roster_config: Path
) -> None:
    job = make_job(tmp_path / "job", xlsx([{"name": "S", "rows": ROWS}]), roster_config)
    proc = engine(cwd=job)
    assert proc.returncode == 0, proc.stderr
    assert (job / "output" / "artifact.json").is_file()


def test_failed_run_exits_1_and_writes_the_artifact(tmp_path: Path, roster_config: Path) -> None:
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 broken")
    job = make_job(tmp_path / "job", bad, roster_config)
    proc = engine("--job-dir", str(job))
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ")
    assert len(proc.stderr.strip().splitlines()) == 1
    art = json.loads((job / "output" / "artifact.json").read_text())
    assert art["status"] == "failed"
    assert art["error"]["type"] == "input"
    assert not (job / "output" / "normalized.xlsx").exists()
    last = json.loads((job / "logs" / "events.ndjson").read_text().splitlines()[-1])
    assert last["event"] == "run.failed"


@pytest.mark.parametrize("layout", ["no-input", "two-inputs", "no-config", "bad-arg"])
def test_usage_errors_exit_2(
    tmp_path: Path, xlsx: Callable[..., Path], roster_config: Path, layout: str
) -> None:
    job = make_job(tmp_path / "job", xlsx([{"name": "S", "rows": ROWS}]), roster_config)
    args = ["--job-dir", str(job)]
    if layout == "no-input":
        shutil.rmtree(job / "input")
    elif layout == "two-inputs":
        (job / "input" / "other.csv").write_text("a,b\n1,2\n")
    elif layout == "no-config":
        shutil.rmtree(job / "config")
    else:
        args = ["--jobdir", str(job)]
    proc = engine(*args)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ")
    assert not (job / "output" / "artifact.json").exists()


def test_events_go_to_the_inherited_descriptor_and_not_to_a_file(
    tmp_path: Path, xlsx: Callable[..., Path], roster_config: Path
) -> None:
    job = make_job(tmp_path / "job", xlsx([{"name": "S", "rows": ROWS}]), roster_config)
    read_end, write_end = os.pipe()
    argv = [sys.executable, "-m", "ade_engine", "--job-dir", str(job), "--events-fd"]
    with os.fdopen(read_end, "rb") as events_pipe:
        proc = subprocess.Popen(
            [*argv, str(write_end)],
            pass_fds=[write_end],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.close(write_end)  # the pipe ends when the engine closes its copy
        data = events_pipe.read()  # read while it runs: the events may outgrow the pipe
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    events = [json.loads(line) for line in data.decode().splitlines()]
    assert events[0]["event"] == "run.started"
    assert events[-1]["event"] == "run.completed"
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert not (job / "logs" / "events.ndjson").exists()
    assert (job / "output" / "artifact.json").is_file()


def test_an_events_descriptor_that_is_not_open_is_a_usage_error(
    tmp_path: Path, xlsx: Callable[..., Path], roster_config: Path
) -> None:
    job = make_job(tmp_path / "job", xlsx([{"name": "S", "rows": ROWS}]), roster_config)
    # subprocess passes no descriptor but 0-2 unless asked: 900 is not open in the engine.
    proc = engine("--job-dir", str(job), "--events-fd", "900")
    assert proc.returncode == 2
    assert proc.stderr == "error: --events-fd 900: Bad file descriptor\n"
    assert not (job / "output" / "artifact.json").exists()
