from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import fakeredis
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from ade_api.app import create_app
from ade_api.auth import security
from ade_api.settings import ApiSettings
from ade_api.users import service as users_service
from ade_db.models import User
from ade_db.testing.fixtures import *  # noqa: F403  (real SQLite and PostgreSQL databases)
from ade_db.types import new_id


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
def app(migrated_engine: Engine, db_connection: Connection) -> FastAPI:
    app = create_app(ApiSettings(env="test", _env_file=None), engine=migrated_engine)
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
