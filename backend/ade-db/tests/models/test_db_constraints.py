"""The schema itself refuses bad rows, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from ade_db.enums import ConfigVersionStatus, JobStatus, WorkspaceRole
from ade_db.models import (
    Config,
    ConfigFile,
    ConfigVersion,
    Document,
    Job,
    JobEvent,
    User,
    Workspace,
    WorkspaceActiveConfig,
    WorkspaceMember,
)
from ade_db.types import new_id


def _rejects(session: Session, make: Callable[[], object]) -> None:
    """Assert the database refuses the row `make` builds, leaving the session usable."""
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(make())
        session.flush()


@pytest.fixture
def config(db_session: Session) -> Config:
    user = User(email="owner@example.com")
    workspace = Workspace(name="Acme", slug="acme")
    db_session.add_all([user, workspace])
    db_session.flush()
    config = Config(workspace_id=workspace.id, slug="roster", title="Roster")
    db_session.add(config)
    db_session.flush()
    return config


def _version(config: Config, status: str, semver: str | None = None) -> ConfigVersion:
    return ConfigVersion(config_id=config.id, status=status, semver=semver, manifest={})


def test_version_status_check_rejects_unknown_status(db_session: Session, config: Config) -> None:
    _rejects(db_session, lambda: _version(config, "archived", "1.0.0"))


def test_discarded_versions_need_no_semver_and_may_be_many(
    db_session: Session, config: Config
) -> None:
    db_session.add(_version(config, ConfigVersionStatus.DRAFT))
    db_session.add(_version(config, ConfigVersionStatus.DISCARDED))
    db_session.add(_version(config, ConfigVersionStatus.DISCARDED))
    db_session.flush()
    # Released versions still need one.
    _rejects(db_session, lambda: _version(config, ConfigVersionStatus.DEPRECATED))
    _rejects(db_session, lambda: _version(config, ConfigVersionStatus.PUBLISHED))


def test_only_one_draft_per_config(db_session: Session, config: Config) -> None:
    db_session.add(_version(config, ConfigVersionStatus.DRAFT))
    db_session.flush()
    _rejects(db_session, lambda: _version(config, ConfigVersionStatus.DRAFT))


def test_only_one_published_per_config(db_session: Session, config: Config) -> None:
    db_session.add(_version(config, ConfigVersionStatus.PUBLISHED, "1.0.0"))
    db_session.flush()
    _rejects(db_session, lambda: _version(config, ConfigVersionStatus.PUBLISHED, "2.0.0"))


def test_many_deprecated_one_draft_and_one_published_coexist(
    db_session: Session, config: Config
) -> None:
    db_session.add_all(
        [
            _version(config, ConfigVersionStatus.DEPRECATED, "0.1.0"),
            _version(config, ConfigVersionStatus.DEPRECATED, "0.2.0"),
            _version(config, ConfigVersionStatus.PUBLISHED, "1.0.0"),
            _version(config, ConfigVersionStatus.DRAFT),
        ]
    )
    db_session.flush()
    count = db_session.scalar(
        select(text("count(*)"))
        .select_from(ConfigVersion)
        .where(ConfigVersion.config_id == config.id)
    )
    assert count == 4


def test_other_configs_keep_their_own_draft(db_session: Session, config: Config) -> None:
    other = Config(workspace_id=config.workspace_id, slug="other", title="Other")
    db_session.add(other)
    db_session.flush()
    db_session.add_all(
        [_version(config, ConfigVersionStatus.DRAFT), _version(other, ConfigVersionStatus.DRAFT)]
    )
    db_session.flush()


def test_publishing_moves_the_old_published_version_aside(
    db_session: Session, config: Config
) -> None:
    old = _version(config, ConfigVersionStatus.PUBLISHED, "1.0.0")
    db_session.add(old)
    db_session.flush()
    old.status = ConfigVersionStatus.DEPRECATED
    db_session.flush()
    db_session.add(_version(config, ConfigVersionStatus.PUBLISHED, "1.1.0"))
    db_session.flush()


def test_semver_unique_per_config(db_session: Session, config: Config) -> None:
    db_session.add(_version(config, ConfigVersionStatus.DEPRECATED, "1.0.0"))
    db_session.flush()
    _rejects(db_session, lambda: _version(config, ConfigVersionStatus.PUBLISHED, "1.0.0"))


def test_released_version_needs_a_semver(db_session: Session, config: Config) -> None:
    _rejects(db_session, lambda: _version(config, ConfigVersionStatus.PUBLISHED, None))


def test_config_file_path_unique_per_version(db_session: Session, config: Config) -> None:
    version = _version(config, ConfigVersionStatus.DRAFT)
    db_session.add(version)
    db_session.flush()

    def file() -> ConfigFile:
        return ConfigFile(
            version_id=version.id, path="manifest.json", content=b"{}", sha256="0" * 64, size=2
        )

    db_session.add(file())
    db_session.flush()
    _rejects(db_session, file)


def test_config_slug_unique_per_workspace(db_session: Session, config: Config) -> None:
    _rejects(
        db_session, lambda: Config(workspace_id=config.workspace_id, slug="roster", title="Again")
    )


def test_one_active_config_per_workspace(db_session: Session, config: Config) -> None:
    db_session.add(WorkspaceActiveConfig(workspace_id=config.workspace_id, config_id=config.id))
    db_session.flush()
    other = Config(workspace_id=config.workspace_id, slug="other", title="Other")
    db_session.add(other)
    db_session.flush()
    _rejects(
        db_session,
        lambda: WorkspaceActiveConfig(workspace_id=config.workspace_id, config_id=other.id),
    )


def test_member_role_check(db_session: Session, config: Config) -> None:
    user = db_session.scalars(select(User)).one()
    db_session.add(
        WorkspaceMember(workspace_id=config.workspace_id, user_id=user.id, role=WorkspaceRole.OWNER)
    )
    db_session.flush()
    other = User(email="other@example.com")
    db_session.add(other)
    db_session.flush()
    _rejects(
        db_session,
        lambda: WorkspaceMember(workspace_id=config.workspace_id, user_id=other.id, role="admin"),
    )


def test_user_email_unique_and_lowercase(db_session: Session, config: Config) -> None:
    _rejects(db_session, lambda: User(email="owner@example.com"))
    _rejects(db_session, lambda: User(email="Mixed@Example.com"))


def test_foreign_keys_are_enforced(db_session: Session) -> None:
    _rejects(db_session, lambda: Config(workspace_id="0" * 26, slug="x", title="x"))


def _job(document: Document, version: ConfigVersion, status: str = JobStatus.QUEUED) -> Job:
    return Job(
        workspace_id=document.workspace_id,
        document_id=document.id,
        config_version_id=version.id,
        run_key="a" * 64,
        status=status,
    )


@pytest.fixture
def job_inputs(db_session: Session, config: Config) -> tuple[Document, ConfigVersion]:
    version = _version(config, ConfigVersionStatus.PUBLISHED, "1.0.0")
    document = Document(
        workspace_id=config.workspace_id,
        original_filename="roster.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        file_type="xlsx",
        size=10,
        sha256="b" * 64,
        storage_key="documents/x/y/source.xlsx",
    )
    db_session.add_all([version, document])
    db_session.flush()
    return document, version


def test_job_status_check(db_session: Session, job_inputs: tuple[Document, ConfigVersion]) -> None:
    document, version = job_inputs
    for status in JobStatus:
        db_session.add(_job(document, version, status))
    db_session.flush()
    _rejects(db_session, lambda: _job(document, version, "pending"))


def test_job_events_are_ordered_and_unique_per_job(
    db_session: Session, job_inputs: tuple[Document, ConfigVersion]
) -> None:
    job = _job(*job_inputs)
    db_session.add(job)
    db_session.flush()
    db_session.add_all(
        [JobEvent(job_id=job.id, seq=2, type="b"), JobEvent(job_id=job.id, seq=1, type="a")]
    )
    db_session.flush()
    ordered = db_session.scalars(
        select(JobEvent.type).where(JobEvent.job_id == job.id).order_by(JobEvent.seq)
    ).all()
    assert ordered == ["a", "b"]
    _rejects(db_session, lambda: JobEvent(job_id=job.id, seq=1, type="dup"))


def test_deleting_a_workspace_cascades_to_everything_in_it(
    db_session: Session, job_inputs: tuple[Document, ConfigVersion]
) -> None:
    document, version = job_inputs
    job = _job(document, version)
    db_session.add(job)
    db_session.flush()
    db_session.add(JobEvent(job_id=job.id, seq=1, type="job.queued"))
    db_session.flush()
    db_session.execute(text("DELETE FROM workspaces WHERE id = :id"), {"id": document.workspace_id})
    for table in ["configs", "config_versions", "documents", "jobs", "job_events"]:
        assert db_session.scalar(text(f"SELECT count(*) FROM {table}")) == 0, table  # noqa: S608


def test_timestamps_round_trip_as_aware_utc(db_session: Session, config: Config) -> None:
    local = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=5)))
    config.archived_at = local
    db_session.flush()
    db_session.expire_all()
    loaded = db_session.get(Config, config.id)
    assert loaded is not None
    assert loaded.archived_at is not None
    assert loaded.archived_at.tzinfo is not None
    assert loaded.archived_at.utcoffset() == timedelta(0)
    assert loaded.archived_at == local.astimezone(UTC)
    assert loaded.created_at.tzinfo is not None


def test_naive_timestamps_are_refused(db_session: Session, config: Config) -> None:
    config.archived_at = datetime(2026, 3, 1, 12, 0)
    with pytest.raises(StatementError, match="naive datetime"), db_session.begin_nested():
        db_session.flush()


def test_ids_are_ulids_that_sort_by_creation(db_session: Session) -> None:
    first = Workspace(name="a", slug="a")
    db_session.add(first)
    db_session.flush()
    second = Workspace(name="b", slug="b")
    db_session.add(second)
    db_session.flush()
    assert len(first.id) == 26
    assert first.id < second.id


def test_new_ids_are_monotonic_within_a_millisecond() -> None:
    ids = [new_id() for _ in range(2000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 26 for i in ids)
