"""The map pass: assign each table's columns to fields, let hooks adjust, record the tables.

:func:`map_tables` assigns columns with :func:`ade_engine.mapping.assign` (the Hungarian
algorithm and its exact tie-break), shows each table to the ``after_mapping`` hooks, checks a
mapping they changed, and appends the table's record to its sheet in the artifact
(``mapping.decided``). :func:`before_save` then runs the ``before_save`` hooks once, over every
table, before any output row exists; a mapping they change is checked and recorded the same
way (``mapping.changed``).
"""

from __future__ import annotations

import time
from typing import Any

from ade_engine.artifact_types import (
    ColumnRecord,
    MappingRecord,
    TableIssue,
    TableRecord,
)
from ade_engine.config import contract_error
from ade_engine.detect import ScoreBoard
from ade_engine.errors import InputError
from ade_engine.mapping import assign
from ade_engine.passes.context import RunContext, TablePlan
from ade_engine.passes.detect import Found
from ade_engine.tables import Table


def map_tables(ctx: RunContext, found: Found) -> list[TablePlan]:
    """Map every table found (see the module docstring)."""
    timers = ctx.timers
    timers.start("map")
    t0 = time.perf_counter()
    plans: list[TablePlan] = []
    for sheet, table, board in found:
        assigned = assign(board.total, ctx.settings.min_score)
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
                col.letter: {fld: round(board.total[c][f], 4) for f, fld in enumerate(board.fields)}
                for c, col in enumerate(table.columns)
            },
            "mapping": _letters(ctx, mapping, letters),
        }
        changed_by: list[str] = []
        if ctx.config.hooks.get("after_mapping"):
            before = dict(hook_table["mapping"])
            changers = ctx.hooks("after_mapping", hook_table)
            mapping = _hook_mapping(ctx, hook_table, letters, "after_mapping")
            if hook_table["mapping"] != before:
                # Only the hooks that changed it: one that looked and left it is no author.
                changed_by = changers
            hook_table["mapping"] = _letters(ctx, mapping, letters)
        record = _table_record(ctx, table, board, mapping, changed_by)
        sheet_record = next(s for s in ctx.artifact["sheets"] if s["name"] == sheet.name)
        sheet_record["tables"].append(record)
        plans.append(TablePlan(sheet, table, board, mapping, record, hook_table))
        ctx.sink.emit(
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


def _letters(ctx: RunContext, mapping: dict[int, int], letters: list[str]) -> dict[str, str | None]:
    """A mapping as hooks see it: {field: column letter or None} for every enabled field."""
    return {
        m.spec.field: (letters[mapping[f]] if f in mapping else None)
        for f, m in enumerate(ctx.config.enabled)
    }


def before_save(ctx: RunContext, plans: list[TablePlan]) -> None:
    """Run ``before_save`` hooks once every table is mapped and before any row is written.

    Hooks get ``tables`` (every table as ``after_mapping`` saw it, with the final
    mapping) and may change a table's ``mapping``; the change is checked like one made at
    ``after_mapping`` and recorded in ``mapping_changed_by``. Anything a hook puts in
    ``state`` is seen by the transforms and validators that run next.
    """
    hooks = ctx.config.hooks.get("before_save", [])
    if hooks:
        before = [dict(plan.view["mapping"]) for plan in plans]
        changers: list[list[str]] = [[] for _ in plans]
        for rel, fn in hooks:
            seen = [dict(plan.view["mapping"]) for plan in plans]
            ctx.call_hook(rel, fn, "before_save", tables=[plan.view for plan in plans])
            for index, plan in enumerate(plans):
                if plan.view.get("mapping") != seen[index]:
                    changers[index].append(rel)
        for plan, old, rels in zip(plans, before, changers, strict=True):
            view = plan.view
            if view.get("mapping") == old:
                continue
            letters = [col.letter for col in plan.table.columns]
            plan.mapping = _hook_mapping(ctx, view, letters, "before_save")
            view["mapping"] = _letters(ctx, plan.mapping, letters)
            if view["mapping"] == old:
                continue
            changed_by = plan.record["mapping_changed_by"] + [
                rel for rel in rels if rel not in plan.record["mapping_changed_by"]
            ]
            known = {i["field"] for i in plan.record["table_issues"]}
            plan.record.update(
                _table_record(ctx, plan.table, plan.board, plan.mapping, changed_by, known)
            )
            ctx.sink.emit(
                "mapping.changed",
                stage="before_save",
                sheet=plan.table.sheet,
                table=plan.table.number,
                range=plan.table.a1,
                mapping=plan.record["mapping"],
                unmapped_fields=plan.record["unmapped_fields"],
                changed_by=changed_by,
            )


def settle(ctx: RunContext, plans: list[TablePlan]) -> None:
    """Once every hook has had its say: apply ``engine.incomplete_tables`` (a mapped table that
    leaves a required field unmapped is skipped, the default, written, or fails the run), then
    let go of the sheets none of whose tables will be written."""
    _incomplete_tables(ctx, plans)
    needed = {id(plan.sheet) for plan in plans if plan.writes}
    for plan in plans:
        if id(plan.sheet) not in needed:
            ctx.pool.done(plan.sheet)


def _incomplete_tables(ctx: RunContext, plans: list[TablePlan]) -> None:
    policy = ctx.settings.incomplete_tables
    for plan in plans:
        missing = [i["field"] for i in plan.record["table_issues"]]
        if not plan.mapping or not missing or policy == "write":
            continue
        labels = ", ".join(
            f"{m.spec.label!r} ({m.spec.field})"
            for m in ctx.config.enabled
            if m.spec.field in missing
        )
        what = f"required field{'s' if len(missing) > 1 else ''} {labels} not mapped"
        if policy == "fail":
            raise InputError(f"table {plan.table.name}: {what} (engine.incomplete_tables = fail)")
        plan.incomplete = True
        plan.record["status"] = "skipped"
        reason = f"{what}: the table is not written (engine.incomplete_tables = skip)"
        plan.record["reason"] = reason
        ctx.logger.warning(f"{plan.table.name}: {reason}")


def _hook_mapping(
    ctx: RunContext, hook_table: dict[str, Any], letters: list[str], stage: str
) -> dict[int, int]:
    """The mapping hooks of ``stage`` left in ``hook_table`` as {field index: column position},
    or a contract error naming the stage's last hook when it is not one (not a dict, an
    unknown or disabled field, a column not in the table or mapped twice)."""
    fields = [m.spec.field for m in ctx.config.enabled]
    proposed = hook_table.get("mapping")
    rel, fn = ctx.config.hooks[stage][-1]
    if not isinstance(proposed, dict):
        raise contract_error(
            ctx.config,
            fn,
            f"{rel}: table['mapping'] must stay a dict {{field: column letter or None}}",
        )
    mapping: dict[int, int] = {}
    used: set[int] = set()
    for key, letter in proposed.items():
        if key not in fields:
            raise contract_error(
                ctx.config, fn, f"{rel}: mapping names unknown or disabled field {key!r}"
            )
        if letter is None:
            continue
        if letter not in letters:
            raise contract_error(
                ctx.config,
                fn,
                f"{rel}: mapping of {key!r} names column "
                f"{letter!r}, which is not in table {hook_table['range']}",
            )
        pos = letters.index(letter)
        if pos in used:
            raise contract_error(
                ctx.config, fn, f"{rel}: column {letter} is mapped to more than one field"
            )
        used.add(pos)
        mapping[fields.index(key)] = pos
    return mapping


def _table_record(
    ctx: RunContext,
    table: Table,
    board: ScoreBoard,
    mapping: dict[int, int],
    changed_by: list[str],
    known_issues: set[str] | None = None,
) -> TableRecord:
    """The table's record in the artifact for ``mapping``. A required field left unmapped is a
    table issue, logged as a warning unless ``known_issues`` (fields already warned about)
    has it."""
    modules = ctx.config.enabled
    by_col = {c: f for f, c in mapping.items()}
    columns: list[ColumnRecord] = []
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
    mapped: list[MappingRecord] = []
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
    table_issues: list[TableIssue] = [
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
            ctx.logger.warning(f"{table.name}: {issue['message']}")
    record: TableRecord = {
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
        "unmapped_columns": [col.letter for c, col in enumerate(table.columns) if c not in by_col],
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
