"""Documents: upload (streamed), list, read, download, delete. HTTP only: the rules live in
the service."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ade_api.dependencies import SessionDep, SettingsDep, StorageDep
from ade_api.documents import service
from ade_api.documents._upload import FORM_OVERHEAD, receive_file
from ade_api.documents.dependencies import DocumentDep
from ade_api.documents.schemas import DocumentDetail, DocumentOut
from ade_api.errors import PayloadTooLargeError
from ade_api.pagination import Page, PageParamsDep
from ade_api.problems import WORKSPACE_PROBLEMS, problem_responses
from ade_api.routing import StrictJsonRoute
from ade_api.workspaces.dependencies import WorkspaceAccessDep
from ade_db.types import new_id
from ade_engine.formats import FileType

router = APIRouter(
    route_class=StrictJsonRoute,
    prefix="/workspaces/{workspace_id}/documents",
    tags=["documents"],
    responses=problem_responses(*WORKSPACE_PROBLEMS, 415),
)

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=DocumentOut,
    openapi_extra=_UPLOAD_BODY,
    responses={200: {"model": DocumentOut, "description": "A replay of an earlier upload."}},
)
async def upload_document(
    request: Request,
    session: SessionDep,
    access: WorkspaceAccessDep,
    storage: StorageDep,
    settings: SettingsDep,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
    ] = None,
) -> JSONResponse:
    """Upload a spreadsheet (multipart field `file`), streamed to storage (201)."""
    service.require_uploader(access)
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + FORM_OVERHEAD:
        raise PayloadTooLargeError(f"the document is over the {limit}-byte upload limit")
    replay = await run_in_threadpool(service.find_replay, session, access, idempotency_key)
    if replay is not None:
        return _document_response(replay, replayed=True)
    document_id = new_id()
    # The document's own folder: the temp file is renamed into place from there.
    folder = storage.layout.document_path(access.workspace.id, document_id, ".bin").parent
    received = await receive_file(
        request.stream(),
        request.headers.get("content-type", ""),
        folder=folder,
        max_bytes=limit,
    )
    try:
        upload = service.Upload(document_id, received, idempotency_key)
        document, replayed = await run_in_threadpool(
            service.create_document, session, access, storage, upload
        )
    finally:
        await run_in_threadpool(received.discard)
    return _document_response(document, replayed=replayed)


def _document_response(document: DocumentOut, *, replayed: bool) -> JSONResponse:
    if replayed:
        return JSONResponse(
            document.model_dump(mode="json"),
            status_code=status.HTTP_200_OK,
            headers={"Idempotent-Replayed": "true"},
        )
    return JSONResponse(document.model_dump(mode="json"), status_code=status.HTTP_201_CREATED)


@router.get("")
def list_documents(
    session: SessionDep,
    access: WorkspaceAccessDep,
    page: PageParamsDep,
    file_type: Annotated[FileType | None, Query(description="Only this type.")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="File name contains (any case).")
    ] = None,
    uploaded_by: Annotated[
        str | None, Query(max_length=64, description="Uploader's user id.")
    ] = None,
) -> Page[DocumentOut]:
    """List the workspace's documents (sortable: created_at, original_filename, size)."""
    return service.list_documents(
        session, access, page, file_type=file_type, q=q, uploaded_by=uploaded_by
    )


@router.get("/{document_id}")
def get_document(session: SessionDep, document: DocumentDep) -> DocumentDetail:
    """Read a document with its most recent jobs and job counts by status."""
    return service.document_detail(session, document)


@router.get(
    "/{document_id}/content",
    response_class=StreamingResponse,
    responses={200: {"content": {"*/*": {}}, "description": "The file, with its uploaded type."}},
)
def download_document(document: DocumentDep, storage: StorageDep) -> StreamingResponse:
    """Download the document's bytes as uploaded."""
    chunks = service.open_content(storage, document)
    return StreamingResponse(
        chunks,
        media_type=document.content_type,
        headers={
            "Content-Disposition": content_disposition(document.original_filename),
            "Content-Length": str(document.size),
            "ETag": f'"{document.sha256}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact name per RFC 6266/5987."""
    fallback = "".join(
        ch if " " <= ch < "\x7f" and ch not in '"\\%;' else "_" for ch in filename
    ).strip()
    encoded = quote(filename, safe="")
    return f"attachment; filename=\"{fallback or 'download'}\"; filename*=UTF-8''{encoded}"


@router.delete("/{document_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_document(
    session: SessionDep, access: WorkspaceAccessDep, storage: StorageDep, document: DocumentDep
) -> Response:
    """Delete a document and its finished jobs (editors); 409 while a job uses it."""
    service.delete_document(session, access, storage, document)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
