"""The run summary: a short account of a run, as data (``--json``) or as text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ade_engine.artifact_types import Artifact


def build_summary(
    artifact: Artifact,
    output_path: Path | None,
    artifact_path: Path,
    events_path: Path | None,
) -> dict[str, Any]:
    tables = []
    for sheet in artifact["sheets"]:
        for t in sheet["tables"]:
            tables.append(
                {
                    "sheet": sheet["name"],
                    "range": t["range"],
                    "header_rows": t["header_rows"],
                    "headerless": t["headerless"],
                    "status": t["status"],
                    "reason": t["reason"],
                    "rows": t["rows"]["written"],
                    "issues": t["issues"]["count"],
                    "mapping": [
                        {
                            "header": m["header"],
                            "column": m["column"],
                            "field": m["field"],
                            "score": m["score"],
                        }
                        for m in t["mapping"]
                    ],
                    "unmapped_fields": t["unmapped_fields"],
                    "table_issues": [i["message"] for i in t["table_issues"]],
                }
            )
    skipped = [
        {"sheet": s["name"], "reason": s["reason"]}
        for s in artifact["sheets"]
        if s["status"] == "skipped"
    ]
    metrics = artifact["metrics"]
    return {
        "status": artifact["status"],
        "input": artifact["input"]["name"],
        "config": artifact["config"]["title"],
        "tables": tables,
        "skipped_sheets": skipped,
        "rows": metrics["rows_processed"],
        "issues": metrics["issues"],
        "elapsed_ms": metrics["elapsed_ms"],
        "outputs": {
            "normalized": str(output_path) if output_path else None,
            "artifact": str(artifact_path),
            "events": str(events_path) if events_path else None,
        },
        "error": artifact["error"],
        "secondary_errors": [e["message"] for e in artifact["secondary_errors"]],
    }


def format_summary(summary: dict[str, Any]) -> str:
    """Plain text for terminals."""
    lines: list[str] = []
    status = summary.get("status")
    lines.append(
        f"{summary.get('input')}: {status} in {summary.get('elapsed_ms', 0) / 1000:.2f}s"
        f" with config {summary.get('config')!r}"
    )
    for t in summary.get("tables", []):
        head = (
            "no header"
            if t["headerless"]
            else "header row " + ", ".join(map(str, t["header_rows"]))
        )
        lines.append(
            f"  table {t['sheet']}!{t['range']} ({head}): {t['rows']} rows, "
            f"{t['issues']} issues"
            + ("" if t["status"] == "mapped" else f" - skipped: {t['reason'] or 'nothing mapped'}")
        )
        for m in t["mapping"]:
            header = m["header"] or f"column {m['column']}"
            lines.append(f"    {header!r} ({m['column']}) -> {m['field']}  [{m['score']:.3f}]")
        if t["unmapped_fields"] and t["status"] == "mapped":
            lines.append(f"    unmapped fields: {', '.join(t['unmapped_fields'])}")
        for msg in t["table_issues"]:
            lines.append(f"    issue: {msg}")
    for s in summary.get("skipped_sheets", []):
        lines.append(f"  sheet {s['sheet']!r} skipped: {s['reason']}")
    lines.append(f"  rows: {summary.get('rows', 0)}, issues: {summary.get('issues', 0)}")
    outputs = summary.get("outputs", {})
    if outputs.get("normalized"):
        lines.append(f"  wrote {outputs['normalized']}")
    lines.append(f"  artifact {outputs.get('artifact')}")
    if summary.get("error"):
        err = summary["error"]
        where = f" ({err['file']}:{err['line']})" if err.get("file") else ""
        lines.append(f"  error: {err['message']}{where}")
    for message in summary.get("secondary_errors") or []:
        lines.append(f"  also: {message}")
    return "\n".join(lines)
