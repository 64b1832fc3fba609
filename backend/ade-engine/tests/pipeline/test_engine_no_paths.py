"""Events and the artifact travel to clients (the job timeline, `GET .../artifact`): they name
files, never say where on the server they are."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

from ade_engine import run

SAMPLE = resources.files("ade_engine") / "templates" / "roster" / "samples" / "members.csv"


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def test_no_event_or_artifact_value_holds_a_path_of_the_run(
    tmp_path: Path, roster_config: Path
) -> None:
    source = tmp_path / "in" / "members.csv"
    source.parent.mkdir()
    shutil.copyfile(str(SAMPLE), source)
    out = tmp_path / "out"
    result = run(source, roster_config, out)
    assert result.ok, result.error
    events = [json.loads(line) for line in (out / "events.ndjson").read_text().splitlines()]
    started = next(e for e in events if e["event"] == "run.started")
    assert (started["input"], started["config"]) == ("members.csv", "roster-config")
    assert "out_dir" not in started
    artifact = json.loads((out / "artifact.json").read_text())
    leaks = [s for s in _strings(events) + _strings(artifact) if str(tmp_path) in s]
    assert leaks == []
