"""Structured logs (`ade_worker.logs`: one JSON object per line), with the request id wherever
it is known."""

from __future__ import annotations

import logging
from contextvars import ContextVar

from ade_worker.logs import configure_json_logging

# The current request's id, for log records made anywhere while serving it.
request_id_var: ContextVar[str | None] = ContextVar("ade_request_id", default=None)


class RequestIdFilter(logging.Filter):
    """Add the request being served to each record that does not name one itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = request_id_var.get()
        if request_id and "request_id" not in record.__dict__:
            record.request_id = request_id
        return True


def configure_logging(level: str = "info") -> None:
    """Send ADE's and uvicorn's logs to stdout as JSON lines (called once per process)."""
    configure_json_logging(level, filters=[RequestIdFilter()])
    # uvicorn's own access log would duplicate ours (which has the request id).
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
