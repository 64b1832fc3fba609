"""Config rules: a workspace's configs, their one draft, one published and many deprecated
versions, and their files (archiving, the workspace's active config and publishing:
:mod:`ade_api.configs.lifecycle`).

The database's partial unique indexes guarantee one draft and one published version per
config whatever happens concurrently; this service checks the same rules first so callers get
a clear 409, and turns a lost race (a unique violation) into the same 409.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Select, and_, delete, select
from sqlalchemy.orm import Session, aliased

from ade_api.configs._package import (
    MANIFEST_PATH,
    PackageLimits,
    check_content,
    check_path,
    check_totals,
    dump_manifest,
    files_hash,
    parse_manifest_bytes,
    sha256_hex,
    validate_manifest,
)
from ade_api.configs.schemas import (
    ConfigCreate,
    ConfigOut,
    ConfigUpdate,
    FileInfo,
    VersionDetail,
    VersionOut,
)
from ade_api.errors import ConflictError, NotFoundError
from ade_api.event_log import record_event
from ade_api.pagination import Page, PageParams, paginate
from ade_api.persistence import flush_or_conflict
from ade_api.workspaces.service import WorkspaceAccess
from ade_db.enums import ConfigVersionStatus, WorkspaceRole
from ade_db.models import Config, ConfigFile, ConfigVersion, WorkspaceActiveConfig
from ade_db.types import utcnow
from ade_engine.scaffold import empty_package, example_files

DRAFT = ConfigVersionStatus.DRAFT.value
PUBLISHED = ConfigVersionStatus.PUBLISHED.value
DEPRECATED = ConfigVersionStatus.DEPRECATED.value
DISCARDED = ConfigVersionStatus.DISCARDED.value
_CONFIG_NOT_FOUND = "config not found"
_VERSION_NOT_FOUND = "config version not found"


@dataclass(frozen=True)
class ConfigAccess:
    """A config the caller can see, and their standing in its workspace."""

    access: WorkspaceAccess
    config: Config

    def require_writable(self, minimum: WorkspaceRole = WorkspaceRole.EDITOR) -> None:
        """Refuse (403) below `minimum`, and (409) any change to an archived config."""
        self.access.require(minimum)
        if self.config.archived:
            raise ConflictError("the config is archived and read-only; unarchive it first")


def get_config_access(session: Session, access: WorkspaceAccess, config_id: str) -> ConfigAccess:
    """The config in the caller's workspace; 404 when missing or in another workspace."""
    config = session.get(Config, config_id.upper())
    if config is None or config.workspace_id != access.workspace.id:
        raise NotFoundError(_CONFIG_NOT_FOUND)
    return ConfigAccess(access, config)


# --------------------------------------------------------------------------- reading


def _config_rows(workspace_id: str) -> Select[*tuple[object, ...]]:
    draft = aliased(ConfigVersion)
    published = aliased(ConfigVersion)
    return (
        select(Config, draft.id, published.id, published.semver, WorkspaceActiveConfig.config_id)
        .outerjoin(draft, and_(draft.config_id == Config.id, draft.status == DRAFT))
        .outerjoin(published, and_(published.config_id == Config.id, published.status == PUBLISHED))
        .outerjoin(WorkspaceActiveConfig, WorkspaceActiveConfig.config_id == Config.id)
        .where(Config.workspace_id == workspace_id)
    )


def _row_to_out(row: tuple[object, ...]) -> ConfigOut:
    config, draft_id, published_id, published_semver, active_id = row
    assert isinstance(config, Config)
    return ConfigOut(
        id=config.id,
        workspace_id=config.workspace_id,
        slug=config.slug,
        title=config.title,
        archived=config.archived,
        archived_at=config.archived_at,
        active=active_id is not None,
        version_id=draft_id,
        published_version_id=published_id,
        published_semver=published_semver,
        created_at=config.created_at,
        updated_at=config.updated_at,
    )


def config_out(session: Session, config: Config) -> ConfigOut:
    session.flush()
    row = session.execute(_config_rows(config.workspace_id).where(Config.id == config.id)).one()
    return _row_to_out(tuple(row))


def list_configs(
    session: Session, access: WorkspaceAccess, params: PageParams, *, archived: bool | None
) -> Page[ConfigOut]:
    """The workspace's configs, optionally only archived (or only live) ones."""
    statement = _config_rows(access.workspace.id)
    if archived is not None:
        statement = statement.where(Config.archived.is_(archived))
    return paginate(
        session,
        statement,
        params,
        sortable={
            "created_at": Config.created_at,
            "updated_at": Config.updated_at,
            "slug": Config.slug,
            "title": Config.title,
        },
        default_sort=["-created_at"],
        tiebreak=Config.id,
        to_item=lambda row: _row_to_out(tuple(row)),
    )


def version_of(session: Session, config: Config, status: str) -> ConfigVersion | None:
    return session.scalars(
        select(ConfigVersion).where(
            ConfigVersion.config_id == config.id, ConfigVersion.status == status
        )
    ).one_or_none()


def draft_of(session: Session, config: Config) -> ConfigVersion:
    draft = version_of(session, config, DRAFT)
    if draft is None:  # every config is created with one and never loses it
        raise ConflictError("the config has no draft")
    return draft


def get_version(session: Session, config: Config, version_id: str) -> ConfigVersion:
    version = session.get(ConfigVersion, version_id.upper())
    if version is None or version.config_id != config.id:
        raise NotFoundError(_VERSION_NOT_FOUND)
    return version


def version_files(session: Session, version: ConfigVersion) -> list[ConfigFile]:
    return list(
        session.scalars(
            select(ConfigFile).where(ConfigFile.version_id == version.id).order_by(ConfigFile.path)
        )
    )


def file_contents(session: Session, version: ConfigVersion) -> dict[str, bytes]:
    """Every file of a version, path -> content (packages are small by rule)."""
    return {f.path: f.content for f in version_files(session, version)}


def version_out(version: ConfigVersion) -> VersionOut:
    return VersionOut(
        version_id=version.id,
        config_id=version.config_id,
        status=ConfigVersionStatus(version.status),
        semver=version.semver,
        message=version.message,
        files_hash=version.files_hash,
        created_by_id=version.created_by_id,
        published_by_id=version.published_by_id,
        published_at=version.published_at,
        deprecated_at=version.deprecated_at,
        created_at=version.created_at,
        updated_at=version.updated_at,
    )


def version_detail(session: Session, version: ConfigVersion) -> VersionDetail:
    files = [
        FileInfo(path=f.path, size=f.size, sha256=f.sha256) for f in version_files(session, version)
    ]
    return VersionDetail(
        **version_out(version).model_dump(), manifest=version.manifest or {}, files=files
    )


def list_versions(session: Session, config: Config, params: PageParams) -> Page[VersionOut]:
    """The config's history: the draft, the published version, every deprecated one and the
    kept (discarded) drafts."""
    return paginate(
        session,
        select(ConfigVersion).where(ConfigVersion.config_id == config.id),
        params,
        sortable={
            "created_at": ConfigVersion.created_at,
            "published_at": ConfigVersion.published_at,
            "semver": ConfigVersion.semver,
            "status": ConfigVersion.status,
        },
        default_sort=["-created_at"],
        tiebreak=ConfigVersion.id,
        to_item=lambda row: version_out(row[0]),
    )


# --------------------------------------------------------------------------- files of a version


def refresh_files_hash(session: Session, version: ConfigVersion) -> None:
    """Recompute the version's files_hash from its files (after every change)."""
    session.flush()
    rows = session.execute(
        select(ConfigFile.path, ConfigFile.sha256).where(ConfigFile.version_id == version.id)
    ).all()
    version.files_hash = files_hash((path, digest) for path, digest in rows)
    version.updated_at = utcnow()


def checked_package(
    files: Mapping[str, bytes], limits: PackageLimits
) -> tuple[dict[str, bytes], dict[str, object]]:
    """Every path and size rule, and a valid manifest; returns the files and the manifest."""
    for path, content in files.items():
        check_path(path, loc=("files", path))
        check_content(path, content, limits)
    check_totals((len(content) for content in files.values()), limits)
    if MANIFEST_PATH not in files:
        raise ConflictError("a config package needs a manifest.json")
    manifest = validate_manifest(parse_manifest_bytes(files[MANIFEST_PATH]), files.keys())
    return dict(files), manifest


def replace_files(session: Session, version: ConfigVersion, files: Mapping[str, bytes]) -> None:
    """Make `files` (already checked) the whole content of `version`."""
    session.execute(delete(ConfigFile).where(ConfigFile.version_id == version.id))
    for path, content in sorted(files.items()):
        session.add(
            ConfigFile(
                version_id=version.id,
                path=path,
                content=content,
                sha256=sha256_hex(content),
                size=len(content),
            )
        )
    version.manifest = parse_manifest_bytes(files[MANIFEST_PATH]) if MANIFEST_PATH in files else {}
    refresh_files_hash(session, version)


# --------------------------------------------------------------------------- configs


def _starting_files(template: str, title: str) -> dict[str, bytes]:
    if template == "empty":
        return empty_package(title)
    files = example_files()
    manifest = json.loads(files[MANIFEST_PATH])
    manifest["title"] = title
    files[MANIFEST_PATH] = dump_manifest(manifest)
    return files


def create_config(
    session: Session, access: WorkspaceAccess, body: ConfigCreate, limits: PackageLimits
) -> ConfigOut:
    """A new config whose draft holds the example package (or the smallest valid one)."""
    access.require(WorkspaceRole.EDITOR)
    files, _ = checked_package(_starting_files(body.template, body.title), limits)
    return create_with_files(session, access, body.slug, body.title, files, "config.created")


def create_with_files(
    session: Session,
    access: WorkspaceAccess,
    slug: str,
    title: str,
    files: Mapping[str, bytes],
    event: str,
    source: Mapping[str, object] | None = None,
) -> ConfigOut:
    """Insert a config and its draft holding `files` (already checked); `source` tells the
    event log where the files came from."""
    config = Config(
        workspace_id=access.workspace.id, slug=slug, title=title, created_by_id=access.user.id
    )
    flush_or_conflict(session, f"the slug {slug!r} is taken in this workspace", config)
    draft = ConfigVersion(config_id=config.id, status=DRAFT, created_by_id=access.user.id)
    session.add(draft)
    session.flush()
    replace_files(session, draft, files)
    record_event(
        session,
        event,
        workspace_id=access.workspace.id,
        actor_id=access.user.id,
        subject_type="config",
        subject_id=config.id,
        payload={"slug": slug, "title": title, "files_hash": draft.files_hash, **(source or {})},
    )
    return config_out(session, config)


def update_config(session: Session, ctx: ConfigAccess, body: ConfigUpdate) -> ConfigOut:
    """Rename a config or change its slug."""
    ctx.require_writable()
    config = ctx.config
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    for key, value in changes.items():
        setattr(config, key, value)
    if changes:
        config.updated_at = utcnow()
        flush_or_conflict(session, f"the slug {body.slug!r} is taken in this workspace")
        record_config_event(session, ctx, "config.updated", changes)
    return config_out(session, config)


def record_config_event(
    session: Session, ctx: ConfigAccess, event: str, payload: dict[str, object]
) -> None:
    """Add a config change to the workspace's event log."""
    record_event(
        session,
        event,
        workspace_id=ctx.access.workspace.id,
        actor_id=ctx.access.user.id,
        subject_type="config",
        subject_id=ctx.config.id,
        payload=payload,
    )


def lock(session: Session, config: Config) -> None:
    # Serializes publish/revert of one config on PostgreSQL (SQLite serializes writers anyway).
    session.execute(select(Config.id).where(Config.id == config.id).with_for_update())
