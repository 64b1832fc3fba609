"""Every config and draft route against every role (the identity issue's table, extended)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from ade_api.configs import service
from ade_api.testing import Route, expected_status, fill, release_draft
from ade_db.models import Config, ConfigFile, User

pytestmark = pytest.mark.anyio

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]
MakeWorkspace = Callable[..., str]
MakeDocument = Callable[..., str]

C = "/api/v1/workspaces/{ws}/configs"
CID = C + "/{cid}"
ANY = {"If-Match": "*"}

CONFIG_ROUTES = [
    Route("GET", C, "viewer", 200),
    Route("POST", C, "editor", 201, {"slug": "new", "title": "New", "template": "empty"}),
    Route("GET", CID, "viewer", 200),
    Route("PATCH", CID, "editor", 200, {"title": "Renamed"}),
    Route("DELETE", CID, "owner", 200),
    Route("POST", CID + ":unarchive", "owner", 200),
    Route("POST", CID + ":activate", "editor", 200),
    Route("POST", CID + ":duplicate", "editor", 201, {"slug": "copy", "title": "Copy"}),
    Route(
        "POST",
        CID + ":duplicate",
        "editor",
        201,
        {"slug": "c1", "title": "C", "version_id": "{v1}"},
    ),
    Route("GET", CID + "/export", "viewer", 200),
    Route("GET", CID + "/versions", "viewer", 200),
    Route("GET", CID + "/versions/{v1}", "viewer", 200),
    Route("GET", CID + "/versions/{v1}/files/manifest.json", "viewer", 200),
    Route("POST", CID + "/publish", "editor", 201, {"semver": "2.0.0", "message": "m"}),
    Route("POST", CID + "/revert", "editor", 200, {"version_id": "{v1}"}),
    Route("POST", CID + "/versions/{v1}:restore", "editor", 200),
    Route("GET", CID + "/diff?from={v1}&to=draft", "viewer", 200),
    Route("GET", CID + "/draft/files", "viewer", 200),
    Route("GET", CID + "/draft/files/README.md", "viewer", 200),
    Route("POST", CID + "/draft/files", "editor", 201, {"path": "hooks/extra.py"}),
    Route("PUT", CID + "/draft/files/README.md", "editor", 200, {"code": "hi\n"}, ANY),
    Route("DELETE", CID + "/draft/files/README.md", "editor", 204, None, ANY),
    Route("GET", CID + "/draft/manifest", "viewer", 200),
    Route("PATCH", CID + "/draft/manifest", "editor", 200, {"title": "T"}),
    Route("POST", CID + "/draft/columns", "editor", 201, {"field": "extra", "kind": "email"}),
    Route("POST", CID + "/draft:plan", "editor", 200),
    Route("POST", CID + "/draft:dry-run", "editor", 200, {"document_id": "{doc}"}),
    # No such run: editors learn that (404), viewers are refused first (403).
    Route("GET", CID + "/dry-runs/{v1}/output", "editor", 404),
    Route("GET", CID + "/dry-runs/{v1}/output/rows", "editor", 404),
]


@dataclass
class World:
    owner: User
    outsider: User
    ws: str
    values: dict[str, str]


async def _world(
    client: httpx.AsyncClient,
    db_connection: Connection,
    make_user: MakeUser,
    auth: AuthHeaders,
    make_workspace: MakeWorkspace,
    make_document: MakeDocument,
    members: dict[str, User],
) -> World:
    owner, outsider = make_user(), make_user()
    ws = make_workspace(owner, members)
    created = await client.post(
        f"/api/v1/workspaces/{ws}/configs", json={"slug": "c", "title": "C"}, headers=auth(owner)
    )
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    with Session(bind=db_connection, join_transaction_mode="create_savepoint") as session:
        config = session.get(Config, cid)
        assert config is not None
        v1 = release_draft(session, config.id, "1.0.0", "deprecated")
        release_draft(session, config.id, "1.1.0", "published")
        # The draft differs from the published version, so publishing it is allowed.
        readme = session.scalars(
            select(ConfigFile).where(
                ConfigFile.version_id == service.draft_of(session, config).id,
                ConfigFile.path == "README.md",
            )
        ).one()
        readme.content = b"changed\n"
        readme.sha256 = hashlib.sha256(readme.content).hexdigest()
        service.refresh_files_hash(session, service.draft_of(session, config))
        session.commit()
    values = {"ws": ws, "cid": cid, "v1": v1, "doc": make_document(ws)}
    return World(owner, outsider, ws, values)


@pytest.mark.parametrize("role", ["viewer", "editor", "owner", "outsider"])
@pytest.mark.parametrize("route", CONFIG_ROUTES, ids=lambda r: f"{r.method} {r.path}")
async def test_config_role_table(
    client: httpx.AsyncClient,
    db_connection: Connection,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
    make_document: MakeDocument,
    route: Route,
    role: str,
) -> None:
    caller = make_user()
    members = {role: caller} if role not in ("owner", "outsider") else {}
    world = await _world(
        client, db_connection, make_user, auth_headers, make_workspace, make_document, members
    )
    if role == "owner":
        caller = world.owner
    elif role == "outsider":
        caller = world.outsider
    response = await client.request(
        route.method,
        fill(route.path, world.values),
        json=fill(route.body, world.values),
        headers={**auth_headers(caller), **(route.headers or {})},
    )
    assert response.status_code == expected_status(role, route), response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("route", CONFIG_ROUTES, ids=lambda r: f"{r.method} {r.path}")
async def test_config_routes_need_credentials(client: httpx.AsyncClient, route: Route) -> None:
    values = {"ws": "01HZX4G7Q8M2N3P4R5S6T7V8W9", "cid": "01HZX4G7Q8M2N3P4R5S6T7V8WA"}
    values |= {"v1": values["cid"], "doc": values["cid"]}
    response = await client.request(
        route.method, fill(route.path, values), json=fill(route.body, values)
    )
    assert response.status_code == 401


@pytest.mark.parametrize("role", ["viewer", "editor", "outsider"])
async def test_import_needs_the_editor_role(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
    role: str,
) -> None:
    owner = make_user()
    caller = make_user()
    ws = make_workspace(owner, {role: caller} if role != "outsider" else {})
    base = f"/api/v1/workspaces/{ws}/configs"
    created = await client.post(
        base, json={"slug": "src", "title": "S", "template": "empty"}, headers=auth_headers(owner)
    )
    archive = (
        await client.get(f"{base}/{created.json()['id']}/export", headers=auth_headers(owner))
    ).content
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        assert "manifest.json" in zf.namelist()
    response = await client.post(
        f"{base}:import",
        files={"file": ("p.zip", archive, "application/zip")},
        data={"slug": "copy"},
        headers=auth_headers(caller),
    )
    assert response.status_code == expected_status(role, Route("POST", base, "editor", 201)), (
        response.text
    )
