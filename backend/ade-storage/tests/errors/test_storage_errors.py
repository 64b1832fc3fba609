"""Tests for the exception hierarchy: what callers catch, what the messages say."""

from __future__ import annotations

import pickle

import pytest

from ade_storage.errors import (
    BlobNotFoundError,
    BlobTooLargeError,
    StorageError,
    UnsafePathError,
)


def test_storage_hierarchy() -> None:
    assert issubclass(UnsafePathError, StorageError)
    assert issubclass(UnsafePathError, ValueError)
    assert issubclass(BlobNotFoundError, StorageError)
    assert issubclass(BlobTooLargeError, StorageError)


def test_storage_unsafe_path_error_attributes_and_message() -> None:
    error = UnsafePathError("../x\n", "'..' path components are not allowed")
    assert error.path == "../x\n"
    assert error.reason == "'..' path components are not allowed"
    # repr-escaped, so a hostile path cannot inject a fake log line
    assert str(error) == "unsafe path '../x\\n': '..' path components are not allowed"
    assert "\n" not in str(UnsafePathError("a\nb\ud800", "r"))


def test_storage_blob_errors_attributes_and_messages() -> None:
    assert BlobNotFoundError("a/b").key == "a/b"
    assert str(BlobNotFoundError("a/b")) == "blob not found: 'a/b'"
    too_large = BlobTooLargeError(10, "k")
    assert too_large.limit == 10
    assert too_large.key == "k"
    assert str(too_large) == "blob 'k' exceeds the limit of 10 bytes"
    assert BlobTooLargeError(limit=5).key is None
    assert str(BlobTooLargeError(5)) == "blob exceeds the limit of 5 bytes"


@pytest.mark.parametrize(
    "error",
    [UnsafePathError("p", "r"), BlobNotFoundError("k"), BlobTooLargeError(3, "k")],
    ids=["unsafe", "not-found", "too-large"],
)
def test_storage_errors_survive_pickling(error: StorageError) -> None:
    # Errors cross process boundaries (worker subprocesses, RQ); they must round-trip.
    clone = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own data
    assert type(clone) is type(error)
    assert str(clone) == str(error)
    assert vars(clone) == vars(error)
