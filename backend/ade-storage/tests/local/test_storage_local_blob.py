"""Tests for LocalBlobStore: streaming, atomicity, limits, cleanup, key safety, modes."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ade_storage.blob import BlobInfo, BlobSource, BlobStore
from ade_storage.errors import BlobNotFoundError, BlobTooLargeError, StorageError, UnsafePathError
from ade_storage.local import TEMP_PREFIX, LocalBlobStore


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "store", chunk_size=4096)


def _all_files(root: Path) -> list[str]:
    """Every file (temp files included) below root, as sorted relative paths."""
    if not root.exists():
        return []
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir())


def _read(store: LocalBlobStore, key: str) -> bytes:
    with store.open(key) as stream:
        return stream.read()


# -- round trip ------------------------------------------------------------------------------


def test_storage_local_store_is_a_blob_store(store: LocalBlobStore) -> None:
    assert isinstance(store, BlobStore)


@pytest.mark.parametrize(
    "make_source",
    [
        lambda data: io.BytesIO(data),
        lambda data: [data[:10], data[10:5000], data[5000:]],
        lambda data: (data[i : i + 7] for i in range(0, len(data), 7)),
    ],
    ids=["stream", "list", "generator"],
)
def test_storage_put_round_trip_with_sha256_and_size(
    store: LocalBlobStore, make_source: Callable[[bytes], BlobSource]
) -> None:
    data = os.urandom(10_000)
    source = make_source(data)
    info = store.put("documents/ws/doc/source.xlsx", source)
    assert info == BlobInfo(
        key="documents/ws/doc/source.xlsx",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    assert _read(store, "documents/ws/doc/source.xlsx") == data
    assert store.size("documents/ws/doc/source.xlsx") == len(data)
    assert (store.root / "documents" / "ws" / "doc" / "source.xlsx").read_bytes() == data


def test_storage_put_empty_blob(store: LocalBlobStore) -> None:
    info = store.put("empty", [])
    assert info.size == 0
    assert info.sha256 == hashlib.sha256(b"").hexdigest()
    assert _read(store, "empty") == b""


def test_storage_put_file(store: LocalBlobStore, tmp_path: Path) -> None:
    src = tmp_path / "upload.csv"
    src.write_bytes(b"a,b\n1,2\n")
    info = store.put_file("x/upload.csv", src)
    assert info.size == 8
    assert _read(store, "x/upload.csv") == b"a,b\n1,2\n"


def test_storage_put_streams_into_a_temp_file_in_the_destination_dir(
    store: LocalBlobStore,
) -> None:
    seen: dict[str, object] = {}

    def source() -> Iterator[bytes]:
        yield b"first"
        directory = store.root / "a"
        seen["files"] = sorted(os.listdir(directory))
        seen["target_exists"] = (directory / "b").exists()
        yield b"second"

    store.put("a/b", source())
    files = seen["files"]
    assert isinstance(files, list)
    assert len(files) == 1
    assert files[0].startswith(TEMP_PREFIX)
    assert seen["target_exists"] is False
    assert os.listdir(store.root / "a") == ["b"]


def test_storage_put_fsyncs_file_before_replace_and_directory_after(
    store: LocalBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync-dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync-file")
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        events.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    store.put("k", [b"data"])
    assert events == ["fsync-file", "replace", "fsync-dir"]


# -- atomic overwrite ------------------------------------------------------------------------


def test_storage_overwrite_keeps_open_readers_on_old_content(store: LocalBlobStore) -> None:
    old, new = b"o" * 50_000, b"n" * 70_000
    store.put("k", [old])
    with store.open("k") as reader:
        head = reader.read(1000)
        store.put("k", [new])
        rest = reader.read()
    assert head + rest == old
    assert _read(store, "k") == new


def test_storage_overwrite_in_progress_is_invisible(store: LocalBlobStore) -> None:
    old = b"o" * 20_000
    store.put("k", [old])
    observed: list[bytes] = []

    def source() -> Iterator[bytes]:
        for _ in range(5):
            yield b"n" * 4096
            observed.append(_read(store, "k"))

    store.put("k", source())
    assert observed == [old] * 5
    assert _read(store, "k") == b"n" * 20_480


def test_storage_concurrent_readers_never_see_a_mix(store: LocalBlobStore) -> None:
    size = 64 * 1024
    store.put("k", [b"a" * size])
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for i in range(20):
                fill = b"b" if i % 2 == 0 else b"a"
                store.put("k", (fill * 4096 for _ in range(size // 4096)))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            stop.set()

    thread = threading.Thread(target=writer)
    thread.start()
    reads = 0
    while not stop.is_set() or reads == 0:
        content = _read(store, "k")
        assert len(content) == size
        assert content in (b"a" * size, b"b" * size)
        reads += 1
    thread.join()
    assert not errors
    assert _all_files(store.root) == ["k"]


# -- limits and cleanup ----------------------------------------------------------------------


def test_storage_max_bytes_allows_exact_size(store: LocalBlobStore) -> None:
    assert store.put("k", [b"12345"], max_bytes=5).size == 5
    assert store.put("zero", [], max_bytes=0).size == 0


def test_storage_max_bytes_exceeded_leaves_nothing(store: LocalBlobStore) -> None:
    with pytest.raises(BlobTooLargeError) as info:
        store.put("a/b/c", [b"1234", b"56"], max_bytes=5)
    assert info.value.limit == 5
    assert info.value.key == "a/b/c"
    assert not store.exists("a/b/c")
    assert _all_files(store.root) == []


def test_storage_max_bytes_is_enforced_while_streaming(store: LocalBlobStore) -> None:
    produced = 0

    def endless() -> Iterator[bytes]:
        nonlocal produced
        while True:
            produced += 1
            yield b"x" * 1024

    with pytest.raises(BlobTooLargeError):
        store.put("k", endless(), max_bytes=10 * 1024)
    assert produced == 11  # stopped at the first chunk over the limit
    assert _all_files(store.root) == []


def test_storage_max_bytes_exceeded_keeps_previous_blob(store: LocalBlobStore) -> None:
    store.put("k", [b"old"])
    with pytest.raises(BlobTooLargeError):
        store.put("k", [b"much too long"], max_bytes=5)
    assert _read(store, "k") == b"old"
    assert _all_files(store.root) == ["k"]


def test_storage_negative_max_bytes_is_a_value_error(store: LocalBlobStore) -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        store.put("k", [b""], max_bytes=-1)


class _SourceFailedError(Exception):
    pass


@pytest.mark.parametrize("exc_type", [_SourceFailedError, KeyboardInterrupt])
def test_storage_failing_source_leaves_no_partial_file(
    store: LocalBlobStore, exc_type: type[BaseException]
) -> None:
    store.put("keep", [b"previous"])

    def source() -> Iterator[bytes]:
        yield b"x" * 10_000
        raise exc_type("boom")

    with pytest.raises(exc_type):
        store.put("new/blob", source())
    with pytest.raises(exc_type):
        store.put("keep", source())
    assert not store.exists("new/blob")
    assert _read(store, "keep") == b"previous"
    assert _all_files(store.root) == ["keep"]


def test_storage_text_stream_is_rejected_without_leftovers(store: LocalBlobStore) -> None:
    with pytest.raises(TypeError):
        store.put("k", io.StringIO("text"))  # type: ignore[arg-type]
    assert _all_files(store.root) == []


def test_storage_put_onto_directory_is_refused(store: LocalBlobStore) -> None:
    store.put("dir/child", [b"x"])
    with pytest.raises(StorageError, match="directory"):
        store.put("dir", [b"y"])
    assert _all_files(store.root) == ["dir/child"]


def test_storage_put_below_an_existing_blob_is_refused(store: LocalBlobStore) -> None:
    store.put("a", [b"x"])
    with pytest.raises(StorageError, match="not a directory"):
        store.put("a/b", [b"y"])
    assert _all_files(store.root) == ["a"]


def test_storage_relative_root_is_pinned_at_construction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = LocalBlobStore(Path("data"))
    assert store.root == tmp_path / "data"
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    store.put("k", [b"x"])
    assert (tmp_path / "data" / "k").read_bytes() == b"x"


# -- reading, deleting, listing --------------------------------------------------------------


def test_storage_missing_blobs_raise_not_found(store: LocalBlobStore) -> None:
    store.put("file", [b"x"])
    store.put("dir/child", [b"x"])
    for key in ["missing", "nested/missing", "file/under-a-file", "dir"]:
        with pytest.raises(BlobNotFoundError) as info:
            store.open(key)
        assert info.value.key == key
        with pytest.raises(BlobNotFoundError):
            store.size(key)
        assert store.exists(key) is False


def test_storage_delete_exists_semantics(store: LocalBlobStore) -> None:
    assert store.exists("a/b") is False
    assert store.delete("a/b") is False
    store.put("a/b", [b"x"])
    assert store.exists("a/b") is True
    assert store.delete("a/b") is True
    assert store.exists("a/b") is False
    assert store.delete("a/b") is False
    assert store.delete("a") is False  # a directory is not a blob
    assert (store.root / "a").is_dir()


def test_storage_size(store: LocalBlobStore) -> None:
    store.put("k", [b"x" * 1234])
    assert store.size("k") == 1234


def test_storage_list_is_sorted_and_uses_string_prefixes(store: LocalBlobStore) -> None:
    for key in ["b", "a/b", "a.b", "a-c", "docs/01/x", "docs/02/y", "docs0"]:
        store.put(key, [b"."])
    assert list(store.list()) == ["a-c", "a.b", "a/b", "b", "docs/01/x", "docs/02/y", "docs0"]
    assert list(store.list("docs")) == ["docs/01/x", "docs/02/y", "docs0"]
    assert list(store.list("docs/")) == ["docs/01/x", "docs/02/y"]
    assert list(store.list("docs/0")) == ["docs/01/x", "docs/02/y"]
    assert list(store.list("docs/01/")) == ["docs/01/x"]
    assert list(store.list("a")) == ["a-c", "a.b", "a/b"]
    assert list(store.list("nothing/here/")) == []
    assert list(store.list("b/")) == []  # "b" is a file, not a directory


def test_storage_list_on_missing_root_is_empty(tmp_path: Path) -> None:
    assert list(LocalBlobStore(tmp_path / "nope").list()) == []


def test_storage_list_skips_temp_files_links_and_invalid_names(
    store: LocalBlobStore, tmp_path: Path
) -> None:
    store.put("d/real", [b"x"])
    directory = store.root / "d"
    (directory / f"{TEMP_PREFIX}abc123").write_bytes(b"partial")
    (directory / "CON").write_bytes(b"not a key")
    (directory / "trailing.").write_bytes(b"not a key")
    (directory / "link").symlink_to(directory / "real")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"s")
    (store.root / "linkdir").symlink_to(outside, target_is_directory=True)
    assert list(store.list()) == ["d/real"]


@pytest.mark.parametrize("prefix", ["/", "/abs", "../", "a/../", "a//", ".tmp-x/"])
def test_storage_list_rejects_unsafe_prefix_eagerly(store: LocalBlobStore, prefix: str) -> None:
    with pytest.raises(UnsafePathError):
        store.list(prefix)


# -- key safety ------------------------------------------------------------------------------

UNSAFE_KEYS = [
    "",
    "../escape",
    "a/../../escape",
    "/etc/passwd",
    "a//b",
    "a/",
    "C:/x",
    "a\\b",
    "nul",
    "a\x00b",
    f"{TEMP_PREFIX}abc",
    f"a/{TEMP_PREFIX}dir/b",
]


@pytest.mark.parametrize("key", UNSAFE_KEYS)
def test_storage_unsafe_keys_are_rejected_everywhere(store: LocalBlobStore, key: str) -> None:
    with pytest.raises(UnsafePathError):
        store.put(key, [b"x"])
    with pytest.raises(UnsafePathError):
        store.open(key)
    with pytest.raises(UnsafePathError):
        store.exists(key)
    with pytest.raises(UnsafePathError):
        store.delete(key)
    with pytest.raises(UnsafePathError):
        store.size(key)
    assert _all_files(store.root.parent) == []


def test_storage_symlinks_inside_the_store_are_refused(
    store: LocalBlobStore, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"secret")
    store.put("placeholder", [b"x"])
    (store.root / "evil").symlink_to(outside, target_is_directory=True)
    (store.root / "evil-file").symlink_to(outside / "secret")
    with pytest.raises(UnsafePathError):
        store.put("evil/planted", [b"x"])
    with pytest.raises(UnsafePathError):
        store.open("evil/secret")
    with pytest.raises(UnsafePathError):
        store.open("evil-file")
    with pytest.raises(UnsafePathError):
        store.put("evil-file", [b"overwrite"])
    assert sorted(os.listdir(outside)) == ["secret"]
    assert (outside / "secret").read_bytes() == b"secret"


# -- permissions -----------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_storage_files_are_0600_and_dirs_0700_whatever_the_umask(
    tmp_path: Path, umask: int
) -> None:
    store = LocalBlobStore(tmp_path / "root")
    previous = os.umask(umask)
    try:
        store.put("a/b/c/blob", [b"x"])
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "root") == 0o700
    assert _mode(tmp_path / "root" / "a") == 0o700
    assert _mode(tmp_path / "root" / "a" / "b") == 0o700
    assert _mode(tmp_path / "root" / "a" / "b" / "c") == 0o700
    assert _mode(tmp_path / "root" / "a" / "b" / "c" / "blob") == 0o600


def test_storage_overwrite_keeps_file_mode(store: LocalBlobStore) -> None:
    store.put("k", [b"1"])
    store.put("k", [b"2"])
    assert _mode(store.root / "k") == 0o600
