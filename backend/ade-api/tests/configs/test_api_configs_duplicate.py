"""Duplicating a config: the copy's draft holds the source's draft or one version's files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from ade_api.testing import release_draft
from ade_db.models import DomainEvent, User

pytestmark = pytest.mark.anyio

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]
MakeWorkspace = Callable[..., str]


@dataclass
class Workspace:
    client: httpx.AsyncClient
    headers: dict[str, str]
    base: str  # .../workspaces/{ws}/configs

    async def create(self, slug: str, **fields: str) -> dict[str, Any]:
        body = {"slug": slug, "title": slug.title(), **fields}
        response = await self.client.post(self.base, json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        config: dict[str, Any] = response.json()
        return config

    async def duplicate(self, config_id: str, **body: object) -> httpx.Response:
        return await self.client.post(
            f"{self.base}/{config_id}:duplicate", json=body, headers=self.headers
        )

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.request(
            method, f"{self.base}{path}", headers=self.headers, **kwargs
        )

    async def files_hash(self, config_id: str, version_id: str) -> str:
        response = await self.call("GET", f"/{config_id}/versions/{version_id}")
        assert response.status_code == 200, response.text
        digest: str = response.json()["files_hash"]
        return digest

    async def readme(self, config_id: str) -> str:
        response = await self.call("GET", f"/{config_id}/draft/files/README.md")
        assert response.status_code == 200, response.text
        code: str = response.json()["code"]
        return code

    async def write_readme(self, config_id: str, code: str) -> None:
        response = await self.client.put(
            f"{self.base}/{config_id}/draft/files/README.md",
            json={"code": code},
            headers={**self.headers, "If-Match": "*"},
        )
        assert response.status_code == 200, response.text


@pytest.fixture
def owner(make_user: MakeUser) -> User:
    return make_user()


@pytest.fixture
def ws(
    client: httpx.AsyncClient, owner: User, auth_headers: AuthHeaders, make_workspace: MakeWorkspace
) -> Workspace:
    return Workspace(
        client, auth_headers(owner), f"/api/v1/workspaces/{make_workspace(owner)}/configs"
    )


def _release(db_connection: Connection, config_id: str, semver: str) -> str:
    with Session(bind=db_connection, join_transaction_mode="create_savepoint") as session:
        version_id = release_draft(session, config_id, semver, "published")
        session.commit()
    return version_id


async def test_a_copy_of_the_draft_is_a_new_unpublished_inactive_config(
    ws: Workspace, db_connection: Connection
) -> None:
    source = await ws.create("roster")
    _release(db_connection, source["id"], "1.0.0")
    assert (await ws.call("POST", f"/{source['id']}:activate")).status_code == 200
    await ws.write_readme(source["id"], "the draft's own text\n")

    response = await ws.duplicate(source["id"], slug="roster-copy", title="Copy of Roster")

    assert response.status_code == 201, response.text
    copy = response.json()
    assert copy["id"] != source["id"]
    assert (copy["slug"], copy["title"]) == ("roster-copy", "Copy of Roster")
    assert copy["published_version_id"] is None
    assert copy["published_semver"] is None
    assert copy["active"] is False
    assert copy["archived"] is False
    assert copy["version_id"] is not None
    assert await ws.files_hash(copy["id"], copy["version_id"]) == await ws.files_hash(
        source["id"], source["version_id"]
    )
    assert await ws.readme(copy["id"]) == "the draft's own text\n"
    # The source is untouched: still active, still published.
    again = (await ws.call("GET", f"/{source['id']}")).json()
    assert again["active"] is True
    assert again["published_semver"] == "1.0.0"
    # The copy's history is its draft alone, and its draft is editable on its own.
    versions = (await ws.call("GET", f"/{copy['id']}/versions")).json()["items"]
    assert [v["status"] for v in versions] == ["draft"]
    await ws.write_readme(copy["id"], "only the copy\n")
    assert await ws.readme(source["id"]) == "the draft's own text\n"


async def test_a_copy_of_a_version_holds_that_versions_files(
    ws: Workspace, db_connection: Connection
) -> None:
    source = await ws.create("source")
    v1 = _release(db_connection, source["id"], "1.0.0")
    await ws.write_readme(source["id"], "changed after 1.0.0\n")

    response = await ws.duplicate(source["id"], slug="from-v1", title="From 1.0.0", version_id=v1)

    assert response.status_code == 201, response.text
    copy = response.json()
    assert await ws.files_hash(copy["id"], copy["version_id"]) == await ws.files_hash(
        source["id"], v1
    )
    assert await ws.readme(copy["id"]) != "changed after 1.0.0\n"
    assert copy["published_version_id"] is None


async def test_an_archived_config_can_be_copied(ws: Workspace) -> None:
    source = await ws.create("old")
    assert (await ws.call("DELETE", f"/{source['id']}")).status_code == 200

    response = await ws.duplicate(source["id"], slug="revived", title="Revived")

    assert response.status_code == 201, response.text
    assert response.json()["archived"] is False


async def test_a_taken_slug_is_409_and_nothing_is_created(ws: Workspace) -> None:
    source = await ws.create("taken")
    await ws.create("other")

    for slug in ("taken", "other"):
        response = await ws.duplicate(source["id"], slug=slug, title="Copy")
        assert response.status_code == 409, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert slug in response.json()["detail"]
    listed = (await ws.call("GET", "")).json()
    assert sorted(c["slug"] for c in listed["items"]) == ["other", "taken"]


@pytest.mark.parametrize(
    "body",
    [
        {"slug": "Bad Slug", "title": "T"},
        {"slug": "ok"},
        {"slug": "ok", "title": "   "},
        {"slug": "ok", "title": "T", "version_id": "short"},
        {"slug": "ok", "title": "T", "files": {}},
    ],
    ids=["slug", "no-title", "blank-title", "version-id", "extra-field"],
)
async def test_invalid_bodies_are_422_on_the_field(ws: Workspace, body: dict[str, object]) -> None:
    source = await ws.create("src")

    response = await ws.duplicate(source["id"], **body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]


async def test_another_workspaces_config_or_version_is_404(
    ws: Workspace,
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
    db_connection: Connection,
) -> None:
    source = await ws.create("mine")
    sibling = await ws.create("sibling")
    sibling_v1 = _release(db_connection, sibling["id"], "1.0.0")
    stranger = make_user()
    theirs = Workspace(
        client, auth_headers(stranger), f"/api/v1/workspaces/{make_workspace(stranger)}/configs"
    )
    foreign = await theirs.create("foreign")
    foreign_v1 = _release(db_connection, foreign["id"], "1.0.0")

    # Their config, through my workspace: not found.
    response = await ws.duplicate(foreign["id"], slug="x", title="X")
    assert response.status_code == 404, response.text
    # My config with a version of another config (mine or theirs): not found.
    for version_id in (sibling_v1, foreign_v1):
        response = await ws.duplicate(source["id"], slug="x", title="X", version_id=version_id)
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == "application/problem+json"
    # My config through their workspace: not found either.
    response = await theirs.duplicate(source["id"], slug="x", title="X")
    assert response.status_code == 404, response.text
    listed = (await ws.call("GET", "")).json()
    assert sorted(c["slug"] for c in listed["items"]) == ["mine", "sibling"]


async def test_the_copy_is_recorded_in_the_event_log(
    ws: Workspace, db_connection: Connection
) -> None:
    source = await ws.create("logged")

    copy = (await ws.duplicate(source["id"], slug="logged-copy", title="Copy")).json()

    with Session(bind=db_connection, join_transaction_mode="create_savepoint") as session:
        event = session.scalars(
            select(DomainEvent).where(DomainEvent.type == "config.duplicated")
        ).one()
    assert (event.subject_type, event.subject_id) == ("config", copy["id"])
    assert event.payload["source_config_id"] == source["id"]
    assert event.payload["source_version_id"] == source["version_id"]
