"""The Typer commands, mounted the way the ade CLI mounts them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import typer
from typer.testing import CliRunner

from ade_engine.cli import config_app, run_command

runner = CliRunner()


def ade_app() -> typer.Typer:
    app = typer.Typer()
    app.command("run")(run_command)
    app.add_typer(config_app, name="config")
    return app


ROWS = [["Member ID", "Email"], [1, "a@x.org"], [2, "b@x.org"]]


def test_run_prints_a_summary(
    tmp_path: Path, xlsx: Callable[..., Path], roster_config: Path
) -> None:
    wb = xlsx([{"name": "S", "rows": ROWS}])
    out = tmp_path / "out"
    result = runner.invoke(
        ade_app(), ["run", str(wb), "--config", str(roster_config), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "table S!A1:B3 (header row 1): 2 rows, 0 issues" in result.stdout
    assert "'Member ID' (A) -> member_id" in result.stdout
    assert "'Email' (B) -> email" in result.stdout
    for name in ("normalized.xlsx", "artifact.json", "events.ndjson"):
        assert (out / name).is_file()


def test_run_json(tmp_path: Path, xlsx: Callable[..., Path], roster_config: Path) -> None:
    wb = xlsx([{"name": "S", "rows": ROWS}])
    result = runner.invoke(
        ade_app(),
        ["run", str(wb), "--config", str(roster_config), "--out", str(tmp_path / "out"), "--json"],
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["status"] == "succeeded"
    assert data["rows"] == 2
    assert data["tables"][0]["mapping"][1]["field"] == "email"


def test_failed_run_exits_1_with_one_line(tmp_path: Path, roster_config: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 nope")
    result = runner.invoke(
        ade_app(), ["run", str(bad), "--config", str(roster_config), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("ade: error: run failed:")
    assert "corrupt" in lines[0]
    assert "Traceback" not in result.output
    assert (tmp_path / "out" / "artifact.json").is_file()


def test_config_code_error_names_file_and_line(
    tmp_path: Path, xlsx: Callable[..., Path], roster_config: Path
) -> None:
    (roster_config / "columns" / "email.py").write_text(
        "def transform(*, values, **_):\n    raise ValueError('boom')\n"
    )
    result = runner.invoke(
        ade_app(),
        [
            "run",
            str(xlsx([{"name": "S", "rows": ROWS}])),
            "--config",
            str(roster_config),
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 1
    assert "(columns/email.py:2)" in result.stderr
    assert "boom" in result.stderr


def test_missing_input_is_a_usage_error(tmp_path: Path, roster_config: Path) -> None:
    result = runner.invoke(
        ade_app(),
        [
            "run",
            str(tmp_path / "nope.xlsx"),
            "--config",
            str(roster_config),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == f"ade: error: input file not found: {tmp_path / 'nope.xlsx'}"


def test_config_init_then_validate(tmp_path: Path) -> None:
    dest = tmp_path / "cfg"
    result = runner.invoke(ade_app(), ["config", "init", str(dest)])
    assert result.exit_code == 0
    assert (dest / "manifest.json").is_file()
    result = runner.invoke(ade_app(), ["config", "validate", str(dest)])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"{dest}: valid"
    again = runner.invoke(ade_app(), ["config", "init", str(dest)])
    assert again.exit_code == 1
    assert "not an empty folder" in again.stderr


def test_config_validate_lists_problems(tmp_path: Path, roster_config: Path) -> None:
    manifest = json.loads((roster_config / "manifest.json").read_text())
    manifest["columns"][2]["path"] = "columns/nope.py"
    manifest["bogus"] = True
    (roster_config / "manifest.json").write_text(json.dumps(manifest))
    result = runner.invoke(ade_app(), ["config", "validate", str(roster_config)])
    assert result.exit_code == 1
    assert "bogus: unknown key" in result.stdout
    assert "columns[2].path: file not found" in result.stdout
    assert result.stderr.strip() == f"ade: error: {roster_config}: 2 problems"
    as_json = runner.invoke(ade_app(), ["config", "validate", str(roster_config), "--json"])
    assert json.loads(as_json.stdout)["valid"] is False


def test_config_validate_missing_path(tmp_path: Path) -> None:
    result = runner.invoke(ade_app(), ["config", "validate", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "not found" in result.stderr
