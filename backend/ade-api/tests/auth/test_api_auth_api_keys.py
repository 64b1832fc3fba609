"""API keys: create (secret shown once), use with `X-API-Key`, list, revoke, expire."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, update
from sqlalchemy.orm import Session

from ade_api.auth import security
from ade_db.models import ApiKey, User

pytestmark = pytest.mark.anyio

KEYS = "/api/v1/me/api-keys"
ME = "/api/v1/me"
MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]


async def _create(
    client: httpx.AsyncClient, headers: dict[str, str], **body: Any
) -> dict[str, Any]:
    response = await client.post(KEYS, json={"name": "ci", **body}, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _key_row(engine: Connection, key_id: str) -> ApiKey:
    with Session(engine) as session:
        row = session.get(ApiKey, key_id)
        assert row is not None
        session.expunge(row)
        return row


def _set(engine: Connection, key_id: str, **values: Any) -> None:
    with Session(engine) as session:
        session.execute(update(ApiKey).where(ApiKey.id == key_id).values(**values))
        session.commit()


def _as_key(secret: str) -> dict[str, str]:
    return {"X-API-Key": secret}


async def test_create_shows_the_secret_once_and_stores_only_a_digest(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    db_connection: Connection,
) -> None:
    user = make_user()
    created = await _create(client, auth_headers(user), name="  nightly import ")
    assert set(created) == {"id", "name", "prefix", "secret", "expires_at", "created_at"}
    assert created["name"] == "nightly import"
    assert created["expires_at"] is None
    secret = created["secret"]
    assert secret.startswith(created["prefix"] + "_")
    assert created["prefix"].startswith("ade_")
    assert len(secret) > 50

    row = _key_row(db_connection, created["id"])
    assert row.user_id == user.id
    assert row.prefix == created["prefix"]
    assert row.secret_hash == security.api_key_digest(secret)
    stored = " ".join(str(value) for value in vars(row).values())
    assert secret not in stored
    assert secret.split("_", 2)[2] not in stored


async def test_the_key_authenticates_as_its_user(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    db_connection: Connection,
) -> None:
    user = make_user()
    created = await _create(client, auth_headers(user))
    assert _key_row(db_connection, created["id"]).last_used_at is None
    me = await client.get(ME, headers=_as_key(created["secret"]))
    assert me.status_code == 200
    assert me.json()["id"] == user.id
    assert _key_row(db_connection, created["id"]).last_used_at is not None
    # A key can manage keys too (automation rotating its own credentials).
    listed = await client.get(KEYS, headers=_as_key(created["secret"]))
    assert listed.status_code == 200


async def test_list_shows_my_keys_without_secrets(
    client: httpx.AsyncClient, make_user: MakeUser, auth_headers: AuthHeaders
) -> None:
    user, other = make_user(), make_user()
    mine = [await _create(client, auth_headers(user), name=f"key {i}") for i in range(3)]
    theirs = await _create(client, auth_headers(other))
    response = await client.get(KEYS, headers=auth_headers(user))
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 3
    assert [item["id"] for item in body["items"]] == [k["id"] for k in reversed(mine)]
    assert set(body["items"][0]) == {
        "id",
        "name",
        "prefix",
        "expires_at",
        "created_at",
        "last_used_at",
    }
    for key in [*mine, theirs]:
        assert key["secret"] not in response.text
    assert theirs["id"] not in response.text

    by_name = await client.get(KEYS, params={"sort": "name"}, headers=auth_headers(user))
    assert [item["name"] for item in by_name.json()["items"]] == ["key 0", "key 1", "key 2"]
    paged = await client.get(KEYS, params={"page_size": 2}, headers=auth_headers(user))
    assert len(paged.json()["items"]) == 2
    assert paged.json()["total"] == 3


async def test_revoke_stops_the_key_at_once(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    db_connection: Connection,
) -> None:
    user = make_user()
    keep = await _create(client, auth_headers(user), name="keep")
    drop = await _create(client, auth_headers(user), name="drop")
    assert (await client.get(ME, headers=_as_key(drop["secret"]))).status_code == 200

    response = await client.delete(f"{KEYS}/{drop['id']}", headers=auth_headers(user))
    assert response.status_code == 204
    assert response.content == b""
    refused = await client.get(ME, headers=_as_key(drop["secret"]))
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"] == "the API key is invalid, expired or revoked"
    assert _key_row(db_connection, drop["id"]).revoked_at is not None

    assert (await client.get(ME, headers=_as_key(keep["secret"]))).status_code == 200
    listed = (await client.get(KEYS, headers=auth_headers(user))).json()
    assert [item["id"] for item in listed["items"]] == [keep["id"]]
    again = await client.delete(f"{KEYS}/{drop['id']}", headers=auth_headers(user))
    assert again.status_code == 404


async def test_another_users_key_is_404_and_untouched(
    client: httpx.AsyncClient, make_user: MakeUser, auth_headers: AuthHeaders
) -> None:
    owner, intruder = make_user(), make_user()
    key = await _create(client, auth_headers(owner))
    response = await client.delete(f"{KEYS}/{key['id']}", headers=auth_headers(intruder))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    unknown = await client.delete(f"{KEYS}/01J0000000000000000000000", headers=auth_headers(owner))
    assert unknown.status_code == 404
    assert response.json()["detail"] == unknown.json()["detail"]
    assert (await client.get(ME, headers=_as_key(key["secret"]))).status_code == 200


async def test_an_expired_key_stops_working(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    db_connection: Connection,
) -> None:
    user = make_user()
    expires = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    key = await _create(client, auth_headers(user), expires_at=expires.isoformat())
    assert datetime.fromisoformat(key["expires_at"]) == expires
    assert (await client.get(ME, headers=_as_key(key["secret"]))).status_code == 200
    _set(db_connection, key["id"], expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert (await client.get(ME, headers=_as_key(key["secret"]))).status_code == 401
    # Expired keys stay listed (so they can be seen and deleted) until revoked.
    listed = (await client.get(KEYS, headers=auth_headers(user))).json()
    assert [item["id"] for item in listed["items"]] == [key["id"]]


async def test_a_key_already_expired_is_refused(
    client: httpx.AsyncClient, make_user: MakeUser, auth_headers: AuthHeaders
) -> None:
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    response = await client.post(
        KEYS, json={"name": "old", "expires_at": past}, headers=auth_headers(make_user())
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"loc": ["body", "expires_at"], "msg": "must be in the future"}
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 101},
        {"name": "naive", "expires_at": "2099-01-01T00:00:00"},
        {},
    ],
    ids=["empty-name", "blank-name", "long-name", "naive-expiry", "no-name"],
)
async def test_invalid_create_is_422(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    body: dict[str, str],
) -> None:
    response = await client.post(KEYS, json=body, headers=auth_headers(make_user()))
    assert response.status_code == 422
    assert response.json()["errors"]


async def test_keys_of_an_inactive_user_stop_working(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    db_connection: Connection,
) -> None:
    user = make_user()
    key = await _create(client, auth_headers(user))
    with Session(db_connection) as session:
        session.execute(update(User).where(User.id == user.id).values(is_active=False))
        session.commit()
    assert (await client.get(ME, headers=_as_key(key["secret"]))).status_code == 401


@pytest.mark.parametrize("case", ["wrong-secret", "unknown-prefix", "not-a-key", "long"])
async def test_a_bad_key_is_refused_the_same_way(
    client: httpx.AsyncClient, make_user: MakeUser, auth_headers: AuthHeaders, case: str
) -> None:
    key = (await _create(client, auth_headers(make_user())))["secret"]
    presented = {
        "wrong-secret": key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB"),
        "unknown-prefix": "ade_ffffffffffff_" + key.split("_", 2)[2],
        "not-a-key": "hello",
        "long": key + "x" * 500,
    }[case]
    response = await client.get(ME, headers=_as_key(presented))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["detail"] == "the API key is invalid, expired or revoked"


async def test_a_bearer_token_takes_precedence_over_a_key(
    client: httpx.AsyncClient, make_user: MakeUser, auth_headers: AuthHeaders
) -> None:
    user = make_user()
    key = (await _create(client, auth_headers(user)))["secret"]
    both_bad_token = {"Authorization": "Bearer nope", "X-API-Key": key}
    assert (await client.get(ME, headers=both_bad_token)).status_code == 401
    both_good = {**auth_headers(user), "X-API-Key": "nope"}
    assert (await client.get(ME, headers=both_good)).status_code == 200


async def test_api_key_routes_need_credentials(client: httpx.AsyncClient) -> None:
    for method, path in [("GET", KEYS), ("POST", KEYS), ("DELETE", f"{KEYS}/x")]:
        response = await client.request(method, path, json={"name": "x"})
        assert response.status_code == 401, (method, path)
