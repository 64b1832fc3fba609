"""Every route reads its JSON body with the strict loader (`ade_engine.strict_json`).

FastAPI parses a body with Python's `json.loads`, which lets `NaN`, `Infinity` and numbers
such as `1e309` (parsed as infinite) through to the handler; they then fail where they cannot
be written back as JSON (a 500), and deep nesting costs a recursion per level. Each router is
built with `route_class=StrictJsonRoute`, so the body a handler gets has passed the strict
loader: such a body is a 400 problem before any handler runs. Text that is not JSON at all
still reaches FastAPI's own answer (422, as before).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute

from ade_engine import strict_json


class StrictJsonRequest(Request):
    """A request whose `json()` is the strict loader."""

    async def json(self) -> Any:
        if not hasattr(self, "_strict_json"):
            try:
                self._strict_json = strict_json.loads(await self.body())
            except strict_json.JsonRefusedError as exc:
                # An HTTPException is the one error FastAPI lets out of body parsing as it is.
                raise HTTPException(400, f"the JSON body was refused: {exc}") from None
        return self._strict_json


class StrictJsonRoute(APIRoute):
    """A route whose handler sees a `StrictJsonRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict_handler
