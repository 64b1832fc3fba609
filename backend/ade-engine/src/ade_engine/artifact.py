"""The artifact: ``artifact.json`` (schema ``ade.artifact/v1``) explaining every decision.

Written atomically (temporary file, then rename), also when a run fails (``status: failed`` with
``error: {type, message, file, line}``). The shape is :class:`~ade_engine.artifact_types.Artifact`
(documented in ``docs/reference/config-packages.md``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ade_engine import __version__
from ade_engine.artifact_types import (
    ARTIFACT_SCHEMA,
    Artifact,
    ErrorRecord,
    InputInfo,
    PassName,
    RunStatus,
)

PASS_NAMES: tuple[PassName, ...] = ("detect", "map", "transform", "validate", "output")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def new_artifact(input_path: Path, name: str | None = None) -> Artifact:
    """The artifact skeleton every run starts from; `name` is the input's (default: its file
    name)."""
    info: InputInfo = {"name": name or Path(input_path).name, "sha256": None, "size": None}
    try:
        info["size"] = Path(input_path).stat().st_size
        info["sha256"] = sha256_file(input_path)
    except OSError:
        pass
    return {
        "schema": ARTIFACT_SCHEMA,
        "status": "running",
        "engine": {"name": "ade-engine", "version": __version__},
        "started_at": _now(),
        "finished_at": None,
        "input": info,
        "config": {"title": None, "files_hash": None},
        "settings": {},
        "sheets": [],
        "output": None,
        "passes": [],
        "metrics": {
            "sheets_scanned": 0,
            "tables_found": 0,
            "rows_processed": 0,
            "issues": 0,
            "elapsed_ms": 0,
        },
        "error": None,
        "secondary_errors": [],
    }


def finish(
    artifact: Artifact, status: RunStatus, elapsed_ms: int, error: ErrorRecord | None = None
) -> None:
    artifact["status"] = status
    artifact["finished_at"] = _now()
    artifact["metrics"]["elapsed_ms"] = elapsed_ms
    artifact["error"] = error


def _default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return repr(value)


def write_artifact(artifact: Mapping[str, object], path: Path) -> Path:
    """Write ``artifact`` (or another JSON document, such as a plan) to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".artifact-", suffix=".json.part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(artifact, fh, indent=2, default=_default, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
