"""API settings, read once at start-up from the environment (prefix `ADE_`) or `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Only for development and tests: production refuses to start with it.
DEVELOPMENT_SECRET_KEY = "ade-development-secret-key-change-me"  # noqa: S105


class ApiSettings(BaseSettings):
    """How the HTTP API listens and behaves."""

    model_config = SettingsConfigDict(env_prefix="ADE_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    # Reverse proxies trusted to name the client in X-Forwarded-For (comma-separated addresses
    # or networks, `*` for any). From any other peer the header is ignored: the client is the
    # peer itself, which is what login throttling counts.
    api_forwarded_allow_ips: str = "127.0.0.1"
    # Interactive docs are on by default except in production.
    api_docs_enabled: bool | None = None
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET_KEY)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # Login tokens (`POST /auth/login`) are valid this long; logout revokes one sooner.
    access_token_ttl_seconds: int = Field(default=3600, ge=1, le=7 * 24 * 3600)
    # This many failed logins in a row lock the account for `login_lockout_seconds`.
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_seconds: int = Field(default=900, ge=1)
    # Login attempts one client address (an IPv6 /64) may make per window, counted across all
    # API processes in Redis; more answer 429 with Retry-After, whatever the password.
    login_ip_max_attempts: int = Field(default=20, ge=1)
    login_ip_window_seconds: int = Field(default=300, ge=1, le=24 * 3600)
    # For containers: the first admin, created at start-up when no user exists yet.
    initial_admin_email: str | None = None
    initial_admin_password: SecretStr | None = None
    # First-run setup (`POST /api/v1/setup`) needs this one-time token while no user exists;
    # `ade start` and `ade api serve` make one and print it when none is set.
    setup_token: SecretStr | None = None
    # The built web app (`frontend/ade-web/dist`), served at `/`; unset: the checkout's build
    # if there is one. A folder without `index.html` serves a page saying how to build it.
    web_dir: Path | None = None
    # Uploads over this size are refused while streaming (413), leaving nothing behind.
    max_upload_bytes: int = Field(default=100 * 1024 * 1024, ge=1)
    # JSON request bodies over this size are refused with 413 before any handler runs.
    max_json_body_bytes: int = Field(default=1024 * 1024, ge=1)
    # Jobs a workspace may have queued at once; more answer 429 with Retry-After.
    max_queued_jobs_per_workspace: int = Field(default=100, ge=1)
    # Config packages are small source trees; these bound what one draft may hold.
    config_max_file_bytes: int = Field(default=512 * 1024, ge=1)
    config_max_package_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    config_max_files: int = Field(default=500, ge=1)
    # A zip sent to `configs:import`, compressed.
    config_import_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    # Dry-runs and plans run config code in the sandbox, synchronously: bound how long one may
    # take and how many run at once in one API process (more answer 429).
    dry_run_timeout_seconds: float = Field(default=60.0, gt=0, le=3600)
    dry_run_max_concurrent: int = Field(default=2, ge=1)
    # Job submits whose database work (one threadpool hop each) runs at once in one API
    # process; more wait their turn, in the order they came (never refused). A few keep a burst
    # fair and cheap: every extra thread contends for the GIL (and, on SQLite, the one writer),
    # and the waits then fall unevenly, so the slowest submits wait longest.
    submit_max_concurrent: int = Field(default=3, ge=1, le=1000)
    # A dry-run's preview output can be downloaded for this long.
    dry_run_retention_seconds: int = Field(default=3600, ge=60)
    # Live streams (SSE): how often an open stream reads the database for news, and after how
    # much silence it sends a keep-alive comment (so proxies keep the connection open).
    sse_poll_seconds: float = Field(default=0.5, ge=0.05, le=10)
    sse_heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    # Previews (a document's sheets, a job's normalized rows, as JSON pages) read the file once
    # in a subprocess with these limits and keep an extract of at most this many rows and
    # bytes (a bigger file's preview says it is truncated). More concurrent first reads than
    # `preview_max_concurrent` in one API process answer 429.
    preview_max_rows: int = Field(default=1_000_000, ge=1)
    preview_max_bytes: int = Field(default=256 * 1024 * 1024, ge=1024)
    preview_timeout_seconds: float = Field(default=120.0, gt=0, le=3600)
    preview_cpu_seconds: int = Field(default=120, ge=1)
    preview_memory_mb: int = Field(default=2048, ge=64)
    preview_max_concurrent: int = Field(default=2, ge=1)
    # `GET /metrics` (Prometheus); public unless a token is set, then `Authorization: Bearer`.
    metrics_enabled: bool = True
    metrics_token: SecretStr | None = None

    @property
    def docs_enabled(self) -> bool:
        if self.api_docs_enabled is not None:
            return self.api_docs_enabled
        return self.env != "production"

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Self:
        if self.env == "production":
            key = self.secret_key.get_secret_value()
            if key == DEVELOPMENT_SECRET_KEY or len(key) < 32:
                raise ValueError(
                    "ADE_SECRET_KEY must be set to a random value of at least 32 characters "
                    "when ADE_ENV=production"
                )
        return self
