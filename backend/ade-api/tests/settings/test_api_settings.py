"""Production refuses the development secret; docs are off in production by default."""

from __future__ import annotations

import signal
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import ValidationError
from sqlalchemy import Engine

from ade_api import server
from ade_api.app import create_app
from ade_api.settings import DEVELOPMENT_SECRET_KEY, ApiSettings

STRONG_KEY = "k" * 48


def test_production_refuses_the_development_key() -> None:
    with pytest.raises(ValidationError, match="ADE_SECRET_KEY"):
        ApiSettings(env="production", _env_file=None)
    with pytest.raises(ValidationError, match="ADE_SECRET_KEY"):
        ApiSettings(env="production", secret_key=DEVELOPMENT_SECRET_KEY, _env_file=None)


def test_production_refuses_a_short_key() -> None:
    with pytest.raises(ValidationError, match="32 characters"):
        ApiSettings(env="production", secret_key="short", _env_file=None)


def test_production_accepts_a_strong_key_and_hides_it() -> None:
    settings = ApiSettings(env="production", secret_key=STRONG_KEY, _env_file=None)
    assert STRONG_KEY not in repr(settings)
    assert settings.docs_enabled is False


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADE_API_PORT", "9123")
    monkeypatch.setenv("ADE_API_HOST", "0.0.0.0")
    settings = ApiSettings(_env_file=None)
    assert (settings.api_host, settings.api_port) == ("0.0.0.0", 9123)


def test_only_the_configured_proxies_may_name_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    # Login throttling counts request.client; uvicorn rewrites it from X-Forwarded-For only
    # for peers in ADE_API_FORWARDED_ALLOW_IPS (loopback by default), never for anyone else.
    assert ApiSettings(_env_file=None).api_forwarded_allow_ips == "127.0.0.1"
    monkeypatch.setenv("ADE_API_FORWARDED_ALLOW_IPS", "10.0.0.0/8,192.0.2.1")
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # the test process keeps its own
    server.serve(ApiSettings(_env_file=None))
    assert calls[0]["proxy_headers"] is True
    assert calls[0]["forwarded_allow_ips"] == "10.0.0.0/8,192.0.2.1"


@pytest.mark.anyio
@pytest.mark.parametrize(("enabled", "expected"), [(None, 404), (True, 200)])
async def test_docs_in_production(
    migrated_engine: Engine, enabled: bool | None, expected: int
) -> None:
    settings = ApiSettings(
        env="production", secret_key=STRONG_KEY, api_docs_enabled=enabled, _env_file=None
    )
    app = create_app(settings, engine=migrated_engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/docs")).status_code == expected
        assert (await client.get("/api/v1/openapi.json")).status_code == expected
        assert (await client.get("/health")).status_code == 200


def test_the_submits_concurrency_comes_from_the_environment_and_is_at_least_one(
    monkeypatch: pytest.MonkeyPatch, migrated_engine: Engine
) -> None:
    monkeypatch.setenv("ADE_SUBMIT_MAX_CONCURRENT", "5")
    settings = ApiSettings(_env_file=None)
    assert settings.submit_max_concurrent == 5
    assert create_app(settings, engine=migrated_engine).state.submit_limiter.total_tokens == 5
    monkeypatch.setenv("ADE_SUBMIT_MAX_CONCURRENT", "0")
    with pytest.raises(ValidationError, match="submit_max_concurrent"):
        ApiSettings(_env_file=None)
