"""Preview benchmark: prints figures, asserts nothing.

    uv run python bench/preview.py [--rows 100000] [--repeat 3] [--keep DIR]

1. Generates the engine benchmark's roster (``bench/engine.py``: a title row, a blank row, a
   header row, then ``rows`` rows of 20 columns) as a workbook (XlsxWriter) and as CSV.
2. Baselines, in this process: python-calamine reading the whole sheet (open, load, iterate
   every row; the workbook only, calamine reads no CSV), and the engine's own reader
   (``ade_engine.read.open_workbook``, every row, both files).
3. Cold first page: what the first request for a document's preview does after the route's
   checks: make the extract (``Extracts.ensure``: a child ``python -I -m
   ade_api.previews.extract`` with the preview's rlimits writes JSON lines and an offset index)
   and read and render the first page of 200 rows. A fresh extract folder each time; best of
   ``--repeat``.
4. Warm pages: the same from the finished extract (the child does not run again): the first
   page of 200 rows, a page of 200 at the end of the sheet and a page of 1,000 there; median
   of 50 reads each.

The figures are the preview machinery without HTTP, authentication and the database lookups
(which every route pays alike): what the cost of a preview itself is.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ade_api.previews.pages import read_page
from ade_api.previews.runner import ExtractLimits, Extracts
from engine import bare_read, generate, generate_csv  # bench/engine.py, beside this script

PAGE = 200
WARM_READS = 50


def engine_read(path: Path) -> float:
    """Seconds for the engine's reader to give every row of every sheet, in this process."""
    from ade_engine.read import open_workbook

    t0 = time.perf_counter()
    workbook = open_workbook(path)
    for sheet in workbook.sheets:
        sheet.prepare()
        for _row in sheet.iter_rows():
            pass
        sheet.release()
    workbook.close()
    return time.perf_counter() - t0


def cold_first_page(source: Path, work: Path, repeat: int) -> tuple[float, int]:
    """(best seconds, extract bytes) of making the extract and rendering its first page."""
    best = float("inf")
    size = 0
    for attempt in range(repeat):
        folder = work / f"cold-{source.suffix[1:]}-{attempt}" / "preview"
        extracts = Extracts(ExtractLimits())
        t0 = time.perf_counter()
        meta = extracts.ensure(source, folder)
        read_page(folder, meta, 0, 0, PAGE).render()
        best = min(best, time.perf_counter() - t0)
        size = sum(f.stat().st_size for f in folder.iterdir())
        if attempt < repeat - 1:
            shutil.rmtree(folder.parent)
    return best, size


def median_ms(read: Callable[[], bytes]) -> float:
    times = []
    for _ in range(WARM_READS):
        t0 = time.perf_counter()
        read()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def bench(source: Path, work: Path, rows: int, repeat: int) -> None:
    kind = source.suffix[1:]
    if kind == "xlsx":
        print(f"{kind}: calamine whole-sheet read, in-process: {bare_read(source)[0]:.2f}s")
    print(f"{kind}: engine reader, every row, in-process: {engine_read(source):.2f}s")
    cold, size = cold_first_page(source, work, repeat)
    print(
        f"{kind}: cold first page ({PAGE} rows, incl. extract in a child): {cold:.2f}s "
        f"(best of {repeat}; extract {size / 1e6:.1f} MB)"
    )
    folder = work / f"cold-{kind}-{repeat - 1}" / "preview"
    extracts = Extracts(ExtractLimits())
    meta = extracts.ensure(source, folder)
    assert extracts.runs == 0, "the warm reads must not run the reader again"
    total = meta.sheets[0].rows
    late = max(0, total - PAGE)
    first_ms = median_ms(lambda: read_page(folder, meta, 0, 0, PAGE).render())
    late_ms = median_ms(lambda: read_page(folder, meta, 0, late, PAGE).render())
    wide_ms = median_ms(lambda: read_page(folder, meta, 0, max(0, total - 1000), 1000).render())
    print(
        f"{kind}: warm page, {total:,} rows: first {PAGE} {first_ms:.2f}ms, "
        f"last {PAGE} (offset {late:,}) {late_ms:.2f}ms, last 1000 {wide_ms:.2f}ms "
        f"(median of {WARM_READS})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="cold first pages (best)")
    parser.add_argument("--keep", type=Path, default=None, help="keep files in this folder")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="ade-bench-preview-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        xlsx, csv = work / "source.xlsx", work / "source.csv"
        generate(xlsx, args.rows)
        generate_csv(csv, args.rows)
        print(f"== {args.rows:,} roster rows x 20 columns (+ title, blank and header rows)")
        for source in (xlsx, csv):
            bench(source, work, args.rows, args.repeat)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
