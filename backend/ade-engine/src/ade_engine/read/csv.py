"""CSV reading: encoding, delimiter and value typing, streamed.

Decoding, in order: a byte-order mark decides (UTF-8, UTF-16 LE/BE); otherwise UTF-16 without a
BOM is recognised by NUL bytes in every other position of the first 4 KiB; otherwise the whole
file is checked as strict UTF-8 (streamed, 1 MiB at a time); failing that it is read as cp1252
(undefined bytes replaced).

The delimiter is sniffed among ``,`` ``;`` tab and ``|`` on the first 64 KiB: the candidate that
splits the most sample rows into the same number (>1) of fields wins; ties go in that order.
Quoting follows the csv module's Excel dialect (``"`` quotes, doubled to escape), so quoted
newlines stay inside their value.

Values are typed as a person reads them (see :func:`type_text`), in blocks of
:data:`BLOCK_ROWS` rows, column by column (:mod:`.csvtype`). The file is read once: the typed
blocks of the first full read are kept in a temporary file and replayed by later reads
(:mod:`.spill`); a big file's first read is made by a forked reader child, which sends the
typed blocks over a pipe while the run scans them (:mod:`.csvchild`). A ``;``-delimited file is
taken to come from a locale whose decimal separator is the comma (that is why its list
separator is ``;``), so its numbers are typed by :func:`type_text_decimal_comma`.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ade_engine.read.csvsplit import record_blocks
from ade_engine.read.csvtype import (
    COMMA_KINDS,
    DOT_KINDS,
    BlockTyper,
    TypedBlock,
    type_text,
    type_text_decimal_comma,
)
from ade_engine.read.sheet import Sheet, Workbook
from ade_engine.read.spill import RowSpill

if TYPE_CHECKING:
    from ade_engine.read.csvchild import ReaderChild

__all__ = [
    "BLOCK_ROWS",
    "DELIMITERS",
    "SAMPLE_BYTES",
    "detect_encoding",
    "open_csv",
    "plan_of",
    "sniff_delimiter",
    "type_text",
    "type_text_decimal_comma",
    "typed_blocks",
]

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 64 * 1024
#: Rows parsed and typed together (by column: see :mod:`.csvtype`).
BLOCK_ROWS = 4096
csv.field_size_limit(16 * 1024 * 1024)


def detect_encoding(path: Path) -> str:
    """The codec to read ``path`` with (see the module docstring for the rules)."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    if len(head) >= 4:
        odd_nuls = head[1::2].count(0)
        even_nuls = head[0::2].count(0)
        half = len(head) // 2
        if odd_nuls > half * 0.6 and even_nuls < half * 0.1:
            return "utf-16-le"
        if even_nuls > half * 0.6 and odd_nuls < half * 0.1:
            return "utf-16-be"
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def sniff_delimiter(sample: str) -> str:
    """The delimiter among , ; tab | that splits the sample most consistently."""
    lines = sample.splitlines()
    if len(lines) > 1:
        sample = "\n".join(lines[:-1])  # the last line may be cut in half
    best, best_score = ",", -1.0
    for delim in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delim) if any(r)]
        except csv.Error:
            continue
        if not rows:
            continue
        counts = Counter(len(r) for r in rows)
        width, freq = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if width < 2:
            continue
        score = freq / len(rows) + min(width, 50) / 1000
        if score > best_score:
            best, best_score = delim, score
    return best


def plan_of(path: Path) -> tuple[str, str]:
    """How to read ``path``: (encoding, delimiter)."""
    encoding = detect_encoding(path)
    with path.open("r", encoding=encoding, errors=_errors(encoding), newline="") as fh:
        sample = fh.read(SAMPLE_BYTES)
    return encoding, sniff_delimiter(sample)


def typed_blocks(path: Path, encoding: str, delimiter: str) -> Iterator[TypedBlock]:
    """Every row of ``path``, parsed and typed, in blocks of :data:`BLOCK_ROWS` rows."""
    comma = delimiter == ";"
    block_typer = BlockTyper(
        type_text_decimal_comma if comma else type_text, COMMA_KINDS if comma else DOT_KINDS
    )
    with path.open("r", encoding=encoding, errors=_errors(encoding), newline="") as fh:
        for records in record_blocks(fh, delimiter, BLOCK_ROWS):
            if records.columns is not None:
                typed = block_typer.type_columns(records.height, records.columns)
            else:
                typed = block_typer.type(records.rows or [])
            del records  # see read.calamine: the copy is written 2-3x faster
            yield typed


def _errors(encoding: str) -> str:
    return "replace" if encoding == "cp1252" else "strict"


def open_csv(path: Path, name: str | None = None, reader: ReaderChild | None = None) -> Workbook:
    """A CSV as a one-sheet workbook; the sheet is named after `name` (the input's name as its
    user knows it), else the file's. ``reader``: a reader child started for ``path``
    (:mod:`.csvchild`), which then makes the plan and the first read."""
    encoding, delimiter = reader.plan() if reader is not None else plan_of(path)
    first = reader

    def blocks() -> Iterator[TypedBlock]:
        nonlocal first
        if first is not None:  # the first read is the child's; any later one parses here
            child, first = first, None
            return child.blocks()
        return typed_blocks(path, encoding, delimiter)

    def close() -> None:
        spill.close()
        if reader is not None:
            reader.close()

    spill = RowSpill(blocks)
    sheet = Sheet(name=Path(name or path.name).stem[:31] or "Sheet1", index=0, typed_text=True)
    sheet._rows = spill.rows
    sheet._blocks = spill.blocks
    sheet._release = spill.close
    return Workbook(
        path=path,
        format="csv",
        sheets=[sheet],
        details={
            "encoding": encoding,
            "delimiter": delimiter,
            "decimal_separator": "," if delimiter == ";" else ".",
            "_close": close,
        },
    )
