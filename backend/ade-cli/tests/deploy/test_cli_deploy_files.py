"""docker-compose.yml and the docs stay consistent with the CLI and the settings."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from pydantic_settings import BaseSettings
from redis.exceptions import AuthenticationError, NoPermissionError
from redis.exceptions import ConnectionError as RedisConnectionError
from typer.testing import CliRunner

from ade_api.settings import ApiSettings
from ade_cli.main import app
from ade_db.settings import DatabaseSettings
from ade_storage.settings import StorageSettings
from ade_worker.embedded_redis import DENIED_COMMANDS, EmbeddedRedis, find_redis_server, free_port
from ade_worker.settings import WorkerSettings
from redis import Redis

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


REQUIRED_REDIS_PASSWORD = re.compile(r"\$\{REDIS_PASSWORD:\?[^}]+\}")


def _redis() -> dict[str, Any]:
    services = _compose()["services"]
    assert isinstance(services, dict)
    redis: dict[str, Any] = services["redis"]
    return redis


def test_compose_requires_a_redis_password_and_gives_it_to_ade() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    # Every use of the variable is `${REDIS_PASSWORD:?...}`: no default, so a missing
    # password stops `docker compose` instead of starting an open Redis.
    uses = re.findall(r"\$\{REDIS_PASSWORD[^}]*\}", text)
    assert uses
    assert all(REQUIRED_REDIS_PASSWORD.fullmatch(use) for use in uses), uses
    for name, spec in _ade_services().items():
        url = str(spec["environment"]["ADE_REDIS_URL"])  # type: ignore[index]
        assert re.fullmatch(r"redis://:\$\{REDIS_PASSWORD:\?[^}]+\}@redis:6379/0", url), name
    assert REQUIRED_REDIS_PASSWORD.fullmatch(_redis()["environment"]["REDISCLI_AUTH"])


def test_compose_redis_keeps_its_password_off_command_lines() -> None:
    redis = _redis()
    script = " ".join(redis["command"])
    assert "REDIS_PASSWORD" not in script  # compose would paste the value into argv
    assert '"$$REDISCLI_AUTH" > /tmp/redis.conf' in script  # the shell's printf, a builtin
    health = redis["healthcheck"]["test"]
    assert "-a" not in " ".join(health).split()  # redis-cli reads REDISCLI_AUTH instead
    assert "PONG" in health[-1]  # redis-cli exits 0 even on NOAUTH


def test_compose_redis_denies_what_the_embedded_redis_denies() -> None:
    # The ACL rules in the configuration line the command writes: `-config`, `-module`...
    denied = set(re.findall(r"(?<=\s)-([a-z]+)", " ".join(_redis()["command"])))
    assert set(DENIED_COMMANDS) <= denied


@pytest.mark.redis
def test_compose_redis_command_starts_a_redis_that_wants_its_password(
    real_redis: EmbeddedRedis, tmp_path: Path
) -> None:
    """The redis service's command, run here: the image's entrypoint is replaced by a stub
    that runs redis-server on a free port, and the file goes to tmp_path."""
    binary = find_redis_server()
    assert binary is not None
    port = free_port()
    stubs = tmp_path / "bin"
    stubs.mkdir()
    (stubs / "chown").write_text("#!/bin/sh\n")  # no redis user here
    (stubs / "docker-entrypoint.sh").write_text(
        f'#!/bin/sh\nshift\nexec {binary} "$@" --port {port} --dir {tmp_path} --bind 127.0.0.1\n'
    )
    for stub in stubs.iterdir():
        stub.chmod(0o755)
    conf = tmp_path / "redis.conf"
    script = _redis()["command"][2].replace("$$", "$").replace("/tmp/redis.conf", str(conf))
    password = "Compose_test-password-0123456789abcdef"
    env = {**os.environ, "PATH": f"{stubs}:{os.environ['PATH']}", "REDISCLI_AUTH": password}
    server = subprocess.Popen(["sh", "-c", script], env=env, start_new_session=True)
    try:
        client = Redis.from_url(f"redis://:{password}@127.0.0.1:{port}/0")
        deadline = time.monotonic() + 20
        while not _answers(client):
            assert server.poll() is None, "redis-server did not start"
            assert time.monotonic() < deadline, "redis-server did not answer"
            time.sleep(0.1)
        assert oct(conf.stat().st_mode & 0o777) == oct(0o600)
        assert client.info("memory")["maxmemory_policy"] == "noeviction"
        assert client.info("persistence")["aof_enabled"] == 1
        with pytest.raises(NoPermissionError):
            client.config_get("dir")
        with pytest.raises(AuthenticationError):
            Redis(port=port).ping()
        client.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


def _answers(client: Redis) -> bool:
    try:
        return bool(client.ping())
    except RedisConnectionError:
        return False


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


def test_the_image_sets_only_known_settings() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    names = set(re.findall(r"\b(ADE_[A-Z0-9_]+)=", dockerfile))
    assert "ADE_STORAGE_DATA_DIR" in names
    if "web_dir" not in ApiSettings.model_fields:  # the web app's serving comes with it
        names.discard("ADE_WEB_DIR")
    assert names <= _env_names()


def test_the_image_has_bubblewrap_and_the_sandbox_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "bubblewrap" in dockerfile
    assert "useradd --system" in dockerfile
    assert "ade-sandbox" in dockerfile
    assert "/var/lib/ade-sandbox" in dockerfile
    # ADE runs as root in the container to switch to ade-sandbox; no USER line undoes that.
    assert not re.search(r"^USER\s+(?!root|0)", dockerfile, re.M)
