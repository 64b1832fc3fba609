"""The one-draft / one-published rules under concurrent requests, on real databases with
separate connections (committed data, not a rolled-back test transaction)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from ade_api.configs import history, lifecycle, service
from ade_api.configs._package import PackageLimits
from ade_api.configs.sandbox import Sandbox
from ade_api.configs.schemas import ConfigCreate, PublishRequest
from ade_api.errors import ConflictError
from ade_api.workspaces.service import WorkspaceAccess
from ade_db import create_db_engine, create_session_factory, migrate
from ade_db.enums import WorkspaceRole
from ade_db.models import ConfigVersion, User, Workspace, WorkspaceMember
from ade_storage import StorageLayout
from ade_worker.jail import JailProvider
from ade_worker.materialize import Installer
from ade_worker.sandbox import SandboxLimits

LIMITS = PackageLimits(max_file_bytes=10**6, max_package_bytes=10**7, max_files=500)


@pytest.fixture
def sessions(fresh_db_url: str) -> Iterator[sessionmaker[Session]]:
    engine: Engine = create_db_engine(fresh_db_url)
    migrate.upgrade(engine)
    try:
        yield create_session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture
def sandbox(tmp_path: Path, jail_provider: JailProvider) -> Sandbox:
    return Sandbox(
        StorageLayout(tmp_path / "data"),
        SandboxLimits(wall_seconds=60),
        jail=jail_provider,
        max_concurrent=8,
        retention_seconds=60,
        installer=Installer(),
    )


def _seed(sessions: sessionmaker[Session]) -> tuple[str, str, str]:
    with sessions() as session:
        user = User(email="owner@example.org")
        workspace = Workspace(name="Acme", slug="acme")
        session.add_all([user, workspace])
        session.flush()
        session.add(
            WorkspaceMember(workspace_id=workspace.id, user_id=user.id, role=WorkspaceRole.OWNER)
        )
        access = WorkspaceAccess(workspace, WorkspaceRole.OWNER, user)
        config = service.create_config(
            session, access, ConfigCreate(slug="roster", title="Roster"), LIMITS
        )
        session.commit()
        return user.id, workspace.id, config.id


def _race(
    sessions: sessionmaker[Session],
    ids: tuple[str, str, str],
    actions: list[Callable[[Session, service.ConfigAccess], object]],
) -> list[str]:
    """Run each action in its own thread and session, released together; 'ok' or '409'."""
    user_id, workspace_id, config_id = ids
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []

    def run(action: Callable[[Session, service.ConfigAccess], object]) -> None:
        with sessions() as session:
            workspace, user = session.get(Workspace, workspace_id), session.get(User, user_id)
            assert workspace is not None
            assert user is not None
            ctx = service.get_config_access(
                session, WorkspaceAccess(workspace, WorkspaceRole.OWNER, user), config_id
            )
            barrier.wait()
            try:
                action(session, ctx)
                session.commit()
                outcomes.append("ok")
            except ConflictError:
                session.rollback()
                outcomes.append("409")
            except Exception as exc:
                # Any other end is a finding, never a quiet thread death.
                session.rollback()
                outcomes.append(f"crashed: {exc!r}")

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a racer is still running after 120 s"
    assert len(outcomes) == len(actions), outcomes
    return sorted(outcomes)


def _counts(sessions: sessionmaker[Session], config_id: str) -> dict[str, int]:
    with sessions() as session:
        rows = session.execute(
            select(ConfigVersion.status, func.count())
            .where(ConfigVersion.config_id == config_id)
            .group_by(ConfigVersion.status)
        ).all()
        return dict(rows)


def test_concurrent_publishes_of_one_draft_publish_it_once(
    sessions: sessionmaker[Session], sandbox: Sandbox
) -> None:
    ids = _seed(sessions)
    outcomes = _race(
        sessions,
        ids,
        [
            lambda s, ctx: lifecycle.publish(s, ctx, PublishRequest(semver="1.0.0"), sandbox),
            lambda s, ctx: lifecycle.publish(s, ctx, PublishRequest(semver="1.0.1"), sandbox),
        ],
    )
    assert outcomes == ["409", "ok"]
    assert _counts(sessions, ids[2]) == {"draft": 1, "published": 1}


def test_publish_racing_a_revert_keeps_one_draft_and_one_published(
    sessions: sessionmaker[Session], sandbox: Sandbox
) -> None:
    ids = _seed(sessions)
    config_id = ids[2]
    # v1 published, then v2 published (v1 deprecated), then the draft changes again.
    versions = []
    for semver, readme in (("1.0.0", b"one\n"), ("2.0.0", b"two\n"), (None, b"three\n")):
        with sessions() as session:
            workspace, user = session.get(Workspace, ids[1]), session.get(User, ids[0])
            assert workspace is not None
            assert user is not None
            ctx = service.get_config_access(
                session, WorkspaceAccess(workspace, WorkspaceRole.OWNER, user), config_id
            )
            draft = service.draft_of(session, ctx.config)
            files = service.file_contents(session, draft) | {"README.md": readme}
            service.replace_files(session, draft, files)
            if semver is not None:
                published = lifecycle.publish(session, ctx, PublishRequest(semver=semver), sandbox)
                versions.append(published.version_id)
            session.commit()
    outcomes = _race(
        sessions,
        ids,
        [
            lambda s, ctx: history.revert(s, ctx, versions[0]),
            lambda s, ctx: lifecycle.publish(s, ctx, PublishRequest(semver="3.0.0"), sandbox),
        ],
    )
    # Serialized either way: the revert first makes the publish 409 (the draft then equals
    # v1); the publish first leaves the revert to succeed after it.
    assert outcomes in (["409", "ok"], ["ok", "ok"]), outcomes
    counts = _counts(sessions, config_id)
    assert counts["draft"] == 1
    assert counts["published"] == 1
