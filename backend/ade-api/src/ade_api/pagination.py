"""Pagination and sorting, done one way for every list endpoint.

`?page=1&page_size=50&sort=-created_at,name` -> `{items, total, page, page_size}`. Each list
declares which fields may be sorted on; ties are broken by id so pages never overlap or skip.
Filters are plain query parameters named after the field (`?status=queued`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from ade_api.errors import FieldProblem, InvalidInputError

MAX_PAGE_SIZE = 200
# Bounds the OFFSET a page needs to well within a 64-bit integer (a larger one was a 500).
MAX_PAGE = 1_000_000_000

ItemT = TypeVar("ItemT")
# A column a list may sort on: a model attribute or any SQL expression.
SortColumn = ColumnElement[Any] | QueryableAttribute[Any]


class Page(BaseModel, Generic[ItemT]):
    """One page of a list."""

    items: list[ItemT]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True)
class PageParams:
    """What the client asked for: a page, its size and the sort order."""

    page: int = 1
    page_size: int = 50
    sort: str | None = None


async def page_params(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page.")] = 50,
    sort: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Comma-separated fields; a leading `-` sorts descending.",
        ),
    ] = None,
) -> PageParams:
    return PageParams(page=page, page_size=page_size, sort=sort)


PageParamsDep = Annotated[PageParams, Depends(page_params)]


def _requested(
    sort: str | None, sortable: Mapping[str, Any], default: Sequence[str]
) -> list[tuple[str, bool]]:
    """(field, descending) pairs of `sort` (else `default`), refusing fields not offered."""
    requested = [part.strip() for part in sort.split(",")] if sort else list(default)
    pairs: list[tuple[str, bool]] = []
    for part in requested:
        name = part.removeprefix("-")
        if not part or name not in sortable:
            raise InvalidInputError(
                f"cannot sort on {name!r}",
                errors=[
                    FieldProblem(
                        ("query", "sort"), f"sortable fields: {', '.join(sorted(sortable))}"
                    )
                ],
            )
        pairs.append((name, part.startswith("-")))
    return pairs


def order_by(
    sort: str | None,
    sortable: Mapping[str, SortColumn],
    default: Sequence[str],
) -> list[ColumnElement[Any]]:
    """The ORDER BY clauses for `sort`, refusing fields the list does not offer."""
    return [
        sortable[name].desc() if descending else sortable[name].asc()
        for name, descending in _requested(sort, sortable, default)
    ]


def paginate(
    session: Session,
    statement: Select[*tuple[Any, ...]],
    params: PageParams,
    *,
    sortable: Mapping[str, SortColumn],
    default_sort: Sequence[str],
    tiebreak: SortColumn,
    to_item: Callable[[Any], ItemT],
) -> Page[ItemT]:
    """Run `statement` for one page: counted, sorted (ties by `tiebreak`) and converted.

    `to_item` receives each result row (a `Row`, so statements may select several things).
    """
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    ordered = statement.order_by(*order_by(params.sort, sortable, default_sort), tiebreak.asc())
    rows = session.execute(
        ordered.limit(params.page_size).offset((params.page - 1) * params.page_size)
    ).all()
    return Page(
        items=[to_item(row) for row in rows],
        total=int(total or 0),
        page=params.page,
        page_size=params.page_size,
    )


def paginate_items(
    items: Sequence[ItemT],
    params: PageParams,
    *,
    sortable: Mapping[str, Callable[[ItemT], Any]],
    default_sort: Sequence[str] = (),
) -> Page[ItemT]:
    """One page of a list already in memory (read from a file, not a table), sorted as
    `paginate` sorts: same parameters, same errors. Ties keep the list's own order; an
    absent (None) value sorts first ascending, last descending."""
    ordered = list(items)
    # Stable sorts from the last key to the first give the combined order.
    for name, descending in reversed(_requested(params.sort, sortable, default_sort)):
        key = sortable[name]
        ordered.sort(key=lambda item: (key(item) is not None, key(item)), reverse=descending)
    start = (params.page - 1) * params.page_size
    return Page(
        items=ordered[start : start + params.page_size],
        total=len(ordered),
        page=params.page,
        page_size=params.page_size,
    )
