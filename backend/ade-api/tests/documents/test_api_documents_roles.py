"""Every document route against every role, and without credentials."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from ade_api.testing import Route, expected_status, fill
from ade_db.models import User

pytestmark = pytest.mark.anyio

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]
MakeWorkspace = Callable[..., str]
MakeDocument = Callable[..., str]

D = "/api/v1/workspaces/{ws}/documents"
DID = D + "/{doc}"
CSV = b"name,email\nAda,ada@example.com\n"

DOCUMENT_ROUTES = [
    Route("POST", D, "editor", 201),
    Route("GET", D, "viewer", 200),
    Route("GET", DID, "viewer", 200),
    Route("GET", DID + "/content", "viewer", 200),
    Route("GET", DID + "/events", "viewer", 200),
    Route("GET", DID + "/preview", "viewer", 200),
    Route("DELETE", DID, "editor", 204),
]


async def _call(
    client: httpx.AsyncClient, route: Route, values: dict[str, str], headers: dict[str, str]
) -> httpx.Response:
    url = fill(route.path, values)
    if route.method == "POST":
        return await client.post(url, files={"file": ("a.csv", CSV)}, headers=headers)
    return await client.request(route.method, url, headers=headers)


@pytest.mark.parametrize("role", ["viewer", "editor", "owner", "outsider"])
@pytest.mark.parametrize("route", DOCUMENT_ROUTES, ids=lambda r: f"{r.method} {r.path}")
async def test_document_role_table(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
    make_document: MakeDocument,
    route: Route,
    role: str,
) -> None:
    owner, caller = make_user(), make_user()
    if role == "owner":
        caller = owner
    members = {role: caller} if role in ("viewer", "editor") else {}
    ws = make_workspace(owner, members)
    values = {"ws": ws, "doc": make_document(ws)}
    response = await _call(client, route, values, auth_headers(caller))
    assert response.status_code == expected_status(role, route), response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("route", DOCUMENT_ROUTES, ids=lambda r: f"{r.method} {r.path}")
async def test_document_routes_need_credentials(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    make_document: MakeDocument,
    route: Route,
) -> None:
    ws = make_workspace(make_user())
    values = {"ws": ws, "doc": make_document(ws)}
    response = await _call(client, route, values, {})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
