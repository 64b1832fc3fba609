"""The pass pipeline: read -> detect -> map -> transform -> validate -> output.

:func:`run` is the library entry point used by ``ade run``, ``python -m ade_engine`` and the
worker. Sheets are scanned and every table is scored and mapped first (``detect``, ``map``);
``before_save`` hooks then see every table's mapping before any output row exists; then each
mapped table's rows stream through ``transform``, ``validate`` and ``output`` in chunks of
``engine.chunk_rows`` rows, so memory stays bounded however long the input is. The artifact is
written once the run has succeeded or failed, then ``run_end`` hooks run (for failed runs too)
and the artifact is written again with whatever they added.

Sheets are loaded one at a time through a :class:`~ade_engine.read.SheetPool`: a sheet that has
tables stays loaded between detection and writing only while the other sheets kept loaded hold
at most :data:`RETAIN_CELLS` cells; otherwise it is released and read again when its rows are
written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ade_engine.artifact import PASS_NAMES, finish, new_artifact, write_artifact
from ade_engine.config import (
    LoadedConfig,
    call_config,
    config_location,
    contract_error,
    load_config,
)
from ade_engine.detect import ScoreBoard, build_matcher, score_table
from ade_engine.errors import EngineError, InputError, OutputError, from_config_exception
from ade_engine.events import ConfigLogger, EventCallback, EventSink
from ade_engine.mapping import assign
from ade_engine.read import (
    Sheet,
    SheetPool,
    Workbook,
    clean_column,
    col_letter,
    open_workbook,
)
from ade_engine.summary import build_summary
from ade_engine.tables import SheetScanner, Table, iter_table_chunks
from ade_engine.transform import transform_column
from ade_engine.validate import validate_column
from ade_engine.write import XlsxWriter

ProgressCallback = Callable[[int, int], None]

#: Cells of already scanned sheets that may stay loaded (besides the sheet in use) so that
#: they need not be parsed again when their rows are written: about 50 MB of reader memory.
RETAIN_CELLS = 500_000


@dataclass
class RunResult:
    """What :func:`run` returns (it never raises for a failed run: see ``status``)."""

    status: str  # "succeeded" or "failed"
    summary: dict[str, Any]
    output_path: Path | None
    artifact_path: Path
    events_path: Path | None
    metrics: dict[str, Any]
    error: dict[str, Any] | None
    artifact: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"


@dataclass
class _TablePlan:
    sheet: Sheet
    table: Table
    board: ScoreBoard
    mapping: dict[int, int]  # field index -> table column position
    record: dict[str, Any]
    view: dict[str, Any]  # what hooks see as `table` (after_mapping) or in `tables` (before_save)
    append: list[tuple[int, int]] = field(default_factory=list)  # (output index, column pos)
    incomplete: bool = False  # a required field is unmapped and the config skips such tables

    @property
    def writes(self) -> bool:
        """Whether the table's rows are written."""
        return bool(self.mapping) and not self.incomplete


class _Timers:
    def __init__(self, sink: EventSink) -> None:
        self.sink = sink
        self.ms = dict.fromkeys(PASS_NAMES, 0.0)
        self.started: set[str] = set()
        self.order: list[str] = []

    def start(self, name: str) -> None:
        if name not in self.started:
            self.started.add(name)
            self.order.append(name)
            self.sink.emit("pass.started", name=name)

    def add(self, name: str, seconds: float) -> None:
        self.ms[name] += seconds * 1000

    def complete(self, name: str, **data: Any) -> None:
        self.start(name)
        self.sink.emit("pass.completed", name=name, elapsed_ms=round(self.ms[name]), **data)

    def records(self) -> list[dict[str, Any]]:
        return [{"name": n, "elapsed_ms": round(self.ms[n])} for n in self.order]


class _Run:
    def __init__(
        self,
        config: LoadedConfig,
        artifact: dict[str, Any],
        sink: EventSink,
        progress: ProgressCallback | None,
    ) -> None:
        self.config = config
        self.settings = config.manifest.engine
        self.artifact = artifact
        self.sink = sink
        self.logger = ConfigLogger(sink)
        self.state: dict[str, Any] = {}
        self.progress = progress
        self.timers = _Timers(sink)
        self.manifest_view = dict(config.manifest.raw)
        self._classifier_sheet: list[dict[str, str]] = []
        self.writer: XlsxWriter | None = None
        self.workbook: Workbook | None = None
        self.pool = SheetPool(RETAIN_CELLS)
        self.produced = False  # normalized.xlsx was moved into place

    def close(self) -> None:
        """Drop an unfinished output, release every loaded sheet and close the input."""
        if self.writer is not None and not self.produced:
            self.writer.abort()
        self.pool.close()
        if self.workbook is not None:
            with contextlib.suppress(Exception):  # nothing to save from a reader that won't close
                self.workbook.close()
            self.workbook = None

    # ------------------------------------------------------------------ hooks
    def call_hook(self, rel: str, fn: Callable[..., Any], stage: str, **extra: Any) -> Any:
        return call_config(
            self.config,
            fn,
            f"{rel}: run() at {stage}",
            {
                "stage": stage,
                "state": self.state,
                "manifest": self.manifest_view,
                "artifact": self.artifact,
                "table": None,
                "logger": self.logger.bind(rel),
                **extra,
            },
        )

    def hooks(self, stage: str, table: dict[str, Any] | None = None) -> Any:
        result = None
        for rel, fn in self.config.hooks.get(stage, []):
            result = self.call_hook(rel, fn, stage, table=table)
            if table is not None and isinstance(result, dict):
                table["mapping"] = result.get("mapping", result)
        return result

    # ------------------------------------------------------------------ detect
    def detect(self, wb: Workbook) -> list[tuple[Sheet, Table, ScoreBoard]]:
        timers = self.timers
        timers.start("detect")
        t0 = time.perf_counter()
        matcher = build_matcher(self.config)
        custom = [rt.name for rt, _ in self.config.row_types]
        found: list[tuple[Sheet, Table, ScoreBoard]] = []
        any_data = False

        classifiers = [
            (rt.name, self._bind_classifier(rt.path, fn)) for rt, fn in self.config.row_types
        ]

        for sheet in wb.sheets:
            record: dict[str, Any] = {
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
            self.artifact["sheets"].append(record)
            if not sheet.visible:
                record.update(status="skipped", reason=f"{sheet.visibility} sheet")
                self.sink.emit("sheet.skipped", sheet=sheet.name, reason=record["reason"])
                continue
            self.pool.load(sheet)
            for holder in self._classifier_sheet:
                holder["name"] = sheet.name
            scanner = SheetScanner(
                sheet,
                matcher,
                header_scan_rows=self.settings.header_scan_rows,
                sample_size=self.settings.sample_size,
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
                self.pool.done(sheet)
                record.update(status="skipped", reason="empty sheet")
                self.sink.emit("sheet.skipped", sheet=sheet.name, reason="empty sheet")
                continue
            any_data = True
            self.artifact["metrics"]["sheets_scanned"] += 1
            if not scan.tables:
                record["reason"] = "no table found (only titles, notes or free text)"
                self.pool.done(sheet)
            for table in scan.tables:
                self.sink.emit(
                    "table.detected",
                    sheet=sheet.name,
                    table=table.number,
                    range=table.a1,
                    header_rows=[r + 1 for r in table.header_rows],
                    headerless=table.headerless,
                    columns=len(table.columns),
                    rows=table.data_rows,
                )
                board = score_table(table, self.config, matcher, self.state, self.logger)
                found.append((sheet, table, board))
        if not any_data:
            raise InputError(f"{wb.path.name} has no data: every sheet is empty or hidden")
        self.artifact["metrics"]["tables_found"] = len(found)
        timers.add("detect", time.perf_counter() - t0)
        timers.complete("detect", tables=len(found))
        return found

    def _bind_classifier(self, rel: str, fn: Callable[..., Any]) -> Callable[[list[Any], int], Any]:
        """A fast caller for one row classifier (called for every row of every sheet)."""
        state, log, config = self.state, self.logger.bind(rel), self.config
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

        self._classifier_sheet.append(sheet_name)
        return classify

    # ------------------------------------------------------------------ map
    def map(self, found: list[tuple[Sheet, Table, ScoreBoard]]) -> list[_TablePlan]:
        timers = self.timers
        timers.start("map")
        t0 = time.perf_counter()
        plans: list[_TablePlan] = []
        for sheet, table, board in found:
            assigned = assign(board.total, self.settings.min_score)
            mapping = {f: c for c, f in assigned.items()}
            letters = [col.letter for col in table.columns]
            hook_table: dict[str, Any] = {
                "id": f"{table.sheet}#{table.number}",
                "sheet": table.sheet,
                "number": table.number,
                "range": table.a1,
                "header_rows": [r + 1 for r in table.header_rows],
                "headerless": table.headerless,
                "columns": [
                    {
                        "letter": col.letter,
                        "index": col.index,
                        "header": col.header,
                        "group": col.group,
                        "samples": list(col.samples[:20]),
                    }
                    for col in table.columns
                ],
                "scores": {
                    col.letter: {
                        fld: round(board.total[c][f], 4) for f, fld in enumerate(board.fields)
                    }
                    for c, col in enumerate(table.columns)
                },
                "mapping": self._letters(mapping, letters),
            }
            changed_by: list[str] = []
            if self.config.hooks.get("after_mapping"):
                before = dict(hook_table["mapping"])
                self.hooks("after_mapping", hook_table)
                mapping = self._hook_mapping(hook_table, letters, "after_mapping")
                if hook_table["mapping"] != before:
                    changed_by = [rel for rel, _ in self.config.hooks["after_mapping"]]
                hook_table["mapping"] = self._letters(mapping, letters)
            record = self._table_record(table, board, mapping, changed_by)
            sheet_record = next(s for s in self.artifact["sheets"] if s["name"] == sheet.name)
            sheet_record["tables"].append(record)
            plans.append(_TablePlan(sheet, table, board, mapping, record, hook_table))
            self.sink.emit(
                "mapping.decided",
                sheet=table.sheet,
                table=table.number,
                range=table.a1,
                mapping=record["mapping"],
                unmapped_fields=record["unmapped_fields"],
            )
        timers.add("map", time.perf_counter() - t0)
        timers.complete("map")
        return plans

    def _letters(self, mapping: dict[int, int], letters: list[str]) -> dict[str, str | None]:
        """A mapping as hooks see it: {field: column letter or None} for every enabled field."""
        return {
            m.spec.field: (letters[mapping[f]] if f in mapping else None)
            for f, m in enumerate(self.config.enabled)
        }

    # ------------------------------------------------------------------ before_save
    def before_save(self, plans: list[_TablePlan]) -> None:
        """Run ``before_save`` hooks once every table is mapped and before any row is written.

        Hooks get ``tables`` (every table as ``after_mapping`` saw it, with the final
        mapping) and may change a table's ``mapping``; the change is checked like one made at
        ``after_mapping`` and recorded in ``mapping_changed_by``. Anything a hook puts in
        ``state`` is seen by the transforms and validators that run next.
        """
        hooks = self.config.hooks.get("before_save", [])
        if hooks:
            before = [dict(plan.view["mapping"]) for plan in plans]
            for rel, fn in hooks:
                self.call_hook(rel, fn, "before_save", tables=[plan.view for plan in plans])
            rels = [rel for rel, _ in hooks]
            for plan, old in zip(plans, before, strict=True):
                view = plan.view
                if view.get("mapping") == old:
                    continue
                letters = [col.letter for col in plan.table.columns]
                plan.mapping = self._hook_mapping(view, letters, "before_save")
                view["mapping"] = self._letters(plan.mapping, letters)
                if view["mapping"] == old:
                    continue
                changed_by = plan.record["mapping_changed_by"] + [
                    rel for rel in rels if rel not in plan.record["mapping_changed_by"]
                ]
                known = {i["field"] for i in plan.record["table_issues"]}
                plan.record.update(
                    self._table_record(plan.table, plan.board, plan.mapping, changed_by, known)
                )
                self.sink.emit(
                    "mapping.changed",
                    stage="before_save",
                    sheet=plan.table.sheet,
                    table=plan.table.number,
                    range=plan.table.a1,
                    mapping=plan.record["mapping"],
                    unmapped_fields=plan.record["unmapped_fields"],
                    changed_by=changed_by,
                )
        self._incomplete_tables(plans)
        # Sheets none of whose tables will be written are not needed any more.
        needed = {id(plan.sheet) for plan in plans if plan.writes}
        for plan in plans:
            if id(plan.sheet) not in needed:
                self.pool.done(plan.sheet)

    def _incomplete_tables(self, plans: list[_TablePlan]) -> None:
        """``engine.incomplete_tables``: a mapped table that leaves a required field unmapped
        (after every hook) is skipped (the default), written, or fails the run."""
        policy = self.settings.incomplete_tables
        for plan in plans:
            missing = [i["field"] for i in plan.record["table_issues"]]
            if not plan.mapping or not missing or policy == "write":
                continue
            labels = ", ".join(
                f"{m.spec.label!r} ({m.spec.field})"
                for m in self.config.enabled
                if m.spec.field in missing
            )
            what = f"required field{'s' if len(missing) > 1 else ''} {labels} not mapped"
            if policy == "fail":
                raise InputError(
                    f"table {plan.table.name}: {what} (engine.incomplete_tables = fail)"
                )
            plan.incomplete = True
            plan.record["status"] = "skipped"
            plan.record["reason"] = (
                f"{what}: the table is not written (engine.incomplete_tables = skip)"
            )
            self.logger.warning(f"{plan.table.name}: {plan.record['reason']}")

    def _hook_mapping(
        self, hook_table: dict[str, Any], letters: list[str], stage: str
    ) -> dict[int, int]:
        fields = [m.spec.field for m in self.config.enabled]
        proposed = hook_table.get("mapping")
        rel, fn = self.config.hooks[stage][-1]
        if not isinstance(proposed, dict):
            raise contract_error(
                self.config,
                fn,
                f"{rel}: table['mapping'] must stay a dict {{field: column letter or None}}",
            )
        mapping: dict[int, int] = {}
        used: set[int] = set()
        for key, letter in proposed.items():
            if key not in fields:
                raise contract_error(
                    self.config, fn, f"{rel}: mapping names unknown or disabled field {key!r}"
                )
            if letter is None:
                continue
            if letter not in letters:
                raise contract_error(
                    self.config,
                    fn,
                    f"{rel}: mapping of {key!r} names column "
                    f"{letter!r}, which is not in table {hook_table['range']}",
                )
            pos = letters.index(letter)
            if pos in used:
                raise contract_error(
                    self.config, fn, f"{rel}: column {letter} is mapped to more than one field"
                )
            used.add(pos)
            mapping[fields.index(key)] = pos
        return mapping

    def _table_record(
        self,
        table: Table,
        board: ScoreBoard,
        mapping: dict[int, int],
        changed_by: list[str],
        known_issues: set[str] | None = None,
    ) -> dict[str, Any]:
        modules = self.config.enabled
        by_col = {c: f for f, c in mapping.items()}
        columns = []
        for c, col in enumerate(table.columns):
            scores = {fld: round(board.total[c][f], 4) for f, fld in enumerate(board.fields)}
            winner = modules[by_col[c]].spec.field if c in by_col else None
            columns.append(
                {
                    "letter": col.letter,
                    "index": col.index,
                    "header": col.header,
                    "group": col.group or None,
                    "hidden": col.hidden,
                    "scores": scores,
                    "score_parts": {
                        board.fields[f]: {k: round(v, 4) for k, v in parts.items()}
                        for f, parts in enumerate(board.parts[c])
                        if parts
                    },
                    "winner": winner,
                    "winner_score": scores[winner] if winner else None,
                    "sample": list(col.samples[:5]),
                }
            )
        mapped = []
        for f, module in enumerate(modules):
            if f in mapping:
                c = mapping[f]
                col = table.columns[c]
                mapped.append(
                    {
                        "field": module.spec.field,
                        "label": module.spec.label,
                        "column": col.letter,
                        "header": col.merged_header,
                        "score": round(board.total[c][f], 4),
                    }
                )
        unmapped_fields = [m.spec.field for f, m in enumerate(modules) if f not in mapping]
        table_issues = [
            {
                "type": "required_field_unmapped",
                "field": m.spec.field,
                "message": f"required field {m.spec.label!r} ({m.spec.field}) was not found in "
                "this table",
            }
            for f, m in enumerate(modules)
            if m.spec.required and f not in mapping
        ]
        for issue in table_issues:
            if issue["field"] not in (known_issues or set()):
                self.logger.warning(f"{table.name}: {issue['message']}")
        record: dict[str, Any] = {
            "id": f"{table.sheet}#{table.number}",
            "number": table.number,
            "range": table.a1,
            "header_rows": [r + 1 for r in table.header_rows],
            "headerless": table.headerless,
            "stacked_header": len(table.header_rows) > 1,
            "data_rows": [table.data_start + 1, table.data_end + 1],
            "columns": columns,
            "mapping": mapped,
            "mapping_changed_by": changed_by,
            "unmapped_fields": unmapped_fields,
            "unmapped_columns": [
                col.letter for c, col in enumerate(table.columns) if c not in by_col
            ],
            "rows": {"data": table.data_rows, "excluded": len(table.excluded), "written": 0},
            "row_decisions": table.decisions,
            "table_issues": table_issues,
            "issues": {"count": 0, "by_field": {}},
            "status": "mapped" if mapping else "skipped",
            "reason": None,
            "output_rows": None,
        }
        if not mapping:
            record["reason"] = (
                f"no field mapped after hooks ({', '.join(changed_by)})"
                if changed_by
                else "no column reached min_score for any field"
            )
        return record

    # ------------------------------------------------------------------ transform/validate/out
    def output_columns(self, plans: list[_TablePlan]) -> list[str]:
        headers = [m.spec.label for m in self.config.enabled]
        if self.settings.include_source:
            headers += ["source_sheet", "source_row"]
        if self.settings.unmapped_columns == "append":
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

    def process(self, plans: list[_TablePlan], output_path: Path) -> XlsxWriter:
        timers = self.timers
        modules = self.config.enabled
        headers = self.output_columns(plans)
        n_out = len(headers)
        n_fields = len(modules)
        include_source = self.settings.include_source
        chunk_rows = self.settings.chunk_rows
        total_rows = sum(p.table.data_rows for p in plans if p.writes)
        done = 0
        writer = XlsxWriter(output_path, self.settings.output_sheet, headers)
        self.writer = writer
        for name in ("transform", "validate", "output"):
            timers.start(name)
        issues_total = 0
        last_plan = {id(p.sheet): i for i, p in enumerate(plans) if p.writes}
        for plan_index, plan in enumerate(plans):
            if not plan.writes:
                continue
            table, sheet = plan.table, plan.sheet
            self.pool.load(sheet)
            spreadsheet = not sheet.typed_text
            first_out = writer.next_row
            table_info = {"sheet": table.sheet, "number": table.number, "range": table.a1}
            by_field = plan.record["issues"]["by_field"]
            chunks = iter_table_chunks(sheet, table, chunk_rows)
            t_read = time.perf_counter()
            for chunk_index, (row_numbers, rows) in enumerate(chunks):
                t0 = time.perf_counter()
                timers.add("transform", t0 - t_read)  # reading the rows back
                n = len(rows)
                columns = list(zip(*rows, strict=True))
                del rows
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
                    log = self.logger.bind(module.spec.path)
                    values = transform_column(self.config, module, values, extra, self.state, log)
                    tb = time.perf_counter()
                    messages = validate_column(self.config, module, values, extra, self.state, log)
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
                            issues_total += count
                    out[f] = values
                    timers.add("validate", time.perf_counter() - tc)
                t2 = time.perf_counter()
                if include_source:
                    out[n_fields] = [table.sheet] * n
                    out[n_fields + 1] = row_numbers
                for out_index, pos in plan.append:
                    out[out_index] = clean_column(columns[pos], spreadsheet=spreadsheet)
                writer.write_columns(out)
                done += n
                timers.add("output", time.perf_counter() - t2)
                self.sink.emit("progress", rows=done, total=total_rows)
                if self.progress is not None:
                    self.progress(done, total_rows)
                t_read = time.perf_counter()
            written = writer.next_row - first_out
            plan.record["rows"]["written"] = written
            plan.record["issues"]["count"] = sum(by_field.values())
            if written:
                plan.record["output_rows"] = [first_out, writer.next_row - 1]
            if last_plan[id(sheet)] == plan_index:
                self.pool.done(sheet)
        self.artifact["metrics"]["rows_processed"] = done
        self.artifact["metrics"]["issues"] = issues_total
        timers.complete("transform")
        timers.complete("validate", issues=issues_total)
        self.artifact["output"] = {
            "path": output_path.name,
            "sheet": self.settings.output_sheet,
            "columns": headers,
            "rows": done,
            "issues_sheet": "Issues",
        }
        return writer


def run(
    input_path: Path,
    config_path: Path,
    out_dir: Path,
    *,
    on_event: EventCallback | None = None,
    progress: ProgressCallback | None = None,
    events_path: Path | None = None,
    events_stream: IO[str] | None = None,
    artifact_path: Path | None = None,
) -> RunResult:
    """Run one input through one config package.

    Writes ``out_dir/normalized.xlsx``, ``artifact_path`` (default ``out_dir/artifact.json``)
    and ``events_path`` (default ``out_dir/events.ndjson``), or writes the events to
    ``events_stream`` instead (the sandbox's events pipe; closed at the end). Never raises for
    a failed run: the result's ``status`` is ``"failed"`` and ``error`` says why (the artifact
    is written either way, and no ``normalized.xlsx`` is left in ``out_dir``, not even one
    from an earlier run). ``on_event`` receives every event dict; ``progress(done, total)`` is
    called after each chunk of rows.
    """
    started = time.perf_counter()
    input_path, config_path, out_dir = Path(input_path), Path(config_path), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if events_stream is not None:
        events_path = None
    else:
        events_path = Path(events_path) if events_path else out_dir / "events.ndjson"
    artifact_path = Path(artifact_path) if artifact_path else out_dir / "artifact.json"
    output_path = out_dir / "normalized.xlsx"
    overwrites_input = _same_file(output_path, input_path)
    # An earlier run's outputs must not be taken for this run's, whatever happens next.
    for stale in (output_path, artifact_path):
        if not _same_file(stale, input_path):
            with contextlib.suppress(OSError):
                stale.unlink(missing_ok=True)
    artifact = new_artifact(input_path)
    sink = EventSink(events_path, on_event, stream=events_stream)
    error: EngineError | None = None
    runner: _Run | None = None
    try:
        with contextlib.ExitStack() as stack:
            try:
                sink.emit(
                    "run.started",
                    input=input_path.name,
                    config=str(config_path),
                    out_dir=str(out_dir),
                )
                if overwrites_input:
                    raise InputError(
                        f"the input is {output_path}, which the run would overwrite; "
                        "choose another output folder"
                    )
                config = stack.enter_context(load_config(config_path))
                manifest = config.manifest
                artifact["config"] = {"title": manifest.title, "files_hash": config.files_hash}
                artifact["settings"] = dataclasses.asdict(manifest.engine)
                runner = _Run(config, artifact, sink, progress)
                runner.hooks("run_start")
                runner.workbook = wb = open_workbook(input_path)
                artifact["input"]["format"] = wb.format
                artifact["input"].update(
                    {k: v for k, v in wb.details.items() if not k.startswith("_")}
                )
                found = runner.detect(wb)
                plans = runner.map(found)
                runner.before_save(plans)
                writer = runner.process(plans, output_path)
                t0 = time.perf_counter()
                try:
                    writer.close()
                except OSError as exc:
                    raise OutputError(f"could not write {output_path.name}: {exc}") from exc
                runner.produced = True
                runner.timers.add("output", time.perf_counter() - t0)
                runner.timers.complete("output", rows=artifact["metrics"]["rows_processed"])
                artifact["passes"] = runner.timers.records()
                finish(artifact, "succeeded", _elapsed_ms(started))
            except EngineError as exc:
                error = exc
            except Exception as exc:
                error = EngineError(f"internal error: {type(exc).__name__}: {exc}")
                error.type = "internal"
                sink.emit(
                    "log", level="error", message="internal error", traceback=traceback.format_exc()
                )
            finally:
                if runner is not None:
                    runner.close()
            if error is not None:
                _fail(artifact, error, runner, output_path, started)
            # The artifact is final: write it, then run_end hooks (for failed runs too; the
            # config package is still loaded), then write it again with what they added.
            write_artifact(artifact, artifact_path)
            if runner is not None and runner.config.hooks.get("run_end"):
                late = _run_end(runner, output_path, started)
                error = error or late
                write_artifact(artifact, artifact_path)
            if error is not None:
                sink.emit(
                    "run.failed",
                    error=artifact["error"],
                    elapsed_ms=artifact["metrics"]["elapsed_ms"],
                )
            else:
                sink.emit("run.completed", metrics=artifact["metrics"])
    finally:
        sink.close()
    succeeded = artifact["status"] == "succeeded"
    summary = build_summary(
        artifact, output_path if succeeded else None, artifact_path, events_path
    )
    return RunResult(
        status=artifact["status"],
        summary=summary,
        output_path=output_path if succeeded else None,
        artifact_path=artifact_path,
        events_path=events_path,
        metrics=dict(artifact["metrics"]),
        error=artifact["error"],
        artifact=artifact,
    )


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def _fail(
    artifact: dict[str, Any],
    error: EngineError,
    runner: _Run | None,
    output_path: Path,
    started: float,
) -> None:
    """Mark the artifact failed; no normalized.xlsx may stay behind."""
    if runner is not None:
        if runner.produced:
            output_path.unlink(missing_ok=True)
            runner.produced = False
        artifact["passes"] = runner.timers.records()
    finish(artifact, "failed", _elapsed_ms(started), error.to_dict())
    artifact["output"] = None


def _run_end(runner: _Run, output_path: Path, started: float) -> EngineError | None:
    """Call every ``run_end`` hook once, in manifest order, with the final artifact.

    On a run that succeeded so far, a hook that raises fails the run (its output is removed)
    and is returned as the run's error; the hooks after it still run and see the failed
    status. On a run that had already failed, a hook that raises does not replace the
    original error: it is recorded in the artifact's ``secondary_errors`` and as a
    ``hook.failed`` event.
    """
    artifact, new_error = runner.artifact, None
    for rel, fn in runner.config.hooks["run_end"]:
        try:
            runner.call_hook(rel, fn, "run_end")
        except EngineError as exc:
            if artifact["status"] == "succeeded":
                new_error = exc
                _fail(artifact, exc, runner, output_path, started)
                continue
            problem = {"stage": "run_end", "hook": rel, **exc.to_dict()}
            artifact["secondary_errors"].append(problem)
            runner.sink.emit(
                "hook.failed", stage="run_end", hook=rel, error=exc.to_dict(), secondary=True
            )
    return new_error
