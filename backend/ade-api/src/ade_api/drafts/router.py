"""A config's draft: files, manifest, plan and dry-run. HTTP only: the rules live in the
service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response, status
from fastapi.responses import FileResponse, JSONResponse

from ade_api.configs.dependencies import ConfigAccessDep, PackageLimitsDep, SandboxDep
from ade_api.configs.router import etag
from ade_api.configs.schemas import FileInfo
from ade_api.dependencies import SessionDep, SettingsDep, StorageDep
from ade_api.drafts import columns, dryrun, service
from ade_api.drafts.dependencies import IfMatchDep
from ade_api.drafts.schemas import (
    ColumnCreate,
    DryRunOut,
    DryRunRequest,
    FileContent,
    FileCreate,
    FileUpdate,
    PlanOut,
)
from ade_api.pagination import Page, PageParamsDep
from ade_api.problems import WORKSPACE_PROBLEMS, problem_responses
from ade_api.routing import StrictJsonRoute

router = APIRouter(
    route_class=StrictJsonRoute,
    prefix="/workspaces/{workspace_id}/configs/{config_id}",
    tags=["drafts"],
    responses=problem_responses(*WORKSPACE_PROBLEMS, 412, 428, 429),
)
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ETAG_HEADER = {"ETag": {"description": "The file's sha256, quoted.", "schema": {"type": "string"}}}


def _with_etag(model: FileInfo, status_code: int = 200) -> JSONResponse:
    return JSONResponse(
        model.model_dump(), status_code=status_code, headers={"ETag": etag(model.sha256)}
    )


@router.get("/draft/files")
def list_files(session: SessionDep, ctx: ConfigAccessDep, page: PageParamsDep) -> Page[FileInfo]:
    """List the draft's files with their sizes and sha256."""
    return service.list_files(session, ctx, page)


@router.get(
    "/draft/files/{path:path}",
    response_model=FileContent,
    responses={200: {"headers": _ETAG_HEADER}},
)
def read_file(session: SessionDep, ctx: ConfigAccessDep, path: str) -> JSONResponse:
    """Read a draft file; its ETag is what a later write sends as If-Match."""
    return _with_etag(service.read_file(session, ctx, path))


@router.post(
    "/draft/files",
    status_code=status.HTTP_201_CREATED,
    response_model=FileInfo,
    responses={201: {"headers": _ETAG_HEADER}},
)
def create_file(
    session: SessionDep, ctx: ConfigAccessDep, body: FileCreate, limits: PackageLimitsDep
) -> JSONResponse:
    """Add a draft file; without `code` it is scaffolded (a new column also joins the manifest)."""
    return _with_etag(service.create_file(session, ctx, body, limits), status.HTTP_201_CREATED)


@router.put(
    "/draft/files/{path:path}", response_model=FileInfo, responses={200: {"headers": _ETAG_HEADER}}
)
def update_file(
    session: SessionDep,
    ctx: ConfigAccessDep,
    path: str,
    body: FileUpdate,
    match: IfMatchDep,
    limits: PackageLimitsDep,
) -> JSONResponse:
    """Replace a draft file's content (needs If-Match: 428 without it, 412 when stale)."""
    return _with_etag(service.update_file(session, ctx, path, body.code, match, limits))


@router.delete("/draft/files/{path:path}", status_code=status.HTTP_204_NO_CONTENT)
def delete_file(
    session: SessionDep, ctx: ConfigAccessDep, path: str, match: IfMatchDep
) -> Response:
    """Delete a draft file the manifest does not use (needs If-Match)."""
    service.delete_file(session, ctx, path, match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/draft/columns",
    status_code=status.HTTP_201_CREATED,
    responses={201: {"headers": _ETAG_HEADER}},
)
def add_column(
    session: SessionDep,
    ctx: ConfigAccessDep,
    body: ColumnCreate,
    match: IfMatchDep,
    limits: PackageLimitsDep,
) -> JSONResponse:
    """Add a column in one step: `columns/<field>.py` from the kind's template and its
    manifest entry, both or neither (ETag: the manifest's new one; If-Match optional)."""
    added = columns.add_column(session, ctx, body, match, limits)
    return JSONResponse(
        added.model_dump(),
        status_code=status.HTTP_201_CREATED,
        headers={"ETag": etag(added.manifest_sha256)},
    )


@router.get("/draft/manifest", responses={200: {"headers": _ETAG_HEADER}})
def read_manifest(session: SessionDep, ctx: ConfigAccessDep) -> JSONResponse:
    """Read the draft's manifest (ETag: the sha256 of manifest.json)."""
    manifest, sha256 = service.read_manifest(session, ctx)
    return JSONResponse(manifest, headers={"ETag": etag(sha256)})


@router.patch("/draft/manifest", responses={200: {"headers": _ETAG_HEADER}})
def patch_manifest(
    session: SessionDep,
    ctx: ConfigAccessDep,
    patch: Annotated[dict[str, Any], Body(media_type="application/merge-patch+json")],
    match: IfMatchDep,
    limits: PackageLimitsDep,
) -> JSONResponse:
    """Change the manifest with a JSON merge patch; an invalid result answers 400 with paths."""
    manifest, sha256 = service.patch_manifest(session, ctx, patch, match, limits)
    return JSONResponse(manifest, headers={"ETag": etag(sha256)})


@router.post("/draft:plan")
def plan(session: SessionDep, ctx: ConfigAccessDep, sandbox: SandboxDep) -> PlanOut:
    """Check the whole draft in the sandbox and list what a run would execute."""
    return dryrun.plan(session, ctx, sandbox)


@router.post("/draft:dry-run")
def dry_run(
    request: Request,
    session: SessionDep,
    ctx: ConfigAccessDep,
    body: DryRunRequest,
    sandbox: SandboxDep,
    storage: StorageDep,
    settings: SettingsDep,
) -> DryRunOut:
    """Run the draft on a document in the sandbox; answer with the mapping preview."""
    preview = dryrun.dry_run(
        session,
        ctx,
        body.document_id,
        sandbox,
        storage.blobs,
        timeout_seconds=settings.dry_run_timeout_seconds,
    )
    if preview.expires_at is not None:
        preview.output_url = str(
            request.url_for(
                "dry_run_output",
                workspace_id=ctx.access.workspace.id,
                config_id=ctx.config.id,
                run_id=preview.run_id,
            ).path
        )
    return preview


@router.get(
    "/dry-runs/{run_id}/output",
    name="dry_run_output",
    response_class=FileResponse,
    responses={200: {"content": {_XLSX: {}}, "description": "The preview workbook."}},
)
def dry_run_output(ctx: ConfigAccessDep, run_id: str, sandbox: SandboxDep) -> FileResponse:
    """Download the preview workbook of a recent dry-run."""
    path = dryrun.dry_run_output(ctx, run_id, sandbox)
    return FileResponse(path, media_type=_XLSX, filename=f"{ctx.config.slug}-dry-run.xlsx")
