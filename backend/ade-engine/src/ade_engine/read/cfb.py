"""OLE compound files (legacy ``.xls``, and encrypted ``.xlsx``), inspected before calamine
opens them, so that a password-protected file fails with a clear "encrypted" message."""

from __future__ import annotations

import struct
import sys
from array import array
from pathlib import Path
from typing import IO, Any

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_MAXREGSECT = 0xFFFFFFFA  # sector numbers at or above this are markers (end of chain, free, ...)
_BIFF_BOF = frozenset({0x0809, 0x0409, 0x0209, 0x0009})
_BIFF_FILEPASS = 0x002F
_BIFF_EOF = 0x000A
_BIFF_SCAN_BYTES = 64 * 1024
_MAX_MINI_STREAM = 16 << 20


class _Cfb:
    """The directory of an OLE compound file ([MS-CFB]) and its streams, read on demand.

    Only what the engine needs to tell an encrypted workbook from a plain one: the header, the
    FAT (through the DIFAT), the directory entries and stream reading (regular sectors or the
    mini stream). Raises ValueError on anything malformed.
    """

    def __init__(self, fh: IO[bytes], size: int) -> None:
        self.fh = fh
        header = fh.read(512)
        if len(header) < 512 or not header.startswith(CFB_MAGIC):
            raise ValueError("not a compound file")
        major, _order, sector_shift, mini_shift = struct.unpack_from("<HHHH", header, 26)
        if sector_shift not in (9, 12) or mini_shift != 6:
            raise ValueError("bad sector sizes")
        self.sector_size = 1 << sector_shift
        self.major = major
        n_sectors = max(0, size - 512) // self.sector_size + 1
        (n_fat, dir_start, _sig, self.cutoff, minifat_start, n_minifat, difat_start, n_difat) = (
            struct.unpack_from("<8I", header, 44)
        )
        difat = list(struct.unpack_from("<109I", header, 76))
        per_sector = self.sector_size // 4
        sector = difat_start
        for _ in range(min(n_difat, n_sectors)):
            if sector >= _MAXREGSECT:
                break
            ids = self._ids(self._sector(sector))
            difat.extend(ids[:-1])
            sector = ids[-1]
        fat_sectors = [s for s in difat if s < _MAXREGSECT][: min(n_fat, n_sectors)]
        self.fat = array("I")
        for s in fat_sectors:
            self.fat.extend(self._ids(self._sector(s)))
        if len(self.fat) < per_sector:
            raise ValueError("no FAT")
        directory = self._chain_bytes(dir_start, self.fat, self._sector)
        self.entries: dict[str, tuple[int, int, int]] = {}  # lower name -> (type, start, size)
        self.root: tuple[int, int] | None = None
        for off in range(0, len(directory) - 127, 128):
            raw = directory[off : off + 128]
            name_len, kind = struct.unpack_from("<HB", raw, 64)
            if kind == 0 or not 2 <= name_len <= 64:
                continue
            name = raw[: name_len - 2].decode("utf-16-le", "replace")
            start, low, high = struct.unpack_from("<3I", raw, 116)
            length = low if major == 3 else low | high << 32
            if kind == 5:
                self.root = (start, length)
            else:
                self.entries.setdefault(name.lower(), (kind, start, length))
        self._minifat_start, self._n_minifat = minifat_start, n_minifat

    @staticmethod
    def _ids(data: bytes) -> array[int]:
        ids = array("I", data)
        if sys.byteorder == "big":
            ids.byteswap()
        return ids

    def _sector(self, n: int) -> bytes:
        self.fh.seek(512 + n * self.sector_size)
        data = self.fh.read(self.sector_size)
        if len(data) < self.sector_size:
            raise ValueError("sector beyond the end of the file")
        return data

    @staticmethod
    def _chain_bytes(
        start: int, fat: array[int], read: Any, limit: int | None = None, unit: int = 0
    ) -> bytes:
        parts: list[bytes] = []
        sector, got = start, 0
        for _ in range(len(fat)):
            if sector >= _MAXREGSECT or (limit is not None and got >= limit):
                break
            if sector >= len(fat):
                raise ValueError("sector chain leaves the FAT")
            data = read(sector)
            parts.append(data)
            got += len(data)
            sector = fat[sector]
        return b"".join(parts)

    def stream(self, name: str, limit: int) -> bytes | None:
        """The first ``limit`` bytes (at most) of stream ``name`` (case-insensitive)."""
        entry = self.entries.get(name.lower())
        if entry is None or entry[0] != 2:
            return None
        _kind, start, length = entry
        want = min(length, limit)
        if length >= self.cutoff:
            return self._chain_bytes(start, self.fat, self._sector, want)[:want]
        if self.root is None:
            raise ValueError("no root entry")
        root_start, root_size = self.root
        if root_size > _MAX_MINI_STREAM:
            raise ValueError("mini stream too large to inspect")
        container = self._chain_bytes(root_start, self.fat, self._sector, root_size)
        minifat = array("I")
        minifat.extend(self._ids(self._chain_bytes(self._minifat_start, self.fat, self._sector)))

        def mini(n: int) -> bytes:
            data = container[n * 64 : n * 64 + 64]
            if len(data) < 64:
                raise ValueError("mini sector beyond the mini stream")
            return data

        return self._chain_bytes(start, minifat, mini, want)[:want]


def inspect_cfb(path: Path) -> str | None:
    """What an OLE compound file holds, for the read pass:

    - ``"encrypted-ooxml"``: an encrypted .xlsx/.xlsm (streams ``EncryptionInfo`` and
      ``EncryptedPackage``, [MS-OFFCRYPTO]);
    - ``"encrypted-biff"``: a legacy .xls whose workbook globals hold a FILEPASS record;
    - ``"xls"``: a legacy workbook (a ``Workbook`` or ``Book`` stream) without one;
    - ``"other"``: a compound file with none of those streams (a .doc, say);
    - ``None`` when the container cannot be parsed; then a raw scan of the first 4 MiB for
      the encryption stream names decides between ``"encrypted-ooxml"`` and ``None``.
    """
    try:
        with path.open("rb") as fh:
            cfb = _Cfb(fh, path.stat().st_size)
            names = cfb.entries
            if "encryptioninfo" in names or "encryptedpackage" in names:
                return "encrypted-ooxml"
            for stream_name in ("Workbook", "Book"):
                data = cfb.stream(stream_name, _BIFF_SCAN_BYTES)
                if data is not None:
                    return "encrypted-biff" if _biff_has_filepass(data) else "xls"
            return "other"
    except (ValueError, struct.error, OSError):
        return "encrypted-ooxml" if _cfb_names_encryption(path) else None


def _biff_has_filepass(data: bytes) -> bool:
    """Whether the workbook globals substream (which starts the stream) holds FILEPASS."""
    if len(data) < 4 or struct.unpack_from("<H", data, 0)[0] not in _BIFF_BOF:
        return False
    pos = 0
    while pos + 4 <= len(data):
        kind, length = struct.unpack_from("<HH", data, pos)
        if kind == _BIFF_FILEPASS:
            return True
        if kind == _BIFF_EOF:
            return False
        pos += 4 + length
    return False


def _cfb_names_encryption(path: Path) -> bool:
    with path.open("rb") as fh:
        blob = fh.read(4 << 20)
    return (
        "EncryptionInfo".encode("utf-16-le") in blob
        or "EncryptedPackage".encode("utf-16-le") in blob
    )
