"""A found table's cells: its columns' header texts, group labels and samples, and its data
rows by chunk."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

from ade_engine.read.cells import clean_column
from ade_engine.read.csvtype import TypedBlock
from ade_engine.read.sheet import Sheet
from ade_engine.tables.model import ColumnInfo, Table


def fill_columns(sheet: Sheet, tables: list[Table], sample_size: int) -> None:
    """One more pass: header texts, group labels (merged ranges spread) and samples."""
    off = sheet.col_offset
    spreadsheet = not sheet.typed_text
    for t in tables:
        t.columns = [
            ColumnInfo(index=c, hidden=c in sheet.hidden_columns)
            for c in range(t.col_start, t.col_end + 1)
        ]
    want_header: dict[int, list[tuple[Table, int]]] = {}
    for t in tables:
        for pos, r in enumerate(t.header_rows):
            want_header.setdefault(r, []).append((t, pos))
    open_tables = sorted(tables, key=lambda t: t.data_start)
    full: set[int] = set()  # ids of the tables whose every column has its samples
    last_row = max(t.data_end for t in tables)
    last_header = max(want_header, default=-1)
    for r, row in enumerate(sheet.iter_rows()):
        if r > last_row or (
            r > last_header and all(id(t) in full or t.data_end < r for t in open_tables)
        ):
            break
        for t, pos in want_header.get(r, ()):
            cells = row[t.col_start - off : t.col_end - off + 1]
            texts = [_header_text(v) for v in cells]
            texts += [""] * (len(t.columns) - len(texts))
            if pos == len(t.header_rows) - 1:
                for col, text in zip(t.columns, texts, strict=True):
                    col.header = text
            else:
                _spread_group(sheet, t, r, texts)
        for t in open_tables:
            if t.data_start <= r <= t.data_end and r not in t.excluded:
                if id(t) in full:
                    continue
                cells = clean_column(
                    row[t.col_start - off : t.col_end - off + 1], spreadsheet=spreadsheet
                )
                done = True
                for col, v in zip(t.columns, cells, strict=False):
                    if v is not None and len(col.samples) < sample_size:
                        col.samples.append(v)
                    if len(col.samples) < sample_size:
                        done = False
                if done:
                    full.add(id(t))


def _spread_group(sheet: Sheet, t: Table, r: int, texts: list[str]) -> None:
    """Group labels: a merged range spans its columns; else a label runs to the next one."""
    labels = [""] * len(t.columns)
    covered = [False] * len(t.columns)
    for mr0, mc0, mr1, mc1 in sheet.merged:
        if mr0 <= r <= mr1:
            lo, hi = max(mc0, t.col_start), min(mc1, t.col_end)
            text = texts[mc0 - t.col_start] if t.col_start <= mc0 <= t.col_end else ""
            for c in range(lo, hi + 1):
                labels[c - t.col_start] = text
                covered[c - t.col_start] = True
    current = ""
    for i, text in enumerate(texts):
        if covered[i]:
            current = ""
            continue
        if text:
            current = text
        labels[i] = text or current
    for col, label in zip(t.columns, labels, strict=True):
        col.group = label


def _header_text(v: Any) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.date):
        return v.isoformat()
    return " ".join(str(v).split())


def iter_table_chunks(
    sheet: Sheet, table: Table, size: int
) -> Iterator[tuple[list[int], list[list[Any]]]]:
    """(1-based source row numbers, raw cells of each of the table's columns) per chunk of
    data rows: ``size`` rows of the sheet after another from the table's first data row, less
    the excluded ones (a chunk left with none is skipped).

    Read by column from the sheet's blocks when it has them (:meth:`Sheet.iter_blocks`: a CSV
    read once already), so that no row is built only to be taken apart again; else from its
    rows.
    """
    off = sheet.col_offset
    lo, hi = table.col_start - off, table.col_end - off + 1
    excluded = table.excluded
    blocks = sheet.iter_blocks()
    if blocks is None:
        chunks = _row_chunks(sheet, table, size, lo, hi)
    else:
        chunks = _block_chunks(blocks, table, size, lo, hi)
    for r, columns in chunks:
        numbers = list(range(r + 1, r + 1 + len(columns[0]))) if columns else []
        if excluded:
            keep = [i for i, n in enumerate(numbers) if n - 1 not in excluded]
            if len(keep) != len(numbers):
                if not keep:
                    continue
                numbers = [numbers[i] for i in keep]
                columns = [[col[i] for i in keep] for col in columns]
        yield numbers, columns


def _fit(rows: list[list[Any]], lo: int, hi: int) -> list[list[Any]]:
    """Columns ``lo..hi - 1`` of ``rows`` (short rows padded with empty cells), by column."""
    width = hi - lo
    if lo != 0 or set(map(len, rows)) != {width}:
        pad = [""] * width
        rows = [(row[lo:hi] + pad)[:width] for row in rows]
    return [list(col) for col in zip(*rows, strict=True)]


def _row_chunks(
    sheet: Sheet, table: Table, size: int, lo: int, hi: int
) -> Iterator[tuple[int, list[list[Any]]]]:
    """(first row, columns) of each chunk, from the sheet's rows."""
    it = itertools.islice(sheet.iter_rows(), table.data_start, table.data_end + 1)
    r = table.data_start
    while rows := list(itertools.islice(it, size)):
        yield r, _fit(rows, lo, hi)
        r += len(rows)


def _block_chunks(
    blocks: Iterator[TypedBlock], table: Table, size: int, lo: int, hi: int
) -> Iterator[tuple[int, list[list[Any]]]]:
    """(first row, columns) of each chunk, the same chunks as :func:`_row_chunks`, from the
    sheet's blocks: each column of a chunk is put together from slices of the blocks'."""
    start, stop = table.data_start, table.data_end + 1
    width = hi - lo
    first, filled = start, 0
    chunk: list[list[Any]] = [[] for _ in range(width)]
    pos = 0  # the sheet row of the block's first row
    for block in blocks:
        if pos >= stop:
            break
        height = block.height + len(block.others)
        if pos + height <= start:
            pos += height
            continue
        if block.others or len(block.columns) < hi:  # ragged rows, or too few columns
            columns = _fit(block.rows(), lo, hi)
        else:
            columns = block.columns[lo:hi]
        a, b = max(start - pos, 0), min(stop - pos, height)
        while a < b:
            take = min(b - a, size - filled)
            for part, col in zip(chunk, columns, strict=True):
                part += col[a : a + take]
            filled += take
            a += take
            if filled == size:
                yield first, chunk
                first, filled = first + size, 0
                chunk = [[] for _ in range(width)]
        pos += height
    if filled:
        yield first, chunk
