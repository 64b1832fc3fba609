"""A login token lives no longer than `ADE_ACCESS_TOKEN_TTL_SECONDS` allows, even when it is
signed with the real key (a leaked key must not mint tokens that work for a century)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from ade_api.auth import security
from ade_api.errors import AuthenticationRequiredError
from ade_db.models import User
from ade_db.types import new_id

pytestmark = pytest.mark.anyio

ME = "/api/v1/me"
TTL = 3600  # the test app's ADE_ACCESS_TOKEN_TTL_SECONDS (the default)
LEEWAY = security.LIFETIME_LEEWAY_SECONDS
CENTURY = 100 * 365 * 24 * 3600
MakeUser = Callable[..., User]

# name -> (iat relative to now, exp relative to now); None leaves the claim out.
ACCEPTED = {
    "fresh": (0, TTL),
    "half-used": (-TTL // 2, TTL // 2),
    "exactly-the-leeway-longer": (0, TTL + LEEWAY),
}
REFUSED = {
    "a-century": (0, CENTURY),
    "beyond-datetime": (0, 10**20),  # past year 9999: once a 500
    "longer-than-the-ttl": (0, TTL + LEEWAY + 1),
    "backdated-iat-long-lifetime": (-CENTURY, 600),
    "no-iat": (None, 600),
    "iat-in-the-future": (600, 600 + TTL),
}


def _token(app: FastAPI, user: User, iat: int | None, exp: int) -> str:
    now = int(datetime.now(UTC).timestamp())
    claims: dict[str, object] = {"sub": user.id, "jti": new_id(), "exp": now + exp}
    if iat is not None:
        claims["iat"] = now + iat
    return security.encode_token(claims, app.state.settings.secret_key.get_secret_value())


@pytest.mark.parametrize("case", ACCEPTED)
async def test_a_token_within_the_lifetime_works(
    client: httpx.AsyncClient, app: FastAPI, make_user: MakeUser, case: str
) -> None:
    user = make_user()
    token = _token(app, user, *ACCEPTED[case])
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.json()["id"] == user.id


@pytest.mark.parametrize("case", REFUSED)
async def test_a_correctly_signed_token_claiming_too_long_a_life_is_401(
    client: httpx.AsyncClient, app: FastAPI, make_user: MakeUser, case: str
) -> None:
    iat, exp = REFUSED[case]
    token = _token(app, make_user(), iat, exp)
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["detail"] == "the token is invalid"


async def test_lowering_the_ttl_retires_tokens_issued_with_a_longer_one(
    client: httpx.AsyncClient, app: FastAPI, make_user: MakeUser
) -> None:
    user = make_user()
    token = _token(app, user, 0, TTL)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get(ME, headers=headers)).status_code == 200
    app.state.settings.access_token_ttl_seconds = 600
    assert (await client.get(ME, headers=headers)).status_code == 401


def test_decode_checks_the_lifetime_against_the_clock_it_is_given() -> None:
    key = "k" * 48
    issued = security.issue_access_token("01USER", secret_key=key, ttl_seconds=TTL)
    claims = security.decode_access_token(issued.token, secret_key=key, max_ttl_seconds=TTL)
    assert claims.expires_at == issued.expires_at
    with pytest.raises(AuthenticationRequiredError, match="invalid"):
        security.decode_access_token(issued.token, secret_key=key, max_ttl_seconds=TTL // 2)
