"""What an uploaded file really is, decided by its content; its name must agree.

Spreadsheets only, the formats of the engine's one table (`ade_engine.formats`): an OOXML
workbook (a zip holding `[Content_Types].xml` and `xl/workbook.xml`; macro-enabled if its
content types say so), an OpenDocument spreadsheet (a zip whose `mimetype` member says so), a
legacy Excel workbook (an OLE2 compound file) or CSV text (no NUL bytes, decodable as UTF-8 or
Windows-1252).
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ade_engine.formats import BY_TYPE, EXTENSIONS, FileType, formats_named

SNIFF_BYTES = 64 * 1024
_ODS_MIMETYPE = BY_TYPE[FileType.ODS].content_type.encode()
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
# Kinds people upload by mistake, named so the refusal says what was sent.
_OTHER_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "an executable"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"{\\rtf", "an RTF document"),
)
# Text may hold tabs, line breaks, form feeds and a DOS end-of-file mark; no other controls.
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\x1a")
_MAX_CONTENT_TYPES_BYTES = 1024 * 1024


class UnsupportedDocumentError(Exception):
    """The file is not a spreadsheet ADE reads, or its name says otherwise; `str` explains."""


@dataclass(frozen=True)
class Sniffed:
    """The file's kind and the suffix and content type it is stored with."""

    file_type: FileType

    @property
    def suffix(self) -> str:
        return f".{self.file_type.value}"

    @property
    def content_type(self) -> str:
        return BY_TYPE[self.file_type].content_type


def sniff(path: Path, filename: str) -> Sniffed:
    """Decide the file's type from its content and check the name's extension agrees."""
    extension = Path(filename).suffix.lower()
    allowed = tuple(f.file_type for f in formats_named(extension))
    if not allowed:
        raise UnsupportedDocumentError(
            f"{filename!r} is not a spreadsheet ADE reads: the name must end in "
            f"{', '.join(EXTENSIONS[:-1])} or {EXTENSIONS[-1]}"
        )
    with path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    if not head:
        raise UnsupportedDocumentError(f"{filename!r} is empty")
    found = _kind(path, head, extension)
    if found not in allowed:
        raise UnsupportedDocumentError(
            f"{filename!r} is named like {formats_named(extension)[0].named_like} but its "
            f"content is {BY_TYPE[found].description}"
        )
    return Sniffed(found)


def _kind(path: Path, head: bytes, extension: str) -> FileType:
    if head.startswith(_ZIP):
        return _workbook_kind(path, extension)
    if head.startswith(_OLE2):
        return FileType.XLS
    for magic, what in _OTHER_MAGIC:
        if head.startswith(magic):
            raise UnsupportedDocumentError(f"the file is {what}, not a spreadsheet ADE reads")
    if _is_text(head):
        return FileType.CSV
    raise UnsupportedDocumentError(
        "the file is binary data of an unknown kind, not a spreadsheet ADE reads"
    )


def _workbook_kind(path: Path, extension: str) -> FileType:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and "content.xml" in names:
                return _open_document_kind(archive)
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise UnsupportedDocumentError(
                    "the file is a zip archive, not a workbook ADE reads"
                )
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _MAX_CONTENT_TYPES_BYTES:
                raise UnsupportedDocumentError(
                    "the workbook's [Content_Types].xml is implausibly large"
                )
            content_types = archive.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError) as exc:
        # RuntimeError: an encrypted member.
        raise UnsupportedDocumentError(
            "the file looks like a zip archive but cannot be read"
        ) from exc
    if b"macroenabled" in content_types.lower() or extension == ".xlsm":
        return FileType.XLSM
    return FileType.XLSX


def _open_document_kind(archive: zipfile.ZipFile) -> FileType:
    """An OpenDocument file says what it is in its `mimetype` member (ODF 1.2, 3.3)."""
    info = archive.getinfo("mimetype")
    mimetype = archive.read(info).strip() if info.file_size <= 256 else b""
    if mimetype != _ODS_MIMETYPE:
        what = mimetype.decode("ascii", "replace") or "unknown"
        raise UnsupportedDocumentError(
            f"the file is an OpenDocument file of type {what!r}, not a spreadsheet"
        )
    return FileType.ODS


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            # Not final: the sample may end inside a multi-byte character.
            text = decoder.decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return all(ch >= " " or ch in _ALLOWED_CONTROLS for ch in text)
    return False
