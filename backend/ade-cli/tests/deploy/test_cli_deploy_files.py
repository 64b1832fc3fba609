"""docker-compose.yml and the docs stay consistent with the CLI and the settings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from pydantic_settings import BaseSettings
from typer.testing import CliRunner

from ade_api.settings import ApiSettings
from ade_cli.main import app
from ade_db.settings import DatabaseSettings
from ade_storage.settings import StorageSettings
from ade_worker.settings import WorkerSettings

ROOT = Path(__file__).resolve().parents[4]
SETTINGS: list[type[BaseSettings]] = [
    ApiSettings,
    DatabaseSettings,
    StorageSettings,
    WorkerSettings,
]


def _env_names() -> set[str]:
    names = set()
    for cls in SETTINGS:
        prefix = str(cls.model_config.get("env_prefix", ""))
        names |= {f"{prefix}{field}".upper() for field in cls.model_fields}
    return names


def _compose() -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def _ade_services() -> dict[str, dict[str, object]]:
    services = _compose()["services"]
    assert isinstance(services, dict)
    return {
        name: spec
        for name, spec in services.items()
        if isinstance(spec.get("command"), list) and spec["command"][0] == "ade"
    }


def test_compose_runs_migrate_api_and_worker() -> None:
    commands = {name: spec["command"] for name, spec in _ade_services().items()}
    assert commands["migrate"][:3] == ["ade", "db", "migrate"]  # type: ignore[index]
    assert commands["api"][:3] == ["ade", "api", "serve"]  # type: ignore[index]
    assert commands["worker"][:3] == ["ade", "worker", "start"]  # type: ignore[index]


@pytest.mark.parametrize("service", ["migrate", "api", "worker"])
def test_compose_commands_are_valid_cli_invocations(service: str) -> None:
    command = _ade_services()[service]["command"]
    assert isinstance(command, list)
    # Parsing with --help checks every option name without running the command.
    result = CliRunner().invoke(app, [*command[1:], "--help"])
    assert result.exit_code == 0, result.output


def test_compose_sets_only_known_settings() -> None:
    known = _env_names()
    for name, spec in _ade_services().items():
        env = spec["environment"]
        assert isinstance(env, dict)
        unknown = {key for key in env if key.startswith("ADE_")} - known
        assert not unknown, f"{name} sets unknown settings {unknown}"
        assert env["ADE_ENV"] == "production"
        assert str(env["ADE_DATABASE_URL"]).startswith("postgresql://")
        assert str(env["ADE_REDIS_URL"]).startswith("redis://")


def test_compose_starts_the_api_only_after_migrations() -> None:
    services = _ade_services()
    for name in ["api", "worker"]:
        depends = services[name]["depends_on"]
        assert isinstance(depends, dict)
        assert depends["migrate"] == {"condition": "service_completed_successfully"}


def test_every_setting_is_documented() -> None:
    documented = set(
        re.findall(r"`(ADE_[A-Z0-9_]+)`", (ROOT / "docs/reference/settings.md").read_text())
    )
    missing = _env_names() - documented
    assert not missing, f"settings missing from docs/reference/settings.md: {sorted(missing)}"


def _cli_commands(group: Any, prefix: str = "") -> list[str]:
    # Typer ships its own click-compatible classes: walk groups by their `commands` mapping.
    names = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            names += _cli_commands(command, f"{prefix}{name} ")
        else:
            names.append(f"{prefix}{name}")
    return names


def test_every_cli_command_is_documented() -> None:
    text = (ROOT / "docs/reference/cli.md").read_text()
    commands = _cli_commands(typer.main.get_command(app))
    assert {"start", "db migrate", "run", "config init", "worker start"} <= set(commands)
    missing = [command for command in commands if f"`ade {command}" not in text]
    assert not missing, f"commands missing from docs/reference/cli.md: {missing}"


# -- the sandbox jail in Docker ----------------------------------------------------------------

# What bubblewrap calls to build a jail; the seccomp profile must not refuse any of them.
BWRAP_SYSCALLS = {"unshare", "clone", "clone3", "mount", "umount2", "pivot_root", "setns"}
# Calls the profile must refuse: loading kernel code, reading other processes, big attack
# surface nothing in ADE needs.
REFUSED = {"init_module", "kexec_load", "ptrace", "bpf", "keyctl", "userfaultfd", "io_uring_setup"}


def _seccomp() -> dict[str, Any]:
    import json

    loaded: dict[str, Any] = json.loads((ROOT / "deploy/seccomp-ade.json").read_text())
    return loaded


@pytest.mark.parametrize("service", ["api", "worker"])
def test_compose_runs_config_code_in_the_jail_with_the_narrowest_settings(service: str) -> None:
    spec = _ade_services()[service]
    assert spec.get("privileged") is not True
    assert spec["user"] == "0:0"
    assert spec["cap_drop"] == ["ALL"]
    capabilities = spec["cap_add"]
    assert isinstance(capabilities, list)
    assert set(capabilities) == {"CHOWN", "SETUID", "SETGID", "KILL"}
    options = spec["security_opt"]
    assert isinstance(options, list)
    assert "no-new-privileges:true" in options
    assert "seccomp=./deploy/seccomp-ade.json" in options
    env = spec["environment"]
    assert isinstance(env, dict)
    assert "ADE_SANDBOX" not in env  # the jail is on (the default)


def test_the_migrate_job_runs_no_config_code_and_gets_no_extra_privileges() -> None:
    spec = _ade_services()["migrate"]
    assert "cap_add" not in spec
    assert "security_opt" not in spec


def test_the_seccomp_profile_allows_the_jail_and_refuses_the_rest() -> None:
    profile = _seccomp()
    assert profile["defaultAction"] == "SCMP_ACT_ALLOW"
    refused = {
        name
        for rule in profile["syscalls"]
        if rule["action"] in {"SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS"}
        for name in rule["names"]
    }
    assert not refused & BWRAP_SYSCALLS
    assert refused >= REFUSED
    assert "SCMP_ARCH_X86_64" in profile["architectures"]
    assert "SCMP_ARCH_AARCH64" in profile["architectures"]


def test_the_image_has_bubblewrap_and_the_sandbox_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "bubblewrap" in dockerfile
    assert "useradd --system" in dockerfile
    assert "ade-sandbox" in dockerfile
    assert "/var/lib/ade-sandbox" in dockerfile
    # ADE runs as root in the container to switch to ade-sandbox; no USER line undoes that.
    assert not re.search(r"^USER\s+(?!root|0)", dockerfile, re.M)
