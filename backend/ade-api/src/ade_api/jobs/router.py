"""Jobs: submit, read, follow, download results, cancel, retry. HTTP only: the rules live in
the service."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import FileResponse, StreamingResponse
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from ade_api.dependencies import SessionDep, SettingsDep, StorageDep
from ade_api.jobs import results, service
from ade_api.jobs.dependencies import JobDep, JobQueueDep
from ade_api.jobs.results import TABLE_SORTS
from ade_api.jobs.schemas import JobEventOut, JobOut, JobSubmit, TableOut
from ade_api.logging import request_id_var
from ade_api.pagination import Page, PageParamsDep, paginate_items
from ade_api.problems import WORKSPACE_PROBLEMS, problem_responses
from ade_api.routing import StrictJsonRoute
from ade_api.workspaces.dependencies import WorkspaceAccessDep
from ade_db.enums import JobStatus

router = APIRouter(
    route_class=StrictJsonRoute,
    prefix="/workspaces/{workspace_id}/jobs",
    tags=["jobs"],
    responses=problem_responses(*WORKSPACE_PROBLEMS, 429),
)
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TERMINAL_EVENTS = {"job.succeeded", "job.failed", "job.cancelled", "job.cache_hit"}
_POLL_SECONDS = 0.5
_KEEPALIVE_SECONDS = 15.0


@router.post("", status_code=status.HTTP_202_ACCEPTED)
def submit_job(
    response: Response,
    session: SessionDep,
    access: WorkspaceAccessDep,
    body: JobSubmit,
    queue: JobQueueDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> JobOut:
    """Queue a document for a run through a config version (202); a repeat is a cache hit."""
    job, replayed = service.submit(
        session,
        access,
        body,
        idempotency_key=idempotency_key,
        request_id=request_id_var.get(),
        queue=queue,
        max_queued=settings.max_queued_jobs_per_workspace,
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return job


@router.get("")
def list_jobs(
    session: SessionDep,
    access: WorkspaceAccessDep,
    page: PageParamsDep,
    status_: Annotated[JobStatus | None, Query(alias="status")] = None,
    document_id: Annotated[str | None, Query(max_length=26)] = None,
    config_version_id: Annotated[str | None, Query(max_length=26)] = None,
) -> Page[JobOut]:
    """List the workspace's jobs, newest first; filter by status, document or version."""
    return service.list_jobs(
        session,
        access,
        page,
        status=status_,
        document_id=document_id,
        config_version_id=config_version_id,
    )


@router.get("/{job_id}")
def get_job(job: JobDep) -> JobOut:
    """A job's status, timestamps, attempts, metrics and error."""
    return service.job_out(job)


@router.get(
    "/{job_id}/events",
    response_model=Page[JobEventOut],
    responses={200: {"content": {"text/event-stream": {}}, "description": "Live with SSE."}},
)
def job_events(
    request: Request,
    session: SessionDep,
    job: JobDep,
    page: PageParamsDep,
    accept: Annotated[str | None, Header()] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
) -> Page[JobEventOut] | Response:
    """The job's timeline; with `Accept: text/event-stream`, streamed live until it ends."""
    if accept and "text/event-stream" in accept:
        after = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0
        stream = _event_stream(request, request.app.state.session_factory, job.id, after)
        return StreamingResponse(
            stream,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    return service.list_events(session, job, page)


def _poll(
    factory: sessionmaker[Session], job_id: str, after: int
) -> tuple[list[JobEventOut], str | None]:
    with factory() as session:
        return service.events_after(session, job_id, after), service.job_status(session, job_id)


async def _event_stream(
    request: Request, factory: sessionmaker[Session], job_id: str, after: int
) -> AsyncIterator[bytes]:
    idle = 0.0
    while True:
        events, current = await run_in_threadpool(_poll, factory, job_id, after)
        for event in events:
            after = event.seq
            data = json.dumps(event.model_dump(mode="json"), separators=(",", ":"))
            yield f"id: {event.seq}\nevent: {event.type}\ndata: {data}\n\n".encode()
            if event.type in _TERMINAL_EVENTS:
                return
        if not events and current in (None, "succeeded", "failed", "cancelled"):
            return  # finished (or deleted) and nothing left to send
        if await request.is_disconnected():
            return
        if events:
            idle = 0.0
        else:
            idle += _POLL_SECONDS
            if idle >= _KEEPALIVE_SECONDS:
                idle = 0.0
                yield b": keep-alive\n\n"
        await asyncio.sleep(_POLL_SECONDS)


@router.get("/{job_id}/artifact", response_class=FileResponse)
def job_artifact(job: JobDep, storage: StorageDep) -> FileResponse:
    """The job's artifact.json: every decision the engine made, pass by pass."""
    return FileResponse(results.artifact_file(storage.layout, job), media_type="application/json")


@router.get(
    "/{job_id}/output",
    response_class=Response,
    responses={200: {"content": {_XLSX: {}, "text/csv": {}}, "description": "The output."}},
)
def job_output(
    job: JobDep,
    storage: StorageDep,
    format_: Annotated[Literal["xlsx", "csv"], Query(alias="format")] = "xlsx",
) -> Response:
    """The normalized workbook, or its output sheet as CSV with `?format=csv`."""
    path = results.output_file(storage.layout, job)
    name = f"{job.id}-normalized"
    if format_ == "csv":
        return StreamingResponse(
            results.csv_chunks(path, results.output_sheet(storage.layout, job)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return FileResponse(path, media_type=_XLSX, filename=f"{name}.xlsx")


@router.get("/{job_id}/tables")
def job_tables(job: JobDep, storage: StorageDep, page: PageParamsDep) -> Page[TableOut]:
    """Each table found: sheet, range, header, mapping, row and issue counts; in the order the
    engine found them unless sorted (`sheet`, `id`, `issues`, `status`)."""
    return paginate_items(results.tables(storage.layout, job), page, sortable=TABLE_SORTS)


@router.post("/{job_id}:cancel", status_code=status.HTTP_202_ACCEPTED)
def cancel_job(session: SessionDep, access: WorkspaceAccessDep, job: JobDep) -> JobOut:
    """Cancel a job: a queued one at once, a running one within two seconds."""
    return service.cancel(session, access, job)


@router.post("/{job_id}:retry", status_code=status.HTTP_202_ACCEPTED)
def retry_job(
    session: SessionDep,
    access: WorkspaceAccessDep,
    job: JobDep,
    queue: JobQueueDep,
    settings: SettingsDep,
) -> JobOut:
    """Queue a failed or cancelled job again."""
    return service.retry(
        session, access, job, queue=queue, max_queued=settings.max_queued_jobs_per_workspace
    )
