"""The blob-store protocol every storage backend implements.

The API, the worker and the CLI only ever talk to a :class:`BlobStore`, so the local
filesystem store used by ``ade start`` and an object-store backend for scale-out
deployments are interchangeable (see "One machine and many" in the architecture spec).

Keys are POSIX relative paths such as ``documents/<ws>/<doc>/source.xlsx``; every backend
validates them with :func:`ade_storage.safe_path.safe_relative_path`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol, runtime_checkable

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "BlobInfo",
    "BlobSource",
    "BlobStore",
    "iter_chunks",
]

DEFAULT_CHUNK_SIZE = 1024 * 1024
"""Bytes read per step when streaming: big enough for throughput, small enough for memory."""

BlobSource = BinaryIO | Iterable[bytes]
"""What ``put`` accepts: a readable binary stream, or any iterable of byte chunks."""


@dataclass(frozen=True, slots=True)
class BlobInfo:
    """What was stored: recorded with the document row (size and sha256 feed ``run_key``)."""

    key: str
    size: int
    sha256: str
    """Lowercase hex SHA-256 of the stored bytes."""


@runtime_checkable
class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def iter_chunks(data: BlobSource, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
    """Yield ``data`` as byte chunks without ever holding all of it in memory.

    A stream is read ``chunk_size`` bytes at a time. It is checked before the iterable case
    on purpose: binary files are iterable too, but iterating them yields *lines*, which can
    be arbitrarily long. Anything that is not bytes-like (e.g. a text-mode file) is a
    ``TypeError`` rather than silently stored in some encoding.
    """
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    if isinstance(data, _Readable):
        while True:
            chunk = data.read(chunk_size)
            if chunk is None:
                # A non-blocking stream with no data *yet*; treating it as EOF would
                # silently truncate the blob.
                raise TypeError("non-blocking streams are not supported")
            if not chunk:
                return
            yield _as_bytes(chunk)
    elif isinstance(data, bytes | bytearray | memoryview):
        # Not part of the declared type, but an easy mistake: iterating bytes yields ints.
        raise TypeError("pass raw bytes as [data] or io.BytesIO(data), not bare bytes")
    else:
        for chunk in data:
            if chunk:
                yield _as_bytes(chunk)


def _as_bytes(chunk: object) -> bytes:
    if isinstance(chunk, bytes):
        return chunk
    if isinstance(chunk, bytearray | memoryview):
        return bytes(chunk)
    raise TypeError(f"blob data must be bytes, got {type(chunk).__name__}")


@runtime_checkable
class BlobStore(Protocol):
    """A flat namespace of immutable-once-written byte blobs addressed by relative keys.

    Implementations must make ``put`` atomic (readers see the old blob or the new one,
    never a mix, and a failed ``put`` leaves nothing behind) and must refuse unsafe keys
    with :class:`~ade_storage.errors.UnsafePathError`.
    """

    def put(self, key: str, data: BlobSource, *, max_bytes: int | None = None) -> BlobInfo:
        """Store ``data`` under ``key`` (replacing any existing blob) and describe it.

        Raises :class:`~ade_storage.errors.BlobTooLargeError` as soon as more than
        ``max_bytes`` bytes arrive, without storing anything.
        """
        ...

    def open(self, key: str) -> BinaryIO:
        """Open the blob for reading; the caller closes the stream."""
        ...

    def delete(self, key: str) -> bool:
        """Remove the blob; return ``False`` if there was nothing to remove."""
        ...

    def exists(self, key: str) -> bool:
        """Return whether a blob is stored under ``key``."""
        ...

    def list(self, prefix: str = "") -> Iterator[str]:
        """Yield the keys that start with ``prefix`` (a plain string prefix), sorted."""
        ...

    def size(self, key: str) -> int:
        """Return the blob's size in bytes."""
        ...
