"""Previews: a document's sheets and a job's normalized rows as pages of JSON. HTTP only: the
rules live in the service."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ade_api.configs.dependencies import ConfigAccessDep, SandboxDep
from ade_api.dependencies import StorageDep
from ade_api.documents.dependencies import DocumentDep
from ade_api.jobs.dependencies import JobDep
from ade_api.previews import service
from ade_api.previews.dependencies import ExtractsDep, PageRequestDep
from ade_api.previews.pages import Page
from ade_api.previews.schemas import RowsPage
from ade_api.problems import WORKSPACE_PROBLEMS, problem_responses
from ade_api.routing import StrictJsonRoute

router = APIRouter(
    route_class=StrictJsonRoute,
    prefix="/workspaces/{workspace_id}",
    responses=problem_responses(*WORKSPACE_PROBLEMS, 429),
)


def _json(page: Page) -> Response:
    # Assembled from the extract's JSON lines (see RowsPage): never parsed, never validated.
    return Response(page.render(), media_type="application/json")


@router.get("/documents/{document_id}/preview", response_model=RowsPage, tags=["documents"])
def preview_document(
    document: DocumentDep, storage: StorageDep, extracts: ExtractsDep, page: PageRequestDep
) -> Response:
    """A page of one sheet of the document, read as the engine reads it (typed cells); the
    file is read once, in a subprocess with resource limits, and kept as an extract."""
    return _json(service.document_preview(storage, extracts, document, page))


@router.get("/jobs/{job_id}/output/rows", response_model=RowsPage, tags=["jobs"])
def job_output_rows(
    job: JobDep, storage: StorageDep, extracts: ExtractsDep, page: PageRequestDep
) -> Response:
    """A page of the job's normalized workbook as JSON rows (its output sheet first); 409
    when the job has no output (queued, running, failed or cancelled)."""
    return _json(service.job_output_rows(storage, extracts, job, page))


@router.get(
    "/configs/{config_id}/dry-runs/{run_id}/output/rows", response_model=RowsPage, tags=["drafts"]
)
def dry_run_output_rows(
    ctx: ConfigAccessDep,
    run_id: str,
    sandbox: SandboxDep,
    extracts: ExtractsDep,
    page: PageRequestDep,
) -> Response:
    """A page of a recent dry-run's preview workbook as JSON rows (its output sheet first);
    404 when the run wrote none or it has expired."""
    return _json(service.dry_run_output_rows(extracts, sandbox, ctx, run_id, page))
