"""python -m ade_engine --plan: check the job's config package and write output/plan.json."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ade_engine.config import files_hash


def make_plan_job(root: Path, config: Path) -> Path:
    root.mkdir(parents=True)
    shutil.copytree(config, root / "config")
    return root  # no input folder: a plan needs no document


def plan(job: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, "-m", "ade_engine", "--job-dir", str(job), "--plan"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    path = job / "output" / "plan.json"
    return proc, json.loads(path.read_text()) if path.is_file() else {}


def last_line(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return data


def test_plan_of_a_valid_package(tmp_path: Path, roster_config: Path) -> None:
    job = make_plan_job(tmp_path / "job", roster_config)
    proc, data = plan(job)
    assert proc.returncode == 0, proc.stderr
    assert last_line(proc) == {
        "status": "valid",
        "plan": str(job / "output" / "plan.json"),
        "problems": 0,
    }
    assert data["schema"] == "ade.plan/v1"
    assert data["valid"] is True
    assert data["problems"] == []
    assert data["files_hash"] == files_hash(job / "config")
    assert data["title"] == "Member roster"
    assert data["engine"]["min_score"] == 0.5
    assert data["engine"]["output_sheet"] == "Normalized"
    ordinals = [c["ordinal"] for c in data["columns"]]
    assert ordinals == sorted(ordinals)
    first = data["columns"][0]
    assert first == {
        "field": "member_id",
        "label": "Member ID",
        "ordinal": 1,
        "path": "columns/member_id.py",
        "required": True,
        "enabled": True,
        "synonyms": first["synonyms"],
        "detectors": ["detect_values"],
        "transform": True,
        "validate": True,
    }
    assert "member #" in first["synonyms"]
    assert data["row_types"] == [{"name": "note", "path": "row_types/note.py"}]
    assert data["hooks"] == {
        "run_start": ["hooks/audit.py"],
        "after_mapping": ["hooks/audit.py"],
        "before_save": [],
        "run_end": ["hooks/audit.py"],
    }
    assert not (job / "config" / "columns" / "__pycache__").exists()


def test_plan_lists_columns_in_ordinal_order_with_their_code(
    tmp_path: Path, config_dir: Callable[..., Path]
) -> None:
    config = config_dir(
        fields=[("b", "B", []), ("a", "A", ["alpha"])],
        modules={
            "b": "def detect_one(**_):\n    return None\n\ndef detect_two(**_):\n    return None\n",
            "a": "def validate(*, values, **_):\n    return [None] * len(values)\n",
        },
    )
    manifest = json.loads((config / "manifest.json").read_text())
    manifest["columns"][0]["ordinal"] = 5
    manifest["columns"][1]["enabled"] = False
    (config / "manifest.json").write_text(json.dumps(manifest))
    proc, data = plan(make_plan_job(tmp_path / "job", config))
    assert proc.returncode == 0, proc.stderr
    assert [
        (c["field"], c["enabled"], c["detectors"], c["transform"], c["validate"])
        for c in data["columns"]
    ] == [("a", False, [], False, True), ("b", True, ["detect_one", "detect_two"], False, False)]


def test_plan_of_an_invalid_manifest(tmp_path: Path, config_dir: Callable[..., Path]) -> None:
    config = config_dir(extra={"colour": "red"})
    manifest = json.loads((config / "manifest.json").read_text())
    manifest["columns"][0]["path"] = "columns/missing.py"
    (config / "manifest.json").write_text(json.dumps(manifest))
    job = make_plan_job(tmp_path / "job", config)
    proc, data = plan(job)
    assert proc.returncode == 1
    assert last_line(proc)["status"] == "invalid"
    assert last_line(proc)["problems"] == 2
    assert proc.stderr.startswith("error: invalid config package: colour: unknown key")
    assert data["valid"] is False
    assert {(p["path"], p["message"]) for p in data["problems"]} == {
        ("colour", "unknown key"),
        ("columns[0].path", "file not found"),
    }
    assert data["title"] == "Test config"
    assert data["files_hash"] == files_hash(job / "config")
    assert (data["engine"], data["columns"], data["row_types"], data["hooks"]) == ({}, [], [], {})


def test_plan_of_a_manifest_that_is_not_json(
    tmp_path: Path, config_dir: Callable[..., Path]
) -> None:
    config = config_dir()
    (config / "manifest.json").write_text("{\n  oops\n}")
    proc, data = plan(make_plan_job(tmp_path / "job", config))
    assert proc.returncode == 1
    ((problem),) = data["problems"]
    assert (problem["file"], problem["line"]) == ("manifest.json", 2)


def test_plan_of_a_module_that_raises_on_import(
    tmp_path: Path, config_dir: Callable[..., Path]
) -> None:
    config = config_dir(modules={"email": "import os\n\n\nraise RuntimeError('no config here')\n"})
    proc, data = plan(make_plan_job(tmp_path / "job", config))
    assert proc.returncode == 1
    ((problem),) = data["problems"]
    assert (problem["file"], problem["line"]) == ("columns/email.py", 4)
    assert "RuntimeError: no config here" in problem["message"]
    assert "columns/email.py:4" in proc.stderr
    assert data["columns"] == []


def test_plan_of_a_detector_without_var_keyword(
    tmp_path: Path, config_dir: Callable[..., Path]
) -> None:
    config = config_dir(
        modules={
            "phone": "def transform(*, values, **_):\n    return values\n\n\n"
            "def detect_digits(*, values):\n    return None\n"
        }
    )
    proc, data = plan(make_plan_job(tmp_path / "job", config))
    assert proc.returncode == 1
    ((problem),) = data["problems"]
    assert (problem["file"], problem["line"]) == ("columns/phone.py", 5)
    assert "detect_digits must accept keyword arguments only and end with **_" in problem["message"]


def test_plan_usage_errors_exit_2(tmp_path: Path) -> None:
    job = tmp_path / "job"
    job.mkdir()
    proc, data = plan(job)  # no config folder
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: config folder not found")
    assert data == {}
    proc, _ = plan(tmp_path / "missing")
    assert proc.returncode == 2
