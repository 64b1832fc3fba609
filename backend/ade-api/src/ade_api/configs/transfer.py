"""Copies of config packages: export and import as zip archives, and duplicating a config.

Exports are deterministic (sorted members, fixed timestamps), so the same files always give
the same bytes. Imports are read in memory member by member through `ade_storage.archive`,
which refuses zip-slip paths, links, encrypted members, zip bombs and archives over the
limits before anything reaches the database; then the package must pass every registry rule
and the sandbox plan before a config is created.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy.orm import Session

from ade_api.configs import service
from ade_api.configs._package import PackageLimits
from ade_api.configs.sandbox import Sandbox
from ade_api.configs.schemas import ConfigDuplicate, ConfigOut
from ade_api.configs.service import ConfigAccess
from ade_api.errors import FieldProblem, InvalidInputError, PayloadTooLargeError
from ade_api.workspaces.service import WorkspaceAccess
from ade_db.enums import WorkspaceRole
from ade_storage import ArchiveError, ArchiveLimitError, ArchiveLimits, read_zip, write_zip


@dataclass(frozen=True)
class ZipUpload:
    """An uploaded package and the names the client asked for."""

    file: BinaryIO
    slug: str
    title: str | None


def export_zip(session: Session, ctx: ConfigAccess, version_id: str | None) -> tuple[str, bytes]:
    """(file name, zip bytes) of the draft or of one version."""
    config = ctx.config
    if version_id:
        version = service.get_version(session, config, version_id)
        label = version.semver or "draft"
    else:
        version = service.draft_of(session, config)
        label = "draft"
    buffer = io.BytesIO()
    write_zip(service.file_contents(session, version), buffer)
    return f"{config.slug}-{label}.zip", buffer.getvalue()


def duplicate_config(session: Session, ctx: ConfigAccess, body: ConfigDuplicate) -> ConfigOut:
    """A new config (editors) whose draft holds a copy of this config's draft or of one of its
    versions. The copy has no published version and is not active; an archived source is fine
    (copying changes nothing in it)."""
    ctx.access.require(WorkspaceRole.EDITOR)
    source = ctx.config
    if body.version_id:
        version = service.get_version(session, source, body.version_id)
    else:
        version = service.draft_of(session, source)
    return service.create_with_files(
        session,
        ctx.access,
        body.slug,
        body.title,
        service.file_contents(session, version),
        "config.duplicated",
        {"source_config_id": source.id, "source_version_id": version.id},
    )


def import_config(
    session: Session,
    access: WorkspaceAccess,
    upload: ZipUpload,
    limits: PackageLimits,
    sandbox: Sandbox,
    max_archive_bytes: int,
) -> ConfigOut:
    """A new config whose draft holds the zip's files, once they pass every check."""
    access.require(WorkspaceRole.EDITOR)
    archive_limits = ArchiveLimits(
        max_archive_bytes=max_archive_bytes,
        max_files=limits.max_files,
        max_file_bytes=limits.max_file_bytes,
        max_total_bytes=limits.max_package_bytes,
    )
    try:
        files = read_zip(upload.file, archive_limits)
    except ArchiveLimitError as exc:
        raise PayloadTooLargeError(str(exc)) from None
    except ArchiveError as exc:
        raise InvalidInputError(
            f"the archive was refused: {exc}", errors=[FieldProblem(("body", "file"), str(exc))]
        ) from None
    files, manifest = service.checked_package(files, limits)
    title = upload.title or _manifest_title(manifest) or upload.slug
    sandbox.require_valid(access.workspace.id, files)
    return service.create_with_files(session, access, upload.slug, title, files, "config.imported")


def _manifest_title(manifest: Mapping[str, object]) -> str | None:
    title = manifest.get("title")
    return title.strip()[:200] or None if isinstance(title, str) else None
