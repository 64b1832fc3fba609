"""The corpus's files (workbook, config package) and the scoring of a run against the truth."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ade_engine.artifact_types import Artifact

from .generate import FIELDS, Case, Key


def write_workbook(case: Case, path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for spec in case.sheets:
        ws = wb.create_sheet(spec["name"])
        for (r, c), v in spec["cells"].items():
            ws.cell(row=r + 1, column=c + 1, value=v)
        for r0, c0, r1, c1 in spec.get("merges", []):
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
        for r in spec.get("hidden_rows", []):
            ws.row_dimensions[r + 1].hidden = True
        for c in spec.get("hidden_cols", []):
            from openpyxl.utils import get_column_letter

            ws.column_dimensions[get_column_letter(c + 1)].hidden = True
    wb.save(path)
    return path


def write_config(root: Path, engine: dict[str, Any] | None = None) -> Path:
    """The corpus config package: one module per field, none with a detector."""
    (root / "columns").mkdir(parents=True, exist_ok=True)
    columns = []
    for i, (fld, label, synonyms, required) in enumerate(FIELDS, 1):
        path = f"columns/{fld}.py"
        (root / path).write_text('"""no code"""\n')
        columns.append(
            {
                "field": fld,
                "label": label,
                "path": path,
                "ordinal": i,
                "required": required,
                "synonyms": synonyms,
            }
        )
    manifest = {
        "schema": "ade.manifest/v1",
        "title": "Layout corpus",
        "engine": {"include_source": True, **(engine or {})},
        "columns": columns,
        "row_types": [],
        "hooks": {},
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return root


# --------------------------------------------------------------------------- scoring


@dataclass
class Score:
    tables: int = 0
    tables_right: int = 0
    records: int = 0
    records_right: int = 0
    junk: int = 0  # output rows that are no record
    decisions: int = 0
    decisions_found: int = 0
    wrong: list[str] = field(default_factory=list)  # what went wrong, for messages

    def add(self, other: Score) -> None:
        for name in (
            "tables",
            "tables_right",
            "records",
            "records_right",
            "junk",
            "decisions",
            "decisions_found",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.wrong.extend(other.wrong)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(float(a) - float(b)) < 1e-6
    return str(a).strip() == str(b).strip()


def output_records(output: Path, artifact: Artifact) -> list[tuple[Key, dict[str, Any]]]:
    """Every output row as ((sheet@first column of its table, source row), {field: value})."""
    from openpyxl import load_workbook

    labels = {label: fld for fld, label, _, _ in FIELDS}
    starts: dict[int, int] = {}  # output row -> the first column of the table it came from
    for t in (t for s in artifact["sheets"] for t in s["tables"]):
        if t["output_rows"]:
            lo, hi = t["output_rows"]
            starts.update(dict.fromkeys(range(lo, hi + 1), t["columns"][0]["index"]))
    assert artifact["output"] is not None, "a succeeded run has an output"
    wb = load_workbook(output, read_only=True)
    rows: list[tuple[Any, ...]] = list(wb[artifact["output"]["sheet"]].iter_rows(values_only=True))
    wb.close()
    out: list[tuple[Key, dict[str, Any]]] = []
    for n, row in enumerate(rows[1:], 2):
        values: dict[Any, Any] = dict(zip(rows[0], row, strict=False))
        key = (f"{values['source_sheet']}@{starts.get(n, 0)}", int(values["source_row"]))
        out.append(
            (key, {labels[h]: v for h, v in values.items() if h in labels and v is not None})
        )
    return out


def score(case: Case, artifact: Artifact, output: Path | None) -> Score:
    """Compare a run with the truth (see the module docstring)."""
    rows = output_records(output, artifact) if output is not None and output.exists() else []
    return score_records(case, rows, _decided_rows(artifact))


def score_records(case: Case, rows: list[tuple[Key, dict[str, Any]]], recorded: set[Key]) -> Score:
    """Score output rows (``(key, {field: value})``) and the rows decisions name."""
    s = Score(tables=len(case.tables), records=len(case.records), decisions=len(case.decisions))
    got: dict[Key, list[dict[str, Any]]] = {}
    for key, record in rows:
        got.setdefault(key, []).append(record)
    right: set[Key] = set()
    for key, truth in case.records.items():
        found = got.get(key, [])
        if (
            len(found) == 1
            and set(found[0]) == set(truth)
            and all(_same(found[0][f], v) for f, v in truth.items())
        ):
            right.add(key)
        elif len(s.wrong) < 5:
            s.wrong.append(f"{case.name} row {key}: expected {truth}, got {found}")
    s.records_right = len(right)
    for key, found in got.items():
        if key not in case.records:
            s.junk += len(found)
            if len(s.wrong) < 5:
                s.wrong.append(f"{case.name} row {key}: junk {found}")
    junk_rows = {k for k in got if k not in case.records}
    for keys in case.tables:
        numbers = {k[1] for k in keys}
        lo, hi = min(numbers), max(numbers)
        inside_junk = any(k[1] in range(lo, hi + 2) and k[0] == keys[0][0] for k in junk_rows)
        if all(k in right for k in keys) and not inside_junk:
            s.tables_right += 1
    for (sheet, row), _kind in case.decisions.items():
        if (sheet, row) in recorded:
            s.decisions_found += 1
    return s


def _decided_rows(artifact: Artifact) -> set[Key]:
    """Rows the artifact says something about: decisions, and the header rows of tables that
    were not written (a skipped summary block is a decision about its header row)."""
    rows: set[Key] = set()
    for sheet in artifact["sheets"]:
        for d in sheet["decisions"]:
            rows.add((sheet["name"], d["row"]))
        for t in sheet["tables"]:
            for row_decision in t["row_decisions"]:
                rows.add((sheet["name"], row_decision["row"]))
            if t["status"] == "skipped" and t["header_rows"]:
                rows.add((sheet["name"], t["header_rows"][-1]))
    return rows


def run_case(case: Case, work: Path, config: Path) -> Score:
    """Write the case's workbook, run the engine on it and score the result."""
    from ade_engine import run

    work.mkdir(parents=True, exist_ok=True)
    book = write_workbook(case, work / f"{case.name}.xlsx")
    result = run(book, config, work / case.name)
    if not result.ok:
        s = Score(tables=len(case.tables), records=len(case.records), decisions=len(case.decisions))
        s.wrong.append(f"{case.name}: run failed: {result.error}")
        return s
    return score(case, result.artifact, result.output_path)
