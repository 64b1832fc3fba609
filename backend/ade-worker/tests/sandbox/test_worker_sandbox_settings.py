"""SandboxSettings: ADE_SANDBOX_* variables become the sandbox's limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from ade_worker.sandbox import SandboxLimits
from ade_worker.settings import SandboxSettings

FIELDS = ("cpu_seconds", "memory_mb", "file_size_mb", "timeout_seconds", "open_files")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in FIELDS:
        monkeypatch.delenv(f"ADE_SANDBOX_{name.upper()}", raising=False)


def test_defaults_match_the_sandbox_defaults() -> None:
    settings = SandboxSettings(_env_file=None)
    assert settings.limits() == SandboxLimits()


def test_reads_ade_sandbox_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADE_SANDBOX_CPU_SECONDS", "7")
    monkeypatch.setenv("ADE_SANDBOX_MEMORY_MB", "512")
    monkeypatch.setenv("ADE_SANDBOX_FILE_SIZE_MB", "64")
    monkeypatch.setenv("ADE_SANDBOX_TIMEOUT_SECONDS", "12.5")
    monkeypatch.setenv("ADE_SANDBOX_OPEN_FILES", "100")
    # Unprefixed names belong to other settings and must not be picked up.
    monkeypatch.setenv("ADE_MEMORY_MB", "1")
    settings = SandboxSettings(_env_file=None)
    assert settings.limits() == SandboxLimits(
        cpu_seconds=7, memory_mb=512, file_size_mb=64, wall_seconds=12.5, open_files=100
    )
    assert settings.limits(wall_seconds=3).wall_seconds == 3
    assert settings.limits(wall_seconds=3).memory_mb == 512


def test_reads_a_dotenv_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("ADE_SANDBOX_MEMORY_MB=256\nADE_QUEUE_NAME=other\n")
    settings = SandboxSettings(_env_file=env)
    assert settings.memory_mb == 256


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", ["0", "-1"])
def test_rejects_zero_and_negative(monkeypatch: pytest.MonkeyPatch, field: str, value: str) -> None:
    monkeypatch.setenv(f"ADE_SANDBOX_{field.upper()}", value)
    with pytest.raises(ValidationError, match=field):
        SandboxSettings(_env_file=None)


def test_every_setting_is_described() -> None:
    for name in FIELDS:
        assert SandboxSettings.model_fields[name].description
