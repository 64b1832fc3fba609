"""Request context: an id for every request, echoed in `X-Request-ID`, and one access-log line.

Pure ASGI middleware, so streamed responses (downloads, event streams) pass through untouched.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ade_api.logging import request_id_var
from ade_db.types import new_id

logger = logging.getLogger("ade_api.access")

# A client-supplied id is kept only when it is short and plain: it ends up in log lines.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
HEADER = b"x-request-id"


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == HEADER:
            text = value.decode("latin-1")
            return text if _SAFE_ID.match(text) else None
    return None


class RequestContextMiddleware:
    """Assign the request id, return it, and log method, path, status and duration."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or new_id()
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != HEADER]
                headers.append((HEADER, request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            logger.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "request_id": request_id,
                    "user_id": state.get("user_id"),
                    "workspace_id": state.get("workspace_id"),
                },
            )
            request_id_var.reset(token)


def _is_upload(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower().startswith("multipart/")


class JsonBodyLimitMiddleware:
    """Refuse request bodies over `max_bytes` with a 413 problem, before any handler.

    Every body but an upload is JSON, which a handler reads whole into memory whatever its
    `Content-Type` says, so it is buffered here (up to the limit) and replayed. Uploads
    (multipart: documents, config zips) are streamed and keep their own limits.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        if _is_upload(headers.get(b"content-type", b"").decode("latin-1")):
            await self.app(scope, receive, send)
            return
        declared = headers.get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        from starlette.requests import Request

        from ade_api.problems import problem_response

        response = problem_response(
            Request(scope),
            status=413,
            slug="payload-too-large",
            title="Payload too large",
            detail=f"the JSON body is over the {self.max_bytes}-byte limit",
        )
        await response(scope, receive, send)
