"""Export and import of config packages as zips, including hostile archives."""

from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI

from ade_api.testing import HOSTILE_REQUIREMENTS, assert_requirements_refused
from ade_db.models import User
from ade_engine.manifest import hash_files
from ade_engine.scaffold import example_files

pytestmark = pytest.mark.anyio

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]
MakeWorkspace = Callable[..., str]


@pytest.fixture
def who(
    make_user: MakeUser, auth_headers: AuthHeaders, make_workspace: MakeWorkspace
) -> tuple[str, dict[str, str]]:
    owner = make_user()
    return f"/api/v1/workspaces/{make_workspace(owner)}/configs", auth_headers(owner)


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buffer.getvalue()


async def _import(
    client: httpx.AsyncClient,
    who: tuple[str, dict[str, str]],
    archive: bytes,
    slug: str = "imported",
    **fields: str,
) -> httpx.Response:
    base, headers = who
    return await client.post(
        f"{base}:import",
        files={"file": ("package.zip", archive, "application/zip")},
        data={"slug": slug, **fields},
        headers=headers,
    )


async def _exported(
    client: httpx.AsyncClient, who: tuple[str, dict[str, str]]
) -> tuple[str, bytes]:
    base, headers = who
    created = await client.post(base, json={"slug": "source", "title": "Source"}, headers=headers)
    cid = created.json()["id"]
    exported = await client.get(f"{base}/{cid}/export", headers=headers)
    assert exported.status_code == 200
    assert "source-draft.zip" in exported.headers["content-disposition"]
    return cid, exported.content


async def test_export_is_deterministic_and_import_round_trips(
    client: httpx.AsyncClient, who: tuple[str, dict[str, str]]
) -> None:
    base, headers = who
    cid, archive = await _exported(client, who)
    again = await client.get(f"{base}/{cid}/export", headers=headers)
    assert again.content == archive  # same files, same bytes

    imported = await _import(client, who, archive, title="Copy")
    assert imported.status_code == 201, imported.text
    config = imported.json()
    assert config["title"] == "Copy"
    assert config["slug"] == "imported"
    version = (
        await client.get(f"{base}/{config['id']}/versions/{config['version_id']}", headers=headers)
    ).json()
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    assert version["files_hash"] == hash_files(files)


async def test_import_accepts_a_zip_of_the_folder_and_takes_the_manifest_title(
    client: httpx.AsyncClient, who: tuple[str, dict[str, str]]
) -> None:
    _, archive = await _exported(client, who)
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        nested = zip_of({f"roster/{name}": zf.read(name) for name in zf.namelist()})
    imported = await _import(client, who, nested)
    assert imported.status_code == 201, imported.text
    assert imported.json()["title"] == "Source"


def _symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        info = zipfile.ZipInfo("columns/link.py")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
        zf.writestr("manifest.json", "{}")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "archive",
    [
        zip_of({"../evil.py": b"x", "manifest.json": b"{}"}),
        zip_of({"/etc/cron.d/x.py": b"x", "manifest.json": b"{}"}),
        _symlink_zip(),
        zip_of({f"columns/f{i}.py": b"x = 1\n" for i in range(600)}),
        b"this is not a zip at all",
        zip_of({"manifest.json": b"{not json"}),
        zip_of({"manifest.json": b'{"schema": "ade.manifest/v1", "columns": []}'}),
        zip_of({"manifest.json": b"{}", "run.sh": b"rm -rf /"}),
    ],
    ids=[
        "zip-slip",
        "absolute",
        "symlink",
        "too-many-files",
        "not-a-zip",
        "bad-json",
        "bad-manifest",
        "shell-file",
    ],
)
async def test_hostile_or_invalid_archives_are_refused_and_nothing_is_created(
    client: httpx.AsyncClient, who: tuple[str, dict[str, str]], archive: bytes
) -> None:
    base, headers = who
    response = await _import(client, who, archive)
    assert response.status_code in (400, 413), response.text
    assert response.headers["content-type"] == "application/problem+json"
    listing = (await client.get(base, headers=headers)).json()
    assert listing["total"] == 0


async def test_a_hostile_requirements_txt_is_refused_before_the_sandbox_runs(
    client: httpx.AsyncClient,
    who: tuple[str, dict[str, str]],
    app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_sandbox(*args: object, **kwargs: object) -> None:
        raise AssertionError("the package reached the sandbox")

    monkeypatch.setattr(app.state.sandbox, "plan", no_sandbox)
    base, headers = who
    package = {**example_files(), "requirements.txt": HOSTILE_REQUIREMENTS.encode()}
    assert_requirements_refused(await _import(client, who, zip_of(package)))
    assert (await client.get(base, headers=headers)).json()["total"] == 0


@pytest.mark.parametrize("name", ["columns/\u202eyp.txt", "columns/a\u200bb.py", "\u2067x.md"])
async def test_an_archive_member_named_with_invisible_characters_is_400(
    client: httpx.AsyncClient, who: tuple[str, dict[str, str]], name: str
) -> None:
    _, exported = await _exported(client, who)
    with zipfile.ZipFile(io.BytesIO(exported)) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    response = await _import(client, who, zip_of({**members, name: b"x = 1\n"}), slug="tricked")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "invisible or formatting character" in response.json()["detail"]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e309"])
async def test_an_imported_manifest_with_a_non_finite_number_is_400(
    client: httpx.AsyncClient, who: tuple[str, dict[str, str]], value: str
) -> None:
    _, exported = await _exported(client, who)
    with zipfile.ZipFile(io.BytesIO(exported)) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    manifest = json.loads(members["manifest.json"])
    manifest["engine"] = {"min_score": "HERE"}
    members["manifest.json"] = json.dumps(manifest).replace('"HERE"', value).encode()
    response = await _import(client, who, zip_of(members), slug="tricked")
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["loc"] == ["files", "manifest.json"]


async def test_zip_bomb_and_oversize_archives_are_413(
    client: httpx.AsyncClient, who: tuple[str, dict[str, str]], app: FastAPI
) -> None:
    bomb = zip_of({"manifest.json": b"{}", "README.md": b"\0" * (30 * 1024 * 1024)})
    assert len(bomb) < 100_000
    response = await _import(client, who, bomb)
    assert response.status_code in (400, 413), response.text
    app.state.settings = app.state.settings.model_copy(update={"config_import_max_bytes": 1000})
    big = await _import(
        client, who, zip_of({"manifest.json": b"{}", "README.md": os.urandom(5000)})
    )
    assert big.status_code == 413


async def test_import_form_errors(
    client: httpx.AsyncClient, who: tuple[str, dict[str, str]]
) -> None:
    base, headers = who
    not_multipart = await client.post(
        f"{base}:import", content=b"PK", headers={**headers, "Content-Type": "application/zip"}
    )
    assert not_multipart.status_code == 415
    no_slug = await client.post(
        f"{base}:import", files={"file": ("p.zip", b"PK", "application/zip")}, headers=headers
    )
    assert no_slug.status_code == 400
    assert ["body", "slug"] in [e["loc"] for e in no_slug.json()["errors"]]
    no_file = await client.post(
        f"{base}:import", data={"slug": "x"}, files={"other": ("a", b"b")}, headers=headers
    )
    assert no_file.status_code == 400


async def test_import_refuses_a_taken_slug(
    client: httpx.AsyncClient, who: tuple[str, dict[str, str]]
) -> None:
    _, archive = await _exported(client, who)
    assert (await _import(client, who, archive, slug="source")).status_code == 409


async def test_the_openapi_document_describes_the_import_form(app: FastAPI) -> None:
    # The web app's typed client builds its multipart request from this description.
    body = app.openapi()["paths"]["/api/v1/workspaces/{workspace_id}/configs:import"]["post"]
    form = body["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["file", "slug"]
    assert form["properties"]["file"] == {"type": "string", "format": "binary"}
    assert set(form["properties"]) == {"file", "slug", "title"}
