"""Draft rules: the one editable version of a config, file by file, and its manifest (the
sandboxed plan and dry-run of what it holds: :mod:`ade_api.drafts.dryrun`).

Every write names the content it replaces (`If-Match` with the file's sha256), so no one
overwrites a colleague's save. The manifest always stays valid, the files it names always
exist, and files_hash is recomputed after every change.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ade_api.configs import service as configs
from ade_api.configs._package import (
    MANIFEST_PATH,
    PackageLimits,
    check_content,
    check_path,
    check_totals,
    dump_manifest,
    manifest_references,
    parse_manifest_bytes,
    sha256_hex,
    validate_manifest,
)
from ade_api.configs.schemas import FileInfo
from ade_api.configs.service import ConfigAccess
from ade_api.drafts.schemas import (
    FileContent,
    FileCreate,
)
from ade_api.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
    PreconditionRequiredError,
)
from ade_api.pagination import Page, PageParams, paginate
from ade_db.models import ConfigFile, ConfigVersion
from ade_db.types import utcnow
from ade_engine.manifest import FIELD_RE
from ade_engine.scaffold import scaffold_file

_FILE_NOT_FOUND = "file not found in the draft"


def file_row(session: Session, draft: ConfigVersion, path: str) -> ConfigFile | None:
    return session.scalars(
        select(ConfigFile).where(ConfigFile.version_id == draft.id, ConfigFile.path == path)
    ).one_or_none()


def existing_file(session: Session, draft: ConfigVersion, path: str) -> ConfigFile:
    found = file_row(session, draft, path)
    if found is None:
        raise NotFoundError(_FILE_NOT_FOUND)
    return found


def _paths(session: Session, draft: ConfigVersion) -> set[str]:
    return set(session.scalars(select(ConfigFile.path).where(ConfigFile.version_id == draft.id)))


def file_sizes(session: Session, draft: ConfigVersion) -> dict[str, int]:
    rows = session.execute(
        select(ConfigFile.path, ConfigFile.size).where(ConfigFile.version_id == draft.id)
    ).all()
    return dict(rows)  # each row is a (path, size) pair


def check_if_match(if_match: Sequence[str] | None, current_sha256: str) -> None:
    """428 without `If-Match`; 412 unless it names the current content (or is `*`)."""
    if if_match is None:
        raise PreconditionRequiredError(
            "this write needs an If-Match header with the ETag of the content it replaces"
        )
    if "*" not in if_match and current_sha256 not in if_match:
        raise PreconditionFailedError(
            "the file changed since you read it; read it again and reapply your change"
        )


def file_info(row: ConfigFile) -> FileInfo:
    return FileInfo(path=row.path, size=row.size, sha256=row.sha256)


def touch(session: Session, ctx: ConfigAccess, draft: ConfigVersion, event: str, path: str) -> None:
    configs.refresh_files_hash(session, draft)
    ctx.config.updated_at = utcnow()
    configs.record_config_event(session, ctx, event, {"path": path, "files_hash": draft.files_hash})


# --------------------------------------------------------------------------- files


def list_files(session: Session, ctx: ConfigAccess, params: PageParams) -> Page[FileInfo]:
    """The draft's files (path, size, sha256)."""
    draft = configs.draft_of(session, ctx.config)
    return paginate(
        session,
        select(ConfigFile).where(ConfigFile.version_id == draft.id),
        params,
        sortable={"path": ConfigFile.path, "size": ConfigFile.size},
        default_sort=["path"],
        tiebreak=ConfigFile.id,
        to_item=lambda row: file_info(row[0]),
    )


def read_file(
    session: Session, ctx: ConfigAccess, path: str, version_id: str | None = None
) -> FileContent:
    """One file of the draft (or of any version) with its content."""
    version = (
        configs.get_version(session, ctx.config, version_id)
        if version_id
        else configs.draft_of(session, ctx.config)
    )
    row = file_row(session, version, path)
    if row is None:
        raise NotFoundError("file not found in this version")
    return FileContent(
        path=row.path, size=row.size, sha256=row.sha256, code=row.content.decode("utf-8")
    )


def save_manifest(
    session: Session, draft: ConfigVersion, data: Any, paths: set[str], limits: PackageLimits
) -> ConfigFile:
    manifest = validate_manifest(data, paths)
    content = dump_manifest(manifest)
    check_content(MANIFEST_PATH, content, limits)
    row = existing_file(session, draft, MANIFEST_PATH)
    _write(row, content)
    draft.manifest = manifest
    return row


def _write(row: ConfigFile, content: bytes) -> None:
    row.content = content
    row.sha256 = sha256_hex(content)
    row.size = len(content)
    row.updated_at = utcnow()


def next_ordinal(columns: Sequence[Any]) -> int:
    """The ordinal a column added after `columns` (the manifest's) gets."""
    ordinals = [c.get("ordinal") for c in columns if isinstance(c, dict)]
    return max((o for o in ordinals if isinstance(o, int)), default=0) + 1


def _new_column_entry(manifest: dict[str, Any], path: str) -> dict[str, Any] | None:
    """The manifest entry a new `columns/<field>.py` gets, if it names a new field."""
    parts = PurePosixPath(path).parts
    field = PurePosixPath(path).stem
    if len(parts) != 2 or not FIELD_RE.match(field):
        return None  # helpers such as columns/_shared.py are not fields
    columns = manifest.get("columns") or []
    if any(
        isinstance(c, dict) and (c.get("field") == field or c.get("path") == path) for c in columns
    ):
        return None
    return {
        "field": field,
        "label": field.replace("_", " ").title(),
        "path": path,
        "ordinal": next_ordinal(columns),
        "required": False,
        "enabled": True,
        "synonyms": [],
    }


def create_file(
    session: Session, ctx: ConfigAccess, body: FileCreate, limits: PackageLimits
) -> FileInfo:
    """Add a file; without code, scaffold it. A new column module joins the manifest."""
    ctx.require_writable()
    path = check_path(body.path)
    draft = configs.draft_of(session, ctx.config)
    if file_row(session, draft, path) is not None:
        raise ConflictError(f"{path} already exists; update it with PUT")
    if body.code is None:
        try:
            content = scaffold_file(path, manifest=draft.manifest)
        except ValueError as exc:
            raise InvalidInputError(str(exc)) from None
    else:
        content = body.code.encode("utf-8")
    if path == MANIFEST_PATH:  # only reachable if the draft lost its manifest
        raise ConflictError("manifest.json exists in every draft; update it instead")
    check_content(path, content, limits)
    sizes = file_sizes(session, draft)
    check_totals([*sizes.values(), len(content)], limits)
    row = ConfigFile(
        version_id=draft.id,
        path=path,
        content=content,
        sha256=sha256_hex(content),
        size=len(content),
    )
    session.add(row)
    entry = (
        _new_column_entry(dict(draft.manifest or {}), path) if path.startswith("columns/") else None
    )
    if entry is not None:
        manifest = dict(draft.manifest)
        manifest["columns"] = [*manifest.get("columns", []), entry]
        save_manifest(session, draft, manifest, {*sizes, path}, limits)
    touch(session, ctx, draft, "config.draft.file_created", path)
    return file_info(row)


def update_file(
    session: Session,
    ctx: ConfigAccess,
    path: str,
    code: str,
    if_match: Sequence[str] | None,
    limits: PackageLimits,
) -> FileInfo:
    """Replace a file's content, if it is still the content the writer read."""
    ctx.require_writable()
    draft = configs.draft_of(session, ctx.config)
    row = existing_file(session, draft, check_path(path, loc=("path", "path")))
    check_if_match(if_match, row.sha256)
    content = code.encode("utf-8")
    check_content(path, content, limits)
    sizes = file_sizes(session, draft)
    sizes[path] = len(content)
    check_totals(sizes.values(), limits)
    if path == MANIFEST_PATH:
        save_manifest(session, draft, parse_manifest_bytes(content), set(sizes), limits)
        # Keep the author's formatting: store what they sent, once it is known to be valid.
    _write(row, content)
    touch(session, ctx, draft, "config.draft.file_updated", path)
    return file_info(row)


def delete_file(
    session: Session, ctx: ConfigAccess, path: str, if_match: Sequence[str] | None
) -> None:
    """Remove a file the manifest does not name."""
    ctx.require_writable()
    draft = configs.draft_of(session, ctx.config)
    row = existing_file(session, draft, check_path(path, loc=("path", "path")))
    check_if_match(if_match, row.sha256)
    if path == MANIFEST_PATH:
        raise ConflictError("manifest.json cannot be deleted")
    where = manifest_references(draft.manifest or {}).get(path)
    if where is not None:
        raise ConflictError(f"the manifest uses {path} ({where}); remove it there first")
    session.delete(row)
    touch(session, ctx, draft, "config.draft.file_deleted", path)


# --------------------------------------------------------------------------- manifest


def read_manifest(session: Session, ctx: ConfigAccess) -> tuple[dict[str, Any], str]:
    """The draft's manifest and the sha256 of manifest.json (its ETag)."""
    draft = configs.draft_of(session, ctx.config)
    row = existing_file(session, draft, MANIFEST_PATH)
    return parse_manifest_bytes(row.content), row.sha256


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: objects merge key by key, null removes, the rest replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def patch_manifest(
    session: Session,
    ctx: ConfigAccess,
    patch: dict[str, Any],
    if_match: Sequence[str] | None,
    limits: PackageLimits,
) -> tuple[dict[str, Any], str]:
    """Apply a merge patch; the result must be a valid manifest (else 400, nothing saved)."""
    ctx.require_writable()
    draft = configs.draft_of(session, ctx.config)
    current = existing_file(session, draft, MANIFEST_PATH)
    if if_match is not None:  # optional here: a merge patch names only what it changes
        check_if_match(if_match, current.sha256)
    merged = merge_patch(parse_manifest_bytes(current.content), patch)
    row = save_manifest(session, draft, merged, _paths(session, draft), limits)
    touch(session, ctx, draft, "config.draft.manifest_patched", MANIFEST_PATH)
    return merged, row.sha256
