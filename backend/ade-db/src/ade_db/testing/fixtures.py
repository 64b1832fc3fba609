"""pytest fixtures giving tests real, migrated databases: SQLite and PostgreSQL.

Use from a test package's conftest.py with `from ade_db.testing.fixtures import *`.
Tests that take `db_backend`-parametrized fixtures run once per database. PostgreSQL tests
are skipped when no server binaries exist, unless `ADE_TEST_REQUIRE_POSTGRES=1` (as in CI),
where a missing server is an error rather than a silent skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from ulid import ULID

from ade_db import migrate
from ade_db.engine import create_db_engine
from ade_db.testing.postgres import (
    PostgresUnavailableError,
    create_database,
    drop_database,
    postgres_server,
)

__all__ = [
    "db_backend",
    "db_session",
    "fresh_db_url",
    "migrated_engine",
    "postgres_admin_url",
]

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _postgres_required() -> bool:
    return os.environ.get("ADE_TEST_REQUIRE_POSTGRES", "") in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """An admin URL of a throwaway PostgreSQL server, shared by the whole test session."""
    try:
        server = postgres_server()
        url = server.__enter__()
    except PostgresUnavailableError as exc:
        if _postgres_required():
            pytest.fail(f"PostgreSQL is required (ADE_TEST_REQUIRE_POSTGRES=1): {exc}")
        pytest.skip(str(exc))
    try:
        yield url
    finally:
        server.__exit__(None, None, None)


def _new_database(request: pytest.FixtureRequest, backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'ade.sqlite'}"
        return
    admin = request.getfixturevalue("postgres_admin_url")
    name = f"t_{str(ULID()).lower()}"
    url = create_database(admin, name)
    try:
        yield url
    finally:
        drop_database(admin, name)


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    """The database backend a test runs on: `sqlite` or `postgres`."""
    return str(request.param)


@pytest.fixture
def fresh_db_url(request: pytest.FixtureRequest, db_backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, unmigrated database of the test's backend."""
    yield from _new_database(request, db_backend, tmp_path)


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """An engine on a database built by the Alembic migrations, once per session per backend."""
    backend = str(request.param)
    folder = tmp_path_factory.mktemp(f"db-{backend}")
    for url in _new_database(request, backend, folder):
        engine = create_db_engine(url)
        migrate.upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture
def db_session(migrated_engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    Code under test may commit: commits land on a savepoint, so nothing outlives the test.
    """
    with migrated_engine.connect() as connection:
        transaction = connection.begin()
        session = Session(
            bind=connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
            autoflush=False,
        )
        try:
            yield session
        finally:
            session.close()
            transaction.rollback()
