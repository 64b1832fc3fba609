"""Tests for the backend-neutral part of the blob API: BlobInfo, iter_chunks, BlobStore."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from typing import BinaryIO

import pytest

from ade_storage.blob import BlobInfo, BlobSource, BlobStore, iter_chunks


class _RecordingStream(io.RawIOBase):
    """A readable stream that records the sizes it was asked for."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)
        self.requests: list[int] = []

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1, /) -> bytes:
        self.requests.append(size)
        return self._inner.read(size)


def test_storage_iter_chunks_reads_streams_in_bounded_chunks() -> None:
    stream = _RecordingStream(b"x" * 10)
    chunks = list(iter_chunks(stream, chunk_size=4))
    assert chunks == [b"xxxx", b"xxxx", b"xx"]
    assert stream.requests == [4, 4, 4, 4]  # never read(-1): nothing is slurped


def test_storage_iter_chunks_reads_binary_file_by_size_not_by_line() -> None:
    data = b"a" * 100 + b"\n" + b"b" * 100
    chunks = list(iter_chunks(io.BytesIO(data), chunk_size=64))
    assert b"".join(chunks) == data
    assert max(len(chunk) for chunk in chunks) <= 64


def test_storage_iter_chunks_passes_iterables_through_and_skips_empty_chunks() -> None:
    def source() -> Iterator[bytes]:
        yield b"ab"
        yield b""
        yield b"c"

    assert list(iter_chunks(source())) == [b"ab", b"c"]


def test_storage_iter_chunks_accepts_bytes_like_chunks() -> None:
    chunks: list[bytes] = [bytearray(b"ab"), memoryview(b"cd")]  # type: ignore[list-item]
    assert list(iter_chunks(chunks)) == [b"ab", b"cd"]


def test_storage_iter_chunks_rejects_text() -> None:
    with pytest.raises(TypeError, match="must be bytes"):
        list(iter_chunks(io.StringIO("text")))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be bytes"):
        list(iter_chunks(["text"]))  # type: ignore[list-item]


def test_storage_iter_chunks_rejects_bare_bytes_instead_of_iterating_ints() -> None:
    bare: BlobSource = b"abc"  # type: ignore[assignment]
    with pytest.raises(TypeError, match="bare bytes"):
        list(iter_chunks(bare))


class _NonBlockingStream(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def read(self, size: int = -1, /) -> bytes | None:
        return None  # "no data available yet"


def test_storage_iter_chunks_refuses_to_truncate_non_blocking_streams() -> None:
    with pytest.raises(TypeError, match="non-blocking"):
        list(iter_chunks(_NonBlockingStream()))


def test_storage_iter_chunks_rejects_non_positive_chunk_size() -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        list(iter_chunks([b"a"], chunk_size=0))


def test_storage_blob_info_is_frozen_value() -> None:
    info = BlobInfo(key="a/b", size=3, sha256="0" * 64)
    assert info == BlobInfo(key="a/b", size=3, sha256="0" * 64)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.size = 4  # type: ignore[misc]


class _MinimalStore:
    """Structurally a BlobStore without inheriting from anything."""

    def put(self, key: str, data: BlobSource, *, max_bytes: int | None = None) -> BlobInfo:
        return BlobInfo(key=key, size=0, sha256="")

    def open(self, key: str) -> BinaryIO:
        return io.BytesIO()

    def delete(self, key: str) -> bool:
        return False

    def exists(self, key: str) -> bool:
        return False

    def list(self, prefix: str = "") -> Iterator[str]:
        return iter(())

    def size(self, key: str) -> int:
        return 0


def test_storage_blob_store_protocol_is_runtime_checkable() -> None:
    store: BlobStore = _MinimalStore()
    assert isinstance(store, BlobStore)
    assert not isinstance(object(), BlobStore)
