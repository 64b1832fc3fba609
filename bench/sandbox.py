"""Sandbox benchmark: what the jail costs one run of the engine. Prints figures, asserts nothing.

    python bench/sandbox.py [--runs 30]

Runs the roster example on its sample through `ade_worker.sandbox.run_engine`, alternating
cold jailed runs (bubblewrap as the sandbox user and a fresh interpreter per run: staging,
namespaces, imports, the tar of the outputs), warm jailed runs (`ADE_SANDBOX_WARM`: forked
from the zygote, which has imported the engine, into a jail of their own) and the engine
called in this process (no sandbox at all: what the engine itself costs), so all see the same
machine. Prints the median and p90 wall time of each, the time around the engine (the run's wall
time minus what the engine reports), and the sandbox alone (the same run, with an argument the
engine refuses at once), without the queue, the database or HTTP around it (bench/jobs.py
measures those).
Needs root and `ade sandbox setup`.

Targets: the jail costs under 50 ms per job (issue 12); the sandbox part of a small job well
under 50 ms, warm (issue 16).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from small_run import job_folder  # bench/small_run.py, beside this script

from ade_worker.jail import JailProvider
from ade_worker.limits import SandboxLimits
from ade_worker.sandbox import run_engine


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


#: An argument the engine refuses (exit 2) right after parsing its command line.
NOOP = "--no-such-option-ade-bench"


def engine_ms(job: Path) -> float:
    """What the engine itself reports it took (its last stdout line's metrics.elapsed_ms)."""
    lines = (job / "logs" / "stdout.log").read_text(encoding="utf-8").strip().splitlines()
    return float(json.loads(lines[-1])["metrics"]["elapsed_ms"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs of each kind")
    parser.add_argument("--user", default="ade-sandbox")
    args = parser.parse_args()
    kinds = ("cold", "warm", "none")
    with tempfile.TemporaryDirectory(prefix="ade-bench-sandbox-") as tmp:
        root = Path(tmp)
        root.chmod(0o711)
        jails = {
            kind: JailProvider(enabled=True, user=args.user, root=root / "jail", warm=warm).get()
            for kind, warm in (("cold", False), ("warm", True))
        }
        warm = jails["warm"]
        if warm is None or warm.zygote is None or not warm.zygote.up():
            problem = warm.zygote.problem if warm is not None and warm.zygote else None
            raise SystemExit(f"the warm start is unavailable: {problem}")
        job = job_folder(root)
        limits = SandboxLimits()
        times: dict[str, list[float]] = {kind: [] for kind in kinds}
        overhead: dict[str, list[float]] = {kind: [] for kind in kinds}
        alone: dict[str, list[float]] = {kind: [] for kind in kinds}
        for round_ in range(args.runs + 2):  # the first two untimed: caches warm
            for kind in kinds:
                started = time.perf_counter()
                outcome = run_engine(job, limits=limits, jail=jails.get(kind))
                took = time.perf_counter() - started
                if outcome.status != "succeeded":
                    raise SystemExit(f"a {kind} run failed: {outcome.error}")
                if round_ >= 2:
                    times[kind].append(took)
                    overhead[kind].append(took - engine_ms(job) / 1000)
                # The sandbox alone: the engine refuses an unknown argument and exits at once.
                started = time.perf_counter()
                outcome = run_engine(job, limits=limits, jail=jails.get(kind), extra_args=[NOOP])
                took = time.perf_counter() - started
                if outcome.exit_code != 2:
                    raise SystemExit(f"a {kind} run that should exit at once: {outcome.error}")
                if round_ >= 2:
                    alone[kind].append(took)
    ms = 1000
    print(f"engine runs of the roster sample, {args.runs} of each kind, alternating")
    print("(around the engine: the run's wall time minus the time the engine itself reports)")
    labels = (
        ("none", "unjailed (ADE_SANDBOX=none)"),
        ("cold", "jailed, cold"),
        ("warm", "jailed, warm (zygote)"),
    )
    for kind, label in labels:
        values, around = times[kind], overhead[kind]
        print(
            f"  {label:<28} median {statistics.median(values) * ms:6.1f} ms"
            f"   p90 {p90(values) * ms:6.1f} ms"
            f"   around the engine: median {statistics.median(around) * ms:6.1f} ms,"
            f" best {min(around) * ms:6.1f} ms"
        )
    print("the sandbox alone (the same runs, but the engine exits at once: a usage error):")
    for kind, label in labels:
        values = alone[kind]
        print(
            f"  {label:<28} median {statistics.median(values) * ms:6.1f} ms"
            f"   best {min(values) * ms:6.1f} ms   p90 {p90(values) * ms:6.1f} ms"
        )
    none = statistics.median(times["none"])
    cold, warm = (statistics.median(times[kind]) - none for kind in ("cold", "warm"))
    print(
        f"  the jail's cost per run: {cold * ms:+.1f} ms cold, {warm * ms:+.1f} ms warm"
        " (median, against unjailed; targets: < 50 ms, and warm around the engine < 50 ms)"
    )


if __name__ == "__main__":
    main()
