"""First-run setup: `GET /setup` says whether it is needed; `POST /setup` with the server's
one-time token creates the first admin and signs them in, once. A wrong or missing token, a
server without one, an installation that has users: each a problem, and no user made. Two
concurrent setups make one admin."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import fakeredis
import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from ade_api.auth.throttle import LoginThrottle
from ade_api.errors import SetupCompleteError
from ade_api.settings import ApiSettings
from ade_api.setup import service
from ade_api.users import service as users
from ade_db import create_db_engine, create_session_factory, migrate
from ade_db.models import DomainEvent, User

pytestmark = pytest.mark.anyio

SETUP = "/api/v1/setup"
TOKEN = "s3tup-token-from-the-console"
FIRST = {"token": TOKEN, "email": "Owner@Example.org", "password": "a-long-password"}
MakeUser = Callable[..., User]


@pytest.fixture
def app_with_token(app: FastAPI) -> FastAPI:
    """The app as `ade start` runs it on an empty installation: with a setup token."""
    app.state.settings = app.state.settings.model_copy(update={"setup_token": SecretStr(TOKEN)})
    return app


def _users(db_connection: Connection) -> list[User]:
    with Session(bind=db_connection) as session:
        return list(session.scalars(select(User)))


def _problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"].endswith(f"/{slug}")
    return body


async def _needed(client: httpx.AsyncClient) -> bool:
    response = await client.get(SETUP)
    assert response.status_code == 200
    needed: bool = response.json()["needed"]
    return needed


async def test_setup_creates_a_signed_in_admin_once(
    app_with_token: FastAPI,
    client: httpx.AsyncClient,
    db_connection: Connection,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await _needed(client) is True
    with caplog.at_level(logging.DEBUG):
        await client.post(SETUP, json={**FIRST, "token": "not-it-at-all"})
        done = await client.post(SETUP, json={**FIRST, "display_name": " Olga "})
    assert "first-run setup completed" in caplog.text
    for secret in (TOKEN, "not-it-at-all", FIRST["password"]):
        assert secret not in caplog.text
    assert done.status_code == 201, done.text
    assert done.headers["cache-control"] == "no-store"
    body = done.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["user"]["email"] == "owner@example.org"
    assert (body["user"]["is_admin"], body["user"]["display_name"]) == (True, "Olga")
    assert TOKEN not in done.text

    # Signed in at once, and with the password given.
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["id"] == body["user"]["id"]
    login = await client.post(
        "/api/v1/auth/login", json={"email": FIRST["email"], "password": FIRST["password"]}
    )
    assert login.status_code == 200

    # Closed for good: the same token again, or another one, is a 409.
    assert await _needed(client) is False
    again = await client.post(SETUP, json={**FIRST, "email": "second@example.org"})
    assert "already has users" in _problem(again, 409, "setup-complete")["detail"]
    assert [u.email for u in _users(db_connection)] == ["owner@example.org"]

    with Session(bind=db_connection) as session:
        events = session.scalars(select(DomainEvent).where(DomainEvent.type == "setup.completed"))
        [event] = list(events)
    assert (event.actor_id, event.subject_id) == (body["user"]["id"], body["user"]["id"])
    assert event.workspace_id is None
    assert event.payload == {"email": "owner@example.org"}


@pytest.mark.parametrize("token", ["guessed-token-1", TOKEN[:-1], TOKEN + "x", TOKEN.upper()])
async def test_a_wrong_token_is_refused(
    app_with_token: FastAPI, client: httpx.AsyncClient, db_connection: Connection, token: str
) -> None:
    response = await client.post(SETUP, json={**FIRST, "token": token})
    body = _problem(response, 403, "setup-token-invalid")
    assert token not in response.text
    assert TOKEN not in response.text
    assert "printed" in body["detail"]
    assert _users(db_connection) == []
    assert await _needed(client) is True


async def test_a_missing_token_fails_validation(
    app_with_token: FastAPI, client: httpx.AsyncClient, db_connection: Connection
) -> None:
    for body in ({k: v for k, v in FIRST.items() if k != "token"}, {**FIRST, "token": ""}):
        _problem(await client.post(SETUP, json=body), 422, "validation-error")
    assert _users(db_connection) == []


async def test_a_server_without_a_token_says_so(
    client: httpx.AsyncClient, db_connection: Connection
) -> None:
    body = _problem(await client.post(SETUP, json=FIRST), 503, "setup-token-not-configured")
    assert "ADE_SETUP_TOKEN" in body["detail"]
    assert "ade start" in body["detail"]
    assert _users(db_connection) == []
    assert await _needed(client) is True


async def test_the_user_rules_apply(
    app_with_token: FastAPI, client: httpx.AsyncClient, db_connection: Connection
) -> None:
    response = await client.post(SETUP, json={**FIRST, "email": "nope", "password": "short"})
    body = _problem(response, 400, "invalid-input")
    assert [e["loc"] for e in body["errors"]] == [["email"], ["password"]]
    assert _users(db_connection) == []


@pytest.mark.parametrize("configured", [True, False])
async def test_closed_once_any_user_exists(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_user: MakeUser,
    db_connection: Connection,
    configured: bool,
) -> None:
    if configured:
        app.state.settings = app.state.settings.model_copy(update={"setup_token": SecretStr(TOKEN)})
    make_user("someone@example.org")
    assert await _needed(client) is False
    _problem(await client.post(SETUP, json=FIRST), 409, "setup-complete")
    _problem(await client.post(SETUP, json={**FIRST, "token": "x"}), 409, "setup-complete")
    assert [u.email for u in _users(db_connection)] == ["someone@example.org"]


async def test_attempts_are_throttled_like_logins(
    app_with_token: FastAPI, client: httpx.AsyncClient, db_connection: Connection
) -> None:
    app_with_token.state.settings = app_with_token.state.settings.model_copy(
        update={"login_ip_max_attempts": 2}
    )
    for _ in range(2):
        _problem(
            await client.post(SETUP, json={**FIRST, "token": "guess"}), 403, "setup-token-invalid"
        )
    throttled = await client.post(SETUP, json=FIRST)  # even the right token, now
    _problem(throttled, 429, "rate-limited")
    assert int(throttled.headers["retry-after"]) >= 1
    assert _users(db_connection) == []


# --------------------------------------------------------------------------- concurrency


@pytest.fixture
def fresh_engine(fresh_db_url: str) -> Iterator[Engine]:
    """An empty, migrated database (no users) of each backend, for real concurrent sessions."""
    engine = create_db_engine(fresh_db_url)
    migrate.upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def test_two_concurrent_setups_make_one_admin(
    fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = ApiSettings(env="test", _env_file=None, setup_token=SecretStr(TOKEN))
    throttle = LoginThrottle(fakeredis.FakeRedis(), "setup-race", 100, 60)
    factory = create_session_factory(fresh_engine)
    checked = threading.Barrier(2)
    exists = users.any_user_exists

    def slow_check(session: Session) -> bool:
        # Both requests pass the first "no user yet?" before either inserts, where they can.
        found = exists(session)
        # PostgreSQL: the other request waits on the lock, before this check: no one comes.
        with contextlib.suppress(threading.BrokenBarrierError):
            checked.wait(timeout=1)
        return found

    monkeypatch.setattr(users, "any_user_exists", slow_check)
    outcomes: list[object] = []

    def setup(email: str) -> None:
        with factory() as session:
            try:
                user, _ = service.complete_setup(
                    session,
                    settings,
                    throttle,
                    token=TOKEN,
                    email=email,
                    password=FIRST["password"],
                    display_name=None,
                    client="127.0.0.1",
                )
                session.commit()
                outcomes.append(user.email)
            except Exception as exc:
                session.rollback()
                outcomes.append(exc)

    threads = [threading.Thread(target=setup, args=(f"admin{n}@example.org",)) for n in (1, 2)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert time.monotonic() - started < 60
    winners = [o for o in outcomes if isinstance(o, str)]
    losers = [o for o in outcomes if not isinstance(o, str)]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1, outcomes
    assert isinstance(losers[0], SetupCompleteError), outcomes
    with Session(fresh_engine) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1
        assert session.scalar(select(User.email)) == winners[0]
        assert session.scalar(select(User.is_admin)) is True
        events = session.scalar(select(func.count()).where(DomainEvent.type == "setup.completed"))
        assert events == 1
