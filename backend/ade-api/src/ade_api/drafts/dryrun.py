"""The sandboxed plan and dry-run of a config's draft: what a run would execute, and a run on
a document with the mapping preview it made (and its preview workbook, while it is kept).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path, PurePosixPath

from sqlalchemy.orm import Session

from ade_api.configs import service as configs
from ade_api.configs.sandbox import DryRunReport, Sandbox
from ade_api.configs.service import ConfigAccess
from ade_api.documents.service import get_document
from ade_api.drafts.schemas import (
    ColumnPreview,
    DryRunOut,
    LogLine,
    PlanOut,
    PlanProblem,
    TablePreview,
)
from ade_api.errors import NotFoundError
from ade_db.enums import WorkspaceRole
from ade_db.types import utcnow
from ade_engine.artifact_types import SheetRecord, TableRecord
from ade_storage.blob import BlobStore


def plan(session: Session, ctx: ConfigAccess, sandbox: Sandbox) -> PlanOut:
    """Check the whole draft in the sandbox and list what a run would execute."""
    ctx.access.require(WorkspaceRole.EDITOR)
    draft = configs.draft_of(session, ctx.config)
    report = sandbox.plan(ctx.config.id, configs.file_contents(session, draft))
    data = report.plan
    return PlanOut(
        valid=report.valid,
        problems=[PlanProblem(**p.to_dict()) for p in report.problems],
        files_hash=draft.files_hash,
        title=data.get("title"),
        engine=data.get("engine") or {},
        columns=data.get("columns") or [],
        row_types=data.get("row_types") or [],
        hooks=data.get("hooks") or {},
    )


def dry_run(
    session: Session,
    ctx: ConfigAccess,
    document_id: str,
    sandbox: Sandbox,
    blobs: BlobStore,
    *,
    timeout_seconds: float,
) -> DryRunOut:
    """Run the draft on a document in the sandbox and return the mapping preview."""
    ctx.access.require(WorkspaceRole.EDITOR)
    document = get_document(session, ctx.access, document_id)
    draft = configs.draft_of(session, ctx.config)
    files = configs.file_contents(session, draft)
    with blobs.open(document.storage_key) as source:
        report = sandbox.dry_run(
            ctx.config.id,
            files,
            source,
            PurePosixPath(document.storage_key).suffix,
            timeout_seconds=timeout_seconds,
            input_name=document.original_filename,
        )
    return _preview(report, document.id, draft.files_hash, sandbox.retention_seconds)


def _table_preview(sheet: SheetRecord, table: TableRecord) -> TablePreview:
    return TablePreview(
        sheet=sheet["name"],
        id=table["id"],
        range=table["range"],
        header_rows=table["header_rows"],
        status=table["status"],
        reason=table["reason"],
        columns=[ColumnPreview.model_validate(column) for column in table["columns"]],
        mapping=[dict(mapped) for mapped in table["mapping"]],
        mapping_changed_by=table["mapping_changed_by"],
        data_rows=table["data_rows"],
        output_rows=table["output_rows"],
        unmapped_fields=table["unmapped_fields"],
        unmapped_columns=table["unmapped_columns"],
        rows=dict(table["rows"]),
        table_issues=table["table_issues"],
        issues=dict(table["issues"]),
    )


def _preview(report: DryRunReport, document_id: str, files_hash: str, keep: int) -> DryRunOut:
    artifact = report.artifact
    sheets = artifact["sheets"] if artifact else []
    tables = [_table_preview(sheet, table) for sheet in sheets for table in sheet["tables"]]
    error = report.outcome.error or (artifact["error"] if artifact else None)
    return DryRunOut(
        run_id=report.run_id,
        status=report.outcome.status,
        document_id=document_id,
        files_hash=files_hash,
        elapsed_ms=report.outcome.elapsed_ms,
        error=error if report.outcome.status != "succeeded" else None,
        metrics=dict(artifact["metrics"]) if artifact else {},
        tables=tables,
        logs=[
            LogLine(
                ts=e.get("ts"),
                level=str(e.get("level", "info")),
                message=str(e.get("message", "")),
                source=e.get("source"),
            )
            for e in report.events
            if e.get("event") == "log"
        ],
        stdout=report.stdout,
        stderr=report.stderr,
        expires_at=utcnow() + timedelta(seconds=keep) if report.output else None,
    )


def dry_run_output(ctx: ConfigAccess, run_id: str, sandbox: Sandbox) -> Path:
    """The preview workbook of a recent dry-run of this config."""
    ctx.access.require(WorkspaceRole.EDITOR)
    try:
        path = sandbox.output_path(ctx.config.id, run_id)
    except ValueError:
        path = None
    if path is None:
        raise NotFoundError("no preview output for this dry-run (it failed or has expired)")
    return path
