"""Worker settings, read once from the environment (prefix `ADE_`) or `.env`."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

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
