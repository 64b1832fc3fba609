"""The first read of a big CSV in a second process, so that parsing overlaps detection.

A run reads a CSV's rows twice: detection scans every row, then the rows pass reads its
tables' rows (replayed from the typed copy of :mod:`.spill`). The first read parses, types and
encodes every row (:mod:`.csv`, :mod:`.csvtype`), which is about half of detection's time on
a big file, all of it on one core. For a file of at least :data:`MIN_BYTES`, :func:`start`
forks a *reader child* that does exactly that work, with the same code, and sends each
encoded block over a pipe as soon as it is typed; the run's process decodes the blocks as
they come (:meth:`ReaderChild.blocks`), writes them to its copy as they are and scans their
rows meanwhile, so the two cores share the first read.

The child is forked before any config code is imported and, under ``python -m ade_engine``,
before :mod:`ade_engine.guard` is installed (:func:`prestart`; the guard refuses every
process start after that, the engine's too, and :func:`start` then reads in-process). It runs
only engine code: it closes every descriptor but its pipe, asks the kernel to kill it when its
parent dies (``PR_SET_PDEATHSIG``), reads the input, writes the pipe and exits with
:func:`os._exit`. The run kills and reaps it when it closes the input or stops early
(:meth:`ReaderChild.close`).

Messages on the pipe: a header ``(kind, meta length, data length)`` then meta and data.
``P``: the plan, ``marshal`` of (encoding, delimiter), once, first. ``B``: a block, meta the
types of its columns (:attr:`TypedBlock.types`, as codes) and data :func:`.spill.encode`'s
bytes. ``E``: the end. ``X``: the error that stopped the read, pickled; the run raises it where
it would have raised it reading in-process, so its message is the same. A pipe that ends
without ``E`` or ``X`` (the child was killed) raises :class:`ReaderChildError`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import marshal
import os
import pickle
import signal
import struct
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ade_engine.errors import EngineError
from ade_engine.formats import reader_for
from ade_engine.read.csv import plan_of, typed_blocks
from ade_engine.read.csvtype import TypedBlock
from ade_engine.read.spill import decode, encode

#: The smallest file read by a child: below this the fork and the pipe cost more than the
#: overlap saves (a 4 MiB file, about 40,000 rows, is read in about 0.3 s).
MIN_BYTES = 4 << 20
#: The pipe's size: a few blocks, so that the child can run a little ahead of the run.
PIPE_BYTES = 1 << 20
_HEADER = struct.Struct("<cII")
_TYPES: tuple[type | None, ...] = (None, str, int, float, dt.date)
_CODES = {t: i for i, t in enumerate(_TYPES)}
_PR_SET_PDEATHSIG = 1

_prestarted: ReaderChild | None = None


class ReaderChildError(EngineError):
    """The reader child ended without finishing or reporting an error (it was killed)."""


class ReaderChild:
    """A forked reader of one CSV: its plan and its typed blocks, as the child sends them."""

    def __init__(self, path: Path, pid: int, pipe: IO[bytes]) -> None:
        self.path = path
        self.pid = pid
        self._pipe: IO[bytes] | None = pipe
        self._taken = False
        self._ended = ""

    def plan(self) -> tuple[str, str]:
        """(encoding, delimiter), as :func:`.csv.detect_encoding` and ``sniff_delimiter`` found
        them in the child; raises the child's error if it could not read the file."""
        kind, _meta, data = self._receive()
        if kind != b"P":
            raise ReaderChildError(f"the CSV reader sent {kind!r} before its plan")
        encoding, delimiter = marshal.loads(data)  # noqa: S302 (our own child)
        return encoding, delimiter

    def blocks(self) -> Iterator[TypedBlock]:
        """Every typed block, once (a second call raises); the child is closed when the read
        ends, fails or is abandoned."""
        if self._taken:
            raise RuntimeError("the reader child's blocks are read once")
        self._taken = True
        try:
            while True:
                kind, meta, data = self._receive()
                if kind == b"E":
                    return
                if kind != b"B":
                    raise ReaderChildError(f"the CSV reader sent {kind!r} among its blocks")
                codes = marshal.loads(meta)  # noqa: S302 (our own child)
                types = None if codes is None else [_TYPES[c] for c in codes]
                yield decode(data)._replace(types=types, encoded=data)
        finally:
            self.close()

    def _receive(self) -> tuple[bytes, bytes, bytes]:
        pipe = self._pipe
        if pipe is None:
            raise ReaderChildError("the CSV reader was closed")
        head = pipe.read(_HEADER.size)
        if len(head) < _HEADER.size:
            raise ReaderChildError(f"the CSV reader ended unexpectedly ({self._status()})")
        kind, n_meta, n_data = _HEADER.unpack(head)
        meta, data = pipe.read(n_meta), pipe.read(n_data)
        if len(meta) < n_meta or len(data) < n_data:
            raise ReaderChildError(f"the CSV reader ended unexpectedly ({self._status()})")
        if kind == b"X":
            raise pickle.loads(data)  # noqa: S301 (our own child)
        return kind, meta, data

    def _status(self) -> str:
        """How the child ended (it is reaped here)."""
        self.close()
        return self._ended or "status unknown"

    def close(self) -> None:
        """Kill the child (a no-op once it has exited) and reap it; close the pipe."""
        if self._pipe is None:
            return
        self._pipe.close()
        self._pipe = None
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            _, status = os.waitpid(self.pid, 0)
            if os.WIFSIGNALED(status):
                self._ended = f"killed by signal {os.WTERMSIG(status)}"
            else:
                self._ended = f"exit status {os.waitstatus_to_exitcode(status)}"


def start(path: Path) -> ReaderChild | None:
    """The reader child for ``path``: the one :func:`prestart` forked for it, else a new one
    when ``path`` is a CSV of at least :data:`MIN_BYTES`; None when it is not, off Linux, when
    the process may run on one CPU only (the child could not run beside it), or when starting
    a process is refused (the guard is installed)."""
    global _prestarted
    early, _prestarted = _prestarted, None
    if early is not None:
        if early.path == path:
            return early
        early.close()
    if sys.platform != "linux" or reader_for(path.suffix.lower()) != "csv":
        return None
    if len(os.sched_getaffinity(0)) < 2:
        return None
    try:
        if path.stat().st_size < MIN_BYTES:
            return None
        return _fork(path)
    except OSError:  # no such file; no process left under the limit; the guard's refusal
        return None


def prestart(path: Path) -> None:
    """Fork the reader child now (before the guard), for :func:`start` to hand to the run."""
    global _prestarted
    _prestarted = start(path)


def _fork(path: Path) -> ReaderChild:
    parent = os.getpid()
    read_end, write_end = os.pipe()
    with contextlib.suppress(OSError, AttributeError):  # a smaller pipe only costs overlap
        import fcntl

        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    try:
        pid = os.fork()
    except BaseException:
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:  # pragma: no cover (the child; its work is checked through the parent)
        status = 1
        try:
            os.close(read_end)
            _detach(parent, write_end)
            _serve(path, os.fdopen(write_end, "wb"))
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return ReaderChild(path, pid, os.fdopen(read_end, "rb"))


def _detach(parent: int, keep: int) -> None:  # pragma: no cover (runs in the child)
    """Die with the parent; hold no descriptor but the pipe (and the standard ones)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the run, which kills this
    os.closerange(3, keep)
    os.closerange(keep + 1, 1 << 16)
    with contextlib.suppress(OSError):  # whoever reads the run's stdout waits for no one else
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        os.close(devnull)
    gc.freeze()  # the engine's objects: collections skip them, and their pages stay shared
    gc.set_threshold(100_000)


def _serve(path: Path, out: IO[bytes]) -> None:  # pragma: no cover (runs in the child)
    def send(kind: bytes, meta: bytes, data: bytes) -> None:
        out.write(_HEADER.pack(kind, len(meta), len(data)))
        out.write(meta)
        out.write(data)

    try:
        encoding, delimiter = plan_of(path)
        send(b"P", b"", marshal.dumps((encoding, delimiter)))
        out.flush()
        for block in typed_blocks(path, encoding, delimiter):
            types = block.types
            codes = None if types is None else [_CODES.get(t, 0) for t in types]
            send(b"B", marshal.dumps(codes), encode(block))
            out.flush()
        send(b"E", b"", b"")
    except Exception as exc:
        try:
            error = pickle.dumps(exc, pickle.HIGHEST_PROTOCOL)
            pickle.loads(error)  # noqa: S301 (checks it can be raised on the other side)
        except Exception:
            error = pickle.dumps(RuntimeError(f"{type(exc).__name__}: {exc}"))
        send(b"X", b"", error)
    out.flush()
