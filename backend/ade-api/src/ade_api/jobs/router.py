"""Jobs: submit, read, follow, download results, cancel, retry. HTTP only: the rules live in
the service."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import FileResponse, StreamingResponse
from sqlalchemy.orm import Session

from ade_api.dependencies import (
    SessionDep,
    SessionFactoryDep,
    SettingsDep,
    StorageDep,
    SubmitLimiterDep,
    run_in_session,
)
from ade_api.jobs import results, service, submission
from ade_api.jobs.dependencies import JobDep, JobQueueDep
from ade_api.jobs.results import TABLE_SORTS
from ade_api.jobs.schemas import JobEventOut, JobOut, JobSubmit, TableOut
from ade_api.logging import request_id_var
from ade_api.pagination import Page, PageParamsDep, paginate_items
from ade_api.problems import WORKSPACE_PROBLEMS, problem_responses
from ade_api.routing import StrictJsonRoute
from ade_api.sse import STREAM_RESPONSE, stream_response, wants_stream
from ade_api.workspaces.dependencies import DeferredWorkspaceAccessDep, WorkspaceAccessDep
from ade_db.enums import JobStatus

router = APIRouter(
    route_class=StrictJsonRoute,
    prefix="/workspaces/{workspace_id}/jobs",
    tags=["jobs"],
    responses=problem_responses(*WORKSPACE_PROBLEMS, 429),
)
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("", status_code=status.HTTP_202_ACCEPTED)
async def submit_job(
    response: Response,
    sessions: SessionFactoryDep,
    access: DeferredWorkspaceAccessDep,
    body: JobSubmit,
    queue: JobQueueDep,
    settings: SettingsDep,
    limiter: SubmitLimiterDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> JobOut:
    """Queue a document for a run through a config version (202); a repeat is a cache hit."""
    request_id = request_id_var.get()

    def work(session: Session) -> tuple[JobOut, bool]:
        return submission.submit(
            session,
            access(session),
            body,
            idempotency_key=idempotency_key,
            request_id=request_id,
            queue=queue,
            max_queued=settings.max_queued_jobs_per_workspace,
        )

    # The hot path under a burst: one hop to the threadpool for all of its database work (the
    # caller, the workspace, the submit) in a session of its own, committed in the same hop,
    # where a plain `def` route with its dependencies takes five. A few submits run it at
    # once, the rest wait in order.
    job, replayed = await run_in_session(sessions, work, limiter=limiter)
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
    config_id: Annotated[str | None, Query(max_length=26)] = None,
    config_version_id: Annotated[str | None, Query(max_length=26)] = None,
) -> Page[JobOut]:
    """List the workspace's jobs, newest first; filter by status, document, config or
    version."""
    return service.list_jobs(
        session,
        access,
        page,
        status=status_,
        document_id=document_id,
        config_id=config_id,
        config_version_id=config_version_id,
    )


@router.get("/{job_id}")
def get_job(job: JobDep) -> JobOut:
    """A job's status, timestamps, attempts, metrics and error."""
    return service.job_out(job)


@router.get("/{job_id}/events", response_model=Page[JobEventOut], responses=STREAM_RESPONSE)
def job_events(
    request: Request,
    session: SessionDep,
    job: JobDep,
    page: PageParamsDep,
    accept: Annotated[str | None, Header()] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
) -> Page[JobEventOut] | Response:
    """The job's timeline; with `Accept: text/event-stream`, streamed live until it ends."""
    if wants_stream(accept):
        after = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0
        feed = service.TimelineFeed(request.app.state.session_factory, job.id, after)
        return stream_response(request, feed)
    return service.list_events(session, job, page)


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
