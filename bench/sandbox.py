"""Sandbox benchmark: what the jail costs one run of the engine. Prints figures, asserts nothing.

    python bench/sandbox.py [--runs 30]

Runs the roster example on its sample through `ade_worker.sandbox.run_engine`, alternating
jailed (bubblewrap as the sandbox user: staging, namespaces, the tar of the outputs) and
unjailed (`ADE_SANDBOX=none`) runs so both see the same machine, and prints the median and
p90 wall time of each and the difference: the jail's cost per job, without the queue, the
database or HTTP around it (bench/jobs.py measures those). Needs root and `ade sandbox setup`.

Target (issue 12): the jail costs under 50 ms per job.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from ade_engine import init_config
from ade_worker.jail import Jail
from ade_worker.limits import SandboxLimits
from ade_worker.sandbox import run_engine


def job_folder(root: Path) -> Path:
    job = root / "job"
    (job / "input").mkdir(parents=True)
    init_config(job / "config")
    shutil.copy(job / "config" / "samples" / "members.csv", job / "input" / "members.csv")
    return job


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs of each kind")
    parser.add_argument("--user", default="ade-sandbox")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ade-bench-sandbox-") as tmp:
        root = Path(tmp)
        root.chmod(0o711)
        jail = Jail.create(user=args.user, root=root / "jail")
        job = job_folder(root)
        limits = SandboxLimits()
        times: dict[str, list[float]] = {"jail": [], "none": []}
        for kind in ("jail", "none"):  # one untimed run each: caches warm
            run_engine(job, limits=limits, jail=jail if kind == "jail" else None)
        for _ in range(args.runs):
            for kind in ("jail", "none"):
                started = time.perf_counter()
                outcome = run_engine(job, limits=limits, jail=jail if kind == "jail" else None)
                times[kind].append(time.perf_counter() - started)
                if outcome.status != "succeeded":
                    raise SystemExit(f"a {kind} run failed: {outcome.error}")
    ms = 1000
    print(f"engine runs of the roster sample, {args.runs} of each, alternating:")
    for kind, label in (("none", "unjailed (ADE_SANDBOX=none)"), ("jail", "jailed")):
        values = times[kind]
        print(
            f"  {label:<28} median {statistics.median(values) * ms:6.1f} ms"
            f"   p90 {p90(values) * ms:6.1f} ms"
        )
    cost = (statistics.median(times["jail"]) - statistics.median(times["none"])) * ms
    print(f"  the jail's cost per run: {cost:+.1f} ms (median)   (target < 50 ms)")


if __name__ == "__main__":
    main()
