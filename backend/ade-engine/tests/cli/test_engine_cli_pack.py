"""`ade config pack`: a checked package folder zipped the way `configs:import` takes it."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import typer
from typer.testing import CliRunner

from ade_engine.api import init_config, pack_config
from ade_engine.cli import config_app, run_command

runner = CliRunner()


def ade_app() -> typer.Typer:
    app = typer.Typer()
    app.command("run")(run_command)
    app.add_typer(config_app, name="config")
    return app


def example(tmp_path: Path) -> Path:
    package = init_config(tmp_path / "roster")
    # What a working folder collects besides the package: caches, editor files, samples.
    (package / "columns" / "__pycache__").mkdir()
    (package / "columns" / "__pycache__" / "email.cpython-311.pyc").write_bytes(b"\0")
    (package / ".vscode").mkdir()
    (package / ".vscode" / "settings.json").write_text("{}")
    (package / "columns" / ".email.py.swp").write_bytes(b"swap")
    return package


def test_pack_writes_the_package_files_only(tmp_path: Path) -> None:
    package = example(tmp_path)
    out = tmp_path / "roster.zip"
    result = runner.invoke(ade_app(), ["config", "pack", str(package), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert zf.read("columns/email.py") == (package / "columns" / "email.py").read_bytes()
    assert "manifest.json" in names
    assert "columns/email.py" in names
    assert not [n for n in names if n.startswith(("samples/", ".")) or "/." in n]
    assert not [n for n in names if "__pycache__" in n]
    assert names == sorted(names)
    assert f"wrote {out}: {len(names)} files" in result.stdout


def test_the_same_files_give_the_same_zip(tmp_path: Path) -> None:
    package = example(tmp_path)
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    pack_config(package, first)
    os.utime(package / "manifest.json", (0, 0))  # modification times do not matter
    pack_config(package, second)
    assert first.read_bytes() == second.read_bytes()
    (package / "README.md").write_text("changed\n", encoding="utf-8")
    pack_config(package, second)
    assert first.read_bytes() != second.read_bytes()


def test_a_zip_inside_the_folder_does_not_pack_itself(tmp_path: Path) -> None:
    package = example(tmp_path)
    pack_config(package, package / "roster.zip")
    again = pack_config(package, package / "roster.zip")
    assert "roster.zip" not in again


def test_an_invalid_package_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    package = example(tmp_path)
    (package / "columns" / "email.py").write_text(
        "def detect_header(*, header):\n    return None\n", encoding="utf-8"
    )
    out = tmp_path / "roster.zip"
    result = runner.invoke(ade_app(), ["config", "pack", str(package), "--out", str(out)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "columns/email.py" in result.output
    assert "ade: error:" in result.output
    assert not out.exists()
    assert not list(tmp_path.glob(".pack-*"))  # no temporary file left behind


def test_missing_folder_or_output_folder_is_a_usage_error(tmp_path: Path) -> None:
    package = example(tmp_path)
    missing = runner.invoke(
        ade_app(), ["config", "pack", str(tmp_path / "nope"), "--out", str(tmp_path / "x.zip")]
    )
    assert missing.exit_code == 2
    assert "config package folder not found" in missing.output
    no_dir = runner.invoke(
        ade_app(), ["config", "pack", str(package), "--out", str(tmp_path / "no" / "x.zip")]
    )
    assert no_dir.exit_code == 2
    assert "folder not found for --out" in no_dir.output
