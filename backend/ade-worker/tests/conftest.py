from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ade_db import create_session_factory
from ade_db.testing.fixtures import *  # noqa: F403  (real SQLite and PostgreSQL databases)
from ade_storage import LocalBlobStore, StorageLayout
from ade_worker.jail import Jail
from ade_worker.settings import WorkerSettings

# Session fixtures: a real redis-server, and the real sandbox jail.
from ade_worker.testing import jail, jail_provider, jails, real_redis, sandbox_root  # noqa: F401


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def layout(data_dir: Path) -> StorageLayout:
    return StorageLayout(data_dir)


@pytest.fixture
def blobs(data_dir: Path) -> LocalBlobStore:
    return LocalBlobStore(data_dir)


@pytest.fixture
def sessions(migrated_engine: Engine) -> sessionmaker[Session]:
    """Sessions on the migrated database that really commit: the code under test uses several
    sessions and threads, like the worker does. Every test seeds its own rows (new ids)."""
    return create_session_factory(migrated_engine)


@pytest.fixture
def worker_settings() -> WorkerSettings:
    return WorkerSettings(_env_file=None, queue_name="test-jobs")


@pytest.fixture(params=["cold", "warm", "unjailed"])
def jail_or_none(request: pytest.FixtureRequest) -> Jail | None:
    """The production jail (cold, then warm), then None (``ADE_SANDBOX=none``): for the few
    sandbox tests that must hold in every mode. The jail is only asked for when it is used."""
    if request.param == "unjailed":
        return None
    found: Jail = request.getfixturevalue("jails").get(request.param)
    return found
