from __future__ import annotations

import hashlib
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from importlib import resources
from pathlib import Path

import fakeredis
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, Engine, delete, event, select
from sqlalchemy.orm import Session, sessionmaker

from ade_api.app import create_app
from ade_api.auth import security
from ade_api.settings import ApiSettings
from ade_api.storage import Storage
from ade_api.users import service as users_service
from ade_db.enums import WorkspaceRole
from ade_db.models import ConfigFile, Document, Job, User, Workspace, WorkspaceMember
from ade_db.testing.fixtures import *  # noqa: F403  (real SQLite and PostgreSQL databases)
from ade_db.types import new_id, utcnow
from ade_storage import StorageSettings
from ade_worker.settings import SandboxSettings, WorkerSettings
from ade_worker.testing import (  # noqa: F401  (a real redis-server; the real jail)
    jail_provider,
    real_redis,
    sandbox_root,
)


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
def app(
    migrated_engine: Engine,
    db_connection: Connection,
    data_dir: Path,
    sandbox_root: Path,  # noqa: F811  (the fixture imported above)
) -> FastAPI:
    app = create_app(
        ApiSettings(env="test", _env_file=None),
        engine=migrated_engine,
        storage_settings=StorageSettings(data_dir=data_dir, _env_file=None),
        # Real sandbox jails (staged in the session's jail folder, not /var/lib), with limits
        # small enough to fail fast.
        sandbox_settings=SandboxSettings(
            _env_file=None, timeout_seconds=60, memory_mb=2048, dir=sandbox_root
        ),
        worker_settings=WorkerSettings(_env_file=None, queue_name="ade-test-jobs"),
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

    def make(
        workspace_id: str,
        content: bytes | None = None,
        suffix: str = ".csv",
        *,
        name: str | None = None,
    ) -> str:
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
                    original_filename=name or f"upload{suffix}",
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


@pytest.fixture(scope="session")
def engine_outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run of the example config on the roster sample (artifact + workbook), made once;
    job tests copy it into their job folders as a worker would have left it."""
    from ade_engine import init_config, run

    root = tmp_path_factory.mktemp("engine-outputs")
    config = init_config(root / "config")
    result = run(config / "samples" / "members.csv", config, root / "output")
    assert result.ok, result.error
    return root / "output"


MakeConfigVersion = Callable[..., str]


@pytest.fixture
def make_config_version(db_connection: Connection) -> MakeConfigVersion:
    """A config (the example package) with a published version in the workspace; returns
    the published version's id."""

    def make(workspace_id: str, slug: str | None = None) -> str:
        from ade_api.configs import service as configs
        from ade_api.configs._package import PackageLimits
        from ade_api.configs.schemas import ConfigCreate
        from ade_api.testing import release_draft
        from ade_api.workspaces.service import WorkspaceAccess

        with _test_sessions(db_connection)() as session:
            workspace = session.get(Workspace, workspace_id)
            owner = session.scalars(
                select(User)
                .join(WorkspaceMember, WorkspaceMember.user_id == User.id)
                .where(WorkspaceMember.workspace_id == workspace_id)
            ).first()
            assert workspace is not None
            assert owner is not None
            access = WorkspaceAccess(workspace, WorkspaceRole.OWNER, owner)
            created = configs.create_config(
                session,
                access,
                ConfigCreate(slug=slug or f"c-{new_id().lower()}", title="Roster"),
                PackageLimits(max_file_bytes=10**6, max_package_bytes=10**7, max_files=500),
            )
            version_id = release_draft(session, created.id, "1.0.0")
            session.commit()
            return version_id

    return make


PlantFile = Callable[[str, str, bytes], None]


@pytest.fixture
def plant_file(db_connection: Connection) -> PlantFile:
    """Write a file into a config version straight to the database, past every API rule:
    a version stored before today's rules (or by other means) looks like this."""

    def plant(version_id: str, path: str, content: bytes) -> None:
        with _test_sessions(db_connection)() as session:
            session.execute(
                delete(ConfigFile).where(
                    ConfigFile.version_id == version_id, ConfigFile.path == path
                )
            )
            session.add(
                ConfigFile(
                    version_id=version_id,
                    path=path,
                    content=content,
                    sha256=hashlib.sha256(content).hexdigest(),
                    size=len(content),
                )
            )
            session.commit()

    return plant


MakeJob = Callable[..., str]


@pytest.fixture
def make_job(app: FastAPI, db_connection: Connection, engine_outputs: Path) -> MakeJob:
    """A job row in any state; a succeeded one gets real outputs in its job folder."""

    def make(
        workspace_id: str,
        document_id: str,
        version_id: str,
        status: str = "succeeded",
        run_key: str | None = None,
    ) -> str:
        storage: Storage = app.state.storage
        job_id = new_id()
        job = Job(
            id=job_id,
            workspace_id=workspace_id,
            document_id=document_id,
            config_version_id=version_id,
            run_key=run_key or "0" * 64,
            status=status,
        )
        if status in ("running", "succeeded", "failed"):
            job.attempts = 1
            job.started_at = utcnow()
        if status in ("succeeded", "failed", "cancelled"):
            job.completed_at = utcnow()
        if status == "failed":
            job.error = {"type": "config_code", "message": "boom"}
        if status == "succeeded":
            output = storage.layout.job_subdir(job_id, "output")
            shutil.copytree(engine_outputs, output)
            job.artifact_path = f"jobs/{job_id}/output/artifact.json"
            job.output_path = f"jobs/{job_id}/output/normalized.xlsx"
            job.metrics = {"rows_processed": 5}
        with _test_sessions(db_connection)() as session:
            session.add(job)
            session.commit()
        return job_id

    return make


@pytest.fixture
def executed_sql(migrated_engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on the app's engine while the test runs (their text), to count
    what a request costs."""
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]).lstrip())

    event.listen(migrated_engine, "before_cursor_execute", record)
    yield seen
    event.remove(migrated_engine, "before_cursor_execute", record)
