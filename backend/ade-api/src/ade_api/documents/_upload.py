"""Receive the `file` part of a multipart upload, streamed straight to a temporary file.

The request body is parsed as it arrives (python-multipart's streaming parser), never held
in memory and never spooled by Starlette: the file part goes chunk by chunk into a private
temp file in the document's own folder under the data dir (so placing it is an atomic
rename), hashed and counted on the way. Past the limit, reading stops and the temp file is
removed. Other form fields are read and discarded.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from ade_api.errors import FieldProblem, InvalidInputError, PayloadTooLargeError
from ade_storage.local import TEMP_PREFIX

FIELD = "file"
# Room for the boundaries, part headers and small text fields around the file.
FORM_OVERHEAD = 64 * 1024
MAX_FILENAME_CHARS = 255
_MAX_PART_HEADERS_BYTES = 16 * 1024
_DIR_MODE = 0o700
# Bidirectional-text controls can make "evil.exe.csv" display as something else.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class _TooLargeError(Exception):
    pass


@dataclass
class ReceivedFile:
    """The uploaded file in its temp file: the display name, size and sha256 of its bytes."""

    path: Path
    filename: str
    size: int
    sha256: str

    def discard(self) -> None:
        """Remove the temp file (if still there) and its folder (if left empty)."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        with contextlib.suppress(OSError):
            self.path.parent.rmdir()


def clean_filename(raw: str) -> str:
    """A display name from what the client sent: no directories, no control characters,
    at most `MAX_FILENAME_CHARS` characters (the extension kept). Never a path."""
    name = unicodedata.normalize("NFC", raw)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cs") and ch not in _BIDI
    ).strip()
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_FILENAME_CHARS - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:MAX_FILENAME_CHARS]
    return name if name.strip(". ") else "upload"


def boundary_of(content_type: str) -> bytes:
    """The multipart boundary of the request, or 400 when the body is not multipart."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidInputError(
            "send the document as multipart/form-data in the field 'file'",
            errors=[FieldProblem(("body", FIELD), "a multipart/form-data body is required")],
        )
    return boundary


@dataclass
class _Receiver:
    """The parser callbacks' state: which part we are in and where the file goes."""

    folder: Path
    max_bytes: int
    headers: dict[bytes, bytes] = field(default_factory=dict)
    header_field: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    header_bytes: int = 0
    in_file: bool = False
    out: BinaryIO | None = None
    temp_path: Path | None = None
    filename: str | None = None
    size: int = 0
    digest: Any = field(default_factory=hashlib.sha256)
    file_done: bool = False
    ended: bool = False
    problem: str | None = None

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_end": self.on_end,
        }

    def on_part_begin(self) -> None:
        self.headers = {}
        self.header_bytes = 0
        self.in_file = False

    def _grow(self, buffer: bytearray, data: bytes, start: int, end: int) -> None:
        self.header_bytes += end - start
        if self.header_bytes > _MAX_PART_HEADERS_BYTES:
            raise MultipartParseError("part headers are too large")
        buffer += data[start:end]

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._grow(self.header_field, data, start, end)

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._grow(self.header_value, data, start, end)

    def on_header_end(self) -> None:
        self.headers[bytes(self.header_field).strip().lower()] = bytes(self.header_value).strip()
        self.header_field.clear()
        self.header_value.clear()

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        if options.get(b"name") != FIELD.encode():
            return
        if b"filename" not in options:
            self.problem = "the field 'file' must be a file, not a text value"
            return
        if self.temp_path is not None:
            self.problem = "send one file per upload"
            return
        self.filename = clean_filename(options[b"filename"].decode("utf-8", "replace"))
        self.folder.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=self.folder)
        self.temp_path = Path(name)
        self.out = os.fdopen(fd, "wb")
        self.in_file = True

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self.in_file or self.out is None:
            return  # other fields: read and dropped
        self.size += end - start
        if self.size > self.max_bytes:
            raise _TooLargeError
        chunk = data[start:end]
        self.digest.update(chunk)
        self.out.write(chunk)

    def on_part_end(self) -> None:
        if self.in_file and self.out is not None:
            self.out.flush()
            os.fsync(self.out.fileno())
            self.out.close()
            self.out = None
            self.file_done = True
        self.in_file = False

    def on_end(self) -> None:
        self.ended = True

    def close(self) -> None:
        if self.out is not None:
            self.out.close()
            self.out = None


async def receive_file(
    chunks: AsyncIterator[bytes], content_type: str, *, folder: Path, max_bytes: int
) -> ReceivedFile:
    """Stream the multipart body into a temp file in `folder` and describe the file.

    400 for a body that is not multipart, is malformed or has no `file` part; 413 once the
    file passes `max_bytes` (or the body passes it plus `FORM_OVERHEAD`). On any failure,
    client disconnects included, the temp file is gone before this returns.
    """
    parser_state = _Receiver(folder=folder, max_bytes=max_bytes)
    parser = MultipartParser(boundary_of(content_type), parser_state.callbacks())  # type: ignore[arg-type]
    body_limit = max_bytes + FORM_OVERHEAD
    received = 0
    try:
        try:
            async for chunk in chunks:
                received += len(chunk)
                if received > body_limit:
                    raise _TooLargeError
                if chunk:
                    # Parsing, hashing and writing happen off the event loop.
                    await run_in_threadpool(parser.write, chunk)
                if parser_state.problem:
                    break
            if not parser_state.problem:
                await run_in_threadpool(parser.finalize)
        except _TooLargeError:
            raise PayloadTooLargeError(
                f"the document is over the {max_bytes}-byte upload limit"
            ) from None
        except MultipartParseError as exc:
            raise _invalid(f"the multipart body is malformed: {exc}") from None
        if parser_state.problem:
            raise _invalid(parser_state.problem)
        if parser_state.temp_path is None:
            raise _invalid("the upload has no 'file' field")
        if not parser_state.file_done or not parser_state.ended:
            raise _invalid("the multipart body ended early")
    except BaseException:
        parser_state.close()
        if parser_state.temp_path is not None:
            ReceivedFile(parser_state.temp_path, "", 0, "").discard()
        raise
    assert parser_state.filename is not None
    return ReceivedFile(
        path=parser_state.temp_path,
        filename=parser_state.filename,
        size=parser_state.size,
        sha256=parser_state.digest.hexdigest(),
    )


def _invalid(message: str) -> InvalidInputError:
    return InvalidInputError(message, errors=[FieldProblem(("body", FIELD), message)])
