"""The benchmark scripts in bench/ still run and print their figures.

docs/benchmarks.md shows the full-size commands (minutes of load, not run in CI); here the
same scripts run with small sizes, so a change that breaks them fails the suite.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]


def run_bench(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADE_")}
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_engine_benchmark_runs_small() -> None:
    done = run_bench(
        "bench/engine.py", "--rows", "2000", "--repeat", "1", "--no-extra", timeout=180
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for label in ("2,000 rows x 20 cols", "4,000 rows x 20 cols", "3 sheets x 1,000 rows"):
        assert re.search(rf"{label}: bare calamine read [\d.]+s best", done.stdout)
        assert re.search(
            rf"{label}: ade run \(this tree\) [\d.]+s best, .* [\d.]+x the bare read "
            r"\(best\), .* peak RSS \d+ MiB",
            done.stdout,
        )


def test_small_run_benchmark_runs() -> None:
    done = run_bench("bench/small_run.py", "--rounds", "1", timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "this tree (loads neither numpy nor scipy):" in done.stdout
    assert re.search(r"map pass: best +[\d.]+ ms, median +[\d.]+ ms", done.stdout)
    assert re.search(r"bare interpreter \(python -c pass\): best +[\d.]+ ms", done.stdout)


def test_engine_csv_figure_runs_small() -> None:
    done = run_bench(
        "bench/engine.py", "--csv-only", "--csv-rows", "2000", "--repeat", "1", timeout=180
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"bare csv.reader, 2,000 rows x 10 cols: [\d.]+s", done.stdout)
    assert re.search(r"the engine's CSV reader, every row read twice .*: [\d.]+s", done.stdout)
    assert re.search(r"ade run, 2,000 rows x 10 cols of CSV: [\d.]+s best", done.stdout)


def test_preview_benchmark_runs_small() -> None:
    done = run_bench("bench/preview.py", "--rows", "2000", "--repeat", "1", timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"xlsx: calamine whole-sheet read, in-process: [\d.]+s", done.stdout)
    for kind in ("xlsx", "csv"):
        assert re.search(rf"{kind}: cold first page \(200 rows, .*\): [\d.]+s", done.stdout)
        assert re.search(rf"{kind}: warm page, 2,003 rows: first 200 [\d.]+ms", done.stdout)


def test_layouts_benchmark_runs_small() -> None:
    done = run_bench("bench/layouts.py", "--n", "2", "--holdout", "1", timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    for family in ("footers", "grouped", "summary", "spacer"):
        for split in ("tune", "holdout"):
            line = rf"{family}\s+{split}\s+\d+/\d+ \(\d+%\)\s+\d+/\d+ \(\d+%\)\s+\d+"
            assert re.search(line, done.stdout), done.stdout


@pytest.mark.e2e
@pytest.mark.redis
def test_jobs_benchmark_runs_small() -> None:
    done = run_bench("bench/jobs.py", "--jobs", "4", "--clients", "2", "--solo", "2", timeout=300)
    assert "== ADE_SANDBOX=jail" in done.stdout
    assert "== ADE_SANDBOX=none" in done.stdout
    assert re.search(r"one job at a time, submit->succeeded p50: .* per job", done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "succeeded 4, failed 0, unfinished 0" in done.stdout
    assert re.search(r"submit latency\s+p50 \d+ ms\s+p95 \d+ ms", done.stdout)
    assert re.search(r"throughput [\d.]+ jobs/s", done.stdout)
    # Issue 16's rows, with plain RQ measured in the same run.
    assert re.search(r"plain RQ \(rq.Worker\), 2 workers: 4 trivial jobs", done.stdout)
    burst = r"\| jobs, 2 workers, burst \| [\d.]+ jobs/s \| \d+ jobs/s forking"
    assert re.search(burst, done.stdout)
    assert re.search(r"\| submit p95 during that burst \| \d+ ms \|", done.stdout)
    assert re.search(r"\| the API's CPU per submit in that burst \| [\d.]+ ms \|", done.stdout)


@pytest.mark.e2e
@pytest.mark.redis
def test_jobs_benchmark_measures_the_submit_alone_without_workers() -> None:
    done = run_bench(
        "bench/jobs.py",
        "--jobs",
        "6",
        "--clients",
        "2",
        "--workers",
        "0",
        "--sandbox",
        "none",
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "submits: 6 by 2 concurrent clients, no workers (SQLite)" in done.stdout
    assert re.search(r"submit latency\s+p50 \d+ ms\s+p95 \d+ ms", done.stdout)
    cpu = re.search(r"the API's CPU per submit ([\d.]+) ms", done.stdout)
    assert cpu is not None
    assert float(cpu.group(1)) > 0  # the API's process was found and did the work
    assert re.search(r"\| submit p95, no workers \| \d+ ms \|", done.stdout)
    # Nothing runs the jobs: no throughput, no plain-RQ baseline.
    assert "rq.Worker" not in done.stdout
    assert "burst |" not in done.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="the jail needs root")
def test_sandbox_benchmark_runs_small() -> None:
    done = run_bench("bench/sandbox.py", "--runs", "2", timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"unjailed \(ADE_SANDBOX=none\)\s+median\s+[\d.]+ ms", done.stdout)
    for start in ("cold", r"warm \(zygote\)"):
        assert re.search(rf"jailed, {start}\s+median\s+[\d.]+ ms\s+p90\s+[\d.]+ ms", done.stdout)
    assert re.search(
        r"the jail's cost per run: [+-][\d.]+ ms cold, [+-][\d.]+ ms warm", done.stdout
    )
