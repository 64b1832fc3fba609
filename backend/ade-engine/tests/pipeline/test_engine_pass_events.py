"""The passes' events in the order things happened: detect, then map, each started and
completed in turn; then transform, validate and output started together (``group: "rows"``),
every chunk's progress, and their completions; timestamps never go back. The artifact keeps
the five passes in the spec's order with their times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ade_engine import run

ROWS = ("transform", "validate", "output")


def ts(event: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(event["ts"].replace("Z", "+00:00"))


def test_pass_events_follow_what_ran_and_group_the_rows_passes(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    rows = [["Member ID", "Name"]] + [[i, f"n{i}"] for i in range(10)]
    wb = xlsx([{"name": "S", "rows": rows}])
    config = config_dir(
        fields=[("member_id", "Member ID", []), ("name", "Name", [])],
        engine={"chunk_rows": 4},
    )
    seen: list[dict[str, Any]] = []
    result = run(wb, config, tmp_path / "out", on_event=seen.append)
    assert result.ok, result.error

    timeline = [
        (e["event"], e.get("name"), e.get("group"))
        for e in seen
        if e["event"].startswith("pass.") or e["event"] == "progress"
    ]
    assert timeline == [
        ("pass.started", "detect", None),
        ("pass.completed", "detect", None),
        ("pass.started", "map", None),
        ("pass.completed", "map", None),
        ("pass.started", "transform", "rows"),
        ("pass.started", "validate", "rows"),
        ("pass.started", "output", "rows"),
        ("progress", None, None),
        ("progress", None, None),
        ("progress", None, None),
        ("pass.completed", "transform", "rows"),
        ("pass.completed", "validate", "rows"),
        ("pass.completed", "output", "rows"),
    ]
    assert [e["rows"] for e in seen if e["event"] == "progress"] == [4, 8, 10]
    assert [e["seq"] for e in seen] == list(range(1, len(seen) + 1))
    times = [ts(e) for e in seen]
    assert times == sorted(times)

    completed = {e["name"]: e for e in seen if e["event"] == "pass.completed"}
    passes = result.artifact["passes"] if result.artifact else []
    assert [p["name"] for p in passes] == ["detect", "map", *ROWS]
    assert {p["name"]: p["elapsed_ms"] for p in passes} == {
        name: e["elapsed_ms"] for name, e in completed.items()
    }
    # Each pass's time is its own share, not the span's: the three together fit in the span.
    span = ts(completed["output"]) - ts(next(e for e in seen if e.get("name") == "transform"))
    assert sum(completed[n]["elapsed_ms"] for n in ROWS) <= span.total_seconds() * 1000 + 3
