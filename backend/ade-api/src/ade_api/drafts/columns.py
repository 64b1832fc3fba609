"""Adding a column to a draft in one step: its module and its manifest entry together.

Both are written in the request's one transaction, after every check has passed; a failure
anywhere (a rule, the manifest's validation, the database) leaves neither behind.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from ade_api.configs import service as configs
from ade_api.configs._package import (
    MANIFEST_PATH,
    PackageLimits,
    check_content,
    check_totals,
    parse_manifest_bytes,
    sha256_hex,
)
from ade_api.configs.service import ConfigAccess
from ade_api.drafts.column_kinds import column_module
from ade_api.drafts.schemas import ColumnAdded, ColumnCreate
from ade_api.drafts.service import (
    check_if_match,
    existing_file,
    file_info,
    file_row,
    file_sizes,
    next_ordinal,
    save_manifest,
    touch,
)
from ade_api.errors import ConflictError
from ade_db.models import ConfigFile


def add_column(
    session: Session,
    ctx: ConfigAccess,
    body: ColumnCreate,
    if_match: Sequence[str] | None,
    limits: PackageLimits,
) -> ColumnAdded:
    """Write `columns/<field>.py` from the kind's template and add the field to the manifest.

    `If-Match` is optional (as for a manifest patch); when sent it must name the manifest.
    """
    ctx.require_writable()
    draft = configs.draft_of(session, ctx.config)
    manifest_row = existing_file(session, draft, MANIFEST_PATH)
    if if_match is not None:
        check_if_match(if_match, manifest_row.sha256)
    manifest = parse_manifest_bytes(manifest_row.content)
    columns = list(manifest.get("columns") or [])
    if any(isinstance(c, dict) and c.get("field") == body.field for c in columns):
        raise ConflictError(f"the manifest already has a column {body.field!r}")
    path = f"columns/{body.field}.py"
    if file_row(session, draft, path) is not None:
        raise ConflictError(f"{path} already exists; add it to the manifest instead")

    label = body.label or body.field.replace("_", " ").title()
    content = column_module(body.field, label, body.kind)
    check_content(path, content, limits)
    sizes = file_sizes(session, draft)
    check_totals([*sizes.values(), len(content)], limits)
    entry = {
        "field": body.field,
        "label": label,
        "path": path,
        "ordinal": next_ordinal(columns),
        "required": body.required,
        "enabled": True,
        "synonyms": list(dict.fromkeys(body.synonyms)),
    }
    row = ConfigFile(
        version_id=draft.id,
        path=path,
        content=content,
        sha256=sha256_hex(content),
        size=len(content),
    )
    session.add(row)
    manifest["columns"] = [*columns, entry]
    manifest_row = save_manifest(session, draft, manifest, {*sizes, path}, limits)
    touch(session, ctx, draft, "config.draft.column_added", path)
    return ColumnAdded(
        column=entry,
        file=file_info(row),
        manifest_sha256=manifest_row.sha256,
        files_hash=draft.files_hash,
    )
