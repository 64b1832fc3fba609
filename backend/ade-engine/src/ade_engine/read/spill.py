"""Rows kept on disk after their first read, so that later reads need not parse them again.

A CSV sheet is read more than once in a run (detection scans every row, then the rows pass
reads its tables' rows again). The first read that runs to the end writes its typed rows, a
block at a time, to an anonymous temporary file (in ``TMPDIR``; the sandbox points it into the
job's folder); later reads replay those blocks instead of decoding, splitting and typing the
file again. A spreadsheet sheet is copied the same way (:meth:`RowSpill.fill`, rows made blocks
by :func:`block_of_rows`) when it is set aside to make room for the next sheet, so that it is
parsed once however many sheets the workbook has (see :class:`~ade_engine.read.SheetPool`).
Memory stays bounded by one block: the file holds the rows, not the process. If the copy cannot
be written (no room left under the job's disk limit, no temporary folder), reads go on without
it: every read parses the file (or loads the sheet) again.

A block is stored by column with :mod:`marshal` (one call each way, in C): date columns as
day ordinals (``0`` for an empty cell), any other column marshal cannot store (datetimes,
dates among other values) and the block's ragged rows pickled.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import marshal
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from ade_engine.read.csvtype import DATES, MIXED, PLAIN, TypedBlock

Blocks = Callable[[], Iterator[TypedBlock]]


class RowSpill:
    """Serves the rows of ``blocks()``: from the source until one read of it has run to the
    end, from the spilled copy after that."""

    def __init__(self, blocks: Blocks) -> None:
        self._blocks = blocks
        self._file: IO[bytes] | None = None
        self._index: list[tuple[int, int]] = []  # (offset, length) of each pickled block
        self._writing = False
        self.complete = False

    def rows(self) -> Iterator[list[Any]]:
        return (row for block in self.blocks() for row in block.rows())

    def blocks(self) -> Iterator[TypedBlock]:
        """Every block, by column as typed: from the copy once it is complete, else from the
        source (writing the copy, unless another read is writing it)."""
        if self.complete:
            return self._replay_blocks()
        if self._writing:  # another read is writing the copy: this one reads the source
            return self._blocks()
        return self._read_and_spill()

    def fill(self) -> bool:
        """Write the copy now, reading the whole source (unless the copy is complete already
        or being written by a read in progress); whether the copy is complete."""
        if not self.complete and not self._writing:
            for _block in self._read_and_spill():
                pass
        return self.complete

    def _read_and_spill(self) -> Iterator[TypedBlock]:
        self.close()
        fh = self._file = _temporary_file()
        index, offset = self._index, 0
        self._writing = True
        try:
            for block in self._blocks():
                if fh is not None:
                    try:
                        data = block.encoded or encode(block)
                        fh.write(data)
                    except OSError:  # no room (the job's disk limit) or no TMPDIR
                        fh = None
                        self.close()
                    else:
                        index.append((offset, len(data)))
                        offset += len(data)
                yield block
            if fh is not None:
                with contextlib.suppress(OSError):  # if flushing fails, there is no copy
                    fh.flush()
                    self.complete = True
        finally:
            self._writing = False
            if not self.complete:  # abandoned, failed or not written: the copy is not whole
                self.close()

    def _replay_blocks(self) -> Iterator[TypedBlock]:
        assert self._file is not None
        fd = self._file.fileno()
        for offset, length in self._index:
            yield decode(os.pread(fd, length, offset))

    def close(self) -> None:
        """Delete the spilled copy (the next read starts again from the source)."""
        if self._file is not None:
            self._file.close()
        self._file = None
        self._index = []
        self.complete = False


def _temporary_file() -> IO[bytes] | None:
    try:
        return tempfile.TemporaryFile()
    except OSError:
        return None


_PICKLED = 3
_DATE = dt.date
_MARSHALLED = frozenset((str, float, int, bool))


def block_of_rows(rows: list[list[Any]]) -> TypedBlock:
    """Rows of one width (a spreadsheet's, as read) as a block to spill: by column, each
    column marked PLAIN (values :mod:`marshal` stores), DATES (dates and empty cells) or
    MIXED."""
    columns = [list(c) for c in zip(*rows, strict=True)]
    return TypedBlock(len(rows), columns, {}, [holds_of(c, set(map(type, c))) for c in columns])


def holds_of(values: list[Any], kinds: set[type]) -> int:
    """What a column holds (PLAIN, DATES or MIXED), from its values and their types."""
    if kinds <= _MARSHALLED:
        return PLAIN
    if kinds == {_DATE} or (
        kinds == {_DATE, str} and all(v == "" for v in values if v.__class__ is str)
    ):
        return DATES
    return MIXED


def _encode_column(values: list[Any], holds: int) -> tuple[int, Any]:
    if holds == PLAIN:
        return PLAIN, values
    if holds == DATES:
        if "" not in values:
            return DATES, list(map(_DATE.toordinal, values))
        return DATES, [v.toordinal() if v != "" else 0 for v in values]
    try:
        marshal.dumps(values)
        return PLAIN, values
    except ValueError:
        return _PICKLED, pickle.dumps(values, pickle.HIGHEST_PROTOCOL)


def encode(block: TypedBlock) -> bytes:
    """A typed block as bytes (see the module docstring)."""
    others = pickle.dumps(block.others, pickle.HIGHEST_PROTOCOL) if block.others else b""
    columns = [_encode_column(c, h) for c, h in zip(block.columns, block.holds, strict=True)]
    return marshal.dumps((block.height, columns, others))


def _unpickle(data: bytes) -> Any:
    return pickle.loads(data)  # noqa: S301 (our own spill)


def _dates(ordinals: list[int]) -> list[Any]:
    fromordinal = _DATE.fromordinal
    if 0 in ordinals:
        return [fromordinal(o) if o else "" for o in ordinals]
    return list(map(fromordinal, ordinals))


def decode(data: bytes) -> TypedBlock:
    height, encoded, others = marshal.loads(data)  # noqa: S302 (our own spill)
    columns = [
        values if kind == PLAIN else _dates(values) if kind == DATES else _unpickle(values)
        for kind, values in encoded
    ]
    holds = [PLAIN if kind == PLAIN else DATES if kind == DATES else MIXED for kind, _ in encoded]
    return TypedBlock(height, columns, pickle.loads(others) if others else {}, holds)  # noqa: S301
