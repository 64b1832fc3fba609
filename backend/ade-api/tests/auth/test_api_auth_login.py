"""`POST /auth/login`, `POST /auth/logout` and the bearer token, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import Connection, update
from sqlalchemy.orm import Session

from ade_api.auth import security
from ade_db.models import RevokedToken, User
from ade_db.types import new_id

pytestmark = pytest.mark.anyio

LOGIN = "/api/v1/auth/login"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/me"
PASSWORD = "correct horse battery staple"
MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _comparable(problem: dict[str, Any]) -> dict[str, Any]:
    # The request id differs per request by design; everything else must be identical.
    return {k: v for k, v in problem.items() if k != "request_id"}


def _user_row(engine: Connection, user_id: str) -> User:
    with Session(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        session.expunge(user)
        return user


def _set(engine: Connection, user_id: str, **values: Any) -> None:
    with Session(engine) as session:
        session.execute(update(User).where(User.id == user_id).values(**values))
        session.commit()


def _assert_unauthenticated(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    body: dict[str, Any] = response.json()
    assert body["type"].endswith("/unauthenticated")
    assert body["title"] == "Authentication required"
    assert body["status"] == 401
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return body


async def test_login_returns_a_signed_bearer_token(
    client: httpx.AsyncClient, app: FastAPI, make_user: MakeUser
) -> None:
    user = make_user(password=PASSWORD)
    response = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    claims = jwt.decode(
        body["access_token"],
        app.state.settings.secret_key.get_secret_value(),
        algorithms=["HS256"],
    )
    assert set(claims) == {"sub", "jti", "iat", "exp"}
    assert claims["sub"] == user.id
    assert claims["exp"] - claims["iat"] == 3600

    me = await client.get(ME, headers=_bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == user.id


async def test_each_login_gets_its_own_token_id(
    client: httpx.AsyncClient, app: FastAPI, make_user: MakeUser
) -> None:
    user = make_user(password=PASSWORD)
    key = app.state.settings.secret_key.get_secret_value()
    jtis = set()
    for _ in range(2):
        token = (await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})).json()
        jtis.add(jwt.decode(token["access_token"], key, algorithms=["HS256"])["jti"])
    assert len(jtis) == 2


async def test_email_is_matched_case_insensitively(
    client: httpx.AsyncClient, make_user: MakeUser, db_connection: Connection
) -> None:
    user = make_user(email=f"Mixed.Case-{new_id()}@Example.COM", password=PASSWORD)
    assert user.email == user.email.lower()
    assert _user_row(db_connection, user.id).email == user.email
    response = await client.post(
        LOGIN, json={"email": f"  {user.email.upper()} ", "password": PASSWORD}
    )
    assert response.status_code == 200


async def test_unknown_email_and_wrong_password_answer_the_same(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = make_user(password=PASSWORD)
    wrong_password = await client.post(LOGIN, json={"email": user.email, "password": "nope-nope"})
    unknown_email = await client.post(
        LOGIN, json={"email": f"ghost-{new_id()}@example.com", "password": PASSWORD}
    )
    first = _assert_unauthenticated(wrong_password)
    second = _assert_unauthenticated(unknown_email)
    assert _comparable(first) == _comparable(second)
    assert first["detail"] == "incorrect email or password"
    assert wrong_password.headers.keys() - {"x-request-id", "content-length"} == (
        unknown_email.headers.keys() - {"x-request-id", "content-length"}
    )


async def test_unknown_email_still_spends_a_password_hash(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Same work whether or not the account exists, so timing does not tell them apart.
    calls: list[str] = []
    real = security.spend_password_check

    def spy(password: str) -> None:
        calls.append(password)
        real(password)

    monkeypatch.setattr(security, "spend_password_check", spy)
    response = await client.post(
        LOGIN, json={"email": f"ghost-{new_id()}@example.com", "password": PASSWORD}
    )
    assert response.status_code == 401
    assert calls == [PASSWORD]


async def test_inactive_user_cannot_sign_in_and_their_token_stops_working(
    client: httpx.AsyncClient, make_user: MakeUser, db_connection: Connection
) -> None:
    user = make_user(password=PASSWORD)
    token = (await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})).json()
    _set(db_connection, user.id, is_active=False)
    refused = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert _assert_unauthenticated(refused)["detail"] == "incorrect email or password"
    _assert_unauthenticated(await client.get(ME, headers=_bearer(token["access_token"])))


async def test_repeated_failures_lock_the_account_then_it_unlocks(
    client: httpx.AsyncClient, make_user: MakeUser, db_connection: Connection
) -> None:
    user = make_user(password=PASSWORD)
    wrong = {"email": user.email, "password": "wrong-password"}
    first = await client.post(LOGIN, json=wrong)
    for _ in range(4):
        assert (await client.post(LOGIN, json=wrong)).status_code == 401
    row = _user_row(db_connection, user.id)
    assert row.locked_until is not None
    assert row.locked_until > datetime.now(UTC) + timedelta(minutes=14)

    # Locked: even the right password is refused, with the very same answer (and no 429).
    locked = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert _comparable(_assert_unauthenticated(locked)) == _comparable(first.json())
    assert "retry-after" not in locked.headers

    # Once the lock has passed, the right password works and the count starts again.
    _set(db_connection, user.id, locked_until=datetime.now(UTC) - timedelta(seconds=1))
    ok = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert ok.status_code == 200
    row = _user_row(db_connection, user.id)
    assert (row.failed_login_count, row.locked_until) == (0, None)
    assert row.last_login_at is not None


async def test_success_resets_the_failure_count(
    client: httpx.AsyncClient, make_user: MakeUser, db_connection: Connection
) -> None:
    user = make_user(password=PASSWORD)
    wrong = {"email": user.email, "password": "wrong-password"}
    for _ in range(4):
        await client.post(LOGIN, json=wrong)
    assert _user_row(db_connection, user.id).failed_login_count == 4
    right = {"email": user.email, "password": PASSWORD}
    assert (await client.post(LOGIN, json=right)).status_code == 200
    assert _user_row(db_connection, user.id).failed_login_count == 0
    for _ in range(4):
        await client.post(LOGIN, json=wrong)
    assert (await client.post(LOGIN, json=right)).status_code == 200


async def test_login_rehashes_a_password_hashed_with_old_parameters(
    client: httpx.AsyncClient, make_user: MakeUser, db_connection: Connection
) -> None:
    user = make_user(password=PASSWORD)
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    _set(db_connection, user.id, password_hash=old)
    assert security.needs_rehash(old)
    assert (
        await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    ).status_code == 200
    new = _user_row(db_connection, user.id).password_hash
    assert new is not None
    assert new != old
    assert not security.needs_rehash(new)
    assert security.verify_password(new, PASSWORD)


async def test_passwords_are_stored_as_argon2id_hashes(
    make_user: MakeUser, db_connection: Connection
) -> None:
    user = make_user(password=PASSWORD)
    stored = _user_row(db_connection, user.id).password_hash
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


@pytest.mark.parametrize(
    "body",
    [{}, {"email": "a@b.c"}, {"password": "x"}, {"email": "", "password": "x"}],
    ids=["empty", "no-password", "no-email", "blank-email"],
)
async def test_malformed_login_is_422(client: httpx.AsyncClient, body: dict[str, str]) -> None:
    response = await client.post(LOGIN, json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]


# --- the token -------------------------------------------------------------------------------


def _claims(user_id: str, **overrides: Any) -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp())
    claims: dict[str, Any] = {"sub": user_id, "jti": new_id(), "iat": now, "exp": now + 600}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


async def test_an_expired_token_is_refused(
    client: httpx.AsyncClient, app: FastAPI, make_user: MakeUser
) -> None:
    user = make_user()
    now = int(datetime.now(UTC).timestamp())
    key = app.state.settings.secret_key.get_secret_value()
    expired = security.encode_token(_claims(user.id, iat=now - 7200, exp=now - 3600), key)
    body = _assert_unauthenticated(await client.get(ME, headers=_bearer(expired)))
    assert "expired" in body["detail"]


@pytest.mark.parametrize(
    "case", ["other-key", "tampered", "no-jti", "no-exp", "alg-none", "unknown-user", "garbage"]
)
async def test_a_bad_token_is_refused(
    client: httpx.AsyncClient, app: FastAPI, make_user: MakeUser, case: str
) -> None:
    user = make_user()
    key = app.state.settings.secret_key.get_secret_value()
    makers: dict[str, Callable[[], str]] = {
        "other-key": lambda: security.encode_token(_claims(user.id), "another-key-" + "x" * 32),
        "tampered": lambda: security.encode_token(_claims(user.id), key)[:-2] + "AA",
        "no-jti": lambda: security.encode_token(_claims(user.id, jti=None), key),
        "no-exp": lambda: security.encode_token(_claims(user.id, exp=None), key),
        "alg-none": lambda: jwt.encode(_claims(user.id), None, algorithm="none"),
        "unknown-user": lambda: security.encode_token(_claims(new_id()), key),
        "garbage": lambda: "not-a-token",
    }
    token = makers[case]()
    body = _assert_unauthenticated(await client.get(ME, headers=_bearer(token)))
    assert body["detail"] == "the token is invalid"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer "}, {"Authorization": "Basic dXNlcjpwdw=="}, {"X-API-Key": ""}],
    ids=["none", "empty-bearer", "basic", "empty-key"],
)
async def test_no_credentials_is_a_401_problem(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    body = _assert_unauthenticated(await client.get(ME, headers=headers))
    assert body["instance"] == ME
    assert "request_id" in body


async def test_logout_revokes_the_token_at_once(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = make_user(password=PASSWORD)
    credentials = {"email": user.email, "password": PASSWORD}
    first = (await client.post(LOGIN, json=credentials)).json()["access_token"]
    second = (await client.post(LOGIN, json=credentials)).json()["access_token"]

    response = await client.post(LOGOUT, headers=_bearer(first))
    assert response.status_code == 204
    assert response.content == b""
    body = _assert_unauthenticated(await client.get(ME, headers=_bearer(first)))
    assert "revoked" in body["detail"]
    _assert_unauthenticated(await client.post(LOGOUT, headers=_bearer(first)))
    # Only that token: another session of the same user goes on.
    assert (await client.get(ME, headers=_bearer(second))).status_code == 200


async def test_logout_records_the_expiry_and_prunes_expired_revocations(
    client: httpx.AsyncClient,
    app: FastAPI,
    make_user: MakeUser,
    db_connection: Connection,
) -> None:
    user = make_user()
    stale = new_id()
    with Session(db_connection) as session:
        session.add(
            RevokedToken(
                jti=stale, user_id=user.id, expires_at=datetime.now(UTC) - timedelta(minutes=1)
            )
        )
        session.commit()
    key = app.state.settings.secret_key.get_secret_value()
    claims = _claims(user.id)
    response = await client.post(LOGOUT, headers=_bearer(security.encode_token(claims, key)))
    assert response.status_code == 204
    with Session(db_connection) as session:
        assert session.get(RevokedToken, stale) is None
        revoked = session.get(RevokedToken, claims["jti"])
        assert revoked is not None
        assert revoked.user_id == user.id
        assert int(revoked.expires_at.timestamp()) == claims["exp"]


async def test_logout_needs_a_token(client: httpx.AsyncClient, auth_headers: AuthHeaders) -> None:
    _assert_unauthenticated(await client.post(LOGOUT))


async def test_logout_with_an_api_key_is_refused(
    client: httpx.AsyncClient, make_user: MakeUser, auth_headers: AuthHeaders
) -> None:
    user = make_user()
    key = (
        await client.post("/api/v1/me/api-keys", json={"name": "ci"}, headers=auth_headers(user))
    ).json()["secret"]
    response = await client.post(LOGOUT, headers={"X-API-Key": key})
    assert response.status_code == 400
    assert "api-keys" in response.json()["detail"]


async def test_the_user_id_reaches_the_access_log(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = make_user(password=PASSWORD)
    with caplog.at_level(logging.INFO, logger="ade_api.access"):
        assert (await client.get(ME, headers=auth_headers(user))).status_code == 200
        assert (await client.get(ME)).status_code == 401
        login = {"email": user.email, "password": PASSWORD}
        assert (await client.post(LOGIN, json=login)).status_code == 200
    records = [r for r in caplog.records if r.name == "ade_api.access"]
    assert [getattr(r, "user_id", "missing") for r in records] == [user.id, None, user.id]


async def test_the_token_stays_valid_across_requests_until_it_expires(
    client: httpx.AsyncClient, make_user: MakeUser, auth_headers: AuthHeaders
) -> None:
    headers = auth_headers(make_user())
    for _ in range(3):
        assert (await client.get(ME, headers=headers)).status_code == 200
