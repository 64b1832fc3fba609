"""The API's view of storage: where things live (layout) and the blob store that holds them."""

from __future__ import annotations

from dataclasses import dataclass

from ade_storage import StorageLayout, StorageSettings, build_blob_store
from ade_storage.blob import BlobStore


@dataclass(frozen=True)
class Storage:
    """Built once per app from `StorageSettings`; shared by every request."""

    layout: StorageLayout
    blobs: BlobStore

    @classmethod
    def from_settings(cls, settings: StorageSettings) -> Storage:
        return cls(layout=StorageLayout(settings.data_dir), blobs=build_blob_store(settings))
