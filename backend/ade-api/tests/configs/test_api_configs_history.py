"""Version diffs, and revert/restore never losing a draft (discarded versions)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ade_api.configs.diff import diff_files
from ade_db.models import User

pytestmark = pytest.mark.anyio

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]
MakeWorkspace = Callable[..., str]
MakeDocument = Callable[..., str]


@dataclass
class Cfg:
    client: httpx.AsyncClient
    headers: dict[str, str]
    ws: str
    base: str  # .../configs/{cid}
    draft_id: str

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.request(
            method, f"{self.base}{path}", headers=self.headers, **kwargs
        )

    async def write(self, path: str, code: str) -> None:
        response = await self.client.put(
            f"{self.base}/draft/files/{path}",
            json={"code": code},
            headers={**self.headers, "If-Match": "*"},
        )
        assert response.status_code == 200, response.text

    async def publish(self, semver: str) -> str:
        response = await self.call("POST", "/publish", json={"semver": semver})
        assert response.status_code == 201, response.text
        version_id: str = response.json()["version_id"]
        return version_id

    async def diff(self, old: str, new: str) -> httpx.Response:
        return await self.call("GET", "/diff", params={"from": old, "to": new})

    async def versions(self) -> list[dict[str, Any]]:
        page = await self.call("GET", "/versions", params={"sort": "created_at"})
        assert page.status_code == 200, page.text
        items: list[dict[str, Any]] = page.json()["items"]
        return items

    async def readme(self, version_id: str | None = None) -> str:
        where = f"/versions/{version_id}" if version_id else "/draft"
        where += "/files/README.md"
        code: str = (await self.call("GET", where)).json()["code"]
        return code


@pytest.fixture
async def cfg(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
) -> Cfg:
    owner = make_user()
    ws = make_workspace(owner)
    headers = auth_headers(owner)
    created = await client.post(
        f"/api/v1/workspaces/{ws}/configs",
        json={"slug": "c", "title": "C", "template": "empty"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    base = f"/api/v1/workspaces/{ws}/configs/{body['id']}"
    readme = await client.post(
        f"{base}/draft/files", json={"path": "README.md", "code": "start\n"}, headers=headers
    )
    assert readme.status_code == 201, readme.text
    return Cfg(client, headers, ws, base, body["version_id"])


# --------------------------------------------------------------------------- diff


async def test_diff_lists_added_removed_and_changed_files_with_both_texts(cfg: Cfg) -> None:
    created = await cfg.call("POST", "/draft/files", json={"path": "NOTES.md", "code": "a\n"})
    assert created.status_code == 201, created.text
    v1 = await cfg.publish("1.0.0")
    await cfg.write("NOTES.md", "b\n")
    added = await cfg.call("POST", "/draft/columns", json={"field": "email", "kind": "email"})
    assert added.status_code == 201, added.text
    v2 = await cfg.publish("1.1.0")
    deleted = await cfg.client.delete(
        f"{cfg.base}/draft/files/NOTES.md", headers={**cfg.headers, "If-Match": "*"}
    )
    assert deleted.status_code == 204, deleted.text

    response = await cfg.diff(v1, v2)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["from"]["version_id"] == v1
    assert (body["from"]["semver"], body["to"]["semver"]) == ("1.0.0", "1.1.0")
    changes = {f["path"]: f for f in body["files"]}
    assert sorted(changes) == ["NOTES.md", "columns/email.py", "manifest.json"]
    assert changes["NOTES.md"] | {"old_sha256": "-", "new_sha256": "-"} == {
        "path": "NOTES.md",
        "change": "changed",
        "old_sha256": "-",
        "new_sha256": "-",
        "old_text": "a\n",
        "new_text": "b\n",
        "binary": False,
        "too_large": False,
    }
    email = changes["columns/email.py"]
    assert (email["change"], email["old_text"], email["old_sha256"]) == ("added", None, None)
    assert "def detect_values(" in email["new_text"]
    assert '"email"' in changes["manifest.json"]["new_text"]
    assert body["truncated"] is False

    # `draft` names the draft, on either side; the removal shows from the other side.
    to_draft = (await cfg.diff(v2, "draft")).json()
    assert to_draft["to"]["status"] == "draft"
    assert [(f["path"], f["change"], f["new_text"]) for f in to_draft["files"]] == [
        ("NOTES.md", "removed", None)
    ]
    assert (await cfg.diff("draft", v2)).json()["files"][0]["change"] == "added"
    assert (await cfg.diff(v2, v2)).json()["files"] == []


async def test_diff_errors(
    cfg: Cfg,
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
) -> None:
    unknown = await cfg.diff("draft", "01HZX4G7Q8M2N3P4R5S6T7V8W9")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    missing = await cfg.call("GET", "/diff", params={"from": "draft"})
    assert missing.status_code == 422
    too_long = await cfg.diff("draft", "x" * 27)
    assert too_long.status_code == 422
    # A version of another config (here: of another workspace) is 404 too.
    other_owner = make_user()
    other_ws = make_workspace(other_owner)
    other = await client.post(
        f"/api/v1/workspaces/{other_ws}/configs",
        json={"slug": "o", "title": "O", "template": "empty"},
        headers=auth_headers(other_owner),
    )
    assert (await cfg.diff("draft", other.json()["version_id"])).status_code == 404
    stranger = await client.get(
        f"{cfg.base}/diff",
        params={"from": "draft", "to": "draft"},
        headers=auth_headers(other_owner),
    )
    assert stranger.status_code == 404


def test_diff_flags_binary_and_too_large_files_and_keeps_within_its_budget() -> None:
    old = {"same.md": b"x", "bin.txt": b"a\x00b", "big.md": b"1" * 11, "a.md": b"a", "b.md": b"b"}
    new = {"same.md": b"x", "bin.txt": b"\xff\xfe", "big.md": b"2", "a.md": b"aa", "b.md": b"bb"}
    changes, truncated = diff_files(old, new, max_file_bytes=10, max_total_bytes=4)
    by_path = {c.path: c for c in changes}
    assert list(by_path) == ["a.md", "b.md", "big.md", "bin.txt"]  # unchanged files omitted
    assert (by_path["bin.txt"].binary, by_path["bin.txt"].new_text) == (True, None)
    # over 10 bytes:
    assert (by_path["big.md"].too_large, by_path["big.md"].old_text) == (True, None)
    assert (by_path["a.md"].old_text, by_path["a.md"].new_text) == ("a", "aa")  # 3 of 4 bytes
    # over the budget:
    assert (by_path["b.md"].too_large, by_path["b.md"].new_text) == (True, None)
    assert truncated


# --------------------------------------------------------------------------- discarded drafts


async def test_revert_keeps_a_draft_unlike_every_version_and_restore_brings_it_back(
    cfg: Cfg,
) -> None:
    await cfg.write("README.md", "first\n")
    v1 = await cfg.publish("1.0.0")
    await cfg.write("README.md", "second\n")
    await cfg.publish("1.1.0")
    await cfg.write("README.md", "unpublished work\n")

    reverted = await cfg.call("POST", "/revert", json={"version_id": v1})
    assert reverted.status_code == 200, reverted.text
    kept_id = reverted.json()["discarded_version_id"]
    assert kept_id
    assert reverted.json()["semver"] == "1.0.0"
    assert await cfg.readme() == "first\n"

    history = await cfg.versions()
    kept = next(v for v in history if v["version_id"] == kept_id)
    assert kept["status"] == "discarded"
    assert kept["semver"] is None
    assert "revert to 1.0.0" in kept["message"]
    assert await cfg.readme(kept_id) == "unpublished work\n"
    assert [v["status"] for v in history].count("discarded") == 1

    # Restoring it keeps nothing new: the draft (= 1.0.0) is already a version.
    restored = await cfg.call("POST", f"/versions/{kept_id}:restore")
    assert restored.status_code == 200, restored.text
    assert restored.json()["status"] == "draft"
    assert restored.json()["version_id"] == cfg.draft_id
    assert restored.json()["discarded_version_id"] is None
    assert await cfg.readme() == "unpublished work\n"
    assert restored.json()["files_hash"] == kept["files_hash"]

    # Restoring 1.0.0 now: the draft equals the discarded version, so nothing is kept again.
    again = await cfg.call("POST", f"/versions/{v1}:restore")
    assert again.json()["discarded_version_id"] is None
    assert await cfg.readme() == "first\n"
    # But edited work is kept before a restore replaces it.
    await cfg.write("README.md", "more work\n")
    third = await cfg.call("POST", f"/versions/{kept_id}:restore")
    assert third.json()["discarded_version_id"] not in (None, kept_id)
    assert await cfg.readme(third.json()["discarded_version_id"]) == "more work\n"
    assert [v["status"] for v in await cfg.versions()].count("discarded") == 2


async def test_revert_keeps_nothing_when_the_draft_is_a_version(cfg: Cfg) -> None:
    v1 = await cfg.publish("1.0.0")
    await cfg.write("README.md", "second\n")
    await cfg.publish("1.1.0")  # the draft now equals 1.1.0
    reverted = await cfg.call("POST", "/revert", json={"version_id": v1})
    assert reverted.status_code == 200, reverted.text
    assert reverted.json()["discarded_version_id"] is None
    assert "discarded" not in [v["status"] for v in await cfg.versions()]


async def test_a_discarded_version_never_runs(cfg: Cfg, make_document: MakeDocument) -> None:
    v1 = await cfg.publish("1.0.0")
    await cfg.write("README.md", "second\n")
    await cfg.publish("1.1.0")
    await cfg.write("README.md", "lost?\n")
    kept_id = (await cfg.call("POST", "/revert", json={"version_id": v1})).json()[
        "discarded_version_id"
    ]

    revert = await cfg.call("POST", "/revert", json={"version_id": kept_id})
    assert revert.status_code == 409, revert.text
    job = await cfg.client.post(
        f"/api/v1/workspaces/{cfg.ws}/jobs",
        json={"document_id": make_document(cfg.ws), "config_version_id": kept_id},
        headers=cfg.headers,
    )
    assert job.status_code == 409, job.text
    assert "discarded" in job.json()["detail"]
    # Activation runs the published version (1.0.0), never the discarded one.
    activated = await cfg.client.post(f"{cfg.base}:activate", headers=cfg.headers)
    assert activated.json()["published_semver"] == "1.0.0"


async def test_restore_errors(cfg: Cfg) -> None:
    draft = await cfg.call("POST", f"/versions/{cfg.draft_id}:restore")
    assert draft.status_code == 409
    unknown = await cfg.call("POST", "/versions/01HZX4G7Q8M2N3P4R5S6T7V8W9:restore")
    assert unknown.status_code == 404
    v1 = await cfg.publish("1.0.0")
    archived = await cfg.client.delete(cfg.base, headers=cfg.headers)
    assert archived.status_code == 200
    assert (await cfg.call("POST", f"/versions/{v1}:restore")).status_code == 409
