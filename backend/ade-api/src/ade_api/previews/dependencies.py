"""Dependencies of the preview routes: the process's extract maker and the page asked for."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from ade_api.previews.runner import Extracts
from ade_api.previews.service import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, PageRequest


async def get_extracts(request: Request) -> Extracts:
    extracts: Extracts = request.app.state.previews
    return extracts


async def page_request(
    sheet: Annotated[
        str | None, Query(max_length=255, description="The sheet's name; the first by default.")
    ] = None,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="The first row, from 0 (row 1 is 0).")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows in the page.")] = (
        DEFAULT_LIMIT
    ),
) -> PageRequest:
    return PageRequest(sheet=sheet, offset=offset, limit=limit)


ExtractsDep = Annotated[Extracts, Depends(get_extracts)]
PageRequestDep = Annotated[PageRequest, Depends(page_request)]
