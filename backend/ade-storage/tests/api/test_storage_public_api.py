"""The package root re-exports the public API other ADE packages import."""

from __future__ import annotations

import ade_storage


def test_storage_public_names_are_exported() -> None:
    assert ade_storage.__version__ == "0.1.0"
    for name in ade_storage.__all__:
        assert hasattr(ade_storage, name), name
    expected = {
        "BlobInfo",
        "BlobNotFoundError",
        "BlobStore",
        "BlobTooLargeError",
        "LocalBlobStore",
        "StorageError",
        "StorageLayout",
        "StorageSettings",
        "ULID_RE",
        "UnsafePathError",
        "build_blob_store",
        "ensure_data_dirs",
        "resolve_within",
        "safe_filename",
        "safe_relative_path",
    }
    assert expected <= set(ade_storage.__all__)
