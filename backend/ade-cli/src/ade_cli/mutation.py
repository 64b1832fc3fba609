"""A small mutation-testing runner over a catalogue of targeted mutations (`scripts/mutate`).

Each mutation names a source file, a snippet that must occur in it exactly once, what to put
in its place (a bug someone could plausibly write: a missing workspace filter, a dropped
anchor, a flipped comparison), and the tests that should catch it. The runner applies one
mutation at a time to the checkout, runs those tests, and puts the file back, whatever happens.
A mutation is **killed** when the tests fail, **survived** when they pass, and an **error**
when pytest could not run them (collection error, no test selected, timeout); a snippet no
longer in the file is **stale** (the catalogue must follow the code).

Why not mutmut or cosmic-ray: they mutate every operator of a module and map mutants to tests
through coverage, which cannot follow what our tests exercise in subprocesses (the API served
by `ade start`, workers, the jail) and would take hours per module. A short list of the
mutations that matter, each with its tests, runs in minutes and reads as a list of promises.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import signal
import subprocess
import sys
import time
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Literal

Verdict = Literal["killed", "survived", "error", "stale"]

#: pytest's exit codes: 0 passed, 1 some tests failed; anything else means the tests did not
#: really run (interrupted, internal error, usage error, nothing collected).
PASSED, FAILED, INTERRUPTED = 0, 1, 2
FAILURES = re.compile(r"\b\d+ failed\b")


@dataclass(frozen=True)
class Mutation:
    module: str  # a path relative to the checkout
    name: str
    find: str
    replace: str
    tests: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    mutation: Mutation
    verdict: Verdict
    seconds: float
    detail: str = ""


def load_catalogue(path: Path) -> list[Mutation]:
    """The catalogue's mutations, checked for the fields each needs."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    mutations = []
    for index, entry in enumerate(data.get("mutation", [])):
        missing = [
            key for key in ("module", "name", "find", "replace", "tests") if key not in entry
        ]
        if missing:
            raise ValueError(f"{path}: mutation {index + 1} lacks {', '.join(missing)}")
        if entry["find"] == entry["replace"]:
            raise ValueError(f"{path}: mutation {entry['name']!r} changes nothing")
        mutations.append(
            Mutation(
                module=entry["module"],
                name=entry["name"],
                find=entry["find"],
                replace=entry["replace"],
                tests=tuple(entry["tests"]),
            )
        )
    return mutations


@contextlib.contextmanager
def applied(source: Path, find: str, replace: str) -> Iterator[bool]:
    """The file with `find` replaced (yields False, changing nothing, when `find` does not
    occur exactly once). The original bytes come back on exit, on an exception and on SIGINT
    or SIGTERM alike."""
    original = source.read_bytes()
    text = original.decode("utf-8")
    if text.count(find) != 1:
        yield False
        return

    def restore_and_exit(signum: int, _frame: FrameType | None) -> None:
        source.write_bytes(original)
        raise SystemExit(128 + signum)

    previous = {
        sig: signal.signal(sig, restore_and_exit) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        source.write_bytes(text.replace(find, replace).encode("utf-8"))
        yield True
    finally:
        source.write_bytes(original)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_one(root: Path, mutation: Mutation, pytest_args: Sequence[str], timeout: float) -> Result:
    started = time.monotonic()
    with applied(root / mutation.module, mutation.find, mutation.replace) as ok:
        if not ok:
            return Result(mutation, "stale", 0.0, "the snippet does not occur exactly once")
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
        try:
            done = subprocess.run(
                [*command, *pytest_args, *mutation.tests],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return Result(mutation, "error", time.monotonic() - started, f"over {timeout:.0f} s")
    seconds = time.monotonic() - started
    last = (done.stdout.strip().splitlines() or [""])[-1]
    # Under xdist, `-x` ends the session as "interrupted" (exit 2) after the first failure.
    if done.returncode == FAILED or (done.returncode == INTERRUPTED and FAILURES.search(last)):
        return Result(mutation, "killed", seconds, last)
    if done.returncode == PASSED:
        return Result(mutation, "survived", seconds, last)
    return Result(mutation, "error", seconds, f"pytest exit {done.returncode}: {last}")


def report(results: Sequence[Result]) -> str:
    """One line per mutation, then the score per module: killed / (killed + survived)."""
    lines = []
    for result in results:
        lines.append(
            f"{result.verdict:<8} {result.seconds:6.1f}s  {result.mutation.module}: "
            f"{result.mutation.name}"
            + (f"  [{result.detail}]" if result.verdict != "killed" else "")
        )
    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    for result in results:
        by_module[result.mutation.module][result.verdict] += 1
    lines += ["", f"{'module':<55} killed  survived  error  stale  score"]
    for module, counts in sorted(by_module.items()):
        lines.append(_score_line(module, counts))
    lines.append(_score_line("all", Counter(result.verdict for result in results)))
    return "\n".join(lines)


def _score_line(name: str, counts: Counter[str]) -> str:
    decided = counts["killed"] + counts["survived"]
    score = f"{100 * counts['killed'] / decided:.0f}%" if decided else "-"
    return (
        f"{name:<55} {counts['killed']:>6}  {counts['survived']:>8}  {counts['error']:>5}"
        f"  {counts['stale']:>5}  {score:>5}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/mutate", description="Run the catalogue's mutations against their tests."
    )
    parser.add_argument("--catalogue", type=Path, default=Path("scripts/mutations.toml"))
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument(
        "-k",
        dest="match",
        default="",
        help="only mutations whose module or name contains this text",
    )
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per mutation")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    mutations = [
        m
        for m in load_catalogue(args.root / args.catalogue)
        if args.match in m.module or args.match in m.name
    ]
    if args.list:
        for m in mutations:
            print(f"{m.module}: {m.name}  ({', '.join(m.tests)})")
        return 0
    results = []
    for m in mutations:
        result = run_one(args.root, m, args.pytest_args, args.timeout)
        print(f"{result.verdict:<8} {m.module}: {m.name}", flush=True)
        results.append(result)
    print()
    print(report(results))
    # Non-zero when a mutation survived or could not be judged: each needs a test or a reason.
    return 0 if all(r.verdict == "killed" for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
