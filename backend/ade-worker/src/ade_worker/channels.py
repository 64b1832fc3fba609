"""The pipes a sandboxed run talks through, read by the process that launched it.

Nothing a run writes is trusted, and nothing it writes is kept unbounded:

* :class:`CappedLog`: stdout and stderr, kept up to a byte cap (the rest is counted, not kept);
* :class:`EventStream`: the engine's events, one JSON object per line on their own pipe. Lines
  over the per-event cap, events past the per-run cap and anything that is not one of the
  engine's own event types (a config forging ``job.succeeded``) are dropped and counted;
  terminal job events are only ever written by the worker itself;
* :class:`RunChannels`: every pipe of one run, read without blocking in one loop;
* :class:`ResultSpool` and :func:`extract_results`: the jail's ``output/`` folder, streamed as a
  tar archive once the engine has ended, spooled to a file up to a cap, then unpacked keeping
  regular files with plain names only.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import selectors
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ade_engine.events import ENGINE_EVENT_TYPES
from ade_storage import UnsafePathError, resolve_within
from ade_worker.limits import SandboxLimits

log = logging.getLogger(__name__)

#: Largest number of files a run may hand back in its output folder.
MAX_RESULT_FILES = 16
_READ_CHUNK = 256 * 1024
_MB = 1024 * 1024


class CappedLog:
    """Bytes written to a file up to `cap`; what comes after is counted and dropped."""

    def __init__(self, path: Path, cap: int) -> None:
        self.path = path
        self.cap = cap
        self.kept = 0
        self.dropped = 0
        self._fh: IO[bytes] = path.open("wb")

    def feed(self, data: bytes) -> None:
        room = max(0, self.cap - self.kept)
        if room:
            self._fh.write(data[:room])
            self.kept += min(room, len(data))
        self.dropped += max(0, len(data) - room)

    def close(self) -> None:
        if self.dropped and not self._fh.closed:
            self._fh.write(f"\n[ade: {self.dropped} more bytes not kept]\n".encode())
        self._fh.close()


class EventStream:
    """Splits the events pipe into JSON events, within the per-event and per-run caps."""

    def __init__(
        self, *, max_events: int, max_event_bytes: int, max_total_bytes: int | None = None
    ) -> None:
        self.max_events = max_events
        self.max_event_bytes = max_event_bytes
        self.max_total_bytes = max_total_bytes
        self.total_bytes = 0
        self.accepted = 0
        self.dropped = 0
        self._partial = b""
        self._skipping = False  # inside an over-long line: drop up to its newline

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """The complete, acceptable events in `data` (with what was left over before)."""
        events: list[dict[str, Any]] = []
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            if self._skipping:
                self._skipping = False  # the rest of the over-long line
                continue
            event = self._accept(line)
            if event is not None:
                events.append(event)
        if len(self._partial) > self.max_event_bytes:
            self._partial = b""
            if not self._skipping:
                self.dropped += 1
            self._skipping = True
        return events

    def _accept(self, line: bytes) -> dict[str, Any] | None:
        if not line.strip():
            return None
        over_total = (
            self.max_total_bytes is not None and self.total_bytes + len(line) > self.max_total_bytes
        )
        if len(line) > self.max_event_bytes or self.accepted >= self.max_events or over_total:
            self.dropped += 1
            return None
        try:
            event = json.loads(line)
        except ValueError:
            self.dropped += 1
            return None
        if not isinstance(event, dict) or not _engine_type(event.get("event")):
            self.dropped += 1
            return None
        self.accepted += 1
        self.total_bytes += len(line)
        return event

    def summary(self) -> dict[str, Any] | None:
        """A log event saying how many lines were dropped, or None when none were."""
        if not self.dropped:
            return None
        return {
            "event": "log",
            "level": "warning",
            "source": "ade-sandbox",
            "message": (
                f"{self.dropped} event line(s) were not kept: over {self.max_event_bytes} "
                f"bytes, past {self.max_events} events or the run's total, not JSON, or not "
                "an engine event"
            ),
        }


def _engine_type(name: object) -> bool:
    # A str first: an unhashable name (a list, say) would raise in the set lookup, out of
    # the worker's event loop.
    return isinstance(name, str) and name in ENGINE_EVENT_TYPES


class ResultSpool:
    """The tar stream of the jail's output folder, spooled to `path` up to `cap` bytes."""

    def __init__(self, path: Path, cap: int) -> None:
        self.path = path
        self.cap = cap
        self.size = 0
        self.overflow = False
        self._fh: IO[bytes] = path.open("wb")

    def feed(self, data: bytes) -> None:
        if self.overflow:
            return
        if self.size + len(data) > self.cap:
            self.overflow = True
            return
        self._fh.write(data)
        self.size += len(data)

    def close(self) -> None:
        self._fh.close()


def extract_results(spool: Path, output: Path, *, max_bytes: int) -> list[str]:
    """Unpack the spooled archive into `output`: regular files directly in the archive's root,
    with names the safe-path helper accepts, at most MAX_RESULT_FILES and `max_bytes` in all.
    Anything else (links, devices, folders, paths) is skipped. Returns the names written."""
    written: list[str] = []
    total = 0
    output.mkdir(parents=True, exist_ok=True)
    try:
        archive = tarfile.open(spool, mode="r:")  # noqa: SIM115 (closed below)
    except (tarfile.TarError, OSError):
        return written
    with archive:
        try:
            for member in archive:
                name = member.name.removeprefix("./")
                if not member.isreg() or "/" in name or not name or name.startswith("."):
                    continue
                if len(written) >= MAX_RESULT_FILES or total + member.size > max_bytes:
                    log.warning("sandbox: results over the limit; %s not kept", name)
                    continue
                try:
                    target = resolve_within(output, name)
                except UnsafePathError:
                    continue
                source = archive.extractfile(member)
                if source is None:
                    continue
                with contextlib.suppress(FileNotFoundError):
                    target.unlink()
                _copy_out(source, target)
                total += member.size
                written.append(name)
        except (tarfile.TarError, OSError, EOFError) as exc:
            # A truncated or garbled stream: keep what was whole, say so in the logs.
            log.warning("sandbox: results stream ended early: %s", exc)
    return written


def _copy_out(source: IO[bytes], target: Path) -> None:
    """Write one archived file; a file cut short by a broken stream is not left behind."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as out, source:
            while chunk := source.read(1024 * 1024):
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


@dataclass
class JailStatus:
    """What bubblewrap reports on its --json-status-fd. Its ``child-pid`` comes as soon as it
    has cloned the child, before the jail is set up; an ``exit-code`` only once the set-up
    finished and the command inside has ended (a failed set-up exits without one)."""

    ran: bool = False
    _buffer: bytes = b""

    def feed(self, data: bytes) -> None:
        self._buffer = (self._buffer + data)[-65536:]
        for line in self._buffer.split(b"\n"):
            with contextlib.suppress(ValueError, TypeError):
                if "exit-code" in json.loads(line):
                    self.ran = True


@dataclass
class RunChannels:
    """The pipes of one run, read without blocking; each read end feeds its handler."""

    logs: Path
    limits: SandboxLimits
    on_event: Callable[[dict[str, Any]], None] | None
    selector: selectors.BaseSelector = field(default_factory=selectors.DefaultSelector)
    spool: ResultSpool | None = None
    status: JailStatus = field(default_factory=JailStatus)
    closed: bool = False

    def __post_init__(self) -> None:
        cap = self.limits.log_kb * 1024
        self.stdout = CappedLog(self.logs / "stdout.log", cap)
        self.stderr = CappedLog(self.logs / "stderr.log", cap)
        self.events = EventStream(
            max_events=self.limits.max_events,
            max_event_bytes=self.limits.event_kb * 1024,
            max_total_bytes=self.limits.events_mb * _MB,
        )

    def pipe(self, handler: Callable[[bytes], None]) -> int:
        """A new pipe whose read end feeds `handler`; returns the write end for the child."""
        read_end, write_end = os.pipe()
        os.set_blocking(read_end, False)
        self.selector.register(read_end, selectors.EVENT_READ, handler)
        return write_end

    def relay(self, data: bytes) -> None:
        for event in self.events.feed(data):
            if self.on_event is not None:
                self.on_event(event)

    def watch_exit(self, pid: int) -> None:
        """Wake :meth:`pump` as soon as `pid` exits (a pidfd; Linux 5.3+, else polling)."""
        try:
            pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            return
        self.selector.register(pidfd, selectors.EVENT_READ, None)

    def pump(self, timeout: float) -> None:
        """Read whatever is ready within `timeout` seconds (less once the child has exited)."""
        if not self.selector.get_map():
            time.sleep(min(timeout, 0.01))
            return
        for key, _ in self.selector.select(timeout):
            fd = int(key.fd)
            if key.data is None:  # the child's pidfd: it has exited, stop waiting on it
                self.selector.unregister(fd)
                os.close(fd)
                continue
            try:
                data = os.read(fd, _READ_CHUNK)
            except BlockingIOError:
                continue
            if not data:
                self.selector.unregister(fd)
                os.close(fd)
                continue
            key.data(data)

    def drain(self, seconds: float) -> None:
        """Read until every pipe is closed, or for `seconds` at most."""
        deadline = time.monotonic() + seconds
        while self.open_pipes() and time.monotonic() < deadline:
            self.pump(min(0.05, max(0.0, deadline - time.monotonic())))

    def open_pipes(self) -> bool:
        return any(key.data is not None for key in self.selector.get_map().values())

    def close(self) -> None:
        """Close every pipe and log (again: a no-op)."""
        if self.closed:
            return
        self.closed = True
        for key in list(self.selector.get_map().values()):
            self.selector.unregister(key.fd)
            os.close(int(key.fd))
        self.selector.close()
        self.stdout.close()
        self.stderr.close()
        if self.spool is not None:
            self.spool.close()
