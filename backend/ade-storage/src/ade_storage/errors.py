"""Exceptions raised by ``ade_storage``.

Every error derives from :class:`StorageError` so callers (the API's error handlers, the
worker) can map "anything storage refused or could not find" with one ``except`` clause,
while still distinguishing the cases that deserve a different HTTP status or retry policy.
"""

from __future__ import annotations

__all__ = [
    "ArchiveCorruptError",
    "ArchiveDuplicateMemberError",
    "ArchiveEncryptedError",
    "ArchiveError",
    "ArchiveLimitError",
    "ArchiveUnsafeMemberError",
    "ArchiveUnsupportedError",
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


class ArchiveError(StorageError, ValueError):
    """An uploaded zip archive was refused; nothing from it was used.

    Like :class:`UnsafePathError` it is also a :class:`ValueError` (bad input, 4xx). ``member``
    names the offending archive member (``None`` when the archive as a whole is at fault) and
    ``reason`` is short and human readable, safe to show to the user.
    """

    def __init__(self, reason: str, member: str | None = None) -> None:
        super().__init__(reason, member)
        self.reason = reason
        self.member = member

    def __str__(self) -> str:
        # repr() keeps hostile member names (newlines, NUL, surrogates) printable.
        if self.member is None:
            return f"invalid archive: {self.reason}"
        return f"invalid archive member {self.member!r}: {self.reason}"


class ArchiveCorruptError(ArchiveError):
    """The upload is not a zip archive, or it is truncated or damaged (e.g. a bad CRC)."""


class ArchiveLimitError(ArchiveError):
    """The archive exceeded a size, count or compression-ratio limit (zip-bomb guard).

    ``limit`` is the limit that was exceeded (bytes, a file count or a ratio).
    """

    def __init__(self, reason: str, limit: int | float, member: str | None = None) -> None:
        super().__init__(reason, member)
        # Exception pickling calls cls(*args); keep args in __init__'s order.
        self.args = (reason, limit, member)
        self.limit = limit


class ArchiveUnsafeMemberError(ArchiveError):
    """A member's path failed the safe-path rules (zip-slip), or it is not a regular file
    (a symbolic link, device, FIFO, socket)."""


class ArchiveDuplicateMemberError(ArchiveError):
    """Two members have the same path, or a path is used both as a file and as a folder."""


class ArchiveUnsupportedError(ArchiveError):
    """The archive uses a feature ADE does not accept (e.g. a compression method other than
    stored/deflate)."""


class ArchiveEncryptedError(ArchiveUnsupportedError):
    """A member is encrypted (password-protected archives are not accepted)."""
