"""ADE storage: blob-store protocol, local filesystem store, storage layout, safe paths.

Everything other packages need is importable from here; the submodules are an
implementation detail of how the code is organised.
"""

from ade_storage.archive import ArchiveLimits, read_zip, write_zip
from ade_storage.blob import BlobInfo, BlobSource, BlobStore, iter_chunks
from ade_storage.bootstrap import ensure_data_dirs
from ade_storage.errors import (
    ArchiveCorruptError,
    ArchiveDuplicateMemberError,
    ArchiveEncryptedError,
    ArchiveError,
    ArchiveLimitError,
    ArchiveUnsafeMemberError,
    ArchiveUnsupportedError,
    BlobNotFoundError,
    BlobTooLargeError,
    StorageError,
    UnsafePathError,
)
from ade_storage.layout import (
    JOB_SUBDIRS,
    PREVIEW_DIR,
    SHA256_RE,
    SUFFIX_RE,
    ULID_RE,
    StorageLayout,
    validate_sha256,
    validate_suffix,
    validate_ulid,
)
from ade_storage.local import LocalBlobStore
from ade_storage.safe_path import resolve_within, safe_filename, safe_relative_path
from ade_storage.settings import StorageSettings, build_blob_store

__version__ = "0.1.0"

__all__ = [
    "JOB_SUBDIRS",
    "PREVIEW_DIR",
    "SHA256_RE",
    "SUFFIX_RE",
    "ULID_RE",
    "ArchiveCorruptError",
    "ArchiveDuplicateMemberError",
    "ArchiveEncryptedError",
    "ArchiveError",
    "ArchiveLimitError",
    "ArchiveLimits",
    "ArchiveUnsafeMemberError",
    "ArchiveUnsupportedError",
    "BlobInfo",
    "BlobNotFoundError",
    "BlobSource",
    "BlobStore",
    "BlobTooLargeError",
    "LocalBlobStore",
    "StorageError",
    "StorageLayout",
    "StorageSettings",
    "UnsafePathError",
    "__version__",
    "build_blob_store",
    "ensure_data_dirs",
    "iter_chunks",
    "read_zip",
    "resolve_within",
    "safe_filename",
    "safe_relative_path",
    "validate_sha256",
    "validate_suffix",
    "validate_ulid",
    "write_zip",
]
