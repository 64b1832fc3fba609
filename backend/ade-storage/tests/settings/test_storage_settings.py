"""Tests for StorageSettings (env, .env, validation) and build_blob_store."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from ade_storage.blob import BlobStore
from ade_storage.local import LocalBlobStore
from ade_storage.settings import StorageSettings, build_blob_store


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the developer's environment and any ./.env out of these tests."""
    monkeypatch.delenv("ADE_STORAGE_DATA_DIR", raising=False)
    monkeypatch.delenv("ADE_STORAGE_BACKEND", raising=False)
    monkeypatch.chdir(tmp_path)


def test_storage_settings_defaults() -> None:
    settings = StorageSettings()
    assert settings.data_dir == Path("./data")
    assert settings.backend == "local"


def test_storage_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ADE_STORAGE_DATA_DIR", str(tmp_path / "elsewhere"))
    assert StorageSettings().data_dir == tmp_path / "elsewhere"


def test_storage_settings_from_dotenv_ignoring_other_keys(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "ADE_STORAGE_DATA_DIR=/srv/ade-data\nADE_DATABASE_URL=sqlite://\nUNRELATED=1\n"
    )
    assert StorageSettings().data_dir == Path("/srv/ade-data")


def test_storage_environment_beats_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ADE_STORAGE_DATA_DIR=/from/dotenv\n")
    monkeypatch.setenv("ADE_STORAGE_DATA_DIR", "/from/env")
    assert StorageSettings().data_dir == Path("/from/env")


def test_storage_unknown_backend_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADE_STORAGE_BACKEND", "s3")
    with pytest.raises(ValidationError):
        StorageSettings()


def test_storage_build_blob_store_is_local_store_at_data_dir(tmp_path: Path) -> None:
    store = build_blob_store(StorageSettings(data_dir=tmp_path / "d"))
    assert isinstance(store, BlobStore)
    assert isinstance(store, LocalBlobStore)
    assert store.root == tmp_path / "d"
    store.put("documents/x", [b"1"])
    assert (tmp_path / "d" / "documents" / "x").read_bytes() == b"1"


def test_storage_build_blob_store_defaults_to_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ADE_STORAGE_DATA_DIR", str(tmp_path / "env-data"))
    store = build_blob_store()
    assert isinstance(store, LocalBlobStore)
    assert store.root == tmp_path / "env-data"
