"""read_zip / write_zip on well-formed archives: round trip, determinism, prefix strip, junk,
plus the error classes and the limits dataclass."""

from __future__ import annotations

import io
import pickle
import stat
import zipfile
from pathlib import Path

import pytest

import ade_storage
from ade_storage.archive import ZIP_TIMESTAMP, ArchiveLimits, read_zip, write_zip
from ade_storage.errors import (
    ArchiveCorruptError,
    ArchiveDuplicateMemberError,
    ArchiveEncryptedError,
    ArchiveError,
    ArchiveLimitError,
    ArchiveUnsafeMemberError,
    ArchiveUnsupportedError,
    StorageError,
)

PACKAGE: dict[str, bytes] = {
    "manifest.json": b'{"name": "invoices", "version": 1}\n',
    "columns/email.py": b"def detect(value):\n    return '@' in value\n",
    "columns/amount.py": b"def detect(value):\n    return value.isdigit()\n",
    "row_types/header.py": b"# header rows\n",
    "hooks/on_load.py": b"",
    "requirements.txt": b"python-dateutil==2.9.0\n",
    "README.md": "# Factures \u2014 donn\u00e9es\n".encode(),
    "données/résumé.txt": b"unicode path\n",
}


def _written(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    write_zip(files, buffer)
    return buffer.getvalue()


def _zip(entries: list[tuple[str, bytes]], *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A plain archive written by zipfile (not write_zip), members in the given order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


# --- round trip and the written format ---------------------------------------------------


def test_storage_archive_round_trip() -> None:
    assert read_zip(io.BytesIO(_written(PACKAGE))) == PACKAGE


def test_storage_archive_round_trip_from_path(tmp_path: Path) -> None:
    target = tmp_path / "package.zip"
    with target.open("wb") as handle:
        write_zip(PACKAGE, handle)
    assert read_zip(target) == PACKAGE


def test_storage_archive_empty_archive_round_trips_to_empty_dict() -> None:
    data = _written({})
    assert zipfile.is_zipfile(io.BytesIO(data))
    assert read_zip(io.BytesIO(data)) == {}


def test_storage_archive_write_is_deterministic() -> None:
    first = _written(PACKAGE)
    again = _written(dict(PACKAGE))
    reversed_order = _written(dict(reversed(list(PACKAGE.items()))))
    assert first == again == reversed_order
    changed = _written({**PACKAGE, "requirements.txt": b"python-dateutil==2.9.1\n"})
    assert changed != first


def test_storage_archive_written_members_are_sorted_with_fixed_metadata() -> None:
    with zipfile.ZipFile(io.BytesIO(_written(PACKAGE))) as archive:
        infos = archive.infolist()
        assert archive.comment == b""
    assert [info.filename for info in infos] == sorted(PACKAGE)
    for info in infos:
        assert info.date_time == ZIP_TIMESTAMP == (1980, 1, 1, 0, 0, 0)
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.external_attr >> 16 == stat.S_IFREG | 0o644
        assert info.create_system == 3
        assert info.extra == b""
        assert not info.is_dir()


def test_storage_archive_write_to_unseekable_stream_round_trips() -> None:
    class Sink(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: object) -> int:
            chunk = bytes(b)  # type: ignore[call-overload]
            self.data += chunk
            return len(chunk)

    sink = Sink()
    write_zip(PACKAGE, sink)  # type: ignore[arg-type]
    assert read_zip(io.BytesIO(bytes(sink.data))) == PACKAGE


def test_storage_archive_write_does_not_close_dest() -> None:
    buffer = io.BytesIO()
    write_zip({"a.txt": b"x"}, buffer)
    assert not buffer.closed


@pytest.mark.parametrize(
    "path",
    ["../x", "/etc/passwd", "a\\b", "C:/x", "a//b", "./a", "a/", "", "a\x00b", "nul.txt"],
)
def test_storage_archive_write_rejects_unsafe_paths_and_writes_nothing(path: str) -> None:
    buffer = io.BytesIO()
    with pytest.raises(ArchiveUnsafeMemberError) as info:
        write_zip({"manifest.json": b"{}", path: b"x"}, buffer)
    assert info.value.member == path
    assert buffer.getvalue() == b""


def test_storage_archive_write_rejects_file_that_is_also_a_folder() -> None:
    buffer = io.BytesIO()
    with pytest.raises(ArchiveDuplicateMemberError) as info:
        write_zip({"columns": b"x", "columns/a.py": b"y"}, buffer)
    assert info.value.member == "columns/a.py"
    assert buffer.getvalue() == b""


def test_storage_archive_write_rejects_non_bytes_content() -> None:
    with pytest.raises(TypeError, match="must be bytes"):
        write_zip({"a.txt": "text"}, io.BytesIO())  # type: ignore[dict-item]


# --- reading: sources ---------------------------------------------------------------------


def test_storage_archive_reads_from_unseekable_stream() -> None:
    class Source(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, b: object) -> int:
            return self._inner.readinto(b)  # type: ignore[arg-type]

    assert read_zip(Source(_written(PACKAGE))) == PACKAGE  # type: ignore[arg-type]


def test_storage_archive_reads_from_the_current_stream_position() -> None:
    data = _written(PACKAGE)
    source = io.BytesIO(b"upload preamble" + data)
    source.seek(len(b"upload preamble"))
    assert read_zip(source, ArchiveLimits(max_archive_bytes=len(data))) == PACKAGE


def test_storage_archive_read_does_not_close_the_stream() -> None:
    buffer = io.BytesIO(_written(PACKAGE))
    read_zip(buffer)
    assert not buffer.closed


def test_storage_archive_read_ignores_directory_entries() -> None:
    data = _zip([("columns/", b""), ("manifest.json", b"{}"), ("columns/a.py", b"x")])
    assert read_zip(io.BytesIO(data)) == {"manifest.json": b"{}", "columns/a.py": b"x"}


def test_storage_archive_reads_stored_members() -> None:
    data = _zip([("manifest.json", b"{}"), ("a.py", b"pass\n")], method=zipfile.ZIP_STORED)
    assert read_zip(io.BytesIO(data)) == {"manifest.json": b"{}", "a.py": b"pass\n"}


def test_storage_archive_names_are_case_sensitive() -> None:
    data = _zip([("A.py", b"upper"), ("a.py", b"lower")])
    assert read_zip(io.BytesIO(data)) == {"A.py": b"upper", "a.py": b"lower"}


# --- zipped-folder prefix -----------------------------------------------------------------


def test_storage_archive_strips_single_top_folder_with_manifest() -> None:
    data = _zip(
        [
            ("invoices/", b""),
            ("invoices/manifest.json", b"{}"),
            ("invoices/columns/", b""),
            ("invoices/columns/a.py", b"a"),
            ("__MACOSX/invoices/._manifest.json", b"junk"),
        ]
    )
    assert read_zip(io.BytesIO(data)) == {"manifest.json": b"{}", "columns/a.py": b"a"}


def test_storage_archive_strips_prefix_when_manifest_is_the_only_file() -> None:
    data = _zip([("pkg/manifest.json", b"{}")])
    assert read_zip(io.BytesIO(data)) == {"manifest.json": b"{}"}


@pytest.mark.parametrize(
    "names",
    [
        # a top-level manifest wins: the folder is part of the package
        ["manifest.json", "pkg/manifest.json"],
        # everything under one folder, but that folder holds no manifest
        ["pkg/columns/a.py", "pkg/readme.md"],
        # the manifest is deeper than the top folder
        ["pkg/sub/manifest.json", "pkg/a.py"],
        # two top-level folders
        ["pkg/manifest.json", "other/a.py"],
        # one top-level file next to the folder
        ["pkg/manifest.json", "README.md"],
    ],
)
def test_storage_archive_keeps_paths_when_not_a_zipped_folder(names: list[str]) -> None:
    data = _zip([(name, name.encode()) for name in names])
    assert read_zip(io.BytesIO(data)) == {name: name.encode() for name in names}


# --- junk ---------------------------------------------------------------------------------


def test_storage_archive_skips_junk_silently() -> None:
    data = _zip(
        [
            ("manifest.json", b"{}"),
            ("columns/a.py", b"a"),
            ("__pycache__/", b""),
            ("__pycache__/x.cpython-311.pyc", b"\x00bytecode"),
            ("columns/__pycache__/a.cpython-311.pyc", b"\x00bytecode"),
            ("columns/stale.pyc", b"\x00"),
            ("columns/stale.pyo", b"\x00"),
            ("__MACOSX/", b""),
            ("__MACOSX/._manifest.json", b"\x00\x05\x16\x07"),
            (".DS_Store", b"\x00\x00\x00\x01Bud1"),
            ("columns/.DS_Store", b"Bud1"),
            ("Icon\r", b""),
        ]
    )
    assert read_zip(io.BytesIO(data)) == {"manifest.json": b"{}", "columns/a.py": b"a"}


def test_storage_archive_junk_does_not_count_towards_file_limit() -> None:
    entries = [("manifest.json", b"{}")] + [(f"__MACOSX/._{i}", b"x") for i in range(10)]
    assert read_zip(io.BytesIO(_zip(entries)), ArchiveLimits(max_files=1)) == {
        "manifest.json": b"{}"
    }


def test_storage_archive_junk_is_never_returned_even_with_hostile_names() -> None:
    # Junk is dropped by name before anything else; it is never read or returned, so its
    # path cannot escape anything.
    data = _zip([("manifest.json", b"{}"), ("__MACOSX/../../evil", b"x"), ("../x.pyc", b"x")])
    assert read_zip(io.BytesIO(data)) == {"manifest.json": b"{}"}


def test_storage_archive_similar_names_are_not_junk() -> None:
    names = ["pycache.py", "__pycache__.txt", "MACOSX/a", "DS_Store", "a.pyc.txt", "a.py"]
    data = _zip([(name, b"x") for name in names])
    assert sorted(read_zip(io.BytesIO(data))) == sorted(names)


# --- limits dataclass and errors ----------------------------------------------------------


def test_storage_archive_default_limits() -> None:
    limits = ArchiveLimits()
    assert limits.max_archive_bytes == 10 * 1024 * 1024
    assert limits.max_files == 500
    assert limits.max_file_bytes == 1024 * 1024
    assert limits.max_total_bytes == 20 * 1024 * 1024
    assert limits.max_ratio == 200.0
    assert limits.min_ratio_check_bytes == 64 * 1024


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_archive_bytes": 0},
        {"max_files": 0},
        {"max_file_bytes": -1},
        {"max_total_bytes": 0},
        {"max_ratio": 0.5},
        {"max_ratio": float("nan")},
        {"min_ratio_check_bytes": -1},
    ],
)
def test_storage_archive_limits_reject_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        ArchiveLimits(**kwargs)  # type: ignore[arg-type]


def test_storage_archive_error_hierarchy() -> None:
    for cls in (
        ArchiveCorruptError,
        ArchiveDuplicateMemberError,
        ArchiveLimitError,
        ArchiveUnsafeMemberError,
        ArchiveUnsupportedError,
    ):
        assert issubclass(cls, ArchiveError)
    assert issubclass(ArchiveEncryptedError, ArchiveUnsupportedError)
    assert issubclass(ArchiveError, StorageError)
    assert issubclass(ArchiveError, ValueError)


def test_storage_archive_error_messages_escape_member_names() -> None:
    assert str(ArchiveCorruptError("not a zip")) == "invalid archive: not a zip"
    error = ArchiveUnsafeMemberError("bad", "a\nb")
    assert error.member == "a\nb"
    assert error.reason == "bad"
    assert str(error) == "invalid archive member 'a\\nb': bad"
    limit = ArchiveLimitError("too big", 10, "m")
    assert (limit.reason, limit.limit, limit.member) == ("too big", 10, "m")
    assert ArchiveLimitError("too many", 3).member is None


@pytest.mark.parametrize(
    "error",
    [
        ArchiveCorruptError("r"),
        ArchiveCorruptError("r", "m"),
        ArchiveLimitError("r", 5, "m"),
        ArchiveLimitError("r", 2.5),
        ArchiveUnsafeMemberError("r", "m"),
        ArchiveDuplicateMemberError("r", "m"),
        ArchiveUnsupportedError("r", "m"),
        ArchiveEncryptedError("r", "m"),
    ],
)
def test_storage_archive_errors_survive_pickling(error: ArchiveError) -> None:
    clone = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own data
    assert type(clone) is type(error)
    assert str(clone) == str(error)
    assert vars(clone) == vars(error)


def test_storage_archive_public_api() -> None:
    for name in [
        "ArchiveCorruptError",
        "ArchiveDuplicateMemberError",
        "ArchiveEncryptedError",
        "ArchiveError",
        "ArchiveLimitError",
        "ArchiveLimits",
        "ArchiveUnsafeMemberError",
        "ArchiveUnsupportedError",
        "read_zip",
        "write_zip",
    ]:
        assert name in ade_storage.__all__
        assert hasattr(ade_storage, name)
    assert ade_storage.read_zip is read_zip
