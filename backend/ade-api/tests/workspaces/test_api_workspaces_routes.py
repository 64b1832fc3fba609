"""Workspace routes over HTTP: every role against every route, and cross-workspace 404s.

ROLE_TABLE is the table later domains extend with their own workspace-scoped routes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from ade_api.testing import Route, expected_status, fill
from ade_db.enums import WorkspaceRole
from ade_db.models import User

pytestmark = pytest.mark.anyio

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]


ROLE_TABLE = [
    Route("GET", "/api/v1/workspaces/{ws}", "viewer", 200),
    Route("PATCH", "/api/v1/workspaces/{ws}", "owner", 200, {"name": "Renamed"}),
    Route("DELETE", "/api/v1/workspaces/{ws}", "owner", 204),
    Route("GET", "/api/v1/workspaces/{ws}/members", "viewer", 200),
    Route(
        "POST",
        "/api/v1/workspaces/{ws}/members",
        "owner",
        201,
        {"user_id": "{newcomer}", "role": "editor"},
    ),
    Route("PATCH", "/api/v1/workspaces/{ws}/members/{target}", "owner", 200, {"role": "editor"}),
    Route("DELETE", "/api/v1/workspaces/{ws}/members/{target}", "owner", 204),
    Route("GET", "/api/v1/workspaces/{ws}/events", "viewer", 200),
]


@dataclass
class World:
    owner: User
    target: User
    newcomer: User
    outsider: User
    workspace_id: str


async def _setup(client: httpx.AsyncClient, make_user: MakeUser, auth: AuthHeaders) -> World:
    owner, target, newcomer, outsider = (make_user() for _ in range(4))
    created = await client.post("/api/v1/workspaces", json={"name": "Acme"}, headers=auth(owner))
    assert created.status_code == 201, created.text
    ws = created.json()["id"]
    added = await client.post(
        f"/api/v1/workspaces/{ws}/members",
        json={"user_id": target.id, "role": "viewer"},
        headers=auth(owner),
    )
    assert added.status_code == 201, added.text
    return World(owner, target, newcomer, outsider, ws)


def _fill(value: Any, world: World) -> Any:
    return fill(
        value,
        {"ws": world.workspace_id, "target": world.target.id, "newcomer": world.newcomer.id},
    )


@pytest.mark.parametrize("role", ["viewer", "editor", "owner", "outsider"])
@pytest.mark.parametrize("route", ROLE_TABLE, ids=lambda r: f"{r.method} {r.path}")
async def test_role_table(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    route: Route,
    role: str,
) -> None:
    world = await _setup(client, make_user, auth_headers)
    caller = world.outsider
    if role != "outsider":
        caller = make_user()
        added = await client.post(
            f"/api/v1/workspaces/{world.workspace_id}/members",
            json={"user_id": caller.id, "role": role},
            headers=auth_headers(world.owner),
        )
        assert added.status_code == 201
    response = await client.request(
        route.method,
        _fill(route.path, world),
        json=_fill(route.body, world),
        headers=auth_headers(caller),
    )
    expected = expected_status(role, route)
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("route", ROLE_TABLE, ids=lambda r: f"{r.method} {r.path}")
async def test_every_route_needs_credentials(
    client: httpx.AsyncClient, make_user: MakeUser, auth_headers: AuthHeaders, route: Route
) -> None:
    world = await _setup(client, make_user, auth_headers)
    response = await client.request(
        route.method, _fill(route.path, world), json=_fill(route.body, world)
    )
    assert response.status_code == 401


async def test_create_list_read_rename_delete(
    client: httpx.AsyncClient, make_user: MakeUser, auth_headers: AuthHeaders
) -> None:
    me = auth_headers(make_user())
    first = (await client.post("/api/v1/workspaces", json={"name": "Beta"}, headers=me)).json()
    second = await client.post(
        "/api/v1/workspaces", json={"name": "Alpha", "slug": "alpha-team"}, headers=me
    )
    assert second.status_code == 201
    assert second.json()["slug"] == "alpha-team"
    assert second.json()["role"] == WorkspaceRole.OWNER

    listing = await client.get("/api/v1/workspaces", headers=me)
    assert listing.status_code == 200
    body = listing.json()
    assert body["total"] == 2
    assert [w["name"] for w in body["items"]] == ["Alpha", "Beta"]
    paged = await client.get("/api/v1/workspaces?page_size=1&page=2&sort=-name", headers=me)
    assert [w["name"] for w in paged.json()["items"]] == ["Alpha"]

    renamed = await client.patch(
        f"/api/v1/workspaces/{first['id']}", json={"name": "Beta 2"}, headers=me
    )
    assert renamed.json()["name"] == "Beta 2"
    taken = await client.patch(
        f"/api/v1/workspaces/{first['id']}", json={"slug": "alpha-team"}, headers=me
    )
    assert taken.status_code == 409

    deleted = await client.delete(f"/api/v1/workspaces/{first['id']}", headers=me)
    assert deleted.status_code == 204
    gone = await client.get(f"/api/v1/workspaces/{first['id']}", headers=me)
    assert gone.status_code == 404


async def test_bad_input_is_a_422_problem(
    client: httpx.AsyncClient, make_user: MakeUser, auth_headers: AuthHeaders
) -> None:
    me = auth_headers(make_user())
    response = await client.post(
        "/api/v1/workspaces", json={"name": "", "slug": "Not A Slug", "extra": 1}, headers=me
    )
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in response.json()["errors"]}
    assert locs == {("body", "name"), ("body", "slug"), ("body", "extra")}
    bad_sort = await client.get("/api/v1/workspaces?sort=secret", headers=me)
    assert bad_sort.status_code == 400
    assert bad_sort.json()["errors"][0]["loc"] == ["query", "sort"]


async def test_the_last_owner_stays(
    client: httpx.AsyncClient, make_user: MakeUser, auth_headers: AuthHeaders
) -> None:
    world = await _setup(client, make_user, auth_headers)
    me = auth_headers(world.owner)
    base = f"/api/v1/workspaces/{world.workspace_id}/members/{world.owner.id}"
    demote = await client.patch(base, json={"role": "viewer"}, headers=me)
    assert demote.status_code == 409
    assert "at least one owner" in demote.json()["detail"]
    leave = await client.delete(base, headers=me)
    assert leave.status_code == 409


async def test_a_member_can_leave(
    client: httpx.AsyncClient, make_user: MakeUser, auth_headers: AuthHeaders
) -> None:
    world = await _setup(client, make_user, auth_headers)
    path = f"/api/v1/workspaces/{world.workspace_id}/members/{world.target.id}"
    assert (await client.delete(path, headers=auth_headers(world.target))).status_code == 204
    after = await client.get(
        f"/api/v1/workspaces/{world.workspace_id}", headers=auth_headers(world.target)
    )
    assert after.status_code == 404


async def test_workspace_routes_are_in_the_openapi_contract(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    assert "/api/v1/workspaces/{workspace_id}/members/{user_id}" in paths
