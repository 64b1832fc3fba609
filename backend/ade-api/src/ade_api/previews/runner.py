"""Making an extract once per file: the engine's reader runs in a child process with resource
limits, writing into a temporary folder that is renamed into place when complete.

The child is ``python -I -m ade_api.previews.extract`` with an environment built from scratch
(nothing of the API's settings or secrets), its own process group (killed as a whole on the
wall-clock limit), and the rlimits of :func:`ade_worker.limits.limit_setter`: CPU time, address
space, file size, open files, no core dumps, nice +10, and SIGKILL when the API thread that
started it dies. Requests for a file whose extract is being made wait for it (in this process)
rather than start a second child; different processes may both make one, and the atomic rename
keeps whichever lands first. A bounded number of children run at once per API process; more
answer 429.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ade_api.errors import RateLimitedError, ResourceLimitError, UnreadableDocumentError
from ade_api.previews import extract
from ade_api.previews.extract import ExtractMeta
from ade_api.previews.pages import load_meta
from ade_api.settings import ApiSettings
from ade_worker.limits import SandboxLimits, limit_setter
from ade_worker.sandbox import SANDBOX_PATH

log = logging.getLogger(__name__)

_MB = 1024 * 1024
_LOCK_STRIPES = 64
_BUSY_RETRY_AFTER = 2
#: Signals that mean a limit stopped the child: SIGKILL (the hard CPU limit, or our own kill
#: on the wall clock), SIGXCPU (the soft CPU limit), SIGXFSZ (the file-size limit).
_LIMIT_SIGNALS = {signal.SIGKILL, signal.SIGXCPU, signal.SIGXFSZ}
#: What a child out of address space prints before it aborts: Rust's allocation-failure
#: handler (python-calamine loads a sheet in Rust) and Python's MemoryError outside our handler.
_OUT_OF_MEMORY = (b"memory allocation of ", b"MemoryError")


@dataclass(frozen=True)
class ExtractLimits:
    """How much one extract may hold, and what its child process may use."""

    max_rows: int = 1_000_000
    max_bytes: int = 256 * _MB
    timeout_seconds: float = 120.0
    cpu_seconds: int = 120
    memory_mb: int = 2048
    max_concurrent: int = 2

    @classmethod
    def from_settings(cls, settings: ApiSettings) -> ExtractLimits:
        return cls(
            max_rows=settings.preview_max_rows,
            max_bytes=settings.preview_max_bytes,
            timeout_seconds=settings.preview_timeout_seconds,
            cpu_seconds=settings.preview_cpu_seconds,
            memory_mb=settings.preview_memory_mb,
            max_concurrent=settings.preview_max_concurrent,
        )

    def sandbox_limits(self) -> SandboxLimits:
        # RLIMIT_FSIZE is per file: the rows file is the largest, its index adds 8 B per row.
        file_size_mb = (self.max_bytes + 8 * (self.max_rows + 1)) // _MB + 2
        return SandboxLimits(
            cpu_seconds=self.cpu_seconds,
            memory_mb=self.memory_mb,
            file_size_mb=file_size_mb,
            wall_seconds=self.timeout_seconds,
        )


class Extracts:
    """Makes extracts for one API process (see the module docstring)."""

    def __init__(self, limits: ExtractLimits) -> None:
        self.limits = limits
        self.runs = 0  # children started; tests and benchmarks read it
        self._count = threading.Lock()
        self._slots = threading.BoundedSemaphore(limits.max_concurrent)
        self._locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]

    def ensure(self, source: Path, folder: Path, name: str | None = None) -> ExtractMeta:
        """The extract of ``source`` in ``folder``, made now if missing (or out of date).
        ``name``: the file's name as its user knows it (a CSV's sheet is named after it)."""
        meta = load_meta(folder)
        if meta is not None:
            return meta
        stripe = zlib.crc32(str(folder).encode("utf-8")) % _LOCK_STRIPES
        with self._locks[stripe]:
            meta = load_meta(folder)  # made while this request waited
            if meta is not None:
                return meta
            with self._slot():
                return self._make(source, folder, name)

    @contextmanager
    def _slot(self) -> Iterator[None]:
        if not self._slots.acquire(blocking=False):
            raise RateLimitedError(
                "too many files are being read for previews; try again shortly",
                retry_after=_BUSY_RETRY_AFTER,
            )
        try:
            yield
        finally:
            self._slots.release()

    def _make(self, source: Path, folder: Path, name: str | None) -> ExtractMeta:
        folder.parent.mkdir(parents=True, exist_ok=True)
        building = folder.with_name(f".{folder.name}-{secrets.token_hex(8)}")
        building.mkdir()
        try:
            self._run(source, building, name)
            _install(building, folder)
        finally:
            shutil.rmtree(building, ignore_errors=True)
        meta = load_meta(folder)
        if meta is None:
            raise RuntimeError(f"the extract in {folder} is incomplete after it was made")
        return meta

    def _run(self, source: Path, dest: Path, name: str | None) -> None:
        limits = self.limits
        command = [
            sys.executable,
            "-I",
            "-m",
            extract.__name__,
            str(source),
            str(dest),
            f"--max-rows={limits.max_rows}",
            f"--max-bytes={limits.max_bytes}",
            *([f"--name={name}"] if name else []),
        ]
        with self._count:
            self.runs += 1
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=dest,
            env={"PATH": SANDBOX_PATH, "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"},
            start_new_session=True,
            preexec_fn=limit_setter(limits.sandbox_limits()),
        )
        try:
            out, err = child.communicate(timeout=limits.timeout_seconds)
        except subprocess.TimeoutExpired:
            _kill_group(child)
            child.communicate()
            raise ResourceLimitError(
                f"reading the file took longer than the preview's "
                f"{limits.timeout_seconds:g} s limit"
            ) from None
        finally:
            _kill_group(child)  # anything it left behind
        _check_exit(child.returncode, out, err, limits)


def _check_exit(code: int, out: bytes, err: bytes, limits: ExtractLimits) -> None:
    if code == 0:
        return
    if code == extract.EXIT_UNREADABLE:
        raise UnreadableDocumentError(_reader_message(out))
    if code == extract.EXIT_OUT_OF_MEMORY or any(marker in err for marker in _OUT_OF_MEMORY):
        raise ResourceLimitError(
            f"reading the file needed more than the preview's {limits.memory_mb} MB memory limit"
        )
    if code < 0 and -code in _LIMIT_SIGNALS:
        raise ResourceLimitError(
            f"reading the file was stopped by a limit ({signal.Signals(-code).name}; "
            f"CPU time {limits.cpu_seconds} s, memory {limits.memory_mb} MB)"
        )
    last = _last_line(err) or f"exit status {code}"
    log.warning("preview reader failed: %s", last)
    raise UnreadableDocumentError(f"the file could not be read: {last}")


def _last_line(data: bytes) -> str:
    lines = data.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else ""


def _reader_message(out: bytes) -> str:
    """The reader's reason, from the JSON line the child printed."""
    try:
        return str(json.loads(_last_line(out))["error"])
    except (ValueError, KeyError, TypeError):
        return "the file could not be read"


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)


def _install(building: Path, folder: Path) -> None:
    """Rename the finished extract into place. Another request may have put one there first
    (then it stays: extracts of one file are equal); an out-of-date one is moved aside."""
    for _ in range(3):
        try:
            os.rename(building, folder)
            return
        except OSError:
            if load_meta(folder) is not None:
                return
        aside = folder.with_name(f".{folder.name}-old-{secrets.token_hex(8)}")
        with contextlib.suppress(FileNotFoundError):
            os.rename(folder, aside)
            shutil.rmtree(aside, ignore_errors=True)
    raise RuntimeError(f"could not put the extract in place at {folder}")
