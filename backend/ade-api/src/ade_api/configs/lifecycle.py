"""A config's life: archiving it, making it the workspace's active config, and publishing its
draft as a new immutable version (the old published one deprecated).

As in :mod:`ade_api.configs.service`, the database's partial unique indexes hold the rules
whatever happens concurrently, and a lost race is the same clear 409.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ade_api.configs.sandbox import Sandbox
from ade_api.configs.schemas import ConfigOut, PublishRequest, VersionDetail
from ade_api.configs.service import (
    DEPRECATED,
    PUBLISHED,
    ConfigAccess,
    config_out,
    draft_of,
    file_contents,
    lock,
    record_config_event,
    replace_files,
    version_detail,
    version_of,
)
from ade_api.errors import ConflictError
from ade_api.persistence import flush_or_conflict
from ade_db.enums import WorkspaceRole
from ade_db.models import Config, ConfigVersion, WorkspaceActiveConfig
from ade_db.types import utcnow


def _is_active(session: Session, config: Config) -> bool:
    return (
        session.scalar(
            select(WorkspaceActiveConfig.config_id).where(
                WorkspaceActiveConfig.config_id == config.id
            )
        )
        is not None
    )


def archive_config(session: Session, ctx: ConfigAccess) -> ConfigOut:
    """Archive (owners): read-only from now on. The active config cannot be archived."""
    ctx.access.require(WorkspaceRole.OWNER)
    config = ctx.config
    if _is_active(session, config):
        raise ConflictError("this is the workspace's active config; activate another one first")
    if not config.archived:
        config.archived = True
        config.archived_at = config.updated_at = utcnow()
        record_config_event(session, ctx, "config.archived", {})
    return config_out(session, config)


def unarchive_config(session: Session, ctx: ConfigAccess) -> ConfigOut:
    """Make an archived config editable again (owners)."""
    ctx.access.require(WorkspaceRole.OWNER)
    config = ctx.config
    if config.archived:
        config.archived = False
        config.archived_at = None
        config.updated_at = utcnow()
        record_config_event(session, ctx, "config.unarchived", {})
    return config_out(session, config)


def activate_config(session: Session, ctx: ConfigAccess) -> ConfigOut:
    """Make this config the one whose published version runs jobs submitted without one."""
    ctx.require_writable()
    config = ctx.config
    if version_of(session, config, PUBLISHED) is None:
        raise ConflictError("the config has no published version to run; publish it first")
    workspace_id = ctx.access.workspace.id
    current = session.get(WorkspaceActiveConfig, workspace_id, with_for_update=True)
    if current is None:
        flush_or_conflict(
            session,
            "another config was activated at the same time; try again",
            WorkspaceActiveConfig(
                workspace_id=workspace_id, config_id=config.id, activated_by_id=ctx.access.user.id
            ),
        )
    elif current.config_id != config.id:
        current.config_id = config.id
        current.activated_by_id = ctx.access.user.id
        current.activated_at = utcnow()
    record_config_event(session, ctx, "config.activated", {})
    return config_out(session, config)


def publish(
    session: Session, ctx: ConfigAccess, body: PublishRequest, sandbox: Sandbox
) -> VersionDetail:
    """Copy the draft into a new immutable published version; the old one is deprecated."""
    ctx.require_writable()
    config = ctx.config
    lock(session, config)
    draft = draft_of(session, config)
    published = version_of(session, config, PUBLISHED)
    if published is not None and published.files_hash == draft.files_hash:
        raise ConflictError(
            f"the draft is identical to the published version {published.semver}; "
            "change it before publishing"
        )
    taken = session.scalar(
        select(ConfigVersion.id).where(
            ConfigVersion.config_id == config.id, ConfigVersion.semver == body.semver
        )
    )
    if taken is not None:
        raise ConflictError(f"version {body.semver} already exists; choose another semver")
    files = file_contents(session, draft)
    sandbox.require_valid(config.id, files)  # every module imports, in the sandbox

    now = utcnow()
    if published is not None:
        published.status = DEPRECATED
        published.deprecated_at = now
        session.flush()  # the one-published index must see the old version leave first
    version = ConfigVersion(
        config_id=config.id,
        status=PUBLISHED,
        semver=body.semver,
        message=body.message or None,
        created_by_id=ctx.access.user.id,
        published_by_id=ctx.access.user.id,
        published_at=now,
    )
    flush_or_conflict(session, "another version was published at the same time", version)
    replace_files(session, version, files)
    record_config_event(
        session,
        ctx,
        "config.published",
        {"version_id": version.id, "semver": body.semver, "files_hash": version.files_hash},
    )
    return version_detail(session, version)
