"""Plans: check a config package and describe what a run with it would execute.

``python -m ade_engine --job-dir DIR --plan`` writes :func:`build_plan` of ``DIR/config`` to
``DIR/output/plan.json``. The API runs it in the sandbox to check a draft before it is
published: unlike :func:`ade_engine.manifest.parse_manifest`, a plan imports every module and
checks the signatures of its functions, which must not happen in the API's own process.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ade_engine.config import files_hash, inspect_package, read_manifest

PLAN_SCHEMA = "ade.plan/v1"


def build_plan(config_path: Path) -> dict[str, Any]:
    """The plan of the package at ``config_path`` (folder or zip).

    ``{"schema": "ade.plan/v1", "valid", "problems", "files_hash", "title", "engine",
    "columns", "row_types", "hooks"}``: ``problems`` as :meth:`ConfigProblem.to_dict`;
    ``engine`` the effective settings (defaults filled in); ``columns`` in ordinal order, each
    with its manifest entry, the names of its detectors and whether it has a ``transform`` and
    a ``validate``; ``hooks`` {stage: [paths]} for every stage. When the package is invalid,
    ``engine``, ``columns``, ``row_types`` and ``hooks`` are empty: they describe a run, and an
    invalid package runs nothing. ``files_hash`` is empty only when the package cannot be
    opened at all.
    """
    with inspect_package(Path(config_path)) as check:
        plan: dict[str, Any] = {
            "schema": PLAN_SCHEMA,
            "valid": check.valid,
            "problems": [p.to_dict() for p in check.problems],
            "files_hash": files_hash(check.root) if check.root is not None else "",
            "title": "",
            "engine": {},
            "columns": [],
            "row_types": [],
            "hooks": {},
        }
        manifest = check.manifest
        if manifest is not None:
            plan["title"] = manifest.title
        elif check.root is not None:
            # The title still helps to say which package failed, if the manifest has one.
            data, _ = read_manifest(check.root)
            if isinstance(data, dict) and isinstance(data.get("title"), str):
                plan["title"] = data["title"]
        if manifest is None or not check.valid:
            return plan
        plan["engine"] = dataclasses.asdict(manifest.engine)
        plan["columns"] = [
            {
                "field": module.spec.field,
                "label": module.spec.label,
                "ordinal": module.spec.ordinal,
                "path": module.spec.path,
                "required": module.spec.required,
                "enabled": module.spec.enabled,
                "synonyms": list(module.spec.synonyms),
                "detectors": [name for name, _ in module.detectors],
                "transform": module.transform is not None,
                "validate": module.validate is not None,
            }
            for module in sorted(check.columns, key=lambda m: m.spec.ordinal)
        ]
        plan["row_types"] = [{"name": spec.name, "path": spec.path} for spec, _ in check.row_types]
        plan["hooks"] = {stage: [rel for rel, _ in hooks] for stage, hooks in check.hooks.items()}
        return plan
