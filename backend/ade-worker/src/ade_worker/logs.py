"""Structured logs for every ADE process: one JSON object per line.

The API (`ade_api.logging`, which adds the request id) and the worker (`ade worker start`, RQ's
own messages included) log the same way, so one log pipeline reads both.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

#: Record attributes that are not extras. uvicorn's `color_message` (its message template with
#: terminal colour codes, for its own console formatter) would only add escape codes to a line.
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON line: time, level, logger, message and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_json_logging(level: str = "info", filters: Iterable[logging.Filter] = ()) -> None:
    """Send every log record of this process to stdout as JSON lines (call once per process).

    RQ's worker adds its own text handler only to a logger that has no handler up its
    hierarchy: with this one on the root logger, its messages are JSON lines too.
    """
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    for one in filters:
        handler.addFilter(one)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
