"""A small run pays for neither numpy nor scipy: the assignment is solved in pure Python."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

# Runs ``python -m ade_engine`` in this interpreter, then prints the heavy modules it loaded.
PROBE = """
import json, runpy, sys
sys.argv = ["ade_engine", "--job-dir", sys.argv[1]]
try:
    runpy.run_module("ade_engine", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("numpy", "scipy", "_ade_engine_scipy"))
print(json.dumps({"exit": code, "heavy": heavy}))
"""


def test_the_roster_sample_runs_without_numpy_or_scipy(tmp_path: Path, roster_config: Path) -> None:
    job = tmp_path / "job"
    (job / "input").mkdir(parents=True)
    shutil.copytree(roster_config, job / "config")
    shutil.copy(roster_config / "samples" / "members.csv", job / "input" / "members.csv")
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(job)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["exit"] == 0, proc.stderr
    artifact = json.loads((job / "output" / "artifact.json").read_text(encoding="utf-8"))
    mapped = [m for s in artifact["sheets"] for t in s["tables"] for m in t["mapping"]]
    assert any(m.get("column") for m in mapped)  # the map pass did assign columns
    assert report["heavy"] == []
