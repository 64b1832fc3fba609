"""Local filesystem implementation of :class:`~ade_storage.blob.BlobStore`.

This is the store ``ade start`` uses, and the one scale-out deployments use on a shared
volume, so it is written for crash safety rather than speed: every ``put`` streams into a
private temp file next to the destination, is fsynced, atomically renamed into place, and
the rename itself is made durable by fsyncing the directory.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ade_storage.blob import DEFAULT_CHUNK_SIZE, BlobInfo, BlobSource, iter_chunks
from ade_storage.errors import BlobNotFoundError, BlobTooLargeError, StorageError, UnsafePathError
from ade_storage.safe_path import resolve_within, safe_relative_path

__all__ = ["DIR_MODE", "FILE_MODE", "TEMP_PREFIX", "LocalBlobStore"]

DIR_MODE = 0o700
"""Directories hold other users' documents: owner only."""

FILE_MODE = 0o600
"""Blob files: owner read/write only."""

TEMP_PREFIX = ".tmp-"
"""Prefix of in-flight upload files; reserved, so no key may use it and list() skips it."""

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


class LocalBlobStore:
    """Blobs as regular files under ``root``; the key is the relative file path.

    Every key goes through :func:`~ade_storage.safe_path.resolve_within`, so traversal,
    absolute paths and symlinks inside the store are refused. Directories are created on
    demand with mode ``0o700``; empty directories are left in place by ``delete`` so a
    concurrent ``put`` into the same directory never loses its parent.
    """

    def __init__(self, root: Path, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        # Pinned to an absolute path so a later chdir cannot move the store.
        self._root = Path(root).absolute()
        self._chunk_size = chunk_size

    def __repr__(self) -> str:
        return f"LocalBlobStore(root={self._root!r})"

    @property
    def root(self) -> Path:
        """The directory the keys are relative to."""
        return self._root

    # -- writing -----------------------------------------------------------------------

    def put(self, key: str, data: BlobSource, *, max_bytes: int | None = None) -> BlobInfo:
        """Stream ``data`` into the blob ``key`` atomically; see :meth:`BlobStore.put`.

        The bytes go to ``.tmp-<random>`` in the destination directory (same filesystem, so
        the final ``os.replace`` is atomic), hashing and counting on the way. Exceeding
        ``max_bytes`` or any exception, ``KeyboardInterrupt`` included, removes the temp
        file, so a failed upload leaves no trace and the previous blob stays intact.
        """
        if max_bytes is not None and max_bytes < 0:
            raise ValueError("max_bytes must be >= 0")
        target = self._resolve(key)
        if target.is_dir():
            raise StorageError(f"cannot store blob {key!r}: a directory has that name")
        self._make_dirs(target.parent)

        fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
        temp_path = Path(temp_name)
        try:
            os.fchmod(fd, FILE_MODE)
            with os.fdopen(fd, "wb") as out:
                fd = -1  # now owned (and closed) by ``out``
                digest = hashlib.sha256()
                size = 0
                for chunk in iter_chunks(data, self._chunk_size):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise BlobTooLargeError(max_bytes, key)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp_path, target)
        except BaseException:
            if fd != -1:
                os.close(fd)
            with contextlib.suppress(FileNotFoundError):
                temp_path.unlink()
            raise
        _fsync_dir(target.parent)
        return BlobInfo(key=key, size=size, sha256=digest.hexdigest())

    def put_file(self, key: str, src: Path, *, max_bytes: int | None = None) -> BlobInfo:
        """Copy the local file ``src`` (a trusted, server-side path) into the blob ``key``."""
        with open(src, "rb") as stream:
            return self.put(key, stream, max_bytes=max_bytes)

    def delete(self, key: str) -> bool:
        """Remove the blob; ``False`` if no blob (regular file) is stored under ``key``."""
        target = self._resolve(key)
        if not _is_regular_file(target):
            return False
        try:
            target.unlink()
        except FileNotFoundError:
            return False  # lost a race with another delete: same outcome
        _fsync_dir(target.parent)
        return True

    # -- reading -----------------------------------------------------------------------

    def open(self, key: str) -> BinaryIO:
        """Open the blob for reading.

        ``O_NOFOLLOW`` makes a symlink swapped in after validation fail instead of being
        followed. Replacing the blob later does not affect an already opened stream: it
        keeps reading the old file.
        """
        target = self._resolve(key)
        try:
            fd = os.open(target, os.O_RDONLY | _O_NOFOLLOW)
        except (FileNotFoundError, NotADirectoryError):
            raise BlobNotFoundError(key) from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise UnsafePathError(key, "blob is a symbolic link") from None
            raise
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise BlobNotFoundError(key)
            return os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise

    def exists(self, key: str) -> bool:
        """Return whether a blob (regular file) is stored under ``key``."""
        return _is_regular_file(self._resolve(key))

    def size(self, key: str) -> int:
        """Return the blob's size in bytes, or raise :class:`BlobNotFoundError`."""
        target = self._resolve(key)
        try:
            info = os.lstat(target)
        except (FileNotFoundError, NotADirectoryError):
            raise BlobNotFoundError(key) from None
        if not stat.S_ISREG(info.st_mode):
            raise BlobNotFoundError(key)
        return info.st_size

    def list(self, prefix: str = "") -> Iterator[str]:
        """Return the keys starting with ``prefix`` (a plain string prefix), sorted.

        Only regular files whose relative path is itself a valid key are listed: temp
        files, symlinks and names no ``put`` could have produced are skipped. Only the
        directory named by the prefix (up to its last ``/``) is walked, and that part is
        validated like a key, eagerly, so a bad prefix fails at the call. Keys are
        collected before sorting because file-tree order is not string order (``"a/b"``
        sorts after ``"a.b"``).
        """
        if prefix.startswith("/"):
            raise UnsafePathError(prefix, "absolute paths are not allowed")
        directory, _, _ = prefix.rpartition("/")
        start = self._resolve(directory) if directory else self._root
        keys = sorted(key for key in self._walk(start, directory) if key.startswith(prefix))
        return iter(keys)

    # -- helpers -----------------------------------------------------------------------

    def _resolve(self, key: str) -> Path:
        path = resolve_within(self._root, key)
        # ``key`` is valid now, so its parts are exactly the '/'-separated components.
        if any(part.startswith(TEMP_PREFIX) for part in key.split("/")):
            raise UnsafePathError(key, f"names starting with {TEMP_PREFIX!r} are reserved")
        return path

    def _walk(self, directory: Path, key_prefix: str) -> Iterator[str]:
        try:
            with os.scandir(directory) as scan:
                entries = list(scan)
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            key = f"{key_prefix}/{entry.name}" if key_prefix else entry.name
            if entry.is_dir(follow_symlinks=False):
                yield from self._walk(Path(entry.path), key)
            elif entry.is_file(follow_symlinks=False) and _is_valid_key(key):
                yield key

    def _make_dirs(self, directory: Path) -> None:
        """Create ``directory`` and missing parents with mode 0o700 (umask notwithstanding).

        ``Path.mkdir(parents=True)`` would create the parents with default permissions,
        hence the explicit walk. Each directory is re-checked with ``lstat`` after creation
        so a symlink planted since validation is refused rather than written through.
        """
        missing: list[Path] = []
        current = directory
        while not current.exists():
            missing.append(current)
            if current.parent == current:
                break
            current = current.parent
        for path in reversed(missing):
            try:
                path.mkdir(mode=DIR_MODE)
            except FileExistsError:
                pass  # created concurrently; checked below
            else:
                os.chmod(path, DIR_MODE)
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                raise StorageError(f"{path} is not a directory")
        mode = os.lstat(directory).st_mode
        if stat.S_ISLNK(mode):
            raise UnsafePathError(str(directory), "directory is a symbolic link")
        if not stat.S_ISDIR(mode):
            # e.g. key "a/b" while the blob "a" exists: keys cannot be both file and folder.
            raise StorageError(f"cannot create a blob under {directory}: it is not a directory")


def _is_valid_key(key: str) -> bool:
    try:
        parts = safe_relative_path(key).parts
    except UnsafePathError:
        return False
    return not any(part.startswith(TEMP_PREFIX) for part in parts)


def _is_regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return False


def _fsync_dir(directory: Path) -> None:
    """Make a rename or unlink in ``directory`` durable across a power loss.

    Some filesystems (and platforms) cannot fsync a directory; there the rename is as
    durable as the system allows and we carry on.
    """
    try:
        fd = os.open(directory, os.O_RDONLY | _O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)
