"""ade_engine.manifest: validation without a folder, the files hash, and a cheap import (the API
imports it without the engine's numeric dependencies)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import ade_engine
from ade_engine import init_config
from ade_engine.config import files_hash
from ade_engine.manifest import (
    ENGINE_DEFAULTS,
    HOOK_STAGES,
    MANIFEST_SCHEMA,
    ColumnSpec,
    ConfigProblem,
    EngineSettings,
    Manifest,
    hash_file_digests,
    hash_files,
    parse_manifest,
)


def folder_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def write_files(root: Path, files: dict[str, bytes]) -> Path:
    for rel, content in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(content)
    return root


def manifest_data(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema": MANIFEST_SCHEMA,
        "title": "Drafted",
        "engine": {"min_score": 0.7},
        "columns": [
            {"field": "b", "label": "B", "path": "columns/b.py", "ordinal": 2},
            {"field": "a", "label": "A", "path": "columns/a.py", "ordinal": 1, "required": True},
        ],
        "hooks": {"run_end": ["hooks/h.py"]},
    }
    data.update(extra)
    return data


def test_parse_manifest_asks_exists_for_every_path() -> None:
    asked: list[str] = []
    present = {"columns/a.py", "columns/b.py", "hooks/h.py"}

    def exists(path: str) -> bool:
        asked.append(path)
        return path in present

    manifest, problems = parse_manifest(manifest_data(), exists)
    assert problems == []
    assert isinstance(manifest, Manifest)
    assert sorted(asked) == sorted(present)
    assert [c.field for c in manifest.enabled_columns] == ["a", "b"]
    assert manifest.engine == EngineSettings(min_score=0.7)
    assert manifest.hooks == {s: (["hooks/h.py"] if s == "run_end" else []) for s in HOOK_STAGES}
    assert manifest.columns[1] == ColumnSpec(
        field="a", label="A", path="columns/a.py", ordinal=1, required=True
    )


def test_parse_manifest_reports_missing_files_from_the_callable() -> None:
    manifest, problems = parse_manifest(manifest_data(), lambda path: path == "columns/a.py")
    assert manifest is None
    assert [str(p) for p in problems] == [
        "columns[0].path: file not found",
        "hooks.run_end[0]: file not found",
    ]
    assert problems[0].to_dict() == {
        "path": "columns[0].path",
        "file": None,
        "line": None,
        "message": "file not found",
    }


def test_parse_manifest_never_asks_about_unsafe_paths() -> None:
    asked: list[str] = []
    data = manifest_data()
    data["columns"][0]["path"] = "../escape.py"

    def exists(path: str) -> bool:
        asked.append(path)
        return True

    _, problems = parse_manifest(data, exists)
    assert "../escape.py" not in asked
    assert any(p.path == "columns[0].path" and "relative path" in p.message for p in problems)


def test_parse_manifest_with_a_root_folder(tmp_path: Path) -> None:
    write_files(tmp_path, {"columns/a.py": b"", "hooks/h.py": b""})
    manifest, problems = parse_manifest(manifest_data(), tmp_path)
    assert manifest is None
    assert [p.path for p in problems] == ["columns[0].path"]
    (tmp_path / "columns" / "b.py").write_text("")
    manifest, problems = parse_manifest(manifest_data(), tmp_path)
    assert problems == []
    assert manifest is not None


def test_config_problem_keeps_its_fields() -> None:
    problem = ConfigProblem(message="boom", file="columns/a.py", line=3)
    assert str(problem) == "columns/a.py:3: boom"
    assert problem.to_dict() == {"path": None, "file": "columns/a.py", "line": 3, "message": "boom"}
    assert ENGINE_DEFAULTS["min_score"] == 0.5


def test_hash_files_equals_files_hash_of_the_folder(tmp_path: Path) -> None:
    root = init_config(tmp_path / "roster")
    files = folder_files(root)
    assert "samples/members.csv" in files  # the folder's hash covers every file in it
    assert hash_files(files) == files_hash(root)
    reordered = dict(sorted(files.items(), reverse=True))
    assert list(reordered) != list(files)
    assert hash_files(reordered) == hash_files(files)


def test_hash_files_orders_by_path_components_like_the_folder_walk(tmp_path: Path) -> None:
    # As strings "a-c" < "a/b", as paths a/b comes first: the hash must follow the folder.
    files = {"a-c": b"1", "a/b": b"2", "a/b-c/d": b"3", "a.d/e": b"4", "manifest.json": b"{}"}
    assert hash_files(files) == files_hash(write_files(tmp_path, files))
    swapped = {"a-c": b"2", "a/b": b"1", "a/b-c/d": b"3", "a.d/e": b"4", "manifest.json": b"{}"}
    assert hash_files(swapped) != hash_files(files)


def test_hash_files_ignores_bytecode_caches_like_the_folder_walk(tmp_path: Path) -> None:
    files = {"manifest.json": b"{}", "columns/a.py": b"x = 1\n"}
    root = write_files(tmp_path, files)
    write_files(root, {"columns/__pycache__/a.cpython-311.pyc": b"\0", "stray.pyc": b"\0"})
    assert files_hash(root) == hash_files(files)
    assert hash_files({**files, "columns/__pycache__/a.pyc": b"\0"}) == hash_files(files)


def test_hash_of_nothing_and_the_algorithm() -> None:
    assert hash_files({}) == hashlib.sha256(b"").hexdigest()
    assert hash_files({}).startswith("e3b0c442")
    expected = hashlib.sha256(b"m\0" + hashlib.sha256(b"body").digest()).hexdigest()
    assert hash_files({"m": b"body"}) == expected


def test_hash_file_digests_matches_hash_files() -> None:
    files = {"manifest.json": b"{}", "columns/a.py": b"x = 1\n", "hooks/h.py": b""}
    digests = [(p, hashlib.sha256(c).digest()) for p, c in reversed(files.items())]
    assert hash_file_digests(digests) == hash_files(files)


def test_importing_the_manifest_module_is_cheap() -> None:
    code = (
        "import ade_engine.manifest, ade_engine.scaffold, sys; "
        "print('scipy' in sys.modules, 'python_calamine' in sys.modules, "
        "'numpy' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert proc.stdout.split() == ["False", "False", "False"]


def test_the_package_still_offers_its_names_lazily() -> None:
    code = (
        "import sys, ade_engine; heavy = 'ade_engine.pipeline' in sys.modules; "
        "from ade_engine import run, RunResult, ConfigProblem, init_config, validate_config; "
        "from ade_engine import read; "
        "print(heavy, 'ade_engine.pipeline' in sys.modules, callable(run), read.__name__, "
        "sorted(ade_engine.__all__) == sorted(n for n in ade_engine.__all__ "
        "if hasattr(ade_engine, n)))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert proc.stdout.split() == ["False", "True", "True", "ade_engine.read", "True"]
    from ade_engine.config import ConfigProblem as FromConfig

    assert ade_engine.ConfigProblem is ConfigProblem is FromConfig
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = ade_engine.no_such_name
