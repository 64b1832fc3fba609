"""The transform, validate and output passes: the rows of every mapped table, chunk by chunk.

The three run interleaved: each mapped table is read again in chunks of ``engine.chunk_rows``
rows; in each chunk every mapped column is cleaned, transformed
(:func:`ade_engine.transform.transform_column`) and validated
(:func:`ade_engine.validate.validate_column`), and the chunk is written by the streaming
:class:`~ade_engine.write.XlsxWriter` with its validation messages. Each pass's timer sums its
share of every chunk. Memory stays bounded by one chunk, however long the input.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ade_engine.passes.context import RunContext, TablePlan
from ade_engine.read import clean_column
from ade_engine.tables import iter_table_chunks
from ade_engine.transform import transform_column
from ade_engine.validate import validate_column
from ade_engine.write import XlsxWriter


@dataclass
class _Counts:
    """Rows written and validation messages so far, over every table."""

    total: int  # the data rows of every mapped table
    done: int = 0
    issues: int = 0


def write_rows(ctx: RunContext, plans: list[TablePlan], output_path: Path) -> XlsxWriter:
    """Write the rows of every mapped table to ``output_path``, in table order.

    Returns the writer, not yet closed: closing it (saving ``normalized.xlsx``) is the last
    step of the output pass, which :mod:`ade_engine.pipeline` times and completes.
    """
    timers = ctx.timers
    headers = _output_columns(ctx, plans)
    counts = _Counts(total=sum(p.table.data_rows for p in plans if p.writes))
    writer = XlsxWriter(output_path, ctx.settings.output_sheet, headers)
    ctx.writer = writer
    for name in ("transform", "validate", "output"):
        timers.start(name)
    last_plan = {id(p.sheet): i for i, p in enumerate(plans) if p.writes}
    for plan_index, plan in enumerate(plans):
        if not plan.writes:
            continue
        ctx.pool.load(plan.sheet)
        _write_table(ctx, writer, plan, len(headers), counts)
        if last_plan[id(plan.sheet)] == plan_index:
            ctx.pool.done(plan.sheet)
    ctx.artifact["metrics"]["rows_processed"] = counts.done
    ctx.artifact["metrics"]["issues"] = counts.issues
    timers.complete("transform")
    timers.complete("validate", issues=counts.issues)
    ctx.artifact["output"] = {
        "path": output_path.name,
        "sheet": ctx.settings.output_sheet,
        "columns": headers,
        "rows": counts.done,
        "issues_sheet": "Issues",
    }
    return writer


def _write_table(
    ctx: RunContext, writer: XlsxWriter, plan: TablePlan, n_out: int, counts: _Counts
) -> None:
    """One table's rows, chunk by chunk; its record gets the rows written and issue counts."""
    timers = ctx.timers
    modules = ctx.config.enabled
    n_fields = len(modules)
    include_source = ctx.settings.include_source
    table, sheet = plan.table, plan.sheet
    spreadsheet = not sheet.typed_text
    first_out = writer.next_row
    table_info = {"sheet": table.sheet, "number": table.number, "range": table.a1}
    by_field = plan.record["issues"]["by_field"]
    chunks = iter_table_chunks(sheet, table, ctx.settings.chunk_rows)
    t_read = time.perf_counter()
    for chunk_index, (row_numbers, columns) in enumerate(chunks):
        t0 = time.perf_counter()
        timers.add("transform", t0 - t_read)  # reading the rows back
        n = len(row_numbers)
        out: list[list[Any]] = [[None] * n] * n_out
        first_row = writer.next_row
        t1 = time.perf_counter()
        timers.add("output", t1 - t0)
        for f in range(n_fields):
            pos = plan.mapping.get(f)
            if pos is None:
                continue
            module = modules[f]
            ta = time.perf_counter()
            values = clean_column(columns[pos], spreadsheet=spreadsheet)
            col = table.columns[pos]
            extra = {
                "table": table_info,
                "chunk_index": chunk_index,
                "row_numbers": row_numbers,
                "column_index": col.index,
                "header": col.header,
            }
            log = ctx.logger.bind(module.spec.path)
            values = transform_column(ctx.config, module, values, extra, ctx.state, log)
            tb = time.perf_counter()
            messages = validate_column(ctx.config, module, values, extra, ctx.state, log)
            tc = time.perf_counter()
            timers.add("transform", tb - ta)
            timers.add("validate", tc - tb)
            if messages is not None and messages.count(None) != len(messages):
                label = module.spec.label
                count = 0
                for i, message in enumerate(messages):
                    if message is not None:
                        writer.add_issue(first_row + i, label, values[i], message)
                        count += 1
                if count:
                    by_field[module.spec.field] = by_field.get(module.spec.field, 0) + count
                    counts.issues += count
            out[f] = values
            timers.add("validate", time.perf_counter() - tc)
        t2 = time.perf_counter()
        if include_source:
            out[n_fields] = [table.sheet] * n
            out[n_fields + 1] = row_numbers
        for out_index, pos in plan.append:
            out[out_index] = clean_column(columns[pos], spreadsheet=spreadsheet)
        writer.write_columns(out)
        counts.done += n
        timers.add("output", time.perf_counter() - t2)
        ctx.sink.emit("progress", rows=counts.done, total=counts.total)
        if ctx.progress is not None:
            ctx.progress(counts.done, counts.total)
        t_read = time.perf_counter()
    written = writer.next_row - first_out
    plan.record["rows"]["written"] = written
    plan.record["issues"]["count"] = sum(by_field.values())
    if written:
        plan.record["output_rows"] = [first_out, writer.next_row - 1]


def _output_columns(ctx: RunContext, plans: list[TablePlan]) -> list[str]:
    """The output sheet's header: every enabled field's label, then the source columns
    (``include_source``), then with ``unmapped_columns: append`` one column per distinct
    header of a column no table mapped (remembered in each plan's ``append``)."""
    headers = [m.spec.label for m in ctx.config.enabled]
    if ctx.settings.include_source:
        headers += ["source_sheet", "source_row"]
    if ctx.settings.unmapped_columns == "append":
        extra: dict[str, int] = {}
        for plan in plans:
            if not plan.writes:
                continue
            used = set(plan.mapping.values())
            for c, col in enumerate(plan.table.columns):
                if c in used:
                    continue
                name = col.merged_header or f"Column {col.letter}"
                if name not in extra:
                    extra[name] = len(headers)
                    headers.append(name)
                plan.append.append((extra[name], c))
    return headers
