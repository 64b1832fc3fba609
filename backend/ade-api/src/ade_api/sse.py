"""Server-Sent Events, done one way for every live route (a job's timeline, a workspace's
changes).

A route hands :func:`event_stream` a *feed*: a blocking callable that opens its own short
database session, returns what is new since its last call and remembers where it got to. The
stream calls it in the thread pool every ``ADE_SSE_POLL_SECONDS`` (a bounded read: a feed
returns at most a batch of rows), writes each message as ``id:``/``event:``/``data:``, a
``: keep-alive`` comment after ``ADE_SSE_HEARTBEAT_SECONDS`` of silence, and ends when the feed
says it is done, when the client goes away, or when the server begins to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

MEDIA_TYPE = "text/event-stream"
KEEP_ALIVE = b": keep-alive\n\n"
#: The OpenAPI `responses` entry of a route that also answers with a live stream.
STREAM_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {MEDIA_TYPE: {}}, "description": "With `Accept: text/event-stream`, live."}
}


@dataclass(frozen=True)
class Message:
    """One event of a stream: its cursor (`id`), its type (`event`) and its JSON `data`."""

    id: str
    event: str
    data: BaseModel

    def encode(self) -> bytes:
        payload = json.dumps(self.data.model_dump(mode="json"), separators=(",", ":"))
        return f"id: {self.id}\nevent: {self.event}\ndata: {payload}\n\n".encode()


@dataclass(frozen=True)
class Batch:
    """What a feed found: messages in order, and whether the stream is over after them."""

    messages: list[Message] = field(default_factory=list)
    done: bool = False


Feed = Callable[[], Batch]


def wants_stream(accept: str | None) -> bool:
    """Whether the client asked for a live stream rather than a JSON page."""
    return accept is not None and MEDIA_TYPE in accept


class Shutdown:
    """Set when the server begins to stop, so that open streams end at once instead of
    holding the graceful shutdown up until its timeout.

    uvicorn tells the application only after its open responses have finished, so the flag is
    also set by SIGTERM and SIGINT (chained in front of the server's own handlers) while
    :meth:`on_signals` is active.
    """

    def __init__(self) -> None:
        self._event = threading.Event()

    @property
    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        self._event.set()

    @contextlib.contextmanager
    def on_signals(self) -> Iterator[None]:
        """Set the flag on SIGTERM/SIGINT, then let the handler before ours act as it would.

        Signal handlers belong to the main thread: elsewhere (a test server in a thread) this
        does nothing.
        """
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

        def handle(signum: int, frame: FrameType | None) -> None:
            self.set()
            before = previous[signal.Signals(signum)]
            if callable(before):
                before(signum, frame)
            elif before == signal.SIG_DFL:
                signal.signal(signum, signal.SIG_DFL)
                signal.raise_signal(signum)

        for sig in previous:
            signal.signal(sig, handle)
        try:
            yield
        finally:
            for sig, before in previous.items():
                if signal.getsignal(sig) is handle:
                    signal.signal(sig, before)


@dataclass(frozen=True)
class Pacing:
    """How often a stream reads its feed, and after how much silence it sends a comment."""

    poll_seconds: float
    heartbeat_seconds: float


async def event_stream(
    request: Request, feed: Feed, pacing: Pacing, shutdown: Shutdown
) -> AsyncIterator[bytes]:
    """The bytes of a live stream of `feed` (see the module docstring)."""
    last_sent = time.monotonic()
    while not shutdown.is_set:
        batch = await run_in_threadpool(feed)
        for message in batch.messages:
            yield message.encode()
        if batch.done or await request.is_disconnected():
            return
        if batch.messages:
            last_sent = time.monotonic()
        elif time.monotonic() - last_sent >= pacing.heartbeat_seconds:
            last_sent = time.monotonic()
            yield KEEP_ALIVE
        await asyncio.sleep(pacing.poll_seconds)


def stream_response(request: Request, feed: Feed) -> StreamingResponse:
    """The response of a live route: the stream of `feed`, paced by the API's settings."""
    settings = request.app.state.settings
    pacing = Pacing(settings.sse_poll_seconds, settings.sse_heartbeat_seconds)
    shutdown: Shutdown = request.app.state.shutdown
    return StreamingResponse(
        event_stream(request, feed, pacing, shutdown),
        media_type=MEDIA_TYPE,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
