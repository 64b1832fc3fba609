from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from ade_api.app import create_app
from ade_api.settings import ApiSettings
from ade_db.testing.fixtures import *  # noqa: F403  (real SQLite and PostgreSQL databases)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def app(migrated_engine: Engine) -> FastAPI:
    return create_app(ApiSettings(env="test", _env_file=None), engine=migrated_engine)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
