"""`/health` answers while the process is up; `/ready` only when the database is usable."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ade_api import __version__
from ade_api.app import create_app
from ade_api.settings import ApiSettings
from ade_db.engine import create_db_engine
from redis import Redis

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("path", ["/health", "/api/v1/health"])
async def test_health(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


@pytest.mark.parametrize("path", ["/ready", "/api/v1/ready"])
async def test_ready_on_a_migrated_database(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"]["ok"] is True
    assert body["checks"]["redis"] == {"ok": True, "detail": "reachable"}


async def _get_ready(app: FastAPI) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/ready")


async def test_not_ready_when_redis_is_unreachable(app: FastAPI) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app.state.redis = Redis.from_url(
        f"redis://:pw-secret@127.0.0.1:{port}/0", socket_connect_timeout=1
    )
    response = await _get_ready(app)
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["redis"] == {"ok": False, "detail": "unreachable"}
    assert body["checks"]["database"]["ok"] is True
    assert "pw-secret" not in response.text


async def test_not_ready_before_migrations(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    response = await _get_ready(create_app(ApiSettings(env="test", _env_file=None), engine=engine))
    engine.dispose()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["migrations"]["ok"] is False
    assert "ade db migrate" in body["checks"]["migrations"]["detail"]


async def test_not_ready_when_the_database_is_unreachable(tmp_path: Path) -> None:
    # A directory where the SQLite file should be: every connection attempt fails.
    target = tmp_path / "is-a-dir.sqlite"
    target.mkdir()
    engine = create_db_engine(f"sqlite:///{target}")
    response = await _get_ready(create_app(ApiSettings(env="test", _env_file=None), engine=engine))
    engine.dispose()
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "detail": "unreachable"}


async def test_openapi_is_served_under_the_api_prefix(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/health" in paths
    assert "/health" not in paths  # the bare alias stays out of the contract
    assert (await client.get("/docs")).status_code == 200
