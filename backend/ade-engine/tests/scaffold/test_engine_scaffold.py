"""ade_engine.scaffold: the example package's files, the smallest valid package, and starter code
for new modules."""

from __future__ import annotations

import importlib.util
import inspect
import json
from pathlib import Path
from typing import Any

import pytest

from ade_engine import init_config, run
from ade_engine.config import check_package, files_hash, load_config
from ade_engine.manifest import hash_files, parse_manifest
from ade_engine.scaffold import (
    ALLOWED_FOLDERS,
    empty_manifest,
    empty_package,
    example_files,
    scaffold_file,
)


def write_files(root: Path, files: dict[str, bytes]) -> Path:
    for rel, content in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(content)
    return root


def load_module(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"scaffolded_{path.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_files_are_init_config_without_samples(tmp_path: Path) -> None:
    files = example_files()
    assert "manifest.json" in files
    assert "hooks/audit.py" in files
    assert not any(p.startswith("samples/") or "__pycache__" in p for p in files)
    written = init_config(tmp_path / "init")
    assert (written / "samples" / "members.csv").is_file()  # init_config is unchanged
    on_disk = {
        p.relative_to(written).as_posix(): p.read_bytes()
        for p in written.rglob("*")
        if p.is_file() and p.parts[len(written.parts)] != "samples"
    }
    assert files == on_disk
    root = write_files(tmp_path / "from-files", files)
    assert check_package(root) == []
    assert hash_files(files) == files_hash(root)


def test_scaffolds_pass_the_package_checks_and_run(tmp_path: Path) -> None:
    root = write_files(tmp_path / "pkg", example_files())
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["columns"].append(
        {
            "field": "nickname",
            "label": "Nick Name",
            "path": "columns/nickname.py",
            "ordinal": 99,
            "synonyms": ["alias"],
        }
    )
    manifest["row_types"].append({"name": "subtotal", "path": "row_types/subtotal.py"})
    for stage in ("run_start", "after_mapping", "before_save", "run_end"):
        manifest["hooks"][stage] = [*manifest["hooks"].get(stage, []), "hooks/notify.py"]
    for rel in ("columns/nickname.py", "row_types/subtotal.py", "hooks/notify.py"):
        (root / rel).write_bytes(scaffold_file(rel, manifest=manifest))
    (root / "manifest.json").write_text(json.dumps(manifest))
    assert check_package(root) == []

    with load_config(root) as cfg:
        (column,) = [c for c in cfg.columns if c.spec.field == "nickname"]
        assert [name for name, _ in column.detectors] == ["detect_nickname"]
        assert column.transform is not None
        assert column.validate is not None
        (classify,) = [fn for spec, fn in cfg.row_types if spec.name == "subtotal"]
        assert classify(values=["Subtotal", 3], row_index=0, state={}, logger=None) is None
        assert all("hooks/notify.py" in [rel for rel, _ in cfg.hooks[s]] for s in cfg.hooks)

    source = init_config(tmp_path / "init") / "samples" / "members.csv"
    result = run(source, root, tmp_path / "out")
    assert result.ok, result.error
    assert result.metrics["rows_processed"] > 0


def test_scaffolded_functions_do_nothing_yet(tmp_path: Path) -> None:
    column = load_module(
        write_files(tmp_path, {"c.py": scaffold_file("columns/email.py")}) / "c.py"
    )
    kw: dict[str, Any] = {"field": "email", "state": {}, "logger": None, "future_arg": 1}
    assert column.detect_email(header="Email", values=["a@x.org"], **kw) is None
    assert column.transform(values=["a", None], **kw) == ["a", None]
    assert column.validate(values=["a", None], **kw) == [None, None]
    row_type = load_module(
        write_files(tmp_path, {"r.py": scaffold_file("row_types/total.py")}) / "r.py"
    )
    assert row_type.classify(values=["Total", 3], row_index=7, state={}, logger=None) is None
    hook = load_module(write_files(tmp_path, {"h.py": scaffold_file("hooks/audit.py")}) / "h.py")
    assert hook.run(stage="run_start", state={}, manifest={}, artifact={}, logger=None) is None
    for fn in (column.detect_email, column.transform, column.validate, row_type.classify, hook.run):
        params = inspect.signature(fn).parameters.values()
        assert all(p.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params)
        assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def test_scaffold_uses_the_manifest() -> None:
    manifest = {
        "columns": [{"field": "email", "label": 'E-mail "work"', "synonyms": ["mail"]}],
        "hooks": {"before_save": ["hooks/h.py"], "run_end": ["hooks/h.py"]},
    }
    column = scaffold_file("columns/email.py", manifest=manifest).decode()
    assert "'E-mail \\\"work\\\"'" in column
    assert "'mail'" in column
    compile(column, "columns/email.py", "exec")  # quotes in the label do not break the code
    assert "'Email'" in scaffold_file("columns/email.py").decode()  # the label by default
    hook = scaffold_file("hooks/h.py", manifest=manifest).decode()
    assert "It is registered for: before_save, run_end." in hook
    assert "Register it in manifest.json" in scaffold_file("hooks/h.py").decode()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("samples/x.py", "new modules go in"),
        ("columns/sub/x.py", "new modules go in"),
        ("x.py", "new modules go in"),
        ("/columns/x.py", "new modules go in"),
        ("columns/_shared.py", "must be <name>.py"),
        ("columns/Email.py", "must be <name>.py"),
        ("columns/1st.py", "must be <name>.py"),
        ("columns/first-name.py", "must be <name>.py"),
        ("columns/email.txt", "must be <name>.py"),
        ("columns/email", "must be <name>.py"),
        ("hooks/.py", "must be <name>.py"),
    ],
)
def test_scaffold_rejects_other_paths(path: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        scaffold_file(path)


def test_allowed_folders() -> None:
    assert ALLOWED_FOLDERS == ("columns", "row_types", "hooks")


def test_empty_manifest_alone_is_not_a_package() -> None:
    data = empty_manifest("Empty")
    _, problems = parse_manifest(data, lambda path: False)
    assert [str(p) for p in problems] == ["columns[0].path: file not found"]


def test_empty_package_is_the_smallest_valid_package(tmp_path: Path) -> None:
    files = empty_package("My “empty” config")
    assert sorted(files) == ["columns/value.py", "manifest.json"]
    data = json.loads(files["manifest.json"])
    assert data == empty_manifest("My “empty” config")
    manifest, problems = parse_manifest(data, lambda path: path in files)
    assert problems == []
    assert manifest is not None
    assert [c.field for c in manifest.columns] == ["value"]
    assert check_package(write_files(tmp_path / "pkg", files)) == []


def test_empty_package_runs(tmp_path: Path) -> None:
    root = write_files(tmp_path / "pkg", empty_package("Empty"))
    source = tmp_path / "in.csv"
    source.write_text("Value,Other\n1,x\n2,y\n")
    result = run(source, root, tmp_path / "out")
    assert result.ok, result.error
    (table,) = [t for s in result.artifact["sheets"] for t in s["tables"]]
    assert {m["field"]: m["column"] for m in table["mapping"]} == {"value": "A"}
