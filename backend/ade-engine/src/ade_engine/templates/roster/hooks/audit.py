"""A hook: logs what happened at each stage it is listed under in the manifest."""

from __future__ import annotations

from typing import Any


def run(
    *,
    stage: str,
    state: dict[str, Any],
    artifact: dict[str, Any],
    table: dict[str, Any] | None = None,
    logger: Any,
    **_: Any,
) -> None:
    if stage == "run_start":
        state["tables_seen"] = 0
        logger.info("roster config starting")
    elif stage == "after_mapping" and table is not None:
        state["tables_seen"] += 1
        mapped = sorted(f for f, col in table["mapping"].items() if col)
        logger.info(f"table {table['range']} on {table['sheet']!r}: {len(mapped)} fields mapped")
        # A hook may change the mapping: table["mapping"]["email"] = "C"
    elif stage == "run_end":
        # run_end also runs when the run failed: artifact["status"] and artifact["error"] say.
        status = artifact["status"]
        logger.info(f"roster config done ({status}): {state.get('tables_seen', 0)} table(s)")
