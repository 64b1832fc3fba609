"""Storage settings and the factory that turns them into a blob store.

Every setting has a safe default for local use (``./data`` next to where ADE runs), so
``ade start`` works with no configuration; deployments override it with
``ADE_STORAGE_DATA_DIR`` (environment or ``.env``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from ade_storage.blob import BlobStore
from ade_storage.local import LocalBlobStore

__all__ = ["StorageSettings", "build_blob_store"]


class StorageSettings(BaseSettings):
    """Settings of the storage layer, read from ``ADE_STORAGE_*`` variables and ``.env``."""

    model_config = SettingsConfigDict(
        env_prefix="ADE_STORAGE_",
        env_file=".env",
        extra="ignore",
    )

    data_dir: Path = Path("./data")
    """Root of the storage layout (database file, documents, jobs, dry-runs, caches)."""

    backend: Literal["local"] = "local"
    """Blob backend. Only the local filesystem exists today; the literal makes a typo fail
    at startup instead of silently falling back."""


def build_blob_store(settings: StorageSettings | None = None) -> BlobStore:
    """Build the configured blob store; keys are relative to ``settings.data_dir``."""
    resolved = settings if settings is not None else StorageSettings()
    if resolved.backend == "local":
        return LocalBlobStore(resolved.data_dir)
    raise AssertionError(f"unhandled storage backend {resolved.backend!r}")  # pragma: no cover
