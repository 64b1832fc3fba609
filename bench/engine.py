"""Engine benchmark: prints figures, asserts nothing.

    uv run python bench/engine.py [--rows 100000] [--repeat 3] [--keep DIR] [--no-extra]
                                  [--baseline-src DIR] [--csv-rows 1000000] [--csv-only]

1. Generates roster workbooks: a title row, a blank row, a header row, then rows of 20 columns
   (integers, strings, ISO-formatted date cells and floats), written with XlsxWriter in
   constant-memory mode: ``rows`` rows, twice that, and ``rows`` x 1.5 spread over 3 sheets
   (the issue's "100k x 20", "200k x 20" and "3 sheets x 50k").
2. For each workbook, ``--repeat`` rounds of: the bare python-calamine read of every cell
   (open, load each sheet, iterate all rows; in a child interpreter, so that this parent stays
   small and does not inflate the measured children's peak RSS), then
   ``python -m ade_engine --job-dir JOB`` with the example config (``ade config init``) in a
   subprocess, timed end to end (interpreter start and imports included), its peak RSS read
   from ``os.wait4``. The bare read and the run alternate, so that both see the same load.
   Each round also streams every row with python-calamine-plus (as the engine reads sheets
   over ``STREAM_CELLS``), printed for reference.
3. Prints one line per workbook, like the issue's table: best and median time of each, the
   ratio of the run to the bare read (best to best, median to median), the highest peak RSS
   of the run (MiB) and of the bare read, next to the targets (<= 2x the bare read, 200k
   under 300 MiB), and the ratio of CPU times (user + system, best of each: steadier than
   wall time on a shared machine). ``--baseline-src DIR`` also runs the engine from another
   source tree (``DIR`` first on ``PYTHONPATH``) in the same rounds, for before/after figures.
4. Unless ``--no-extra``, one run each of: the same rows spread over 5 sheets (one workbook),
   with the engine's default sheet budget, with sheets loaded strictly one at a time
   (``RETAIN_CELLS = 0``) and with every sheet kept loaded; and the same data as CSV at ``rows``
   and 2x ``rows``. These show what memory is bounded by (see docs/explanation/engine.md,
   "Memory").
5. The CSV figure: ``--csv-rows`` rows (default 1,000,000) of the roster's first 10 columns as
   CSV, the bare ``csv.reader`` pass over the file (best of 3, in a child interpreter) and
   ``ade run`` on it (best of ``--repeat``), next to the target (<= 8 s). ``--csv-only`` runs
   just this.
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


def roster_row(i: int, rnd: random.Random) -> list[object]:
    base = dt.date(1950, 1, 1)
    return [
        100000 + i,
        f"First{i}",
        f"Last{i}",
        f"user{i}@example.com",
        f"555-{i % 10000:04d}",
        base + dt.timedelta(days=i % 18000),
        base + dt.timedelta(days=15000 + i % 9000),
        round(rnd.random() * 1000, 2),
        f"City{i % 100}",
        "ST",
        f"{i % 99999:05d}",
        f"Dept{i % 10}",
        "Member",
        i % 100,
        rnd.random() * 10000,
        "active",
        f"note {i}",
        i % 37,
        f"R{i % 5}",
        base + dt.timedelta(days=26000 + i % 300),
    ]


def generate(path: Path, rows: int, seed: int = 1, sheets: int = 1) -> None:
    """``rows`` roster rows, split evenly over ``sheets`` sheets (each with its own title,
    blank row and header row)."""
    import xlsxwriter  # type: ignore[import-untyped]

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    rnd = random.Random(seed)
    per_sheet = rows // sheets
    for s in range(sheets):
        ws = wb.add_worksheet("Roster" if sheets == 1 else f"Roster{s + 1}")
        ws.write_string(0, 0, "Member roster export")
        ws.write_row(2, 0, HEADERS)
        for k in range(per_sheet):
            i = s * per_sheet + k
            r = 3 + k
            for c, v in enumerate(roster_row(i, rnd)):
                if isinstance(v, str):
                    ws.write_string(r, c, v)
                elif isinstance(v, dt.date):
                    ws.write_datetime(r, c, v, date_fmt)
                else:
                    ws.write_number(r, c, v)
    wb.close()


def generate_csv(path: Path, rows: int, seed: int = 1, cols: int = 20) -> None:
    """The same roster as CSV (its first ``cols`` columns): a title line, a blank line, the
    header, then ``rows`` rows."""
    import csv

    rnd = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Member roster export"])
        w.writerow([])
        w.writerow(HEADERS[:cols])
        for i in range(rows):
            row = roster_row(i, rnd)[:cols]
            w.writerow(v.isoformat() if isinstance(v, dt.date) else v for v in row)


def bare_csv_read(path: Path) -> float:
    """Best of 3: every row of the file through ``csv.reader`` (in this process)."""
    import csv

    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        cells = 0
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                cells += len(row)
        best = min(best, time.perf_counter() - t0)
    return best


def _child(args: list[str]) -> tuple[str, float]:
    """Run this script in a fresh interpreter (keeps the parent small: a forked child's peak
    RSS counts the parent's pages until exec). Returns (stdout, child's peak RSS in MB)."""
    proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE)
    out = proc.stdout.read().decode() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child {args} failed")
    return out, usage.ru_maxrss / 1024


def bare_read(path: Path, repeat: int = 1) -> tuple[float, float]:
    """Best of ``repeat``: open the workbook, load each sheet, iterate every row (in this
    process); (seconds, CPU seconds of the best)."""
    import python_calamine

    best, cpu = float("inf"), 0.0
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
        cells = 0
        for index in range(len(wb.sheet_names)):
            sheet = wb.get_sheet_by_index(index)
            for row in sheet.iter_rows():
                cells += len(row)
            del sheet
        wb.close()
        if time.perf_counter() - t0 < best:
            best, cpu = time.perf_counter() - t0, time.process_time() - c0
        del wb
    return best, cpu


def bare_stream_read(path: Path) -> tuple[float, float]:
    """Every row of every sheet streamed by python-calamine-plus, as the engine reads sheets
    over ``STREAM_CELLS`` (in this process); (seconds, CPU seconds)."""
    import python_calamine_plus

    t0, c0 = time.perf_counter(), time.process_time()
    wb = python_calamine_plus.CalamineWorkbook.from_path(str(path))
    cells = 0
    for name in wb.sheet_names:
        for row in wb.stream_sheet_by_name(name):
            cells += len(row)
    wb.close()
    return time.perf_counter() - t0, time.process_time() - c0


def engine_run(
    path: Path,
    config: Path,
    work: Path,
    retain_cells: int | None = None,
    env: dict[str, str] | None = None,
) -> tuple[float, float, float]:
    """(seconds, peak RSS in MiB, CPU seconds) of ``python -m ade_engine`` on a fresh job folder
    (``retain_cells``: run it with ``pipeline.RETAIN_CELLS`` set to that instead; ``env``: the
    child's environment)."""
    job = work / f"job-{path.name}"
    shutil.rmtree(job, ignore_errors=True)
    (job / "input").mkdir(parents=True)
    os.link(path, job / "input" / path.name)
    shutil.copytree(config, job / "config")
    command = [sys.executable, "-m", "ade_engine", "--job-dir", str(job)]
    if retain_cells is not None:
        code = (
            "import sys, ade_engine.pipeline as p; "
            f"p.RETAIN_CELLS = {retain_cells}; "
            "from ade_engine.__main__ import main; sys.exit(main(sys.argv[1:]))"
        )
        command = [sys.executable, "-c", code, "--job-dir", str(job)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"engine run failed: {err or out}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def xlsx_figure(
    label: str,
    path: Path,
    config: Path,
    work: Path,
    repeat: int,
    envs: dict[str, dict[str, str] | None],
    rss_target: float | None,
) -> None:
    """``repeat`` rounds of a bare read and a run of each engine in ``envs``; one line each."""
    bare: list[float] = []
    bare_cpu: list[float] = []
    bare_rss = 0.0
    streamed: list[tuple[float, float, float]] = []
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in envs}
    for _ in range(repeat):
        out, rss = _child(["--child", "bare", str(path)])
        wall, cpu = map(float, out.strip().splitlines()[-1].split())
        bare.append(wall)
        bare_cpu.append(cpu)
        bare_rss = max(bare_rss, rss)
        out, rss = _child(["--child", "bare-stream", str(path)])
        s_wall, s_cpu = map(float, out.strip().splitlines()[-1].split())
        streamed.append((s_wall, s_cpu, rss))
        for name, env in envs.items():
            runs[name].append(engine_run(path, config, work, env=env))
    b_best, b_med = min(bare), _median(bare)
    c_best = min(bare_cpu)
    print(
        f"{label}: bare calamine read {b_best:.2f}s best, {b_med:.2f}s median, "
        f"{c_best:.2f}s CPU (best), peak RSS {bare_rss:.0f} MiB"
    )
    print(
        f"{label}: bare python-calamine-plus stream {min(w for w, _, _ in streamed):.2f}s best, "
        f"{min(c for _, c, _ in streamed):.2f}s CPU (best), "
        f"peak RSS {max(r for _, _, r in streamed):.0f} MiB (for reference)"
    )
    for name, results in runs.items():
        times = [t for t, _, _ in results]
        best, med, rss = min(times), _median(times), max(r for _, r, _ in results)
        cpu = min(c for _, _, c in results)
        target = " (target <= 2x" + (f", < {rss_target:.0f} MiB)" if rss_target else ")")
        print(
            f"{label}: ade run ({name}) {best:.2f}s best, {med:.2f}s median; "
            f"{best / b_best:.2f}x the bare read (best), {med / b_med:.2f}x (median), "
            f"{cpu / c_best:.2f}x its CPU time (best); peak RSS {rss:.0f} MiB{target}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, default=None, help="keep files in this folder")
    parser.add_argument("--repeat", type=int, default=3, help="rounds per workbook")
    parser.add_argument("--no-extra", action="store_true", help="skip the multi-sheet and CSV runs")
    parser.add_argument("--csv-rows", type=int, default=1_000_000, help="rows of the CSV figure")
    parser.add_argument("--csv-only", action="store_true", help="only the CSV figure")
    parser.add_argument("--baseline-src", type=Path, default=None, help="another engine src")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child[0] == "generate":
            generate(Path(args.child[1]), int(args.child[2]), sheets=int(args.child[3]))
        elif args.child[0] == "csv":
            generate_csv(Path(args.child[1]), int(args.child[2]), cols=int(args.child[3]))
        elif args.child[0] == "bare":
            print(*bare_read(Path(args.child[1])))
        elif args.child[0] == "bare-stream":
            print(*bare_stream_read(Path(args.child[1])))
        elif args.child[0] == "bare-csv":
            print(bare_csv_read(Path(args.child[1])))
        elif args.child[0] == "csv-reader":
            print(engine_csv_read(Path(args.child[1])))
        return

    from ade_engine import init_config

    work = args.keep or Path(tempfile.mkdtemp(prefix="ade-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    config = work / "config"
    shutil.rmtree(config, ignore_errors=True)
    init_config(config)
    if args.csv_only:
        csv_figure(work, config, args.csv_rows, args.repeat)
        return
    n1, n2 = args.rows, args.rows * 2
    per = n1 // 2
    inputs = [
        (f"{n1:,} rows x 20 cols", make_input(work, "generate", f"roster-{n1}.xlsx", n1, 1), None),
        (f"{n2:,} rows x 20 cols", make_input(work, "generate", f"roster-{n2}.xlsx", n2, 1), 300),
        (
            f"3 sheets x {per:,} rows",
            make_input(work, "generate", f"roster-{3 * per}-3sheets.xlsx", 3 * per, 3),
            None,
        ),
    ]
    envs: dict[str, dict[str, str] | None] = {"this tree": None}
    if args.baseline_src is not None:
        extra_path = [str(args.baseline_src.resolve()), os.environ.get("PYTHONPATH", "")]
        pythonpath = os.pathsep.join(extra_path).rstrip(os.pathsep)
        envs["baseline src"] = {**os.environ, "PYTHONPATH": pythonpath}
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores; {args.repeat} rounds")
    for label, workbook, rss_target in inputs:
        xlsx_figure(label, workbook, config, work, args.repeat, envs, rss_target)
    if not args.no_extra:
        extra(work, config, n1)
        csv_figure(work, config, args.csv_rows, args.repeat)
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


def engine_csv_read(path: Path) -> float:
    """The engine's CSV reader alone: every row read twice, as a run reads them (the scan,
    then the rows pass), through ``open_workbook``; best of 3."""
    from ade_engine.read import open_workbook

    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        wb = open_workbook(path)
        (sheet,) = wb.sheets
        cells = 0
        for _pass in range(2):
            for row in sheet.iter_rows():
                cells += len(row)
        wb.close()
        best = min(best, time.perf_counter() - t0)
    return best


def csv_figure(work: Path, config: Path, rows: int, repeat: int) -> None:
    """``ade run`` on ``rows`` x 10 columns of CSV next to a bare ``csv.reader`` pass."""
    path = make_input(work, "csv", f"roster-{rows}x10.csv", rows, 10)
    out, _ = _child(["--child", "bare-csv", str(path)])
    bare = float(out.strip().splitlines()[-1])
    out, _ = _child(["--child", "csv-reader", str(path)])
    reader = float(out.strip().splitlines()[-1])
    runs = [engine_run(path, config, work) for _ in range(repeat)]
    t, rss = min(r[0] for r in runs), max(r[1] for r in runs)
    median = sorted(r[0] for r in runs)[len(runs) // 2]
    print(f"bare csv.reader, {rows:,} rows x 10 cols: {bare:.2f}s ({rows / bare:,.0f} rows/s)")
    print(
        f"the engine's CSV reader, every row read twice (scan, rows pass): {reader:.2f}s, "
        f"{reader / bare:.1f}x the bare csv.reader"
    )
    print(
        f"ade run, {rows:,} rows x 10 cols of CSV: {t:.2f}s best, {median:.2f}s median of "
        f"{repeat} (target <= 8 s), {t / bare:.1f}x the bare csv.reader, peak RSS {rss:.0f} MB"
    )
    print(f"  where the last run's time went (artifact passes): {passes_of(path, work)}")


def passes_of(path: Path, work: Path) -> str:
    """The pass timings of the last ``engine_run`` on ``path``, from its artifact (detect
    includes the first read of the file; transform includes reading the rows back)."""
    import json

    artifact = json.loads((work / f"job-{path.name}" / "output" / "artifact.json").read_text())
    return ", ".join(f"{p['name']} {p['elapsed_ms'] / 1000:.2f}s" for p in artifact["passes"])


def make_input(work: Path, kind: str, name: str, rows: int, shape: int) -> Path:
    """Generate ``name`` (``kind``: "generate" with ``shape`` sheets, "csv" with ``shape``
    columns) in a child interpreter, unless it exists."""
    path = work / name
    if not path.exists():
        t0 = time.perf_counter()
        _child(["--child", kind, str(path), str(rows), str(shape)])
        print(
            f"generated {path.name} ({path.stat().st_size / 1e6:.1f} MB) "
            f"in {time.perf_counter() - t0:.1f}s"
        )
    return path


def extra(work: Path, config: Path, rows: int) -> None:
    """Single runs that show what memory is bounded by: sheets, and CSV."""
    from ade_engine.pipeline import RETAIN_CELLS

    sheets = 5
    multi = make_input(work, "generate", f"roster-{rows}-{sheets}sheets.xlsx", rows, sheets)
    per = rows // sheets
    for label, retain in (
        (f"default budget ({RETAIN_CELLS:,} cells)", None),
        ("one sheet at a time (RETAIN_CELLS = 0)", 0),
        ("every sheet kept loaded", 10**12),
    ):
        t, rss, _ = engine_run(multi, config, work, retain)
        print(
            f"ade run, {rows:,} rows as {sheets} sheets x {per:,} rows, {label}: "
            f"{t:.2f}s, peak RSS {rss:.0f} MB"
        )
    for n in (rows, rows * 2):
        path = make_input(work, "csv", f"roster-{n}.csv", n, 20)
        t, rss, _ = engine_run(path, config, work)
        print(f"ade run, {n:,} rows of CSV: {t:.2f}s ({n / t:,.0f} rows/s), peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
