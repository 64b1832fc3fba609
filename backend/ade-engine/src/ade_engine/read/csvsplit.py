"""Splitting CSV text into records exactly as the csv module's Excel dialect does, with
``str.split`` where the text allows it.

``csv.reader`` costs about a microsecond a row of ten fields, on one core, before any value is
typed. Most big CSV files hold no quote character and end their lines with ``\\n`` or
``\\r\\n``; for such text the csv module's records are the lines split at the delimiter (a
blank line is a record of no fields), so :func:`record_blocks` reads the file a chunk of
:data:`CHUNK_CHARS` characters at a time and splits each chunk with two C-level calls:

- when every line of the chunk has the same number (two or more) of fields, the chunk is split
  once, with a marker field between lines, and each column is taken by slicing (no row lists
  at all; the markers' positions prove that every line has that width); lines ended with
  ``\\r\\n`` get their markers in the same pass that removes the carriage returns;
- otherwise each line is split on its own (the records as rows).

A chunk holding a quote character (quoted values may hold delimiters and line breaks), a
carriage return that does not end a line with ``\\n`` (the csv module ends a record there), or
a line longer than :data:`MAX_LINE_CHARS` hands the rest of the file, from the start of that
chunk, to ``csv.reader`` itself: records never span chunks on the fast path, so the reader
starts where a record starts. What the csv module reads from the same text object is the
reference, and tests compare the two on generated text.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator
from typing import NamedTuple, TextIO

#: Characters read at a time on the fast path (about 10,000 lines of 100 characters).
CHUNK_CHARS = 1 << 18
#: A line longer than this goes to ``csv.reader`` (which enforces the field size limit).
MAX_LINE_CHARS = 1 << 20


class Records(NamedTuple):
    """At most a block's worth of consecutive records, as rows or, when every record has the
    same width, as columns."""

    height: int
    rows: list[list[str]] | None = None
    columns: list[list[str]] | None = None


def record_blocks(fh: TextIO, delimiter: str, block_rows: int) -> Iterator[Records]:
    """The records of ``fh`` (opened with ``newline=""``) in blocks of at most ``block_rows``,
    equal to what ``csv.reader(fh, delimiter=delimiter)`` reads."""
    pending = ""
    while True:
        chunk = fh.read(CHUNK_CHARS)
        text = pending + chunk if pending else chunk
        if not chunk:  # the end: a last line without a line break, if any
            if text:
                last = _split_plain(text + "\n", delimiter, block_rows)
                if last is None:
                    yield from _csv_blocks(io.StringIO(text, newline=""), delimiter, block_rows)
                else:
                    yield from last
            return
        cut = text.rfind("\n") + 1
        if cut == 0 and len(text) <= MAX_LINE_CHARS:
            pending = text
            continue
        body, pending = text[:cut], text[cut:]
        blocks = _split_plain(body, delimiter, block_rows) if cut else None
        if blocks is None:
            # The reader takes over from here: this chunk's text up to the end of a line,
            # then the file's next lines.
            rest = io.StringIO(text + fh.readline(), newline="")
            yield from _csv_blocks(itertools.chain(rest, fh), delimiter, block_rows)
            return
        yield from blocks


def _split_plain(body: str, d: str, block_rows: int) -> list[Records] | None:
    """The records of ``body`` (whole lines, the last ending in ``\\n``) when it holds no
    quote character and no carriage return but before ``\\n``; else None."""
    if '"' in body:
        return None
    width = body[: body.find("\n")].count(d) + 1
    marker = f"{d}\n{d}"
    if "\r" in body:
        if width >= 2 and body.endswith("\r\n"):
            # Lines ended with \r\n (as Excel and the csv module write them): the markers go
            # in where the line breaks are, in one pass. Each marker lengthens the text by
            # the same count, so the text's length says how many line breaks were \r\n: if
            # every \n left is one of them and no \r is left, there was no other line break.
            marked = body[:-2].replace("\r\n", marker)
            n = marked.count("\n")
            if "\r" not in marked and n * (len(marker) - 2) == len(marked) - len(body) + 2:
                blocks = _by_column(marked, n + 1, width, d, block_rows)
                if blocks is not None:
                    return blocks
        if body.count("\r") != body.count("\r\n"):
            return None
        body = body.replace("\r\n", "\n")
    n = body.count("\n")
    if width >= 2:  # (a blank line is one empty field here, no field for the csv module)
        blocks = _by_column(body[:-1].replace("\n", marker), n, width, d, block_rows)
        if blocks is not None:
            return blocks
    rows = [line.split(d) if line else [] for line in body[:-1].split("\n")]
    return [
        Records(len(block), rows=block)
        for block in (rows[top : top + block_rows] for top in range(0, n, block_rows))
    ]


def _by_column(marked: str, n: int, width: int, d: str, block_rows: int) -> list[Records] | None:
    """The ``n`` lines of ``marked`` (lines joined by a marker field, ``d + "\\n" + d``) as
    columns, when every line has ``width`` fields; else None."""
    step = width + 1
    flat = marked.split(d)
    # n - 1 markers, each where a line of `width` fields ends: every line has that width (a
    # line break that is no marker, or a line of another width, puts the count or the
    # markers' places out)
    if len(flat) != n * step - 1 or flat[width::step].count("\n") != n - 1:
        return None
    return [
        Records(
            min(block_rows, n - top),
            columns=[flat[top * step + i : (top + block_rows) * step : step] for i in range(width)],
        )
        for top in range(0, n, block_rows)
    ]


def _csv_blocks(lines: Iterable[str], delimiter: str, block_rows: int) -> Iterator[Records]:
    records = csv.reader(lines, delimiter=delimiter)
    while block := list(itertools.islice(records, block_rows)):
        yield Records(len(block), rows=block)
