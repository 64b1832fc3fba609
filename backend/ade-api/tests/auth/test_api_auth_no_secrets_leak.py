"""No password, token, API key or database URL in any log line, nor in any response other
than the one that creates it."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import Engine

from ade_db.models import User
from ade_worker.logs import JsonFormatter

pytestmark = pytest.mark.anyio

PASSWORD = "Sup3r-secret-passw0rd"
WRONG_PASSWORD = "Wr0ng-but-still-secret"
MakeUser = Callable[..., User]


async def test_secrets_never_reach_logs_or_other_responses(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    migrated_engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = make_user(password=PASSWORD)
    responses: dict[str, httpx.Response] = {}
    with caplog.at_level(logging.DEBUG):
        responses["bad login"] = await client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": WRONG_PASSWORD}
        )
        responses["unknown login"] = await client.post(
            "/api/v1/auth/login", json={"email": "nobody@example.com", "password": PASSWORD}
        )
        login = await client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
        )
        token = login.json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        created = await client.post("/api/v1/me/api-keys", json={"name": "ci"}, headers=bearer)
        key = created.json()["secret"]
        responses["me by token"] = await client.get("/api/v1/me", headers=bearer)
        responses["me by key"] = await client.get("/api/v1/me", headers={"X-API-Key": key})
        responses["list keys"] = await client.get("/api/v1/me/api-keys", headers=bearer)
        responses["bad key"] = await client.get("/api/v1/me", headers={"X-API-Key": key + "x"})
        responses["logout"] = await client.post("/api/v1/auth/logout", headers=bearer)
        responses["revoked token"] = await client.get("/api/v1/me", headers=bearer)
        responses["validation"] = await client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD * 100}
        )

    assert login.status_code == 200
    assert created.status_code == 201
    assert login.headers["cache-control"] == "no-store"
    assert created.headers["cache-control"] == "no-store"
    assert responses["logout"].status_code == 204
    assert responses["validation"].status_code == 422

    secrets = {
        "password": PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "token": token,
        "token signature": token.rsplit(".", 1)[1],
        "api key": key,
        "api key secret part": key.split("_", 2)[2],
        "database url": migrated_engine.url.render_as_string(hide_password=False),
    }
    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    assert any('"path": "/api/v1/auth/login"' in line for line in lines), "access log captured"
    log_text = "\n".join(lines)
    for what, secret in secrets.items():
        assert secret not in log_text, f"{what} found in the logs"
        for name, response in responses.items():
            text = response.text + " ".join(response.headers.values())
            assert secret not in text, f"{what} found in the {name} response"
    # The creating responses hold only their own secret.
    assert PASSWORD not in login.text
    assert key not in login.text
    assert token not in created.text
    assert PASSWORD not in created.text
