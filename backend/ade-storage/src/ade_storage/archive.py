"""Reading and writing zip archives of config packages, entirely in memory.

A config package is a folder of small text files (``manifest.json``, ``columns/*.py``,
``hooks/*.py``, ``requirements.txt``...). Users upload it as a zip and download it as one.
Uploaded archives are hostile until proven otherwise, so :func:`read_zip` never extracts
anything to disk and refuses, with an :class:`~ade_storage.errors.ArchiveError` naming the
member, every archive that is corrupt, too big, a zip bomb, encrypted, or that contains a
member whose path fails the one safe-path helper (zip-slip), a link or device, or a
duplicate. Every returned key has passed :func:`~ade_storage.safe_path.safe_relative_path`.

:func:`write_zip` produces deterministic archives: the same files always give the same bytes
(sorted members, fixed timestamp and permissions), so archives can be content-addressed and
compared. Byte-identity holds for a given zlib build; a different zlib version may compress
differently, which is still a valid archive with identical contents.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO

from ade_storage.errors import (
    ArchiveCorruptError,
    ArchiveDuplicateMemberError,
    ArchiveEncryptedError,
    ArchiveError,
    ArchiveLimitError,
    ArchiveUnsafeMemberError,
    ArchiveUnsupportedError,
    UnsafePathError,
)
from ade_storage.safe_path import safe_relative_path

__all__ = [
    "DEFAULT_LIMITS",
    "ZIP_TIMESTAMP",
    "ArchiveLimits",
    "read_zip",
    "write_zip",
]

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
"""Timestamp of every member written by :func:`write_zip` (the earliest a zip can hold)."""

_FILE_MODE = 0o644
_COMPRESS_LEVEL = 9
_CHUNK_SIZE = 64 * 1024

_FLAG_ENCRYPTED = 0x0001
_FLAG_STRONG_ENCRYPTION = 0x0040
_FLAG_UTF8 = 0x0800
_SUPPORTED_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})

# Junk that editors, Python and macOS leave behind; skipped silently wherever it appears.
_JUNK_DIRS = frozenset({"__pycache__", "__MACOSX"})
_JUNK_FILES = frozenset({".DS_Store", "Icon\r"})
_JUNK_SUFFIXES = (".pyc", ".pyo")

_MANIFEST_NAME = "manifest.json"

# What zipfile and zlib raise on damaged input (zipfile only ever reads an in-memory copy).
# OSError is deliberately absent: a failing disk or socket is not the uploader's fault and
# must not be reported as a bad archive.
_CORRUPT_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    struct.error,
    ValueError,  # includes UnicodeDecodeError for undecodable UTF-8-flagged names
)


@dataclass(frozen=True)
class ArchiveLimits:
    """Limits applied by :func:`read_zip`. The defaults suit config packages."""

    max_archive_bytes: int = 10 * 1024 * 1024
    """Size of the archive itself (compressed), checked before it is opened."""
    max_files: int = 500
    """Number of file members (directory entries and skipped junk are not counted)."""
    max_file_bytes: int = 1024 * 1024
    """Uncompressed size of one member, declared *and* actually decompressed."""
    max_total_bytes: int = 20 * 1024 * 1024
    """Uncompressed size of all members together."""
    max_ratio: float = 200.0
    """Largest uncompressed/compressed ratio of one member (zip-bomb guard) ..."""
    min_ratio_check_bytes: int = 64 * 1024
    """... applied only to members larger than this: tiny text files legitimately compress
    very well, and their absolute size is harmless anyway."""

    def __post_init__(self) -> None:
        for name in ("max_archive_bytes", "max_files", "max_file_bytes", "max_total_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.min_ratio_check_bytes < 0:
            raise ValueError("min_ratio_check_bytes must not be negative")
        if not self.max_ratio >= 1.0:  # also rejects NaN
            raise ValueError("max_ratio must be at least 1")


DEFAULT_LIMITS = ArchiveLimits()


def _is_junk(name: str) -> bool:
    parts = name.split("/")
    if any(part in _JUNK_DIRS for part in parts):
        return True
    return parts[-1] in _JUNK_FILES or parts[-1].endswith(_JUNK_SUFFIXES)


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as the archiver meant it.

    ``orig_filename`` is used rather than ``filename`` because zipfile silently truncates
    the latter at the first NUL, which would hide a hostile name. Names without the UTF-8
    flag are officially cp437, but most tools that omit the flag actually wrote UTF-8; use
    that when the raw bytes are valid UTF-8.
    """
    name = info.orig_filename
    if info.flag_bits & _FLAG_UTF8 or name.isascii():
        return name
    try:
        return name.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return name


def _load_archive(stream: IO[bytes], limits: ArchiveLimits) -> io.BytesIO:
    """Copy the archive into memory, refusing one over ``max_archive_bytes``.

    A seekable source is measured first, so an oversize upload is refused without reading
    it; any other source is read up to one byte past the limit. Parsing an in-memory copy
    (at most ``max_archive_bytes``) means zipfile never touches the caller's file: a
    damaged archive cannot make it seek a real file to a bogus offset (an ``OSError`` that
    would look like an I/O failure), and a real I/O failure surfaces here, as itself.
    """
    limit = limits.max_archive_bytes
    too_large = ArchiveLimitError(f"the archive is larger than {limit} bytes", limit)
    if stream.seekable():
        start = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(start)
        if end - start > limit:
            raise too_large
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(_CHUNK_SIZE, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise too_large
    return io.BytesIO(b"".join(chunks))


def _ratio_exceeded(size: int, compressed: int, limits: ArchiveLimits) -> bool:
    if size <= limits.min_ratio_check_bytes:
        return False
    return compressed <= 0 or size / compressed > limits.max_ratio


def _ratio_error(name: str, limits: ArchiveLimits) -> ArchiveLimitError:
    return ArchiveLimitError(
        f"compression ratio above {limits.max_ratio:g}:1 (possible zip bomb)",
        limits.max_ratio,
        name,
    )


def _read_member(
    stream: IO[bytes],
    name: str,
    compressed_size: int,
    limits: ArchiveLimits,
    total_so_far: int,
) -> bytes:
    """Read one member in chunks, stopping as soon as any limit is passed.

    The header's sizes are only a first line of defence: this counts what is actually
    decompressed, so a member whose header lies never costs more than one chunk past the
    limit in memory or CPU.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(_CHUNK_SIZE)
        if not chunk:
            break
        size += len(chunk)
        if size > limits.max_file_bytes:
            raise ArchiveLimitError(
                f"larger than {limits.max_file_bytes} bytes uncompressed",
                limits.max_file_bytes,
                name,
            )
        if total_so_far + size > limits.max_total_bytes:
            raise ArchiveLimitError(
                f"the archive's files total more than {limits.max_total_bytes} bytes uncompressed",
                limits.max_total_bytes,
                name,
            )
        if _ratio_exceeded(size, compressed_size, limits):
            raise _ratio_error(name, limits)
        chunks.append(chunk)
    return b"".join(chunks)


def _check_member(info: zipfile.ZipInfo, name: str, limits: ArchiveLimits) -> None:
    """Metadata checks for one file member, before any of its data is read."""
    try:
        safe_relative_path(name)
    except UnsafePathError as exc:
        raise ArchiveUnsafeMemberError(exc.reason, name) from exc
    file_type = stat.S_IFMT(info.external_attr >> 16)
    if file_type == stat.S_IFLNK:
        raise ArchiveUnsafeMemberError("symbolic links are not allowed", name)
    if file_type not in (0, stat.S_IFREG):
        raise ArchiveUnsafeMemberError("not a regular file", name)
    if info.flag_bits & (_FLAG_ENCRYPTED | _FLAG_STRONG_ENCRYPTION):
        raise ArchiveEncryptedError("encrypted members are not supported", name)
    if info.compress_type not in _SUPPORTED_METHODS:
        raise ArchiveUnsupportedError(
            f"compression method {info.compress_type} is not supported (only stored and deflate)",
            name,
        )
    if info.file_size > limits.max_file_bytes:
        raise ArchiveLimitError(
            f"larger than {limits.max_file_bytes} bytes uncompressed",
            limits.max_file_bytes,
            name,
        )
    if _ratio_exceeded(info.file_size, info.compress_size, limits):
        raise _ratio_error(name, limits)


def _check_directory(info: zipfile.ZipInfo, name: str) -> None:
    try:
        safe_relative_path(name.rstrip("/"))
    except UnsafePathError as exc:
        raise ArchiveUnsafeMemberError(exc.reason, name) from exc
    if info.file_size:
        raise ArchiveUnsafeMemberError("a directory entry must not have content", name)


def _check_conflicts(names: list[str]) -> None:
    """Refuse a path used both as a file and as a folder ("a" and "a/b")."""
    files = set(names)
    for name in names:
        for parent in PurePosixPath(name).parents:
            if str(parent) in files:
                raise ArchiveDuplicateMemberError(
                    f"conflicts with the file {str(parent)!r} (used as a folder)", name
                )


def _strip_prefix(names: list[str]) -> str:
    """Return ``"<top>/"`` if the archive is a zipped folder rather than its contents."""
    if not names or _MANIFEST_NAME in names:
        return ""
    top = names[0].split("/", 1)[0]
    prefix = f"{top}/"
    if f"{prefix}{_MANIFEST_NAME}" not in names:
        return ""
    if all(name.startswith(prefix) for name in names):
        return prefix
    return ""


def _plan(archive: zipfile.ZipFile, limits: ArchiveLimits) -> list[tuple[zipfile.ZipInfo, str]]:
    """Check every member's metadata; return the (info, name) of the files to read."""
    members: list[tuple[zipfile.ZipInfo, str]] = []
    seen: set[str] = set()
    declared_total = 0
    for info in archive.infolist():
        name = _member_name(info)
        if _is_junk(name):
            continue
        file_type = stat.S_IFMT(info.external_attr >> 16)
        if name.endswith("/") and file_type in (0, stat.S_IFDIR):
            _check_directory(info, name)
            continue
        if file_type == stat.S_IFDIR:
            raise ArchiveUnsafeMemberError("directory entry without a trailing '/'", name)
        _check_member(info, name, limits)
        if name in seen:
            raise ArchiveDuplicateMemberError("appears more than once in the archive", name)
        seen.add(name)
        members.append((info, name))
        if len(members) > limits.max_files:
            raise ArchiveLimitError(
                f"the archive has more than {limits.max_files} files", limits.max_files
            )
        declared_total += info.file_size
        if declared_total > limits.max_total_bytes:
            raise ArchiveLimitError(
                f"the archive's files total more than {limits.max_total_bytes} bytes uncompressed",
                limits.max_total_bytes,
                name,
            )
    _check_conflicts([name for _, name in members])
    return members


def _read_archive(source: IO[bytes], limits: ArchiveLimits) -> dict[str, bytes]:
    stream = _load_archive(source, limits)
    current: str | None = None  # the member being read, for error messages
    try:
        with zipfile.ZipFile(stream) as archive:
            members = _plan(archive, limits)
            prefix = _strip_prefix([name for _, name in members])
            files: dict[str, bytes] = {}
            total = 0
            for info, name in members:
                current = name
                with archive.open(info) as member_stream:
                    # Reading to the end also makes zipfile verify the CRC.
                    data = _read_member(member_stream, name, info.compress_size, limits, total)
                total += len(data)
                files[name[len(prefix) :]] = data
            return files
    except ArchiveError:
        raise  # our own verdicts (ArchiveError is a ValueError, caught below otherwise)
    except _CORRUPT_ERRORS as exc:
        detail = str(exc) or type(exc).__name__
        if current is None and isinstance(exc, zipfile.BadZipFile):
            raise ArchiveCorruptError(f"not a valid zip archive ({detail})") from exc
        raise ArchiveCorruptError(f"damaged archive data ({detail})", current) from exc
    except NotImplementedError as exc:
        raise ArchiveUnsupportedError(str(exc) or "unsupported zip feature", current) from exc


def read_zip(source: BinaryIO | Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> dict[str, bytes]:
    """Read a config-package zip into memory: ``{relative posix path: content}``.

    ``source`` is a path or a binary stream, read from its current position to its end (a
    stream is not closed). The archive is parsed from an in-memory copy of at most
    ``limits.max_archive_bytes``; nothing is written to disk.

    Directory entries are ignored and junk (``__pycache__/``, ``*.pyc``, ``__MACOSX/``,
    ``.DS_Store``) is skipped silently. If the archive is a zipped folder -- every file
    under one top-level folder that holds ``manifest.json``, and no top-level
    ``manifest.json`` -- that folder prefix is stripped.

    Raises a subclass of :class:`~ade_storage.errors.ArchiveError`:
    :class:`~ade_storage.errors.ArchiveCorruptError` (not a zip, truncated, bad CRC),
    :class:`~ade_storage.errors.ArchiveLimitError` (any of ``limits``),
    :class:`~ade_storage.errors.ArchiveUnsafeMemberError` (path fails the safe-path rules,
    symbolic link or other non-regular entry),
    :class:`~ade_storage.errors.ArchiveDuplicateMemberError` (same path twice, or a path
    that is both a file and a folder),
    :class:`~ade_storage.errors.ArchiveEncryptedError` and
    :class:`~ade_storage.errors.ArchiveUnsupportedError` (compression other than stored or
    deflate). All checks on the central directory run before any member is decompressed.
    """
    if isinstance(source, Path):
        with source.open("rb") as stream:
            return _read_archive(stream, limits)
    return _read_archive(source, limits)


def write_zip(files: Mapping[str, bytes], dest: BinaryIO) -> None:
    """Write ``files`` (``{relative posix path: content}``) to ``dest`` as a zip archive.

    The output is deterministic: members sorted by path, timestamp 1980-01-01 00:00:00,
    permissions 0o644, deflate at level 9, no directory entries, no comments or extra
    fields, so the same files always give byte-identical archives. Paths are validated with
    the safe-path helper (:class:`~ade_storage.errors.ArchiveUnsafeMemberError`), and a
    path that is both a file and a folder is refused
    (:class:`~ade_storage.errors.ArchiveDuplicateMemberError`), so everything written here
    can be read back by :func:`read_zip` (given large enough limits). ``dest`` is not
    closed. Nothing is written if validation fails.
    """
    names = sorted(files)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"archive paths must be str, not {type(name).__name__}")
        try:
            safe_relative_path(name)
        except UnsafePathError as exc:
            raise ArchiveUnsafeMemberError(exc.reason, name) from exc
        if not isinstance(files[name], bytes):
            raise TypeError(f"content of {name!r} must be bytes, not {type(files[name]).__name__}")
    _check_conflicts(names)
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.create_system = 3  # Unix, whatever platform this runs on
            info.external_attr = (stat.S_IFREG | _FILE_MODE) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name], compresslevel=_COMPRESS_LEVEL)
