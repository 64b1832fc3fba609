"""Sandbox entry point: ``python -m ade_engine [--job-dir DIR]`` runs one job folder.

Layout (the job dir defaults to the current directory)::

    <job>/input/<one file>         the document
    <job>/config/                  the config package (folder)
    <job>/vendor/                  optional: the config's requirements, put first on sys.path
    <job>/output/normalized.xlsx   written on success
    <job>/output/artifact.json     written always (status succeeded or failed)
    <job>/logs/events.ndjson       events, one JSON object per line, flushed as they happen
                                   (or written to the inherited descriptor ``--events-fd N``:
                                   the worker's jail reads them from a pipe, never a file)

Exit codes: 0 success, 1 failed run (artifact still written), 2 usage error (bad arguments or a
job folder without exactly one input file or without a config folder). The last line on stdout
is a JSON object: status, artifact path and metrics; errors also go to stderr as one line.

``--plan`` only checks the config package (no input file needed) and writes
``<job>/output/plan.json`` (see :mod:`ade_engine.plan`); exit 0 when the package is valid, 1 when
it is not, 2 on usage errors; the last stdout line is ``{"status": "valid"|"invalid", "plan":
path, "problems": count}``.

Both modes run config code under :mod:`ade_engine.guard`: it may change files only inside the
job folder and may not start processes; temporary files go to ``<job>/tmp`` (``TMPDIR``). The
one process the engine starts, a big CSV's reader child (:mod:`ade_engine.read.csvchild`), is
forked before the guard is installed and before any config code is imported.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import IO, Any


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {message}\n")
        raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m ade_engine", description="Run one ADE job folder.")
    parser.add_argument(
        "--job-dir", type=Path, default=None, help="the job folder (default: the current directory)"
    )
    parser.add_argument(
        "--plan",
        action="store_true",
        help="only check the config package and write output/plan.json (no input needed)",
    )
    parser.add_argument(
        "--input-name",
        default=None,
        help="the input's name as its user knows it (the upload's), for the artifact and events;"
        " default: the file's own name",
    )
    parser.add_argument(
        "--config-name",
        default=None,
        help="the config's name as its users know it (a job's: the config's slug), for the"
        " events; default: the config folder's own name",
    )
    parser.add_argument(
        "--events-fd",
        type=int,
        default=None,
        help="write events to this inherited file descriptor instead of logs/events.ndjson",
    )
    args = parser.parse_args(argv)
    job = (args.job_dir or Path.cwd()).resolve()
    if not job.is_dir():
        sys.stderr.write(f"error: job folder not found: {job}\n")
        return 2
    inputs: list[Path] = []
    if not args.plan:
        input_dir = job / "input"
        inputs = sorted(p for p in input_dir.iterdir() if p.is_file()) if input_dir.is_dir() else []
        if len(inputs) != 1:
            sys.stderr.write(
                f"error: {input_dir} must hold exactly one input file (found {len(inputs)})\n"
            )
            return 2
    config_dir = job / "config"
    if not config_dir.is_dir():
        sys.stderr.write(f"error: config folder not found: {config_dir}\n")
        return 2
    vendor = job / "vendor"
    if vendor.is_dir():
        sys.path.insert(0, str(vendor))

    events_stream: IO[str] | None = None
    if args.events_fd is not None and not args.plan:
        try:
            # Opened before the guard is installed; line-buffered so each event leaves at once.
            events_stream = os.fdopen(args.events_fd, "w", encoding="utf-8", buffering=1)
        except OSError as exc:
            sys.stderr.write(f"error: --events-fd {args.events_fd}: {exc.strerror}\n")
            return 2

    # The engine's own modules are imported before the guard, config code only after it.
    from ade_engine import guard
    from ade_engine.pipeline import run
    from ade_engine.plan import build_plan

    if not args.plan:  # a big CSV's first read starts now: the guard refuses it after this
        from ade_engine.read.csvchild import prestart

        prestart(inputs[0])
    _sandbox(job, guard)
    if args.plan:
        return _plan(job, config_dir, build_plan)
    try:
        result = run(
            inputs[0],
            config_dir,
            job / "output",
            events_path=job / "logs" / "events.ndjson",
            events_stream=events_stream,
            artifact_path=job / "output" / "artifact.json",
            input_name=args.input_name,
            config_name=args.config_name,
        )
    except Exception as exc:  # e.g. an unwritable output folder: one line, exit 1
        sys.stderr.write(f"error: {type(exc).__name__}: {exc}\n")
        return 1
    sys.stdout.write(
        json.dumps(
            {
                "status": result.status,
                "artifact": str(result.artifact_path),
                "metrics": result.metrics,
            }
        )
        + "\n"
    )
    if not result.ok:
        err = result.error
        where = f" ({err['file']}:{err['line']})" if err and err["file"] else ""
        sys.stderr.write(f"error: {err['message'] if err else 'run failed'}{where}\n")
        return 1
    return 0


def _sandbox(job: Path, guard: ModuleType) -> None:
    """Temporary files go to <job>/tmp, then the guard allows changes inside <job> only.

    The guard cannot be removed: :func:`main` is meant to own its process (tests run it in a
    subprocess).
    """
    tmp = job / "tmp"
    tmp.mkdir(exist_ok=True)
    # Both: tempfile may have cached a folder already, and libraries may read TMPDIR directly.
    os.environ["TMPDIR"] = str(tmp)
    tempfile.tempdir = str(tmp)
    guard.install(job)


def _plan(job: Path, config_dir: Path, build_plan: Callable[[Path], dict[str, Any]]) -> int:
    from ade_engine.artifact import write_artifact

    plan_path = job / "output" / "plan.json"
    try:
        plan = build_plan(config_dir)
        write_artifact(plan, plan_path)
    except Exception as exc:  # e.g. an unwritable output folder: one line, exit 1
        sys.stderr.write(f"error: {type(exc).__name__}: {exc}\n")
        return 1
    problems = plan["problems"]
    status = "valid" if plan["valid"] else "invalid"
    sys.stdout.write(
        json.dumps({"status": status, "plan": str(plan_path), "problems": len(problems)}) + "\n"
    )
    if not plan["valid"]:
        first = problems[0] if problems else {}
        where = first.get("path") or first.get("file")
        if first.get("file") and first.get("line"):
            where = f"{first['file']}:{first['line']}"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        head = f"{where}: " if where else ""
        sys.stderr.write(f"error: invalid config package: {head}{first.get('message', '')}{more}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
