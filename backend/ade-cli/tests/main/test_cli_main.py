"""Every command has help; `ade version`, `ade api routes` and `ade api openapi` answer."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ade_cli.main import app

RunAde = Callable[..., subprocess.CompletedProcess[str]]

COMMANDS = [
    [],
    ["db"],
    ["db", "migrate"],
    ["db", "current"],
    ["db", "history"],
    ["db", "stamp"],
    ["api"],
    ["api", "serve"],
    ["api", "migrate"],
    ["api", "routes"],
    ["api", "openapi"],
    ["worker"],
    ["worker", "start"],
    ["start"],
    ["version"],
    ["run"],
    ["config"],
    ["config", "init"],
    ["config", "validate"],
    ["users"],
    ["users", "create"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "ade")
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    # A real description, not just the usage line.
    assert len(result.output.strip().splitlines()) > 4


def test_version_lists_every_package() -> None:
    result = CliRunner().invoke(app, ["version"])
    assert result.exit_code == 0
    for name in ["ade_db", "ade_storage", "ade_engine", "ade_api", "ade_worker"]:
        assert name in result.output


def test_routes_prints_the_route_table(run_ade: RunAde) -> None:
    result = run_ade("api", "routes")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert any(line.split()[:2] == ["GET", "/api/v1/health"] for line in lines)
    assert any(line.split()[:2] == ["GET", "/api/v1/ready"] for line in lines)


def test_openapi_prints_or_writes_the_document(run_ade: RunAde, tmp_path: Path) -> None:
    from ade_api.app import create_app
    from ade_api.settings import ApiSettings

    expected = json.loads(json.dumps(create_app(ApiSettings()).openapi()))
    printed = run_ade("api", "openapi")
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout) == expected

    written = run_ade("api", "openapi", "--out", "openapi.json")
    assert written.returncode == 0, written.stderr
    assert written.stdout == ""
    assert json.loads((tmp_path / "openapi.json").read_text(encoding="utf-8")) == expected
    assert "/api/v1/auth/login" in expected["paths"]


def test_unknown_command_fails(run_ade: RunAde) -> None:
    result = run_ade("frobnicate")
    assert result.returncode == 2
    assert "No such command" in result.stderr


def test_engine_commands_are_mounted(run_ade: RunAde, tmp_path: Path) -> None:
    init = run_ade("config", "init", "cfg")
    assert init.returncode == 0, init.stderr
    assert run_ade("config", "validate", "cfg").returncode == 0
    sample = next((tmp_path / "cfg" / "samples").iterdir())
    result = run_ade("run", str(sample), "--config", "cfg", "--out", "out", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "succeeded"
    for name in ["normalized.xlsx", "artifact.json", "events.ndjson"]:
        assert (tmp_path / "out" / name).is_file()


def test_run_failure_is_one_line(run_ade: RunAde) -> None:
    result = run_ade("run", "missing.csv", "--config", "cfg", "--out", "out")
    assert result.returncode == 2
    assert result.stderr.strip() == "ade: error: input file not found: missing.csv"
