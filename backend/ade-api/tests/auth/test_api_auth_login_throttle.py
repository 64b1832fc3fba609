"""Login throttling per client address (`ADE_LOGIN_IP_*`), next to the per-account lockout.

One address gets `login_ip_max_attempts` logins per window, right password or not; then
429 with Retry-After, whichever account it names. Other addresses are not affected, the
per-account lockout still answers 401, and the count lives in Redis so every API process
shares it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import fakeredis
import httpx
import pytest
from fastapi import FastAPI

from ade_api.app import create_app
from ade_api.auth.dependencies import get_login_throttle
from ade_api.auth.throttle import TOO_MANY_ATTEMPTS, LoginThrottle, client_bucket
from ade_db.models import User
from ade_db.types import new_id
from ade_storage import StorageSettings
from ade_worker.embedded_redis import EmbeddedRedis
from ade_worker.settings import WorkerSettings
from redis import Redis

pytestmark = pytest.mark.anyio

LOGIN = "/api/v1/auth/login"
PASSWORD = "correct horse battery staple"
LIMIT = 3
MakeUser = Callable[..., User]


@asynccontextmanager
async def client_at(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests come from `address` (what `request.client.host` says)."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def _login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post(LOGIN, json={"email": email, "password": password})


def _assert_throttled(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) >= 1
    body: dict[str, Any] = response.json()
    assert body["type"].endswith("/rate-limited")
    assert (body["status"], body["detail"]) == (429, TOO_MANY_ATTEMPTS)
    return body


@pytest.fixture
def limited(app: FastAPI) -> FastAPI:
    app.state.settings.login_ip_max_attempts = LIMIT
    window = app.state.settings.login_ip_window_seconds
    # Windows are aligned to the clock: logins that happened to straddle the end of one (a
    # slow machine, a few seconds of hashing) would start a new count. The clock stands
    # still here, mid-window.
    frozen = (1_000_000 + 0.5) * window
    app.dependency_overrides[get_login_throttle] = lambda: LoginThrottle(
        redis=app.state.redis,
        namespace=app.state.queue_name,
        max_attempts=LIMIT,
        window_seconds=window,
        clock=lambda: frozen,
    )
    return app


async def test_one_address_past_the_limit_is_429_even_with_the_right_password(
    limited: FastAPI, make_user: MakeUser
) -> None:
    user = make_user(password=PASSWORD)
    async with client_at(limited, "198.51.100.7") as client:
        assert (await _login(client, user.email, "wrong-password")).status_code == 401
        for _ in range(LIMIT - 1):
            assert (await _login(client, user.email, PASSWORD)).status_code == 200
        refused = await _login(client, user.email, PASSWORD)
        _assert_throttled(refused)
        assert int(refused.headers["retry-after"]) <= 300  # the default window
        assert "access_token" not in refused.text
        # Which account is named makes no difference: the address is what is counted.
        unknown = await _login(client, f"ghost-{new_id()}@example.com", PASSWORD)
        assert _assert_throttled(unknown)["detail"] == refused.json()["detail"]


async def test_another_address_still_signs_in(limited: FastAPI, make_user: MakeUser) -> None:
    user = make_user(password=PASSWORD)
    async with client_at(limited, "198.51.100.7") as noisy, client_at(limited, "2001:db8::1") as ok:
        for _ in range(LIMIT):
            await _login(noisy, user.email, "wrong-password")
        _assert_throttled(await _login(noisy, user.email, PASSWORD))
        assert (await _login(ok, user.email, PASSWORD)).status_code == 200


async def test_the_account_lockout_still_answers_401(app: FastAPI, make_user: MakeUser) -> None:
    # Under the address limit, the per-account lockout is what stops the guessing: a 401
    # like any wrong password, so the answer never says the account exists.
    user = make_user(password=PASSWORD)
    max_failures = app.state.settings.login_max_failures
    assert max_failures + 1 <= app.state.settings.login_ip_max_attempts
    async with client_at(app, "198.51.100.7") as client:
        for _ in range(max_failures):
            assert (await _login(client, user.email, "wrong-password")).status_code == 401
        locked = await _login(client, user.email, PASSWORD)
    assert locked.status_code == 401
    assert "retry-after" not in locked.headers


async def test_the_next_window_lets_the_address_in_again(app: FastAPI, make_user: MakeUser) -> None:
    user = make_user(password=PASSWORD)
    now = [60_000.0 * 1000 + 15]  # 15 s into a 60 s window
    app.dependency_overrides[get_login_throttle] = lambda: LoginThrottle(
        redis=app.state.redis,
        namespace="clock-test",
        max_attempts=2,
        window_seconds=60,
        clock=lambda: now[0],
    )
    async with client_at(app, "198.51.100.7") as client:
        for _ in range(2):
            assert (await _login(client, user.email, PASSWORD)).status_code == 200
        refused = await _login(client, user.email, PASSWORD)
        _assert_throttled(refused)
        assert refused.headers["retry-after"] == "45"
        now[0] += 44.5
        assert (await _login(client, user.email, PASSWORD)).headers["retry-after"] == "1"
        now[0] += 0.5  # the window is over
        assert (await _login(client, user.email, PASSWORD)).status_code == 200


async def test_without_redis_logins_go_on_uncounted(
    app: FastAPI, make_user: MakeUser, caplog: pytest.LogCaptureFixture
) -> None:
    server = fakeredis.FakeServer()
    server.connected = False  # every command fails as when Redis is down
    app.state.redis = fakeredis.FakeRedis(server=server)
    app.state.settings.login_ip_max_attempts = 1
    user = make_user(password=PASSWORD)
    async with client_at(app, "198.51.100.7") as client:
        with caplog.at_level(logging.WARNING, logger="ade_api.auth.throttle"):
            for _ in range(3):
                assert (await _login(client, user.email, PASSWORD)).status_code == 200
    assert "login throttle unavailable" in caplog.text


@pytest.mark.parametrize(
    ("host", "bucket"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),  # the same subscriber
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("testclient", "testclient"),
        (None, "unknown"),
        ("", "unknown"),
    ],
)
def test_client_bucket(host: str | None, bucket: str) -> None:
    assert client_bucket(host) == bucket


@pytest.mark.redis
async def test_api_processes_share_the_count_in_real_redis(
    app: FastAPI, make_user: MakeUser, real_redis: EmbeddedRedis, data_dir: Path
) -> None:
    # Two apps on one Redis stand for two API processes; another installation (another
    # queue name) on the same Redis keeps its own count.
    user = make_user(password=PASSWORD)
    app.state.settings.login_ip_max_attempts = LIMIT
    namespace, other = f"throttle-{new_id().lower()}", f"throttle-{new_id().lower()}"
    twin = create_app(
        app.state.settings,
        engine=app.state.db_engine,
        storage_settings=StorageSettings(data_dir=data_dir, _env_file=None),
        worker_settings=WorkerSettings(_env_file=None, queue_name=namespace),
    )
    redis = Redis.from_url(real_redis.url)
    for each in (app, twin):
        each.state.redis, each.state.queue_name = redis, namespace
    twin.state.session_factory = app.state.session_factory
    try:
        async with client_at(app, "203.0.113.9") as first, client_at(twin, "203.0.113.9") as second:
            for client in (first, second, first):
                assert (await _login(client, user.email, PASSWORD)).status_code == 200
            _assert_throttled(await _login(second, user.email, PASSWORD))
            twin.state.queue_name = other
            assert (await _login(second, user.email, PASSWORD)).status_code == 200
        (key,) = redis.scan_iter(match=f"ade:{namespace}:login-attempts:*:203.0.113.9")
        assert int(redis.get(key) or 0) == LIMIT + 1
        assert 0 < int(redis.ttl(key)) <= app.state.settings.login_ip_window_seconds
    finally:
        for name in (namespace, other):
            for key in redis.scan_iter(match=f"ade:{name}:*"):
                redis.delete(key)
        redis.close()
