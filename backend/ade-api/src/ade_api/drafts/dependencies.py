"""Dependencies of the draft routes: the `If-Match` precondition of writes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header


async def if_match(
    value: Annotated[
        str | None,
        Header(
            alias="If-Match",
            max_length=2048,
            description="The ETag you read; writes without it answer 428, stale ones 412.",
        ),
    ] = None,
) -> list[str] | None:
    """The sha256 values named by `If-Match` (quotes and weak markers removed), or None."""
    if value is None:
        return None
    tags = []
    for part in value.split(","):
        tag = part.strip().removeprefix("W/").strip('"')
        if tag:
            tags.append(tag)
    return tags


IfMatchDep = Annotated[list[str] | None, Depends(if_match)]
