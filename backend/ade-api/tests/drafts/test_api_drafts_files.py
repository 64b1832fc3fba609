"""Draft files and manifest over HTTP: ETags, If-Match, paths, limits, files_hash."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from ade_api.testing import HOSTILE_REQUIREMENTS, assert_requirements_refused
from ade_db.models import User

pytestmark = pytest.mark.anyio

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]
MakeWorkspace = Callable[..., str]


@dataclass
class Draft:
    client: httpx.AsyncClient
    headers: dict[str, str]
    base: str  # .../configs/{cid}

    async def get(self, path: str) -> httpx.Response:
        return await self.client.get(f"{self.base}/draft/files/{path}", headers=self.headers)

    async def put(self, path: str, code: str, etag: str | None) -> httpx.Response:
        headers = dict(self.headers)
        if etag is not None:
            headers["If-Match"] = etag
        return await self.client.put(
            f"{self.base}/draft/files/{path}", json={"code": code}, headers=headers
        )

    async def create(self, path: str, code: str | None = None) -> httpx.Response:
        body: dict[str, Any] = {"path": path}
        if code is not None:
            body["code"] = code
        return await self.client.post(f"{self.base}/draft/files", json=body, headers=self.headers)

    async def delete(self, path: str, etag: str | None) -> httpx.Response:
        headers = dict(self.headers)
        if etag is not None:
            headers["If-Match"] = etag
        return await self.client.delete(f"{self.base}/draft/files/{path}", headers=headers)

    async def manifest(self) -> httpx.Response:
        return await self.client.get(f"{self.base}/draft/manifest", headers=self.headers)

    async def patch(self, patch: Any, etag: str | None = None) -> httpx.Response:
        headers = {**self.headers, "Content-Type": "application/merge-patch+json"}
        if etag is not None:
            headers["If-Match"] = etag
        return await self.client.patch(
            f"{self.base}/draft/manifest", content=json.dumps(patch), headers=headers
        )

    async def files_hash(self) -> str:
        config = (await self.client.get(self.base, headers=self.headers)).json()
        version = await self.client.get(
            f"{self.base}/versions/{config['version_id']}", headers=self.headers
        )
        return str(version.json()["files_hash"])


@pytest.fixture
async def draft(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
) -> Draft:
    owner = make_user()
    ws = make_workspace(owner)
    headers = auth_headers(owner)
    created = await client.post(
        f"/api/v1/workspaces/{ws}/configs", json={"slug": "c", "title": "C"}, headers=headers
    )
    assert created.status_code == 201, created.text
    return Draft(client, headers, f"/api/v1/workspaces/{ws}/configs/{created.json()['id']}")


async def test_list_and_read_files_with_etags(draft: Draft) -> None:
    listing = await draft.client.get(
        f"{draft.base}/draft/files?page_size=200", headers=draft.headers
    )
    assert listing.status_code == 200
    paths = [f["path"] for f in listing.json()["items"]]
    assert paths == sorted(paths)
    assert "manifest.json" in paths
    read = await draft.get("columns/email.py")
    assert read.status_code == 200
    body = read.json()
    assert read.headers["etag"] == f'"{body["sha256"]}"'
    assert body["size"] == len(body["code"].encode())
    assert (await draft.get("columns/missing.py")).status_code == 404


async def test_update_needs_a_current_if_match(draft: Draft) -> None:
    read = await draft.get("README.md")
    etag = read.headers["etag"]
    missing = await draft.put("README.md", "new\n", None)
    assert missing.status_code == 428
    assert missing.headers["content-type"] == "application/problem+json"
    saved = await draft.put("README.md", "new\n", etag)
    assert saved.status_code == 200, saved.text
    assert saved.headers["etag"] != etag
    # A colleague still holding the old ETag cannot overwrite the save.
    stale = await draft.put("README.md", "theirs\n", etag)
    assert stale.status_code == 412
    assert (await draft.get("README.md")).json()["code"] == "new\n"
    weak = await draft.put("README.md", "weak\n", "W/" + saved.headers["etag"])
    assert weak.status_code == 200
    anything = await draft.put("README.md", "star\n", "*")
    assert anything.status_code == 200
    assert (await draft.put("nope.md", "x", "*")).status_code == 404


async def test_files_hash_changes_on_every_change_and_is_stable_for_same_content(
    draft: Draft,
) -> None:
    original = await draft.files_hash()
    etag = (await draft.get("README.md")).headers["etag"]
    original_code = (await draft.get("README.md")).json()["code"]
    changed = await draft.put("README.md", "other\n", etag)
    after_change = await draft.files_hash()
    assert after_change != original
    created = await draft.create("hooks/extra.py", "def run(**_):\n    pass\n")
    assert created.status_code == 201
    after_create = await draft.files_hash()
    assert after_create not in (original, after_change)
    deleted = await draft.delete("hooks/extra.py", created.headers["etag"])
    assert deleted.status_code == 204
    assert await draft.files_hash() == after_change
    await draft.put("README.md", original_code, changed.headers["etag"])
    assert await draft.files_hash() == original


@pytest.mark.parametrize(
    "path",
    [
        "../escape.py",
        "/etc/passwd.py",
        "columns/../../x.py",
        "columns\\x.py",
        ".env.txt",
        "columns/.hidden.py",
        "lib/helper.py",
        "columns/run.sh",
        "columns/__pycache__/x.py",
        "C:/x.py",
        "columns/x\x00.py",
        "columns/\u202eyp.txt",  # shown as "columns/txt.py"
        "columns/a\u2066b.py",
        "columns/a\u200bb.py",  # a zero-width space: looks like columns/ab.py
        "columns/\ufeffa.py",
        "columns/a\u00adb.py",
        "columns/a\u061cb.py",
    ],
)
async def test_unsafe_or_foreign_paths_are_refused(draft: Draft, path: str) -> None:
    response = await draft.create(path, "x = 1\n")
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "path"]


@pytest.mark.parametrize("path", ["README\u202e.md", "columns/email\u200b.py", "\u200fREADME.md"])
async def test_writing_to_an_invisible_character_path_is_400_not_404(
    draft: Draft, path: str
) -> None:
    # The path is refused for what it is before anyone looks the file up.
    response = await draft.put(path, "x = 1\n", "*")
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["type"].endswith("/invalid-input")
    assert problem["errors"][0]["loc"] == ["path", "path"]
    assert "invisible or formatting character" in problem["errors"][0]["msg"]


async def test_create_scaffolds_and_adds_a_column_to_the_manifest(draft: Draft) -> None:
    before = (await draft.manifest()).json()
    created = await draft.create("columns/zip_code.py")
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == f'"{created.json()["sha256"]}"'
    code = (await draft.get("columns/zip_code.py")).json()["code"]
    assert "def detect_" in code
    assert "**_" in code
    after = (await draft.manifest()).json()
    added = [c for c in after["columns"] if c["field"] == "zip_code"]
    assert added
    assert added[0]["path"] == "columns/zip_code.py"
    assert added[0]["ordinal"] == max(c["ordinal"] for c in before["columns"]) + 1
    # Hooks and helpers are scaffolded without touching the manifest's columns.
    assert (await draft.create("hooks/notify.py")).status_code == 201
    assert (await draft.create("columns/_helpers.py", "X = 1\n")).status_code == 201
    assert len((await draft.manifest()).json()["columns"]) == len(after["columns"])
    assert (await draft.create("columns/zip_code.py")).status_code == 409
    bad_name = await draft.create("columns/Bad-Name.py")
    assert bad_name.status_code == 400
    plan = await draft.client.post(f"{draft.base}/draft:plan", headers=draft.headers)
    assert plan.json()["valid"] is True, plan.json()
    assert "zip_code" in [c["field"] for c in plan.json()["columns"]]


async def test_delete_rules(draft: Draft) -> None:
    email = await draft.get("columns/email.py")
    used = await draft.delete("columns/email.py", email.headers["etag"])
    assert used.status_code == 409
    assert "columns[" in used.json()["detail"]
    manifest = await draft.get("manifest.json")
    assert (await draft.delete("manifest.json", manifest.headers["etag"])).status_code == 409
    readme = await draft.get("README.md")
    assert (await draft.delete("README.md", None)).status_code == 428
    assert (await draft.delete("README.md", '"' + "0" * 64 + '"')).status_code == 412
    assert (await draft.delete("README.md", readme.headers["etag"])).status_code == 204
    assert (await draft.get("README.md")).status_code == 404
    assert (await draft.delete("README.md", "*")).status_code == 404


async def test_manifest_patch_is_validated_with_json_paths(draft: Draft) -> None:
    read = await draft.manifest()
    assert read.status_code == 200
    assert read.headers["etag"]
    manifest = read.json()
    renamed = await draft.patch({"title": "Renamed", "engine": {"min_score": 0.7}})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["title"] == "Renamed"
    assert renamed.json()["engine"]["min_score"] == 0.7
    assert renamed.json()["columns"] == manifest["columns"]  # merge patch keeps the rest
    removed = await draft.patch({"engine": None})
    assert "engine" not in removed.json()

    columns = [dict(c) for c in manifest["columns"]]
    columns[1]["ordinal"] = columns[0]["ordinal"]
    columns[2]["path"] = "columns/missing.py"
    bad = await draft.patch({"columns": columns, "surprise": 1})
    assert bad.status_code == 400
    locs = {tuple(e["loc"]) for e in bad.json()["errors"]}
    assert ("manifest", "columns", 1, "ordinal") in locs
    assert ("manifest", "columns", 2, "path") in locs
    assert ("manifest", "surprise") in locs
    assert (await draft.manifest()).json()["title"] == "Renamed"  # nothing saved

    empty = await draft.patch({"columns": []})
    assert empty.status_code == 400
    stale = await draft.patch({"title": "x"}, etag=read.headers["etag"])
    assert stale.status_code == 412


async def test_manifest_written_as_a_file_is_validated_too(draft: Draft) -> None:
    etag = (await draft.get("manifest.json")).headers["etag"]
    not_json = await draft.put("manifest.json", "{not json", etag)
    assert not_json.status_code == 400
    assert not_json.json()["errors"][0]["loc"] == ["files", "manifest.json", 1]
    wrong_schema = await draft.put("manifest.json", json.dumps({"schema": "x"}), etag)
    assert wrong_schema.status_code == 400
    locs = {tuple(e["loc"]) for e in wrong_schema.json()["errors"]}
    assert ("manifest", "schema") in locs
    assert ("manifest", "columns") in locs
    assert (await draft.get("manifest.json")).headers["etag"] == etag


async def test_a_requirements_txt_of_anything_but_specifiers_is_never_stored(
    draft: Draft,
) -> None:
    before = await draft.files_hash()
    assert_requirements_refused(await draft.create("requirements.txt", HOSTILE_REQUIREMENTS))
    assert (await draft.get("requirements.txt")).status_code == 404
    assert await draft.files_hash() == before

    fine = "Requests[socks] >= 2.0, < 3 ; python_version >= '3.8'  # why\nsix\n"
    created = await draft.create("requirements.txt", fine)
    assert created.status_code == 201, created.text
    saved = await draft.files_hash()
    assert_requirements_refused(
        await draft.put("requirements.txt", HOSTILE_REQUIREMENTS, created.headers["etag"])
    )
    assert (await draft.get("requirements.txt")).json()["code"] == fine  # as the author wrote it
    assert await draft.files_hash() == saved


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("NaN", "NaN"),
        ("-Infinity", "Infinity"),
        ("1e309", "too large"),
        ("[" * 70 + "]" * 70, "deeper"),
    ],
)
async def test_a_manifest_file_with_non_finite_numbers_or_deep_nesting_is_400(
    draft: Draft, value: str, why: str
) -> None:
    read = await draft.get("manifest.json")
    manifest = json.loads(read.json()["code"])
    code = json.dumps({**manifest, "engine": {"min_score": "HERE"}}).replace('"HERE"', value)
    response = await draft.put("manifest.json", code, read.headers["etag"])
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["type"].endswith("/invalid-input")
    assert problem["errors"][0]["loc"] == ["files", "manifest.json"]
    assert why in problem["errors"][0]["msg"]
    assert (await draft.get("manifest.json")).headers["etag"] == read.headers["etag"]


async def test_size_limits_per_file_and_per_package(draft: Draft, app: FastAPI) -> None:
    app.state.settings = app.state.settings.model_copy(
        update={"config_max_file_bytes": 2000, "config_max_package_bytes": 60_000}
    )
    too_big = await draft.create("hooks/big.py", "#" * 2001)
    assert too_big.status_code == 413
    fits = await draft.create("hooks/ok.py", "#" * 1999)
    assert fits.status_code == 201
    app.state.settings = app.state.settings.model_copy(update={"config_max_package_bytes": 1000})
    over = await draft.create("hooks/more.py", "# small\n")
    assert over.status_code == 413
    assert "package" in over.json()["detail"]


async def test_content_must_be_text(draft: Draft) -> None:
    response = await draft.client.post(
        f"{draft.base}/draft/files",
        content=b'{"path": "hooks/x.py", "code": "\xff\xfe"}',
        headers={**draft.headers, "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422)
