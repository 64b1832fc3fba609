"""Who may submit a job: the caller and the workspace are resolved in the submit's own hop
(`defer_workspace_access`), and every refusal is the same as on any other workspace route,
with nothing written."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, func, select, update
from sqlalchemy.orm import Session

from ade_api.auth import security
from ade_db.models import ApiKey, DomainEvent, Job, JobEvent, User
from ade_db.types import new_id

pytestmark = pytest.mark.anyio

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]
#: A new workspace's owner, the workspace and a body that submits a job in it.
SubmitTo = Callable[[], tuple[User, str, dict[str, Any]]]


def _written(db: Connection) -> tuple[int, int, int]:
    """Jobs, job events and workspace events in the database."""
    with Session(db) as session:
        return (
            session.scalar(select(func.count()).select_from(Job)) or 0,
            session.scalar(select(func.count()).select_from(JobEvent)) or 0,
            session.scalar(select(func.count()).select_from(DomainEvent)) or 0,
        )


@pytest.fixture
def submit_to(
    make_user: MakeUser,
    make_workspace: Callable[..., str],
    make_document: Callable[..., str],
    make_config_version: Callable[..., str],
) -> SubmitTo:
    def make() -> tuple[User, str, dict[str, Any]]:
        owner = make_user()
        ws = make_workspace(owner)
        body = {"document_id": make_document(ws), "config_version_id": make_config_version(ws)}
        return owner, ws, body

    return make


def _assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    return problem


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Bearer "}],
    ids=["none", "forged", "empty"],
)
async def test_a_missing_or_forged_credential_is_a_401_before_the_body_is_checked(
    client: httpx.AsyncClient,
    db_connection: Connection,
    submit_to: SubmitTo,
    headers: dict[str, str],
) -> None:
    _, ws, _ = submit_to()
    before = _written(db_connection)
    # The body is not a submit at all: the credential is refused first, not the body.
    response = await client.post(f"/api/v1/workspaces/{ws}/jobs", json={"x": 1}, headers=headers)
    _assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert _written(db_connection) == before


async def test_an_expired_token_is_a_401_before_the_body_is_checked(
    app: FastAPI,
    client: httpx.AsyncClient,
    submit_to: SubmitTo,
) -> None:
    owner, ws, _ = submit_to()
    now = int(datetime.now(UTC).timestamp())
    claims = {"sub": owner.id, "jti": new_id(), "iat": now - 7200, "exp": now - 3600}
    token = security.encode_token(claims, app.state.settings.secret_key.get_secret_value())
    response = await client.post(
        f"/api/v1/workspaces/{ws}/jobs",
        json={"x": 1},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert "expired" in _assert_problem(response, 401)["detail"]


async def test_a_revoked_token_or_an_inactive_user_cannot_submit(
    client: httpx.AsyncClient,
    db_connection: Connection,
    auth_headers: AuthHeaders,
    submit_to: SubmitTo,
) -> None:
    owner, ws, body = submit_to()
    headers = auth_headers(owner)
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    before = _written(db_connection)
    revoked = await client.post(f"/api/v1/workspaces/{ws}/jobs", json=body, headers=headers)
    assert "revoked" in _assert_problem(revoked, 401)["detail"]

    fresh = auth_headers(owner)
    with Session(db_connection) as session:
        session.execute(update(User).where(User.id == owner.id).values(is_active=False))
        session.commit()
    inactive = await client.post(f"/api/v1/workspaces/{ws}/jobs", json=body, headers=fresh)
    assert _assert_problem(inactive, 401)["detail"] == "the token is invalid"
    assert _written(db_connection) == before


async def test_an_api_key_submits_and_a_revoked_one_is_refused(
    client: httpx.AsyncClient,
    db_connection: Connection,
    auth_headers: AuthHeaders,
    submit_to: SubmitTo,
) -> None:
    owner, ws, body = submit_to()
    created = await client.post(
        "/api/v1/me/api-keys", json={"name": "ci"}, headers=auth_headers(owner)
    )
    key = {"X-API-Key": created.json()["secret"]}

    accepted = await client.post(f"/api/v1/workspaces/{ws}/jobs", json=body, headers=key)
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["submitted_by_id"] == owner.id
    with Session(db_connection) as session:
        row = session.get(ApiKey, created.json()["id"])
        assert row is not None
        assert row.last_used_at is not None  # the key's use is recorded
        session.execute(
            update(ApiKey).where(ApiKey.id == row.id).values(revoked_at=datetime.now(UTC))
        )
        session.commit()

    before = _written(db_connection)
    refused = await client.post(f"/api/v1/workspaces/{ws}/jobs", json=body, headers=key)
    _assert_problem(refused, 401)
    assert _written(db_connection) == before


@pytest.mark.parametrize("who", ["outsider", "viewer"])
async def test_an_outsider_gets_404_and_a_viewer_403_with_nothing_written(
    client: httpx.AsyncClient,
    db_connection: Connection,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: Callable[..., str],
    make_document: Callable[..., str],
    make_config_version: Callable[..., str],
    who: str,
) -> None:
    caller = make_user()
    ws = make_workspace(make_user(), {"viewer": caller} if who == "viewer" else {})
    body = {"document_id": make_document(ws), "config_version_id": make_config_version(ws)}
    before = _written(db_connection)
    response = await client.post(
        f"/api/v1/workspaces/{ws}/jobs", json=body, headers=auth_headers(caller)
    )
    _assert_problem(response, 404 if who == "outsider" else 403)
    assert _written(db_connection) == before


async def test_a_submit_to_a_missing_workspace_is_404_even_with_a_bad_body(
    client: httpx.AsyncClient, make_user: MakeUser, auth_headers: AuthHeaders
) -> None:
    # A valid credential, then the body: a bad body is a 422 whatever the workspace is, and
    # says nothing about it.
    headers = auth_headers(make_user())
    missing = f"/api/v1/workspaces/{new_id()}/jobs"
    _assert_problem(await client.post(missing, json={"x": 1}, headers=headers), 422)
    body = {"document_id": new_id(), "config_version_id": new_id()}
    _assert_problem(await client.post(missing, json=body, headers=headers), 404)


async def test_the_access_log_names_the_submits_caller_and_workspace(
    client: httpx.AsyncClient,
    auth_headers: AuthHeaders,
    submit_to: SubmitTo,
    caplog: pytest.LogCaptureFixture,
) -> None:
    owner, ws, body = submit_to()
    with caplog.at_level(logging.INFO, logger="ade_api.access"):
        response = await client.post(
            f"/api/v1/workspaces/{ws}/jobs", json=body, headers=auth_headers(owner)
        )
    assert response.status_code == 202, response.text
    (record,) = [r for r in caplog.records if r.name == "ade_api.access"]
    assert (getattr(record, "user_id", None), getattr(record, "workspace_id", None)) == (
        owner.id,
        ws,
    )
