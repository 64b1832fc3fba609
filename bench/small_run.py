"""Small-run benchmark: one small job's engine time. Prints figures, asserts nothing.

    python bench/small_run.py [--rounds 10] [--baseline-src DIR]

Runs ``python -m ade_engine --job-dir JOB`` on the roster example's sample (``ade config
init``: 9 fields, 5 rows) in a fresh interpreter ``--rounds`` times, after one untimed run, and
prints the best and median of: the wall time of the process (interpreter start and imports
included), the engine's own ``elapsed_ms`` and its ``map`` pass, plus whether the run loaded
numpy or scipy (one more run under ``-X importtime``). Measured in the same run, as the
baseline: a bare interpreter (``python -c pass``) and importing numpy plus scipy's assignment
module, what the map pass cost before it solved small matrices in pure Python.

``--baseline-src DIR``: also run the engine from another source tree (``DIR`` is put first on
``PYTHONPATH``, e.g. ``git archive REV backend/ade-engine/src`` unpacked), alternating with this
one every round so both see the same machine load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ade_engine import init_config

HEAVY = "import numpy; from ade_engine.mapping import linear_sum_assignment as f; f()"


def job_folder(root: Path) -> Path:
    """A job folder holding the roster example config and its sample (also bench/sandbox.py's)."""
    job = root / "job"
    (job / "input").mkdir(parents=True)
    init_config(job / "config")
    shutil.copy(job / "config" / "samples" / "members.csv", job / "input" / "members.csv")
    return job


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str, str]:
    """(wall seconds, stdout, stderr) of one child process; exits on failure."""
    t0 = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{command} failed: {proc.stderr or proc.stdout}")
    return elapsed, proc.stdout, proc.stderr


def engine_run(job: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """(wall ms, the engine's elapsed_ms, the map pass's elapsed_ms) of one run."""
    wall, out, _ = timed([sys.executable, "-m", "ade_engine", "--job-dir", str(job)], env)
    metrics = json.loads(out.strip().splitlines()[-1])["metrics"]
    artifact = json.loads((job / "output" / "artifact.json").read_text(encoding="utf-8"))
    map_ms = next(p["elapsed_ms"] for p in artifact["passes"] if p["name"] == "map")
    return wall * 1000, float(metrics["elapsed_ms"]), float(map_ms)


def loads_heavy(job: Path, env: dict[str, str]) -> str:
    command = [sys.executable, "-X", "importtime", "-m", "ade_engine", "--job-dir", str(job)]
    _, _, err = timed(command, env)
    names = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in err.splitlines()}
    found = sorted(names & {"numpy", "scipy"})
    return "loads " + (" and ".join(found) if found else "neither numpy nor scipy")


def describe(label: str, values: list[float]) -> str:
    return f"{label}: best {min(values):6.1f} ms, median {statistics.median(values):6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="timed runs of each kind")
    parser.add_argument("--baseline-src", type=Path, default=None, help="another engine src")
    args = parser.parse_args()
    env = dict(os.environ)
    kinds = {"this tree": env}
    if args.baseline_src is not None:
        path = os.pathsep.join([str(args.baseline_src.resolve()), env.get("PYTHONPATH", "")])
        kinds["baseline src"] = {**env, "PYTHONPATH": path.rstrip(os.pathsep)}
    with tempfile.TemporaryDirectory(prefix="ade-bench-small-") as tmp:
        job = job_folder(Path(tmp))
        for kind_env in kinds.values():  # untimed: caches warm
            engine_run(job, kind_env)
        runs: dict[str, list[tuple[float, float, float]]] = {kind: [] for kind in kinds}
        bare: list[float] = []
        heavy: list[float] = []
        for _ in range(args.rounds):
            for kind, kind_env in kinds.items():
                runs[kind].append(engine_run(job, kind_env))
            bare.append(timed([sys.executable, "-c", "pass"], env)[0] * 1000)
            heavy.append(timed([sys.executable, "-c", HEAVY], env)[0] * 1000 - bare[-1])
        print(f"roster sample, python -m ade_engine, {args.rounds} rounds (wall incl. start-up):")
        for kind, values in runs.items():
            print(f"  {kind} ({loads_heavy(job, kinds[kind])}):")
            print("    " + describe("wall", [v[0] for v in values]))
            print("    " + describe("engine elapsed_ms", [v[1] for v in values]))
            print("    " + describe("map pass", [v[2] for v in values]))
        print("  baselines, same rounds:")
        print("    " + describe("bare interpreter (python -c pass)", bare))
        print("    " + describe("importing numpy + scipy's _lsap (over bare)", heavy))


if __name__ == "__main__":
    main()
