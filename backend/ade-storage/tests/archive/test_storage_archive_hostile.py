"""read_zip against hostile and broken archives, each crafted here with zipfile (and, where
zipfile cannot write the hostile bit, by patching the bytes it wrote)."""

from __future__ import annotations

import io
import random
import stat
import struct
import time
import tracemalloc
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from ade_storage.archive import DEFAULT_LIMITS, ArchiveLimits, _read_member, read_zip
from ade_storage.errors import (
    ArchiveCorruptError,
    ArchiveDuplicateMemberError,
    ArchiveEncryptedError,
    ArchiveError,
    ArchiveLimitError,
    ArchiveUnsafeMemberError,
    ArchiveUnsupportedError,
)

MiB = 1024 * 1024

# Offsets inside a central-directory file header (APPNOTE 4.3.12).
CD_FLAGS, CD_CRC, CD_COMPRESSED, CD_SIZE, CD_NAME_LEN, CD_ATTR = 8, 16, 20, 24, 28, 38
# Offsets inside a local file header (APPNOTE 4.3.7).
LH_FLAGS, LH_NAME_LEN = 6, 26


def _zip(
    entries: list[tuple[str | zipfile.ZipInfo, bytes]], *, method: int = zipfile.ZIP_DEFLATED
) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(buffer, "w", compression=method) as archive:
            for name, data in entries:
                archive.writestr(name, data)
    return buffer.getvalue()


def _central_headers(data: bytes) -> Iterator[int]:
    """Offsets of the central-directory headers, in order."""
    end = data.rindex(b"PK\x05\x06")
    count, _, offset = struct.unpack_from("<HII", data, end + 10)
    for _ in range(count):
        assert data[offset : offset + 4] == b"PK\x01\x02"
        yield offset
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, offset + 28)
        offset += 46 + name_len + extra_len + comment_len


def _local_header(data: bytes, index: int) -> int:
    central = list(_central_headers(data))[index]
    offset: int = struct.unpack_from("<I", data, central + 42)[0]
    assert data[offset : offset + 4] == b"PK\x03\x04"
    return offset


def _patch(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    patched = bytearray(data)
    struct.pack_into(fmt, patched, offset, value)
    return bytes(patched)


def _patch_central(data: bytes, index: int, field: int, fmt: str, value: int) -> bytes:
    return _patch(data, list(_central_headers(data))[index] + field, fmt, value)


def _rename_raw(data: bytes, index: int, raw: bytes) -> bytes:
    """Replace member ``index``'s name bytes (same length) in both headers."""
    central = list(_central_headers(data))[index]
    local = _local_header(data, index)
    assert struct.unpack_from("<H", data, central + CD_NAME_LEN)[0] == len(raw)
    assert struct.unpack_from("<H", data, local + LH_NAME_LEN)[0] == len(raw)
    patched = bytearray(data)
    patched[central + 46 : central + 46 + len(raw)] = raw
    patched[local + 30 : local + 30 + len(raw)] = raw
    return bytes(patched)


def _read(data: bytes, limits: ArchiveLimits = DEFAULT_LIMITS) -> dict[str, bytes]:
    return read_zip(io.BytesIO(data), limits)


# --- not a zip / corrupt ------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", b"hello, not a zip", b"PK\x03\x04" + bytes(100), b"PK\x05\x06" + bytes(10)],
    ids=["empty", "text", "local-header-only", "truncated-eocd"],
)
def test_storage_archive_rejects_non_zip_bytes(data: bytes) -> None:
    with pytest.raises(ArchiveCorruptError) as info:
        _read(data)
    assert info.value.member is None
    assert "not a valid zip archive" in str(info.value)


def test_storage_archive_rejects_truncated_archive() -> None:
    data = _zip([("manifest.json", b"{}" * 100)])
    for cut in (10, len(data) // 2, len(data) - 1):
        with pytest.raises(ArchiveCorruptError):
            _read(data[:cut])


def test_storage_archive_rejects_bad_crc_in_header() -> None:
    data = _zip([("manifest.json", b"{}"), ("a.py", b"print('hi')\n")])
    bad = _patch_central(data, 1, CD_CRC, "<I", zlib.crc32(b"something else"))
    with pytest.raises(ArchiveCorruptError, match="CRC") as info:
        _read(bad)
    assert info.value.member == "a.py"


def test_storage_archive_rejects_corrupted_stored_data() -> None:
    content = b"print('hello')\n"
    data = _zip([("a.py", content)], method=zipfile.ZIP_STORED)
    position = data.index(content)
    bad = data[:position] + b"P" + data[position + 1 :]
    with pytest.raises(ArchiveCorruptError, match="CRC") as info:
        _read(bad)
    assert info.value.member == "a.py"


def test_storage_archive_rejects_corrupted_deflate_stream() -> None:
    content = bytes(range(256)) * 64
    data = _zip([("a.bin", content)])
    start = _local_header(data, 0) + 30 + len("a.bin")
    bad = bytearray(data)
    for i in range(start, start + 40):
        bad[i] ^= 0xFF
    with pytest.raises(ArchiveCorruptError) as info:
        _read(bytes(bad))
    assert info.value.member == "a.bin"


def test_storage_archive_rejects_name_mismatch_between_headers() -> None:
    data = _zip([("a.py", b"x")])
    local = _local_header(data, 0)
    bad = data[: local + 30] + b"b.py" + data[local + 34 :]
    with pytest.raises(ArchiveCorruptError) as info:
        _read(bad)
    assert info.value.member == "a.py"


# --- archive size -------------------------------------------------------------------------


def test_storage_archive_rejects_oversize_archive_before_opening() -> None:
    data = _zip([("manifest.json", b"{}")])
    with pytest.raises(ArchiveLimitError) as info:
        _read(data, ArchiveLimits(max_archive_bytes=len(data) - 1))
    assert info.value.limit == len(data) - 1
    assert info.value.member is None
    # measured by seeking, not by reading
    source = io.BytesIO(data)
    with pytest.raises(ArchiveLimitError):
        read_zip(source, ArchiveLimits(max_archive_bytes=len(data) - 1))
    assert source.tell() == 0
    assert _read(data, ArchiveLimits(max_archive_bytes=len(data))) == {"manifest.json": b"{}"}
    # A huge non-zip upload is refused for its size, not parsed.
    with pytest.raises(ArchiveLimitError):
        _read(bytes(1000), ArchiveLimits(max_archive_bytes=999))


def test_storage_archive_rejects_oversize_archive_from_path(tmp_path: Path) -> None:
    target = tmp_path / "big.zip"
    target.write_bytes(_zip([("a.txt", random.Random(0).randbytes(5000))]))
    assert target.stat().st_size > 5000
    with pytest.raises(ArchiveLimitError):
        read_zip(target, ArchiveLimits(max_archive_bytes=5000))
    assert len(read_zip(target, ArchiveLimits(max_archive_bytes=target.stat().st_size))) == 1


def test_storage_archive_rejects_oversize_unseekable_stream_reading_only_limit() -> None:
    class Endless(io.RawIOBase):
        served = 0

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, b: object) -> int:
            view = memoryview(b)  # type: ignore[arg-type]
            view[:] = bytes(len(view))
            self.served += len(view)
            return len(view)

    source = Endless()
    with pytest.raises(ArchiveLimitError):
        read_zip(source, ArchiveLimits(max_archive_bytes=MiB))  # type: ignore[arg-type]
    assert source.served <= MiB + 64 * 1024


# --- member count and sizes ---------------------------------------------------------------


def test_storage_archive_rejects_too_many_files() -> None:
    entries: list[tuple[str | zipfile.ZipInfo, bytes]] = [("d/", b""), ("e/", b"")]
    entries += [(f"f{i}.txt", b"x") for i in range(4)]
    limits = ArchiveLimits(max_files=3)
    with pytest.raises(ArchiveLimitError, match="more than 3 files") as info:
        _read(_zip(entries), limits)
    assert info.value.limit == 3
    # directory entries do not count: exactly at the limit passes
    assert len(_read(_zip(entries[:-1]), limits)) == 3


def test_storage_archive_rejects_member_over_file_limit() -> None:
    data = _zip([("small.txt", b"x" * 100), ("big.txt", bytes(range(256)) * 5)])
    with pytest.raises(ArchiveLimitError) as info:
        _read(data, ArchiveLimits(max_file_bytes=1000))
    assert info.value.member == "big.txt"
    assert info.value.limit == 1000
    assert len(_read(data, ArchiveLimits(max_file_bytes=1280))) == 2


def test_storage_archive_rejects_total_over_limit() -> None:
    data = _zip([(f"f{i}.txt", bytes([i]) * 100) for i in range(3)])
    with pytest.raises(ArchiveLimitError, match="total") as info:
        _read(data, ArchiveLimits(max_total_bytes=250))
    assert info.value.member == "f2.txt"
    assert info.value.limit == 250
    assert len(_read(data, ArchiveLimits(max_total_bytes=300))) == 3


def test_storage_archive_rejects_high_compression_ratio_above_floor() -> None:
    data = _zip([("zeros.bin", bytes(256 * 1024))])
    with pytest.raises(ArchiveLimitError, match="ratio") as info:
        _read(data)
    assert info.value.member == "zeros.bin"
    assert info.value.limit == 200.0


def test_storage_archive_allows_high_ratio_below_floor() -> None:
    # Tiny, very repetitive files are normal (empty __init__.py, "{}"...).
    data = _zip([("zeros.bin", bytes(64 * 1024)), ("blank.py", b"\n" * 1000)])
    assert _read(data) == {"zeros.bin": bytes(64 * 1024), "blank.py": b"\n" * 1000}


# --- zip bombs ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """50 MiB of zeros deflated to about 50 KiB, written in 1 MiB chunks (memory-light)."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("bomb.txt", "w") as member,
    ):
        chunk = bytes(MiB)
        for _ in range(50):
            member.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 200 * 1024
    return data


def _measure(data: bytes) -> tuple[ArchiveError, int, float]:
    """The error, the peak of traced memory, and the CPU seconds this thread spent: CPU time,
    not wall time, so that a loaded machine does not fail the test. Inflating the 50 MiB would
    take about 0.1 s of CPU and 50 MiB of memory; the memory bound is the sharp check."""
    tracemalloc.start()
    started = time.thread_time()
    try:
        with pytest.raises(ArchiveError) as info:
            _read(data)
        elapsed = time.thread_time() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return info.value, peak, elapsed


def test_storage_archive_rejects_zip_bomb_without_inflating_it(bomb: bytes) -> None:
    error, peak, elapsed = _measure(bomb)
    assert isinstance(error, ArchiveLimitError)
    assert error.member == "bomb.txt"
    assert peak < 2 * MiB  # the archive itself is already in memory; nothing was inflated
    assert elapsed < 1.0


def test_storage_archive_bomb_rejected_by_ratio_when_size_limits_are_generous(
    bomb: bytes,
) -> None:
    limits = ArchiveLimits(max_file_bytes=100 * MiB, max_total_bytes=100 * MiB)
    with pytest.raises(ArchiveLimitError, match="ratio") as info:
        _read(bomb, limits)
    assert info.value.member == "bomb.txt"


def test_storage_archive_bomb_with_lying_size_header_is_cut_off(bomb: bytes) -> None:
    # The central directory claims 1000 bytes; the deflate stream really holds 50 MiB.
    # zipfile stops inflating at the declared size, the CRC (of 50 MiB) then does not
    # match, and the whole thing costs a few KiB.
    lying = _patch_central(bomb, 0, CD_SIZE, "<I", 1000)
    error, peak, elapsed = _measure(lying)
    assert isinstance(error, ArchiveCorruptError)
    assert "CRC" in error.reason
    assert error.member == "bomb.txt"
    assert peak < 2 * MiB
    assert elapsed < 1.0


def test_storage_archive_lying_header_never_yields_more_than_declared(bomb: bytes) -> None:
    # Even with the CRC forged to match the declared prefix, only that prefix comes out.
    lying = _patch_central(bomb, 0, CD_SIZE, "<I", 1000)
    lying = _patch_central(lying, 0, CD_CRC, "<I", zlib.crc32(bytes(1000)))
    assert _read(lying) == {"bomb.txt": bytes(1000)}


class _Endless(io.RawIOBase):
    """A member stream that never ends: what a header-lying decompressor could produce."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: object) -> int:
        view = memoryview(b)  # type: ignore[arg-type]
        view[:] = bytes(len(view))
        self.served += len(view)
        return len(view)


# zipfile itself never inflates past a member's declared size (see the two tests above), so
# a real archive cannot drive read_zip's own running count past a limit the header passed.
# That count is defence in depth against zipfile changing; it is tested on the member
# reader directly, with a stream that never ends.


def test_storage_archive_member_reader_stops_at_file_limit() -> None:
    stream = _Endless()
    limits = ArchiveLimits(max_file_bytes=MiB, max_ratio=1e12)
    with pytest.raises(ArchiveLimitError) as info:
        _read_member(stream, "m.bin", 10**9, limits, 0)  # type: ignore[arg-type]
    assert info.value.limit == MiB
    assert info.value.member == "m.bin"
    assert stream.served <= MiB + 64 * 1024


def test_storage_archive_member_reader_stops_at_total_limit() -> None:
    stream = _Endless()
    limits = ArchiveLimits(max_total_bytes=3 * MiB, max_ratio=1e12)
    with pytest.raises(ArchiveLimitError, match="total"):
        _read_member(stream, "m.bin", 10**9, limits, 3 * MiB - 1000)  # type: ignore[arg-type]
    assert stream.served <= 64 * 1024


def test_storage_archive_member_reader_stops_at_ratio() -> None:
    stream = _Endless()
    with pytest.raises(ArchiveLimitError, match="ratio"):
        _read_member(stream, "m.bin", 100, ArchiveLimits(), 0)  # type: ignore[arg-type]
    # ratio is only enforced above the 64 KiB floor, so it trips right after it
    assert stream.served <= 2 * 64 * 1024


# --- unsafe member paths (zip-slip) -------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "a/../../x",
        "columns/../../../etc/cron.d/x",
        "/etc/passwd",
        "a\\..\\b",
        "..\\x",
        "C:/x",
        "C:x",
        "c:\\windows\\x",
        "a//b",
        "./a",
        "a/./b",
        "",
        "con",
        "aux.py",
        "trailing.",
        "a\nb",
    ],
)
def test_storage_archive_rejects_unsafe_member_paths(name: str) -> None:
    data = _zip([("manifest.json", b"{}"), (zipfile.ZipInfo(name), b"x")])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.infolist()[1].orig_filename == name  # really written as given
    with pytest.raises(ArchiveUnsafeMemberError) as info:
        _read(data)
    assert info.value.member == name
    assert repr(name) in str(info.value)


@pytest.mark.parametrize("name", ["../", "/abs/", "a\\b/"])
def test_storage_archive_rejects_unsafe_directory_entries(name: str) -> None:
    data = _zip([("manifest.json", b"{}"), (name, b"")])
    with pytest.raises(ArchiveUnsafeMemberError) as info:
        _read(data)
    assert info.value.member == name


def test_storage_archive_rejects_nul_in_member_name() -> None:
    # zipfile cannot write a NUL (and silently truncates one when reading ``filename``),
    # so write "aXb.py" and patch the X.
    data = _zip([("manifest.json", b"{}"), ("aXb.py", b"x")])
    bad = _rename_raw(data, 1, b"a\x00b.py")
    with pytest.raises(ArchiveUnsafeMemberError, match="control character") as info:
        _read(bad)
    assert info.value.member == "a\x00b.py"


def test_storage_archive_rejects_directory_entry_with_content() -> None:
    info = zipfile.ZipInfo("dir/")
    info.external_attr = (stat.S_IFDIR | 0o755) << 16
    data = _zip([(info, b"hidden payload")])
    with pytest.raises(ArchiveUnsafeMemberError, match="directory"):
        _read(data)


def test_storage_archive_rejects_directory_mode_without_slash() -> None:
    info = zipfile.ZipInfo("dir")
    info.external_attr = (stat.S_IFDIR | 0o755) << 16
    with pytest.raises(ArchiveUnsafeMemberError, match="directory") as error:
        _read(_zip([(info, b"")]))
    assert error.value.member == "dir"


# --- links, devices, duplicates -----------------------------------------------------------


def test_storage_archive_rejects_symlink_member() -> None:
    info = zipfile.ZipInfo("columns/evil.py")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    data = _zip([("manifest.json", b"{}"), (info, b"/etc/passwd")])
    with pytest.raises(ArchiveUnsafeMemberError, match="symbolic link") as error:
        _read(data)
    assert error.value.member == "columns/evil.py"


@pytest.mark.parametrize("kind", [stat.S_IFIFO, stat.S_IFCHR, stat.S_IFBLK, stat.S_IFSOCK], ids=str)
def test_storage_archive_rejects_non_regular_members(kind: int) -> None:
    info = zipfile.ZipInfo("dev")
    info.external_attr = (kind | 0o644) << 16
    with pytest.raises(ArchiveUnsafeMemberError, match="not a regular file") as error:
        _read(_zip([(info, b"")]))
    assert error.value.member == "dev"


def test_storage_archive_accepts_members_without_unix_mode() -> None:
    # Windows tools leave the Unix mode bits at zero; that is a regular file.
    info = zipfile.ZipInfo("a.py")
    info.create_system = 0
    info.external_attr = 0x20  # MS-DOS "archive" attribute only
    assert _read(_zip([(info, b"x")])) == {"a.py": b"x"}


def test_storage_archive_rejects_duplicate_names() -> None:
    data = _zip([("manifest.json", b"{}"), ("a.py", b"first"), ("a.py", b"second")])
    with pytest.raises(ArchiveDuplicateMemberError) as error:
        _read(data)
    assert error.value.member == "a.py"


def test_storage_archive_rejects_file_that_is_also_a_folder() -> None:
    data = _zip([("columns", b"x"), ("columns/a.py", b"y")])
    with pytest.raises(ArchiveDuplicateMemberError, match="folder") as error:
        _read(data)
    assert error.value.member == "columns/a.py"


# --- encryption and unsupported features --------------------------------------------------


@pytest.mark.parametrize("flag", [0x1, 0x41])
def test_storage_archive_rejects_encrypted_members(flag: int) -> None:
    data = _zip([("manifest.json", b"{}"), ("secret.py", b"x")])
    bad = _patch_central(data, 1, CD_FLAGS, "<H", flag)
    bad = _patch(bad, _local_header(bad, 1) + LH_FLAGS, "<H", flag)
    with pytest.raises(ArchiveEncryptedError) as error:
        _read(bad)
    assert error.value.member == "secret.py"


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_storage_archive_rejects_unsupported_compression(method: int) -> None:
    data = _zip([("a.py", b"x" * 100)], method=method)
    with pytest.raises(ArchiveUnsupportedError, match="compression method") as error:
        _read(data)
    assert not isinstance(error.value, ArchiveEncryptedError)
    assert error.value.member == "a.py"


# --- member names without the UTF-8 flag --------------------------------------------------


def test_storage_archive_decodes_unflagged_utf8_names() -> None:
    data = _zip([("données.txt", b"x")])
    central = next(_central_headers(data))
    assert struct.unpack_from("<H", data, central + CD_FLAGS)[0] & 0x800
    bad = _patch_central(data, 0, CD_FLAGS, "<H", 0)
    bad = _patch(bad, _local_header(bad, 0) + LH_FLAGS, "<H", 0)
    assert _read(bad) == {"données.txt": b"x"}


def test_storage_archive_falls_back_to_cp437_for_non_utf8_names() -> None:
    data = _rename_raw(_zip([("Xa.txt", b"x")]), 0, b"\x82a.txt")
    assert _read(data) == {"\u00e9a.txt": b"x"}  # 0x82 is "é" in cp437


def test_storage_archive_bogus_offsets_in_a_file_are_corruption_not_io_errors(
    tmp_path: Path,
) -> None:
    # Claim the central directory starts 64 KiB later than it does: zipfile then computes
    # negative member offsets. Seeking a real file there raises OSError(EINVAL), which must
    # not escape as an I/O failure: read_zip parses an in-memory copy.
    data = _zip([("manifest.json", b"{}")])
    end = data.rindex(b"PK\x05\x06")
    (cd_offset,) = struct.unpack_from("<I", data, end + 16)
    target = tmp_path / "bogus.zip"
    target.write_bytes(_patch(data, end + 16, "<I", cd_offset + 0x10000))
    with pytest.raises(ArchiveCorruptError):
        read_zip(target)
    with target.open("rb") as handle, pytest.raises(ArchiveCorruptError):
        read_zip(handle)
