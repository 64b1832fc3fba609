"""The workspace's change events: a live stream (SSE) for lists that update themselves, and a
document's timeline. HTTP only: the reading lives in the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from ade_api.dependencies import SessionDep
from ade_api.documents.dependencies import DocumentDep
from ade_api.events import service
from ade_api.events.schemas import Cursor, EventOut
from ade_api.pagination import Page, PageParamsDep
from ade_api.problems import WORKSPACE_PROBLEMS, problem_responses
from ade_api.routing import StrictJsonRoute
from ade_api.sse import STREAM_RESPONSE, stream_response, wants_stream
from ade_api.workspaces.dependencies import WorkspaceAccessDep

router = APIRouter(
    route_class=StrictJsonRoute,
    prefix="/workspaces/{workspace_id}",
    tags=["events"],
    responses=problem_responses(*WORKSPACE_PROBLEMS),
)


@router.get("/events", response_model=Page[EventOut], responses=STREAM_RESPONSE)
def workspace_events(
    request: Request,
    session: SessionDep,
    access: WorkspaceAccessDep,
    page: PageParamsDep,
    after: Annotated[
        Cursor | None, Query(description="Only events after this event id (a cursor).")
    ] = None,
    accept: Annotated[str | None, Header()] = None,
    last_event_id: Annotated[
        Cursor | None,
        Header(alias="Last-Event-ID", description="Resume after this cursor (wins over `after`)."),
    ] = None,
) -> Page[EventOut] | Response:
    """The workspace's document and job changes, oldest first. With `Accept:
    text/event-stream`, a live stream from now (or from the cursor) that does not end."""
    cursor = last_event_id or after
    if wants_stream(accept):
        feed = service.WorkspaceFeed(
            request.app.state.session_factory, access.workspace.id, access.user.id, cursor
        )
        return stream_response(request, feed)
    return service.list_events(session, access, page, after=cursor)


@router.get("/documents/{document_id}/events")
def document_events(
    session: SessionDep, document: DocumentDep, page: PageParamsDep
) -> Page[EventOut]:
    """The document's timeline: its upload, and every status change of its jobs, oldest first."""
    return service.document_timeline(session, document, page)
