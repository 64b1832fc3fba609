"""Configs over HTTP: create, list, rename, publish, revert, activate, archive."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, select

from ade_api.testing import HOSTILE_REQUIREMENTS, assert_requirements_refused
from ade_db.models import DomainEvent, User
from ade_engine.manifest import hash_files
from ade_worker.materialize import Installer
from ade_worker.testing import build_index, build_wheel

pytestmark = pytest.mark.anyio

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]
MakeWorkspace = Callable[..., str]
PlantFile = Callable[[str, str, bytes], None]


@dataclass
class Ctx:
    client: httpx.AsyncClient
    headers: dict[str, str]
    base: str

    async def create(self, slug: str = "roster", **extra: object) -> dict[str, object]:
        response = await self.client.post(
            self.base, json={"slug": slug, "title": "Roster", **extra}, headers=self.headers
        )
        assert response.status_code == 201, response.text
        created: dict[str, object] = response.json()
        return created

    async def write(self, cid: str, path: str, code: str) -> httpx.Response:
        url = f"{self.base}/{cid}/draft/files/{path}"
        current = await self.client.get(url, headers=self.headers)
        assert current.status_code == 200, current.text
        return await self.client.put(
            url, json={"code": code}, headers={**self.headers, "If-Match": current.headers["etag"]}
        )

    async def publish(self, cid: str, semver: str, message: str = "") -> httpx.Response:
        return await self.client.post(
            f"{self.base}/{cid}/publish",
            json={"semver": semver, "message": message},
            headers=self.headers,
        )

    async def export(self, cid: str, version_id: str | None = None) -> dict[str, bytes]:
        params = {"version_id": version_id} if version_id else {}
        response = await self.client.get(
            f"{self.base}/{cid}/export", params=params, headers=self.headers
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
            return {name: zf.read(name) for name in zf.namelist()}


@pytest.fixture
def ctx(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
) -> Ctx:
    owner = make_user()
    ws = make_workspace(owner)
    return Ctx(client, auth_headers(owner), f"/api/v1/workspaces/{ws}/configs")


async def test_create_starts_from_the_example_package(ctx: Ctx) -> None:
    config = await ctx.create(title="Members")
    assert config["slug"] == "roster"
    assert config["title"] == "Members"
    assert config["version_id"]
    assert config["published_version_id"] is None
    assert config["active"] is False
    assert config["archived"] is False

    files = await ctx.export(str(config["id"]))
    assert "manifest.json" in files
    assert "columns/email.py" in files
    assert not any(path.startswith("samples/") for path in files)
    draft = (
        await ctx.client.get(
            f"{ctx.base}/{config['id']}/versions/{config['version_id']}", headers=ctx.headers
        )
    ).json()
    assert draft["status"] == "draft"
    assert draft["manifest"]["title"] == "Members"
    # The registry's files_hash is the engine's: sha256 over sorted paths and contents.
    assert draft["files_hash"] == hash_files(files)
    assert sorted(f["path"] for f in draft["files"]) == sorted(files)


async def test_create_empty_is_the_smallest_valid_package(ctx: Ctx) -> None:
    config = await ctx.create(template="empty")
    files = await ctx.export(str(config["id"]))
    assert set(files) >= {"manifest.json"}
    assert len(files) <= 3
    plan = await ctx.client.post(f"{ctx.base}/{config['id']}/draft:plan", headers=ctx.headers)
    assert plan.status_code == 200, plan.text
    assert plan.json()["valid"] is True, plan.json()


async def test_slugs_are_unique_per_workspace_and_validated(ctx: Ctx) -> None:
    await ctx.create("roster")
    again = await ctx.client.post(
        ctx.base, json={"slug": "roster", "title": "x"}, headers=ctx.headers
    )
    assert again.status_code == 409
    bad = await ctx.client.post(
        ctx.base, json={"slug": "Not Valid", "title": ""}, headers=ctx.headers
    )
    assert bad.status_code == 422
    assert {tuple(e["loc"]) for e in bad.json()["errors"]} == {("body", "slug"), ("body", "title")}


async def test_list_rename_and_filter(ctx: Ctx) -> None:
    first = await ctx.create("alpha")
    await ctx.create("beta")
    renamed = await ctx.client.patch(
        f"{ctx.base}/{first['id']}", json={"title": "Alpha 2"}, headers=ctx.headers
    )
    assert renamed.status_code == 200
    assert renamed.json()["title"] == "Alpha 2"
    taken = await ctx.client.patch(
        f"{ctx.base}/{first['id']}", json={"slug": "beta"}, headers=ctx.headers
    )
    assert taken.status_code == 409
    listing = (await ctx.client.get(f"{ctx.base}?sort=slug", headers=ctx.headers)).json()
    assert [c["slug"] for c in listing["items"]] == ["alpha", "beta"]
    assert listing["total"] == 2
    archived = (await ctx.client.get(f"{ctx.base}?archived=true", headers=ctx.headers)).json()
    assert archived["total"] == 0


async def test_publish_copies_the_draft_and_deprecates_the_previous(
    ctx: Ctx, db_connection: Connection
) -> None:
    config = await ctx.create()
    cid = str(config["id"])
    first = await ctx.publish(cid, "1.0.0", "first release")
    assert first.status_code == 201, first.text
    v1 = first.json()
    assert v1["status"] == "published"
    assert v1["semver"] == "1.0.0"
    assert v1["message"] == "first release"
    assert v1["published_at"]
    assert v1["published_by_id"]
    assert v1["files_hash"] == hash_files(await ctx.export(cid))
    assert await ctx.export(cid, v1["version_id"]) == await ctx.export(cid)

    # The draft stays editable; the published version does not change with it.
    edited = await ctx.write(cid, "README.md", "# edited\n")
    assert edited.status_code == 200, edited.text
    assert (await ctx.export(cid, v1["version_id"]))["README.md"] != b"# edited\n"

    second = await ctx.publish(cid, "1.1.0")
    assert second.status_code == 201, second.text
    old = (
        await ctx.client.get(f"{ctx.base}/{cid}/versions/{v1['version_id']}", headers=ctx.headers)
    ).json()
    assert old["status"] == "deprecated"
    assert old["deprecated_at"]
    got = (await ctx.client.get(f"{ctx.base}/{cid}", headers=ctx.headers)).json()
    assert got["published_version_id"] == second.json()["version_id"]
    assert got["published_semver"] == "1.1.0"

    history = (
        await ctx.client.get(f"{ctx.base}/{cid}/versions?sort=created_at", headers=ctx.headers)
    ).json()
    assert [v["status"] for v in history["items"]] == ["draft", "deprecated", "published"]

    events = (
        db_connection.execute(
            select(DomainEvent.type).where(DomainEvent.subject_id == cid).order_by(DomainEvent.id)
        )
        .scalars()
        .all()
    )
    assert events.count("config.published") == 2


async def test_publish_refuses_an_unchanged_draft_and_a_used_semver(ctx: Ctx) -> None:
    cid = str((await ctx.create())["id"])
    assert (await ctx.publish(cid, "1.0.0")).status_code == 201
    unchanged = await ctx.publish(cid, "1.0.1")
    assert unchanged.status_code == 409
    assert "identical" in unchanged.json()["detail"]
    await ctx.write(cid, "README.md", "changed\n")
    reused = await ctx.publish(cid, "1.0.0")
    assert reused.status_code == 409
    assert "already exists" in reused.json()["detail"]
    for semver in ("v1", "1.0.0junk"):
        bad = await ctx.publish(cid, semver)
        assert bad.status_code == 422, semver
        assert bad.json()["errors"][0]["loc"][-1] == "semver"


async def test_publish_refuses_a_package_whose_code_fails_to_import(ctx: Ctx) -> None:
    cid = str((await ctx.create())["id"])
    broken = await ctx.write(cid, "columns/email.py", "import json\n\nraise RuntimeError('boom')\n")
    assert broken.status_code == 200
    refused = await ctx.publish(cid, "1.0.0")
    assert refused.status_code == 400, refused.text
    errors = refused.json()["errors"]
    assert any(
        e["loc"][:2] == ["files", "columns/email.py"] and "boom" in e["msg"] for e in errors
    ), errors
    versions = (await ctx.client.get(f"{ctx.base}/{cid}/versions", headers=ctx.headers)).json()
    assert versions["total"] == 1  # nothing was published


async def test_a_requirements_txt_that_predates_the_rules_is_never_published(
    ctx: Ctx, plant_file: PlantFile, app: FastAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    # Offline: the installation's one index is a local one holding the test wheel.
    index = build_index(tmp_path / "index", build_wheel(wheels))
    monkeypatch.setattr(app.state.sandbox, "installer", Installer(index_url=index))
    created = await ctx.create()
    cid, draft_id = str(created["id"]), str(created["version_id"])
    plant_file(draft_id, "requirements.txt", HOSTILE_REQUIREMENTS.encode())
    assert_requirements_refused(await ctx.publish(cid, "1.0.0"))
    versions = (await ctx.client.get(f"{ctx.base}/{cid}/versions", headers=ctx.headers)).json()
    assert versions["total"] == 1  # nothing was published

    # Nor published again by reverting to an old version that holds one.
    plant_file(draft_id, "requirements.txt", b"adetinyvendor\n")
    v1 = (await ctx.publish(cid, "1.0.0")).json()
    plant_file(v1["version_id"], "requirements.txt", HOSTILE_REQUIREMENTS.encode())
    await ctx.write(cid, "README.md", "two\n")
    v2 = (await ctx.publish(cid, "2.0.0")).json()
    assert_requirements_refused(
        await ctx.client.post(
            f"{ctx.base}/{cid}/revert", json={"version_id": v1["version_id"]}, headers=ctx.headers
        )
    )
    config = (await ctx.client.get(f"{ctx.base}/{cid}", headers=ctx.headers)).json()
    assert config["published_version_id"] == v2["version_id"]
    assert (await ctx.export(cid))["README.md"] == b"two\n"  # the draft is untouched


async def test_revert_republishes_a_deprecated_version_and_resets_the_draft(ctx: Ctx) -> None:
    cid = str((await ctx.create())["id"])
    v1 = (await ctx.publish(cid, "1.0.0")).json()
    await ctx.write(cid, "README.md", "two\n")
    v2 = (await ctx.publish(cid, "2.0.0")).json()

    reverted = await ctx.client.post(
        f"{ctx.base}/{cid}/revert", json={"version_id": v1["version_id"]}, headers=ctx.headers
    )
    assert reverted.status_code == 200, reverted.text
    assert reverted.json()["status"] == "published"
    assert reverted.json()["semver"] == "1.0.0"
    again = (
        await ctx.client.get(f"{ctx.base}/{cid}/versions/{v2['version_id']}", headers=ctx.headers)
    ).json()
    assert again["status"] == "deprecated"
    config = (await ctx.client.get(f"{ctx.base}/{cid}", headers=ctx.headers)).json()
    draft = (
        await ctx.client.get(
            f"{ctx.base}/{cid}/versions/{config['version_id']}", headers=ctx.headers
        )
    ).json()
    assert draft["files_hash"] == v1["files_hash"]
    assert await ctx.export(cid) == await ctx.export(cid, v1["version_id"])

    # Only a deprecated version can be reverted to; others are 409, unknown ids 404.
    for version_id in (v1["version_id"], config["version_id"]):
        refused = await ctx.client.post(
            f"{ctx.base}/{cid}/revert", json={"version_id": version_id}, headers=ctx.headers
        )
        assert refused.status_code == 409
    other = str((await ctx.create("other"))["id"])
    foreign = (await ctx.client.get(f"{ctx.base}/{other}", headers=ctx.headers)).json()[
        "version_id"
    ]
    missing = await ctx.client.post(
        f"{ctx.base}/{cid}/revert", json={"version_id": foreign}, headers=ctx.headers
    )
    assert missing.status_code == 404


async def test_activate_and_archive_rules(ctx: Ctx) -> None:
    a = str((await ctx.create("a"))["id"])
    b = str((await ctx.create("b"))["id"])
    unpublished = await ctx.client.post(f"{ctx.base}/{a}:activate", headers=ctx.headers)
    assert unpublished.status_code == 409
    assert (await ctx.publish(a, "1.0.0")).status_code == 201
    assert (await ctx.publish(b, "1.0.0")).status_code == 201
    active = await ctx.client.post(f"{ctx.base}/{a}:activate", headers=ctx.headers)
    assert active.status_code == 200
    assert active.json()["active"] is True

    refused = await ctx.client.delete(f"{ctx.base}/{a}", headers=ctx.headers)
    assert refused.status_code == 409
    moved = await ctx.client.post(f"{ctx.base}/{b}:activate", headers=ctx.headers)
    assert moved.json()["active"] is True
    assert (await ctx.client.get(f"{ctx.base}/{a}", headers=ctx.headers)).json()["active"] is False

    archived = await ctx.client.delete(f"{ctx.base}/{a}", headers=ctx.headers)
    assert archived.status_code == 200
    assert archived.json()["archived"] is True
    # Archived configs are read-only.
    for response in (
        await ctx.client.patch(f"{ctx.base}/{a}", json={"title": "x"}, headers=ctx.headers),
        await ctx.write(a, "README.md", "x\n"),
        await ctx.publish(a, "2.0.0"),
        await ctx.client.post(f"{ctx.base}/{a}:activate", headers=ctx.headers),
    ):
        assert response.status_code == 409, response.text
        assert "archived" in response.json()["detail"]
    listed = (await ctx.client.get(f"{ctx.base}?archived=true", headers=ctx.headers)).json()
    assert [c["id"] for c in listed["items"]] == [a]

    back = await ctx.client.post(f"{ctx.base}/{a}:unarchive", headers=ctx.headers)
    assert back.status_code == 200
    assert back.json()["archived"] is False
    assert (await ctx.write(a, "README.md", "x\n")).status_code == 200


async def test_versions_files_are_readable(ctx: Ctx) -> None:
    cid = str((await ctx.create())["id"])
    v1 = (await ctx.publish(cid, "1.0.0")).json()
    read = await ctx.client.get(
        f"{ctx.base}/{cid}/versions/{v1['version_id']}/files/columns/email.py", headers=ctx.headers
    )
    assert read.status_code == 200
    assert read.headers["etag"] == f'"{read.json()["sha256"]}"'
    assert "def " in read.json()["code"]
    missing = await ctx.client.get(
        f"{ctx.base}/{cid}/versions/{v1['version_id']}/files/columns/nope.py", headers=ctx.headers
    )
    assert missing.status_code == 404


async def test_configs_of_another_workspace_are_404(
    ctx: Ctx, make_user: MakeUser, auth_headers: AuthHeaders, make_workspace: MakeWorkspace
) -> None:
    cid = str((await ctx.create())["id"])
    stranger = make_user()
    other_ws = make_workspace(stranger)
    theirs = auth_headers(stranger)
    for path in ("", "/versions", "/draft/files", "/draft/manifest", "/export"):
        response = await ctx.client.get(
            f"/api/v1/workspaces/{other_ws}/configs/{cid}{path}", headers=theirs
        )
        assert response.status_code == 404, path
    # ... and the owner's own workspace path is no way in for the stranger either.
    assert (await ctx.client.get(f"{ctx.base}/{cid}", headers=theirs)).status_code == 404
