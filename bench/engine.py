"""Engine benchmark: prints figures, asserts nothing.

    uv run python bench/engine.py [--rows 100000] [--repeat 3] [--keep DIR]

1. Generates a roster workbook: a title row, a blank row, a header row, then ``rows`` rows of
   20 columns (integers, strings, ISO-formatted date cells and floats), written with XlsxWriter
   in constant-memory mode, plus the same with twice the rows.
2. Times the bare python-calamine read of every cell (open, load the sheet, iterate all rows;
   best of 3, in a child interpreter; generation also runs in a child, so that this parent
   stays small and does not inflate the measured children's peak RSS).
3. Runs ``python -m ade_engine --job-dir JOB`` on each workbook with the example config
   (``ade config init``) in a subprocess, timing it end to end (interpreter start and imports
   included) and reading that child's peak RSS from ``os.wait4``; best time of ``--repeat``
   runs, highest RSS.
4. Prints rows/s, the ratio to the bare read, peak RSS and the 2x-rows/1x-rows time ratio, next
   to the targets (<= 3x the bare read, < 300 MB, <= 2.2x).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADERS = [
    "Member ID",
    "First Name",
    "Last Name",
    "Email",
    "Phone",
    "Date of Birth",
    "Hire Date",
    "Amount",
    "City",
    "State",
    "Zip",
    "Department",
    "Title",
    "Score",
    "Balance",
    "Status",
    "Notes",
    "Visits",
    "Region",
    "Updated",
]


def generate(path: Path, rows: int, seed: int = 1) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Roster")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_string(0, 0, "Member roster export")
    ws.write_row(2, 0, HEADERS)
    rnd = random.Random(seed)
    base = dt.date(1950, 1, 1)
    for i in range(rows):
        r = 3 + i
        ws.write_number(r, 0, 100000 + i)
        ws.write_string(r, 1, f"First{i}")
        ws.write_string(r, 2, f"Last{i}")
        ws.write_string(r, 3, f"user{i}@example.com")
        ws.write_string(r, 4, f"555-{i % 10000:04d}")
        ws.write_datetime(r, 5, base + dt.timedelta(days=i % 18000), date_fmt)
        ws.write_datetime(r, 6, base + dt.timedelta(days=15000 + i % 9000), date_fmt)
        ws.write_number(r, 7, round(rnd.random() * 1000, 2))
        ws.write_string(r, 8, f"City{i % 100}")
        ws.write_string(r, 9, "ST")
        ws.write_string(r, 10, f"{i % 99999:05d}")
        ws.write_string(r, 11, f"Dept{i % 10}")
        ws.write_string(r, 12, "Member")
        ws.write_number(r, 13, i % 100)
        ws.write_number(r, 14, rnd.random() * 10000)
        ws.write_string(r, 15, "active")
        ws.write_string(r, 16, f"note {i}")
        ws.write_number(r, 17, i % 37)
        ws.write_string(r, 18, f"R{i % 5}")
        ws.write_datetime(r, 19, base + dt.timedelta(days=26000 + i % 300), date_fmt)
    wb.close()


def _child(args: list[str]) -> tuple[str, float]:
    """Run this script in a fresh interpreter (keeps the parent small: a forked child's peak
    RSS counts the parent's pages until exec). Returns (stdout, child's peak RSS in MB)."""
    proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE)
    out = proc.stdout.read().decode() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child {args} failed")
    return out, usage.ru_maxrss / 1024


def bare_read(path: Path) -> float:
    """Best of 3: open the workbook, load the sheet, iterate every row (in this process)."""
    import python_calamine

    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
        sheet = wb.get_sheet_by_index(0)
        cells = 0
        for row in sheet.iter_rows():
            cells += len(row)
        wb.close()
        best = min(best, time.perf_counter() - t0)
        del sheet, wb
    return best


def engine_run(path: Path, config: Path, work: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of ``python -m ade_engine`` on a fresh job folder."""
    job = work / f"job-{path.stem}"
    shutil.rmtree(job, ignore_errors=True)
    (job / "input").mkdir(parents=True)
    os.link(path, job / "input" / path.name)
    shutil.copytree(config, job / "config")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ade_engine", "--job-dir", str(job)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"engine run failed: {err or out}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, default=None, help="keep files in this folder")
    parser.add_argument("--repeat", type=int, default=3, help="engine runs per size (best)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child[0] == "generate":
            generate(Path(args.child[1]), int(args.child[2]))
        elif args.child[0] == "bare":
            print(bare_read(Path(args.child[1])))
        return

    from ade_engine import init_config

    work = args.keep or Path(tempfile.mkdtemp(prefix="ade-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    config = work / "config"
    shutil.rmtree(config, ignore_errors=True)
    init_config(config)
    n1, n2 = args.rows, args.rows * 2
    files = {}
    for n in (n1, n2):
        path = work / f"roster-{n}.xlsx"
        if not path.exists():
            t0 = time.perf_counter()
            _child(["--child", "generate", str(path), str(n)])
            print(
                f"generated {path.name} ({path.stat().st_size / 1e6:.1f} MB) "
                f"in {time.perf_counter() - t0:.1f}s"
            )
        files[n] = path

    out, bare_rss = _child(["--child", "bare", str(files[n1])])
    bare = float(out.strip().splitlines()[-1])
    out2, _ = _child(["--child", "bare", str(files[n2])])
    bare2 = float(out2.strip().splitlines()[-1])
    runs1 = [engine_run(files[n1], config, work) for _ in range(args.repeat)]
    runs2 = [engine_run(files[n2], config, work) for _ in range(args.repeat)]
    t1, rss1 = min(r[0] for r in runs1), max(r[1] for r in runs1)
    t2, rss2 = min(r[0] for r in runs2), max(r[1] for r in runs2)
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores; best of {args.repeat} runs")
    print(
        f"bare calamine read, {n1:,} rows x 20 cols: {bare:.2f}s ({n1 / bare:,.0f} rows/s), "
        f"peak RSS {bare_rss:.0f} MB"
    )
    print(
        f"bare calamine read, {n2:,} rows: {bare2:.2f}s ({bare2 / bare:.2f}x the {n1:,}-row read)"
    )
    print(
        f"ade run, {n1:,} rows: {t1:.2f}s ({n1 / t1:,.0f} rows/s), "
        f"{t1 / bare:.2f}x the bare read (target <= 3x), peak RSS {rss1:.0f} MB "
        "(target < 300 MB)"
    )
    print(
        f"ade run, {n2:,} rows: {t2:.2f}s ({n2 / t2:,.0f} rows/s), peak RSS {rss2:.0f} MB; "
        f"{n2:,}/{n1:,} time ratio {t2 / t1:.2f} (target <= 2.2)"
    )
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
