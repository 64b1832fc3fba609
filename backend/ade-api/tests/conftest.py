from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Iterator
from importlib import resources
from pathlib import Path

import fakeredis
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from ade_api.app import create_app
from ade_api.auth import security
from ade_api.settings import ApiSettings
from ade_api.storage import Storage
from ade_api.users import service as users_service
from ade_db.enums import WorkspaceRole
from ade_db.models import Document, User, Workspace, WorkspaceMember
from ade_db.testing.fixtures import *  # noqa: F403  (real SQLite and PostgreSQL databases)
from ade_db.types import new_id
from ade_storage import StorageSettings
from ade_worker.settings import SandboxSettings


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def db_connection(migrated_engine: Engine) -> Iterator[Connection]:
    """One connection per test inside a transaction that is rolled back afterwards."""
    with migrated_engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


def _test_sessions(connection: Connection) -> sessionmaker[Session]:
    # Commits (by the request's session dependency or by fixtures) land on savepoints of the
    # test's transaction, so nothing outlives the test.
    return sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def app(migrated_engine: Engine, db_connection: Connection, data_dir: Path) -> FastAPI:
    app = create_app(
        ApiSettings(env="test", _env_file=None),
        engine=migrated_engine,
        storage_settings=StorageSettings(data_dir=data_dir, _env_file=None),
        # Real sandbox subprocesses, with limits small enough to fail fast.
        sandbox_settings=SandboxSettings(_env_file=None, timeout_seconds=60, memory_mb=2048),
    )
    app.state.session_factory = _test_sessions(db_connection)
    # An in-memory Redis for readiness; the real queue is exercised end to end elsewhere.
    app.state.redis = fakeredis.FakeRedis()
    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]


@pytest.fixture
def make_user(db_connection: Connection) -> MakeUser:
    """Create (and commit) a user in the app's database; unique email unless one is given.

    `password=None` (the default) skips the slow argon2 hash: such a user signs in only
    through `auth_headers`.
    """

    def make(
        email: str | None = None,
        password: str | None = None,
        *,
        is_admin: bool = False,
        is_active: bool = True,
        display_name: str | None = None,
    ) -> User:
        email = email or f"user-{new_id().lower()}@example.com"
        with _test_sessions(db_connection)() as session:
            if password is None:
                user = User(email=email, is_admin=is_admin, display_name=display_name)
                session.add(user)
            else:
                user = users_service.create_user(
                    session,
                    email=email,
                    password=password,
                    is_admin=is_admin,
                    display_name=display_name,
                )
            user.is_active = is_active
            session.commit()
        return user

    return make


@pytest.fixture
def auth_headers(app: FastAPI) -> AuthHeaders:
    """`Authorization: Bearer ...` headers of a freshly signed token for `user` (no login)."""
    settings: ApiSettings = app.state.settings

    def headers(user: User) -> dict[str, str]:
        issued = security.issue_access_token(
            user.id,
            secret_key=settings.secret_key.get_secret_value(),
            ttl_seconds=settings.access_token_ttl_seconds,
        )
        return {"Authorization": f"Bearer {issued.token}"}

    return headers


MakeWorkspace = Callable[..., str]


@pytest.fixture
def make_workspace(db_connection: Connection) -> MakeWorkspace:
    """Create (and commit) a workspace owned by `owner`, with extra members by role."""

    def make(owner: User, members: dict[str, User] | None = None) -> str:
        with _test_sessions(db_connection)() as session:
            workspace = Workspace(name="Acme", slug=f"acme-{new_id().lower()}")
            session.add(workspace)
            session.flush()
            roles = {owner.id: WorkspaceRole.OWNER} | {
                user.id: WorkspaceRole(role) for role, user in (members or {}).items()
            }
            for user_id, role in roles.items():
                session.add(WorkspaceMember(workspace_id=workspace.id, user_id=user_id, role=role))
            session.commit()
            return workspace.id

    return make


MakeDocument = Callable[..., str]
ROSTER_SAMPLE = resources.files("ade_engine") / "templates" / "roster" / "samples" / "members.csv"


@pytest.fixture
def make_document(app: FastAPI, db_connection: Connection) -> MakeDocument:
    """A stored document (blob and row), as an upload would leave it; the roster sample by
    default."""

    def make(workspace_id: str, content: bytes | None = None, suffix: str = ".csv") -> str:
        data = ROSTER_SAMPLE.read_bytes() if content is None else content
        storage: Storage = app.state.storage
        document_id = new_id()
        key = storage.layout.document_key(workspace_id, document_id, suffix)
        storage.blobs.put(key, [data])
        with _test_sessions(db_connection)() as session:
            session.add(
                Document(
                    id=document_id,
                    workspace_id=workspace_id,
                    original_filename=f"upload{suffix}",
                    content_type="application/octet-stream",
                    file_type=suffix.lstrip("."),
                    size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                    storage_key=key,
                )
            )
            session.commit()
        return document_id

    return make
