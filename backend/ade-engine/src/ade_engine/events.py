"""Run events: one JSON object per line in ``events.ndjson``, flushed as they happen.

Every event has ``ts`` (UTC ISO-8601 with milliseconds), ``seq`` (1, 2, ...) and ``event``
(``run.started``, ``pass.started``, ``pass.completed``, ``sheet.skipped``, ``table.detected``,
``mapping.decided``, ``log``, ``progress``, ``run.completed``, ``run.failed``), plus fields
specific to the event. The worker tails this file to relay progress.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

EventCallback = Callable[[dict[str, Any]], None]

#: Every event name the engine emits. The worker relays only these from a sandboxed run: a
#: line with any other name (a config forging ``job.succeeded``, say) is not the engine's.
ENGINE_EVENT_TYPES = frozenset(
    {
        "run.started",
        "pass.started",
        "pass.completed",
        "sheet.skipped",
        "table.detected",
        "mapping.decided",
        "mapping.changed",
        "hook.failed",
        "log",
        "progress",
        "run.completed",
        "run.failed",
    }
)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _default(value: Any) -> Any:
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Path):
        return str(value)
    return repr(value)


class EventSink:
    """Writes events as NDJSON to a file (or an open stream, e.g. the sandbox's events pipe)
    and forwards them to an optional callback."""

    def __init__(
        self,
        path: Path | None,
        on_event: EventCallback | None = None,
        *,
        stream: IO[str] | None = None,
    ) -> None:
        self._fh: IO[str] | None = stream
        if stream is None and path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = path.open("w", encoding="utf-8")
        self._on_event = on_event
        self._seq = 0

    def emit(self, event: str, **data: Any) -> dict[str, Any]:
        self._seq += 1
        record: dict[str, Any] = {"ts": _now(), "seq": self._seq, "event": event, **data}
        if self._fh is not None:
            self._fh.write(json.dumps(record, default=_default, ensure_ascii=False) + "\n")
            self._fh.flush()
        if self._on_event is not None:
            self._on_event(record)
        return record

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


class ConfigLogger:
    """The ``logger`` handed to config code; every call becomes a ``log`` event.

    ``logger.info("mapped %s rows", n)`` works like :mod:`logging` (``%`` formatting);
    extra keyword arguments are added to the event as data.
    """

    def __init__(self, sink: EventSink, source: str | None = None) -> None:
        self._sink = sink
        self.source = source

    def bind(self, source: str) -> ConfigLogger:
        """A logger whose events name ``source`` (a config file)."""
        return ConfigLogger(self._sink, source)

    def log(self, level: str, message: object, *args: object, **fields: Any) -> None:
        text = str(message)
        if args:
            try:
                text = text % args
            except (TypeError, ValueError):
                text = " ".join([text, *map(str, args)])
        data: dict[str, Any] = {"level": level, "message": text}
        if self.source:
            data["source"] = self.source
        if fields:
            data["data"] = fields
        self._sink.emit("log", **data)

    def debug(self, message: object, *args: object, **fields: Any) -> None:
        self.log("debug", message, *args, **fields)

    def info(self, message: object, *args: object, **fields: Any) -> None:
        self.log("info", message, *args, **fields)

    def warning(self, message: object, *args: object, **fields: Any) -> None:
        self.log("warning", message, *args, **fields)

    warn = warning

    def error(self, message: object, *args: object, **fields: Any) -> None:
        self.log("error", message, *args, **fields)
