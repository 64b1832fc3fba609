"""The detect pass: scan every visible sheet for tables and score each table's columns.

A sheet's record (rows, row types, decisions, hidden columns) goes into the artifact as it is
scanned; hidden and empty sheets are recorded as skipped. Each table found is announced
(``table.detected``) and scored by :func:`ade_engine.detect.score_table`. The config's row
classifiers are bound once, for every row of every sheet.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ade_engine.artifact_types import SheetRecord
from ade_engine.config import config_location, contract_error
from ade_engine.detect import ScoreBoard, build_matcher, score_table
from ade_engine.errors import InputError, from_config_exception
from ade_engine.passes.context import RunContext
from ade_engine.read import Sheet, Workbook, col_letter
from ade_engine.tables import SheetScanner, Table

Found = list[tuple[Sheet, Table, ScoreBoard]]


def detect(ctx: RunContext, wb: Workbook) -> Found:
    """Every table of every visible sheet, with its scores; :class:`InputError` if no sheet
    has data."""
    timers, settings, sink, pool = ctx.timers, ctx.settings, ctx.sink, ctx.pool
    timers.start("detect")
    t0 = time.perf_counter()
    matcher = build_matcher(ctx.config)
    custom = [rt.name for rt, _ in ctx.config.row_types]
    sheet_names: list[dict[str, str]] = []
    classifiers = [
        (rt.name, _bind_classifier(ctx, rt.path, fn, sheet_names))
        for rt, fn in ctx.config.row_types
    ]
    found: Found = []
    any_data = False

    for sheet in wb.sheets:
        record: SheetRecord = {
            "name": sheet.name,
            "index": sheet.index,
            "visible": sheet.visible,
            "status": "scanned",
            "reason": None,
            "rows": 0,
            "hidden_columns": [],
            "row_types": {},
            "decisions": [],
            "tables": [],
        }
        ctx.artifact["sheets"].append(record)
        if not sheet.visible:
            record["status"], record["reason"] = "skipped", f"{sheet.visibility} sheet"
            sink.emit("sheet.skipped", sheet=sheet.name, reason=record["reason"])
            continue
        pool.load(sheet)
        for holder in sheet_names:
            holder["name"] = sheet.name
        scanner = SheetScanner(
            sheet,
            matcher,
            header_scan_rows=settings.header_scan_rows,
            sample_size=settings.sample_size,
            classifiers=classifiers,
            custom_types=custom,
        )
        scan = scanner.scan()
        record["rows"] = scan.rows
        record["row_types"] = scan.row_types
        record["decisions"] = scan.decisions
        record["hidden_columns"] = sorted(col_letter(c) for c in sheet.hidden_columns)
        non_blank = sum(v for k, v in scan.row_types.items() if k != "blank")
        if not non_blank:
            pool.done(sheet)
            record["status"], record["reason"] = "skipped", "empty sheet"
            sink.emit("sheet.skipped", sheet=sheet.name, reason="empty sheet")
            continue
        any_data = True
        ctx.artifact["metrics"]["sheets_scanned"] += 1
        if not scan.tables:
            record["reason"] = "no table found (only titles, notes or free text)"
            pool.done(sheet)
        for table in scan.tables:
            sink.emit(
                "table.detected",
                sheet=sheet.name,
                table=table.number,
                range=table.a1,
                header_rows=[r + 1 for r in table.header_rows],
                headerless=table.headerless,
                columns=len(table.columns),
                rows=table.data_rows,
            )
            board = score_table(table, ctx.config, matcher, ctx.state, ctx.logger)
            found.append((sheet, table, board))
    if not any_data:
        name = ctx.artifact["input"]["name"]  # the upload's name, not the staged file's
        raise InputError(f"{name} has no data: every sheet is empty or hidden")
    ctx.artifact["metrics"]["tables_found"] = len(found)
    timers.add("detect", time.perf_counter() - t0)
    timers.complete("detect", tables=len(found))
    return found


def _bind_classifier(
    ctx: RunContext, rel: str, fn: Callable[..., Any], sheet_names: list[dict[str, str]]
) -> Callable[[list[Any], int], Any]:
    """A fast caller for one row classifier (called for every row of every sheet).

    It reads the current sheet's name from a holder it appends to ``sheet_names``, which the
    pass updates before scanning each sheet.
    """
    state, log, config = ctx.state, ctx.logger.bind(rel), ctx.config
    what = f"{rel}: classify()"
    sheet_name = {"name": ""}

    def classify(values: list[Any], row_index: int) -> Any:
        try:
            result = fn(
                values=values,
                row_index=row_index,
                row_number=row_index + 1,
                sheet_name=sheet_name["name"],
                state=state,
                logger=log,
            )
        except Exception as exc:
            file, line = config_location(fn, config.root)
            raise from_config_exception(
                exc, config.root, what, fallback_file=file, fallback_line=line
            ) from exc
        if result is not None and not isinstance(result, int | float | dict):
            raise contract_error(
                config,
                fn,
                f"{what} returned {type(result).__name__}; "
                "expected a float, a dict {row_type: float} or None",
            )
        return result

    sheet_names.append(sheet_name)
    return classify
