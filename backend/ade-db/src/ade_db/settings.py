"""Database settings, read once from the environment (prefix `ADE_`) or `.env`."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class DatabaseSettings(BaseSettings):
    """Where the database is and how to pool connections to it.

    With no `ADE_DATABASE_URL`, ADE uses the embedded SQLite file `db/ade.sqlite` under
    `ADE_STORAGE_DATA_DIR`, so a fresh clone runs with no database server at all.
    """

    model_config = SettingsConfigDict(env_prefix="ADE_", env_file=".env", extra="ignore")

    # Kept secret so the URL (which may hold a password) never lands in a log or a repr.
    database_url: SecretStr | None = None
    storage_data_dir: Path = Path("./data")
    database_echo: bool = False
    database_pool_size: int = Field(default=10, ge=1)
    database_max_overflow: int = Field(default=10, ge=0)
    database_pool_timeout: float = Field(default=30.0, gt=0)
    # How long SQLite waits on a locked database before failing, in milliseconds.
    database_sqlite_busy_timeout_ms: int = Field(default=15_000, ge=0)

    @property
    def url(self) -> str:
        """The SQLAlchemy URL in force: the configured one, else the embedded SQLite file."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{(self.storage_data_dir / 'db' / 'ade.sqlite').resolve()}"
