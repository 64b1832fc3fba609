"""Worker settings, read once from the environment (prefix `ADE_`) or `.env`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ade_worker.sandbox import SandboxLimits

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class WorkerSettings(BaseSettings):
    """Where the queue is and how this worker presents itself."""

    model_config = SettingsConfigDict(env_prefix="ADE_", env_file=".env", extra="ignore")

    # Secret: a Redis URL can carry a password. `ade start` fills it in when unset.
    redis_url: SecretStr | None = None
    queue_name: str = "ade-jobs"
    worker_name: str | None = None
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @property
    def redis_dsn(self) -> str:
        """The Redis URL in force: the configured one, else a Redis on this machine."""
        if self.redis_url is None:
            return DEFAULT_REDIS_URL
        return self.redis_url.get_secret_value()


class SandboxSettings(BaseSettings):
    """Resource limits of the sandbox that runs config-package code (env prefix `ADE_SANDBOX_`)."""

    model_config = SettingsConfigDict(env_prefix="ADE_SANDBOX_", env_file=".env", extra="ignore")

    cpu_seconds: int = Field(300, gt=0, description="CPU seconds one run may use (RLIMIT_CPU).")
    memory_mb: int = Field(
        2048, gt=0, description="Address space of the engine process in MB (RLIMIT_AS)."
    )
    file_size_mb: int = Field(
        1024, gt=0, description="Largest file the engine process may write, in MB (RLIMIT_FSIZE)."
    )
    timeout_seconds: float = Field(
        600.0, gt=0, description="Wall-clock seconds before the run's process group is killed."
    )
    open_files: int = Field(
        256, gt=0, description="File descriptors the engine process may hold open (RLIMIT_NOFILE)."
    )

    def limits(self, *, wall_seconds: float | None = None) -> SandboxLimits:
        """These settings as SandboxLimits; `wall_seconds` overrides the timeout (e.g. dry-runs)."""
        return SandboxLimits(
            cpu_seconds=self.cpu_seconds,
            memory_mb=self.memory_mb,
            file_size_mb=self.file_size_mb,
            wall_seconds=self.timeout_seconds if wall_seconds is None else wall_seconds,
            open_files=self.open_files,
        )
