"""Exceptions raised by ``ade_storage``.

Every error derives from :class:`StorageError` so callers (the API's error handlers, the
worker) can map "anything storage refused or could not find" with one ``except`` clause,
while still distinguishing the cases that deserve a different HTTP status or retry policy.
"""

from __future__ import annotations

__all__ = [
    "BlobNotFoundError",
    "BlobTooLargeError",
    "StorageError",
    "UnsafePathError",
]


class StorageError(Exception):
    """Base class for every error raised by ``ade_storage``."""


class UnsafePathError(StorageError, ValueError):
    """A user-supplied path (or id, or suffix) was refused.

    It is also a :class:`ValueError` so input-validation layers (pydantic validators,
    FastAPI) that already treat ``ValueError`` as "bad input" turn it into a 4xx without
    special casing. ``reason`` is short and human readable, safe to show to the user.
    """

    def __init__(self, path: str, reason: str) -> None:
        # Passing both values to Exception keeps the error picklable (RQ, multiprocessing).
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        # repr() escapes control characters and lone surrogates, so the message itself is
        # always printable and cannot forge log lines.
        return f"unsafe path {self.path!r}: {self.reason}"


class BlobNotFoundError(StorageError):
    """The requested blob does not exist (or is not a regular file)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key

    def __str__(self) -> str:
        return f"blob not found: {self.key!r}"


class BlobTooLargeError(StorageError):
    """A blob exceeded the size limit given to ``put``; nothing was stored.

    ``limit`` is the maximum number of bytes that was allowed, so the API can tell the user
    what the limit is without the caller threading it through separately.
    """

    def __init__(self, limit: int, key: str | None = None) -> None:
        super().__init__(limit, key)
        self.limit = limit
        self.key = key

    def __str__(self) -> str:
        what = "blob" if self.key is None else f"blob {self.key!r}"
        return f"{what} exceeds the limit of {self.limit} bytes"
