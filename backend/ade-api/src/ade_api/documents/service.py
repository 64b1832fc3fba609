"""Document rules: upload (sniffed, deduplicated by Idempotency-Key), list, read, delete.

The bytes live in blob storage under `documents/<ws>/<doc>/source<suffix>`; the row records
what they are; its preview extract (`ade_api.previews`) goes in the same folder. The original
file name is display metadata only, never a path.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, aliased

from ade_api.documents._sniff import UnsupportedDocumentError, sniff
from ade_api.documents._upload import ReceivedFile
from ade_api.documents.schemas import DocumentDetail, DocumentJob, DocumentOut
from ade_api.errors import ConflictError, NotFoundError, UnsupportedMediaTypeError
from ade_api.event_log import record_event
from ade_api.pagination import Page, PageParams, paginate
from ade_api.persistence import after_commit, flush_or_conflict
from ade_api.storage import Storage
from ade_api.workspaces.service import WorkspaceAccess
from ade_db.enums import JobStatus, WorkspaceRole
from ade_db.models import Document, Job
from ade_engine.formats import FileType
from ade_storage import BlobNotFoundError, LocalBlobStore, resolve_within

RECENT_JOBS = 10
_NOT_FOUND = "document not found"
_ACTIVE = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)


@dataclass(frozen=True)
class Upload:
    """What the service needs to record an upload: the received file and the new id."""

    document_id: str
    received: ReceivedFile
    idempotency_key: str | None


def document_out(document: Document) -> DocumentOut:
    return DocumentOut(
        id=document.id,
        workspace_id=document.workspace_id,
        original_filename=document.original_filename,
        file_type=FileType(document.file_type),
        content_type=document.content_type,
        size=document.size,
        sha256=document.sha256,
        uploaded_by_id=document.uploaded_by_id,
        created_at=document.created_at,
        updated_at=document.updated_at,
    )


def get_document(session: Session, access: WorkspaceAccess, document_id: str) -> Document:
    """A document of the caller's workspace; 404 when missing or in another workspace."""
    document = session.get(Document, document_id.upper())
    if document is None or document.workspace_id != access.workspace.id:
        raise NotFoundError(_NOT_FOUND)
    return document


# --------------------------------------------------------------------------- upload


def require_uploader(access: WorkspaceAccess) -> None:
    """Refuse (403) callers who may not upload, before any byte of the body is read."""
    access.require(WorkspaceRole.EDITOR)


def find_replay(
    session: Session, access: WorkspaceAccess, idempotency_key: str | None
) -> DocumentOut | None:
    """The document an earlier upload with this Idempotency-Key created, if any."""
    if not idempotency_key:
        return None
    document = session.scalars(
        select(Document).where(
            Document.workspace_id == access.workspace.id,
            Document.idempotency_key == idempotency_key,
        )
    ).one_or_none()
    return None if document is None else document_out(document)


def create_document(
    session: Session, access: WorkspaceAccess, storage: Storage, upload: Upload
) -> tuple[DocumentOut, bool]:
    """Record the received file as a document and move it into place.

    415 when its content is not a spreadsheet ADE reads or its name's extension disagrees.
    Returns the document and whether it is a replay (a concurrent upload with the same
    Idempotency-Key won); the caller discards the temp file either way.
    """
    received = upload.received
    try:
        kind = sniff(received.path, received.filename)
    except UnsupportedDocumentError as exc:
        raise UnsupportedMediaTypeError(str(exc)) from None
    workspace_id = access.workspace.id
    key = storage.layout.document_key(workspace_id, upload.document_id, kind.suffix)
    document = Document(
        id=upload.document_id,
        workspace_id=workspace_id,
        original_filename=received.filename,
        content_type=kind.content_type,
        file_type=kind.file_type.value,
        size=received.size,
        sha256=received.sha256,
        storage_key=key,
        uploaded_by_id=access.user.id,
        idempotency_key=upload.idempotency_key,
    )
    try:
        flush_or_conflict(session, "an upload with this Idempotency-Key exists", document)
    except ConflictError:
        replay = find_replay(session, access, upload.idempotency_key)
        if replay is None:
            raise
        return replay, True
    _place(storage, key, received)
    record_event(
        session,
        "document.uploaded",
        workspace_id=workspace_id,
        actor_id=access.user.id,
        subject_type="document",
        subject_id=document.id,
        payload={
            "filename": document.original_filename,
            "file_type": document.file_type,
            "size": document.size,
            "sha256": document.sha256,
        },
    )
    session.flush()
    return document_out(document), False


def _place(storage: Storage, key: str, received: ReceivedFile) -> None:
    """Move the temp file to `key`: a rename on the local store (same folder), else a copy."""
    blobs = storage.blobs
    if isinstance(blobs, LocalBlobStore) and blobs.root.resolve() == (
        storage.layout.data_dir.resolve()
    ):
        target = resolve_within(blobs.root, key)
        if target.parent != received.path.parent:
            raise RuntimeError("the temp file must be in the document's folder")
        os.replace(received.path, target)
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    else:
        with received.path.open("rb") as stream:
            blobs.put(key, stream)


# --------------------------------------------------------------------------- reading


def list_documents(
    session: Session,
    access: WorkspaceAccess,
    params: PageParams,
    *,
    file_type: FileType | None,
    q: str | None,
    uploaded_by: str | None,
) -> Page[DocumentOut]:
    """The workspace's documents, filtered by type, name (contains, any case) or uploader."""
    statement = select(Document).where(Document.workspace_id == access.workspace.id)
    if file_type is not None:
        statement = statement.where(Document.file_type == file_type.value)
    if q:
        pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(
            func.lower(Document.original_filename).like(pattern + "%", escape="\\")
        )
    if uploaded_by is not None:
        statement = statement.where(Document.uploaded_by_id == uploaded_by.upper())
    page = paginate(
        session,
        statement,
        params,
        sortable={
            "created_at": Document.created_at,
            "original_filename": Document.original_filename,
            "size": Document.size,
        },
        default_sort=["-created_at"],
        tiebreak=Document.id,
        to_item=lambda row: document_out(row[0]),
    )
    latest = _latest_jobs(session, [item.id for item in page.items])
    for item in page.items:
        item.latest_job = latest.get(item.id)
    return page


def _latest_jobs(session: Session, document_ids: list[str]) -> dict[str, DocumentJob]:
    """Each listed document's most recent job (one query for the page)."""
    if not document_ids:
        return {}
    ranked = (
        select(
            Job,
            func.row_number()
            .over(partition_by=Job.document_id, order_by=(Job.created_at.desc(), Job.id.desc()))
            .label("rank"),
        )
        .where(Job.document_id.in_(document_ids))
        .subquery()
    )
    newest = aliased(Job, ranked)
    jobs = session.scalars(select(newest).where(ranked.c.rank == 1)).all()
    return {job.document_id: document_job(job) for job in jobs}


def document_detail(session: Session, document: Document) -> DocumentDetail:
    """The document with its most recent jobs and its job counts by status."""
    jobs = session.scalars(
        select(Job)
        .where(Job.document_id == document.id)
        .order_by(Job.created_at.desc(), Job.id.desc())
        .limit(RECENT_JOBS)
    ).all()
    counts = dict.fromkeys(JobStatus, 0)
    for status, count in session.execute(
        select(Job.status, func.count()).where(Job.document_id == document.id).group_by(Job.status)
    ):
        counts[JobStatus(status)] = int(count)
    return DocumentDetail(
        **document_out(document).model_dump(exclude={"latest_job"}),
        jobs=[document_job(job) for job in jobs],
        job_counts=counts,
        latest_job=document_job(jobs[0]) if jobs else None,
    )


def document_job(job: Job) -> DocumentJob:
    return DocumentJob(
        id=job.id,
        status=JobStatus(job.status),
        config_version_id=job.config_version_id,
        created_at=job.created_at,
        completed_at=job.completed_at,
        error_type=_error_type(job),
    )


def _error_type(job: Job) -> str | None:
    if job.status != JobStatus.FAILED.value or not job.error:
        return None
    value = job.error.get("type")
    return str(value) if value is not None else None


def open_content(storage: Storage, document: Document) -> Iterator[bytes]:
    """The document's bytes as chunks, the blob opened now (404 if it is missing)."""
    try:
        stream = storage.blobs.open(document.storage_key)
    except BlobNotFoundError:
        raise NotFoundError("the document's content is missing") from None
    return _chunks(stream)


def _chunks(stream: BinaryIO, size: int = 256 * 1024) -> Iterator[bytes]:
    with stream:
        while chunk := stream.read(size):
            yield chunk


# --------------------------------------------------------------------------- delete


def delete_document(
    session: Session, access: WorkspaceAccess, storage: Storage, document: Document
) -> None:
    """Delete a document (editors) and its finished jobs; its blob goes after the commit.

    409 while a queued or running job uses it: it is not removed from under a job.
    """
    access.require(WorkspaceRole.EDITOR)
    # Lock the row (PostgreSQL) so a job submitted concurrently waits for this decision.
    session.scalars(
        select(Document.id).where(Document.id == document.id).with_for_update()
    ).one_or_none()
    active = session.scalar(
        select(func.count())
        .select_from(Job)
        .where(Job.document_id == document.id, Job.status.in_(_ACTIVE))
    )
    if active:
        raise ConflictError(
            f"{active} queued or running job(s) use this document; "
            "wait for them to finish or cancel them first"
        )
    record_event(
        session,
        "document.deleted",
        workspace_id=access.workspace.id,
        actor_id=access.user.id,
        subject_type="document",
        subject_id=document.id,
        payload={"filename": document.original_filename, "sha256": document.sha256},
    )
    key = document.storage_key
    session.execute(delete(Job).where(Job.document_id == document.id))
    session.execute(delete(Document).where(Document.id == document.id))
    after_commit(session, lambda: _remove_blob(storage, key))


def _remove_blob(storage: Storage, key: str) -> None:
    storage.blobs.delete(key)
    if isinstance(storage.blobs, LocalBlobStore):
        # The document's own folder: what is left is derived from the source (its preview).
        shutil.rmtree(resolve_within(storage.blobs.root, key).parent, ignore_errors=True)
