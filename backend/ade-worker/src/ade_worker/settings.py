"""Worker settings, read once from the environment (prefix `ADE_`) or `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ade_worker.jail import JailProvider
from ade_worker.limits import SandboxLimits
from ade_worker.materialize import DEFAULT_PACKAGE_INDEX_URL, Installer

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class WorkerSettings(BaseSettings):
    """Where the queue is and how this worker presents itself."""

    model_config = SettingsConfigDict(env_prefix="ADE_", env_file=".env", extra="ignore")

    # Secret: a Redis URL can carry a password. `ade start` fills it in when unset.
    redis_url: SecretStr | None = None
    queue_name: str = "ade-jobs"
    worker_name: str | None = None
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    worker_niceness: int = Field(
        5,
        ge=0,
        le=19,
        description=(
            "The worker's least niceness (CPU priority; its config runs are 10 lower still): "
            "batch work yields the CPU to the API's requests on a shared machine."
        ),
    )

    # Jobs: retries, liveness and the reconciler.
    job_max_attempts: int = Field(
        3, ge=1, le=100, description="Runs of one job before a lost or killed run fails it."
    )
    job_heartbeat_seconds: float = Field(
        5.0, gt=0, le=300, description="How often a running job's heartbeat_at is refreshed."
    )
    job_stale_seconds: float = Field(
        30.0, gt=0, le=86_400, description="A running job with an older heartbeat is lost."
    )
    reconcile_interval_seconds: float = Field(
        60.0, gt=0, le=86_400, description="How often each worker runs the reconciler."
    )
    requeue_grace_seconds: float = Field(
        10.0, ge=0, le=86_400, description="Queued jobs younger than this are not re-enqueued."
    )
    uv_bin: str | None = Field(
        None, description="The `uv` used to install requirements.txt (default: from PATH)."
    )
    package_index_url: str = Field(
        DEFAULT_PACKAGE_INDEX_URL,
        description="The one package index requirements.txt is installed from (wheels only).",
    )

    @field_validator("package_index_url")
    @classmethod
    def _index_is_a_url(cls, value: str) -> str:
        # file:// serves a local (offline) simple index; anything else is not an index.
        parts = urlsplit(value)
        if parts.scheme not in {"https", "http", "file"} or any(c.isspace() for c in value):
            raise ValueError("package_index_url must be an https://, http:// or file:// URL")
        if parts.scheme != "file" and not parts.hostname:
            raise ValueError("package_index_url needs a host")
        return value

    @property
    def installer(self) -> Installer:
        """How requirements.txt is installed, for the worker and the API's sandbox."""
        return Installer(index_url=self.package_index_url, uv_bin=self.uv_bin)

    @model_validator(mode="after")
    def _stale_after_heartbeats(self) -> WorkerSettings:
        # A stale threshold at or below the heartbeat period would declare healthy jobs lost.
        if self.job_stale_seconds <= self.job_heartbeat_seconds:
            raise ValueError("job_stale_seconds must be greater than job_heartbeat_seconds")
        return self

    @property
    def redis_dsn(self) -> str:
        """The Redis URL in force: the configured one, else a Redis on this machine."""
        if self.redis_url is None:
            return DEFAULT_REDIS_URL
        return self.redis_url.get_secret_value()


class SandboxSettings(BaseSettings):
    """The sandbox that runs config-package code: the jail and its limits (`ADE_SANDBOX`,
    then env prefix `ADE_SANDBOX_`)."""

    model_config = SettingsConfigDict(
        env_prefix="ADE_SANDBOX_", env_file=".env", extra="ignore", populate_by_name=True
    )

    mode: Literal["jail", "none"] = Field(
        "jail",
        validation_alias="ADE_SANDBOX",
        description=(
            "`jail` runs config code in bubblewrap as the sandbox user (the default; fails "
            "closed when the jail cannot be set up); `none` runs it as ADE's own user, for a "
            "single trusted user on a laptop only."
        ),
    )
    warm: bool = Field(
        True,
        description=(
            "Jobs start warm: a zygote per worker that has imported the engine forks each run "
            "into a jail of its own (see docs/explanation/security.md); `false`: every run "
            "starts bubblewrap and the engine afresh (the cold path, also the fallback)."
        ),
    )
    user: str = Field("ade-sandbox", description="The unprivileged host user jails run as.")
    dir: Path = Field(
        Path("/var/lib/ade-sandbox"),
        description="Where each jailed run's input and config are staged (kept private).",
    )

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
    processes: int = Field(
        64, gt=0, description="Processes the sandbox user may have at once (RLIMIT_NPROC)."
    )
    disk_mb: int = Field(
        512, gt=0, description="Megabytes a jailed run may write in all (its tmpfs size)."
    )
    log_kb: int = Field(1024, gt=0, description="Kilobytes of stdout and of stderr kept per run.")
    max_events: int = Field(10_000, gt=0, description="Events kept per run; the rest dropped.")
    event_kb: int = Field(64, gt=0, description="Largest event kept, in kilobytes.")
    events_mb: int = Field(8, gt=0, description="Megabytes of events kept per run, in all.")

    def limits(self, *, wall_seconds: float | None = None) -> SandboxLimits:
        """These settings as SandboxLimits; `wall_seconds` overrides the timeout (e.g. dry-runs)."""
        return SandboxLimits(
            cpu_seconds=self.cpu_seconds,
            memory_mb=self.memory_mb,
            file_size_mb=self.file_size_mb,
            wall_seconds=self.timeout_seconds if wall_seconds is None else wall_seconds,
            open_files=self.open_files,
            processes=self.processes,
            disk_mb=self.disk_mb,
            log_kb=self.log_kb,
            max_events=self.max_events,
            event_kb=self.event_kb,
            events_mb=self.events_mb,
        )

    def jail_provider(self, *, warm: bool | None = None) -> JailProvider:
        """The jail these settings ask for (None inside when `ADE_SANDBOX=none`); `warm`
        overrides ADE_SANDBOX_WARM (the API's short runs stay cold)."""
        return JailProvider(
            enabled=self.mode == "jail",
            user=self.user,
            root=self.dir,
            warm=self.warm if warm is None else warm,
        )
