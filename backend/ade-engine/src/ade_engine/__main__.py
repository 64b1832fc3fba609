"""Sandbox entry point: ``python -m ade_engine [--job-dir DIR]`` runs one job folder.

Layout (the job dir defaults to the current directory)::

    <job>/input/<one file>         the document
    <job>/config/                  the config package (folder)
    <job>/vendor/                  optional: the config's requirements, put first on sys.path
    <job>/output/normalized.xlsx   written on success
    <job>/output/artifact.json     written always (status succeeded or failed)
    <job>/logs/events.ndjson       events, one JSON object per line, flushed as they happen

Exit codes: 0 success, 1 failed run (artifact still written), 2 usage error (bad arguments or a
job folder without exactly one input file or without a config folder). The last line on stdout
is a JSON object: status, artifact path and metrics; errors also go to stderr as one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {message}\n")
        raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m ade_engine", description="Run one ADE job folder.")
    parser.add_argument(
        "--job-dir", type=Path, default=None, help="the job folder (default: the current directory)"
    )
    args = parser.parse_args(argv)
    job = (args.job_dir or Path.cwd()).resolve()
    if not job.is_dir():
        sys.stderr.write(f"error: job folder not found: {job}\n")
        return 2
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

    from ade_engine.pipeline import run

    try:
        result = run(
            inputs[0],
            config_dir,
            job / "output",
            events_path=job / "logs" / "events.ndjson",
            artifact_path=job / "output" / "artifact.json",
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
        err = result.error or {}
        where = f" ({err.get('file')}:{err.get('line')})" if err.get("file") else ""
        sys.stderr.write(f"error: {err.get('message', 'run failed')}{where}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
