"""Encrypted and other OLE (compound file) inputs, generated here: a small [MS-CFB] writer builds
the containers, xlwt builds real BIFF8 workbook streams, and a FILEPASS record patched into one
makes a password-protected .xls. The writer is checked against python-calamine (an independent
reader) on plain workbooks before its output is trusted for the encrypted ones."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import xlwt  # type: ignore[import-untyped]

from ade_engine import run
from ade_engine.errors import InputError
from ade_engine.read import cfb, open_workbook
from ade_engine.read import open as read_open
from ade_engine.read.cfb import CFB_MAGIC, inspect_cfb

SECTOR = 512
ENDOFCHAIN, FREESECT, FATSECT, DIFSECT, NOSTREAM = (
    0xFFFFFFFE,
    0xFFFFFFFF,
    0xFFFFFFFD,
    0xFFFFFFFC,
    0xFFFFFFFF,
)


def write_cfb(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file holding ``streams`` in its root storage. Streams under 4096
    bytes go to the mini stream, as Office does; a FAT that needs more than 109 sectors is
    listed through DIFAT sectors."""
    sectors: list[bytes] = []
    fat: list[int] = []

    def alloc(data: bytes) -> int:
        if not data:
            return ENDOFCHAIN
        n = (len(data) + SECTOR - 1) // SECTOR
        start = len(sectors)
        for i in range(n):
            sectors.append(data[i * SECTOR : (i + 1) * SECTOR].ljust(SECTOR, b"\0"))
            fat.append(start + i + 1 if i < n - 1 else ENDOFCHAIN)
        return start

    mini = bytearray()
    minifat: list[int] = []
    entries: list[tuple[str, int, int]] = []  # name, start, size
    for name, data in streams.items():
        if len(data) < 4096:
            start = len(mini) // 64
            n = (len(data) + 63) // 64
            minifat.extend(start + i + 1 if i < n - 1 else ENDOFCHAIN for i in range(n))
            mini += data.ljust(n * 64, b"\0")
            entries.append((name, start if data else ENDOFCHAIN, len(data)))
        else:
            entries.append((name, alloc(data), len(data)))
    mini_start = alloc(bytes(mini))
    minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat)
    minifat_start = alloc(minifat_bytes)

    # Directory: the root, whose child is the first stream; streams chained as right siblings
    # in the compound file's name order (length, then upper case), a valid (if unbalanced) tree.
    entries.sort(key=lambda e: (len(e[0]), e[0].upper()))

    def entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(raw), kind, 1, NOSTREAM, right, child)
            + bytes(16 + 4 + 16)
            + struct.pack("<IQ", start, size)
        )

    directory = entry("Root Entry", 5, NOSTREAM, 1 if entries else NOSTREAM, mini_start, len(mini))
    for i, (name, start, size) in enumerate(entries, 1):
        directory += entry(name, 2, i + 1 if i < len(entries) else NOSTREAM, NOSTREAM, start, size)
    empty = bytes(64) + struct.pack("<HBBIII", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM) + bytes(48)
    while len(directory) % SECTOR:
        directory += empty
    dir_start = alloc(directory)

    # FAT and DIFAT sectors (they are listed in the FAT too).
    per = SECTOR // 4
    n_fat = n_difat = 0
    while True:
        total = len(sectors) + n_fat + n_difat
        need_fat = (total + per - 1) // per
        need_difat = max(0, (need_fat - 109 + per - 2) // (per - 1))
        if (need_fat, need_difat) == (n_fat, n_difat):
            break
        n_fat, n_difat = need_fat, need_difat
    fat_first = len(sectors)
    fat.extend([FATSECT] * n_fat)
    difat_first = fat_first + n_fat
    fat.extend([DIFSECT] * n_difat)
    fat.extend([FREESECT] * (n_fat * per - len(fat)))
    sectors.extend(struct.pack(f"<{per}I", *fat[i * per : (i + 1) * per]) for i in range(n_fat))
    fat_ids = list(range(fat_first, fat_first + n_fat))
    rest = fat_ids[109:]
    for d in range(n_difat):
        ids = rest[d * (per - 1) : (d + 1) * (per - 1)]
        ids += [FREESECT] * (per - 1 - len(ids))
        sectors.append(
            struct.pack(f"<{per}I", *ids, difat_first + d + 1 if d < n_difat - 1 else ENDOFCHAIN)
        )
    head_difat = (fat_ids[:109] + [FREESECT] * 109)[:109]
    header = (
        CFB_MAGIC
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack(
            "<9I",
            0,
            n_fat,
            dir_start,
            0,
            4096,
            minifat_start,
            (len(minifat_bytes) + SECTOR - 1) // SECTOR,
            difat_first if n_difat else ENDOFCHAIN,
            n_difat,
        )
        + struct.pack("<109I", *head_difat)
    )
    assert len(header) == SECTOR
    return header + b"".join(sectors)


def biff_workbook() -> bytes:
    """A real BIFF8 workbook stream (xlwt): a header row and two data rows."""
    book = xlwt.Workbook()
    ws = book.add_sheet("Legacy")
    rows: list[list[Any]] = [["Member ID", "Email"], [1, "a@x.org"], [2, "b@x.org"]]
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    data: bytes = book.get_biff_data()
    return data


def with_filepass(biff: bytes) -> bytes:
    """``biff`` with its WRITEACCESS record (globals, right after BOF and the interface
    records) turned into an RC4 FILEPASS record of the same size."""
    pos = 0
    while True:
        kind, length = struct.unpack_from("<HH", biff, pos)
        if kind == 0x005C:
            break
        pos += 4 + length
    body = struct.pack("<HHH", 1, 1, 1) + bytes(range(48))  # RC4: type, version, salt...
    record = struct.pack("<HH", 0x002F, length) + body.ljust(length, b"\0")
    return biff[:pos] + record + biff[pos + 4 + length :]


def pad(data: bytes) -> bytes:
    """Excel and xlwt keep the Workbook stream at 4096 bytes or more (out of the mini stream)."""
    return data.ljust(4096, b"\0")


@pytest.mark.parametrize("placement", [pad, bytes], ids=["regular-sectors", "mini-stream"])
def test_cfb_writer_makes_files_calamine_reads(
    tmp_path: Path, placement: Callable[[bytes], bytes]
) -> None:
    path = tmp_path / "plain.xls"
    path.write_bytes(write_cfb({"Workbook": placement(biff_workbook())}))
    assert inspect_cfb(path) == "xls"
    wb = open_workbook(path)
    assert wb.format == "xls"
    assert list(wb.sheets[0].iter_rows()) == [
        ["Member ID", "Email"],
        [1.0, "a@x.org"],
        [2.0, "b@x.org"],
    ]


@pytest.mark.parametrize("placement", [pad, bytes], ids=["regular-sectors", "mini-stream"])
@pytest.mark.parametrize("name", ["locked.xls", "locked-renamed.xlsx"])
def test_xls_with_filepass_is_reported_encrypted(
    tmp_path: Path, placement: Callable[[bytes], bytes], name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(write_cfb({"Workbook": placement(with_filepass(biff_workbook()))}))
    assert inspect_cfb(path) == "encrypted-biff"
    with pytest.raises(InputError, match=r"encrypted \(password-protected\).*FILEPASS"):
        open_workbook(path)


def test_calamine_still_catches_filepass_when_the_container_is_not_understood(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "locked.xls"
    path.write_bytes(write_cfb({"Workbook": pad(with_filepass(biff_workbook()))}))
    monkeypatch.setattr(read_open, "inspect_cfb", lambda _path: None)
    with pytest.raises(InputError, match="encrypted"):
        open_workbook(path)


ENCRYPTION_INFO = struct.pack("<HHI", 4, 4, 0x40) + b"<encryption/>"  # agile: version 4.4


@pytest.mark.parametrize("name", ["secret.xlsx", "secret.xlsm", "secret.xls"])
def test_encrypted_ooxml_package_is_reported_encrypted(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(
        write_cfb(
            {
                "EncryptionInfo": ENCRYPTION_INFO,
                "EncryptedPackage": struct.pack("<Q", 5000) + bytes(5000),
                "\x06DataSpaces": b"",
            }
        )
    )
    assert inspect_cfb(path) == "encrypted-ooxml"
    with pytest.raises(InputError, match=r"encrypted \(password-protected\).*Office Open XML"):
        open_workbook(path)


def test_large_encrypted_package_needs_the_difat(tmp_path: Path) -> None:
    """8 MB of package: the FAT takes more than 109 sectors (listed through DIFAT sectors) and
    the directory comes after the package, beyond the raw 4 MiB fallback scan."""
    path = tmp_path / "big.xlsx"
    path.write_bytes(
        write_cfb({"EncryptedPackage": bytes(8 << 20), "EncryptionInfo": ENCRYPTION_INFO})
    )
    assert struct.unpack_from("<I", path.read_bytes(), 72)[0] >= 1  # DIFAT sectors used
    assert not cfb._cfb_names_encryption(path)
    assert inspect_cfb(path) == "encrypted-ooxml"


def test_compound_file_without_a_workbook_is_not_a_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "letter.xls"
    path.write_bytes(write_cfb({"WordDocument": pad(b"\xec\xa5")}))
    assert inspect_cfb(path) == "other"
    with pytest.raises(InputError, match="no workbook stream"):
        open_workbook(path)


@pytest.mark.parametrize(
    "content",
    [
        CFB_MAGIC + bytes(100),  # truncated header
        CFB_MAGIC + bytes(504) + bytes(512),  # sector sizes of 0
    ],
)
def test_unparseable_compound_file_falls_back_to_the_reader(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.xls"
    path.write_bytes(content)
    assert inspect_cfb(path) is None
    with pytest.raises(InputError, match="corrupt"):
        open_workbook(path)


def test_encrypted_input_fails_the_run_with_a_clear_error(
    tmp_path: Path, config_dir: Callable[..., Path]
) -> None:
    path = tmp_path / "locked.xls"
    path.write_bytes(write_cfb({"Workbook": pad(with_filepass(biff_workbook()))}))
    result = run(path, config_dir(), tmp_path / "out")
    assert result.status == "failed"
    assert result.error is not None
    assert result.error["type"] == "input"
    assert "locked.xls is encrypted" in result.error["message"]
    assert not (tmp_path / "out" / "normalized.xlsx").exists()
