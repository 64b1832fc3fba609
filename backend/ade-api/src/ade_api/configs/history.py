"""A config's history beyond publishing: reverting to a deprecated version, restoring any
version into the draft, and never losing a draft on the way.

Before either replaces the draft, a draft that differs from every version of the config is
kept as a `discarded` version: unnamed, immutable, listed in the history, restorable, and
never run (jobs, revert and activation refuse it).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ade_api.configs._package import check_requirements
from ade_api.configs.schemas import RevertOut
from ade_api.configs.service import (
    DEPRECATED,
    DISCARDED,
    DRAFT,
    PUBLISHED,
    ConfigAccess,
    draft_of,
    file_contents,
    get_version,
    lock,
    record_config_event,
    replace_files,
    version_detail,
    version_of,
)
from ade_api.errors import ConflictError
from ade_api.persistence import flush_or_conflict
from ade_db.models import ConfigVersion
from ade_db.types import utcnow
from ade_worker.requirements import REQUIREMENTS_FILE


def keep_draft(session: Session, ctx: ConfigAccess, reason: str) -> ConfigVersion | None:
    """Copy the draft into a new `discarded` version unless some version already holds the
    same files (then nothing would be lost). Returns the new version, if one was made."""
    draft = draft_of(session, ctx.config)
    same = session.scalar(
        select(ConfigVersion.id).where(
            ConfigVersion.config_id == ctx.config.id,
            ConfigVersion.status != DRAFT,
            ConfigVersion.files_hash == draft.files_hash,
        )
    )
    if same is not None:
        return None
    kept = ConfigVersion(
        config_id=ctx.config.id,
        status=DISCARDED,
        message=reason,
        created_by_id=ctx.access.user.id,
    )
    session.add(kept)
    session.flush()
    replace_files(session, kept, file_contents(session, draft))
    record_config_event(
        session,
        ctx,
        "config.draft.discarded",
        {"version_id": kept.id, "files_hash": kept.files_hash, "reason": reason},
    )
    return kept


def _label(version: ConfigVersion) -> str:
    return version.semver or f"the {version.status} version {version.id}"


def revert(session: Session, ctx: ConfigAccess, version_id: str) -> RevertOut:
    """Publish a deprecated version again; its files also become the draft, after the draft
    is kept if it would be lost. One transaction."""
    ctx.require_writable()
    config = ctx.config
    lock(session, config)
    target = get_version(session, config, version_id)
    if target.status != DEPRECATED:
        raise ConflictError(
            f"only a deprecated version can be reverted to; this one is {target.status}"
        )
    files = file_contents(session, target)
    # It may predate today's rules; jobs would refuse it, so it is not published again.
    check_requirements(files.get(REQUIREMENTS_FILE))
    kept = keep_draft(session, ctx, f"draft replaced by the revert to {_label(target)}")
    now = utcnow()
    published = version_of(session, config, PUBLISHED)
    if published is not None:
        published.status = DEPRECATED
        published.deprecated_at = now
        session.flush()
    target.status = PUBLISHED
    target.deprecated_at = None
    target.updated_at = now
    flush_or_conflict(session, "another version was published at the same time")
    replace_files(session, draft_of(session, config), files)
    config.updated_at = now
    record_config_event(
        session,
        ctx,
        "config.reverted",
        {
            "version_id": target.id,
            "semver": target.semver,
            "previous_version_id": published.id if published else None,
            "discarded_version_id": kept.id if kept else None,
        },
    )
    return RevertOut(
        **version_detail(session, target).model_dump(),
        discarded_version_id=kept.id if kept else None,
    )


def restore(session: Session, ctx: ConfigAccess, version_id: str) -> RevertOut:
    """Copy any version's files (a discarded draft, or a released version) into the draft,
    after the draft is kept if it would be lost. Publishes nothing."""
    ctx.require_writable()
    config = ctx.config
    lock(session, config)
    source = get_version(session, config, version_id)
    if source.status == DRAFT:
        raise ConflictError("this is the draft; restore another version into it")
    files = file_contents(session, source)
    check_requirements(files.get(REQUIREMENTS_FILE))  # what the draft routes would refuse
    kept = keep_draft(session, ctx, f"draft replaced by restoring {_label(source)}")
    draft = draft_of(session, config)
    replace_files(session, draft, files)
    config.updated_at = utcnow()
    record_config_event(
        session,
        ctx,
        "config.draft.restored",
        {
            "from_version_id": source.id,
            "files_hash": draft.files_hash,
            "discarded_version_id": kept.id if kept else None,
        },
    )
    return RevertOut(
        **version_detail(session, draft).model_dump(),
        discarded_version_id=kept.id if kept else None,
    )
