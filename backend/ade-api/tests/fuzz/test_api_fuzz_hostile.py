"""Hostile inputs sent on purpose: each gets a clear 4xx (or is stored verbatim and returned as
JSON) and leaves nothing partial behind: no extra rows in any table, no stray files."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, func, select

from ade_db.metadata import Base
from ade_db.models import ConfigVersion, User

pytestmark = pytest.mark.anyio

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]

SQLISH = ["'; DROP TABLE users; --", '" OR 1=1 --', "1' OR '1'='1"]
SCRIPTISH = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
NUL = ["nul\x00byte", "\x00"]  # PostgreSQL text cannot hold NUL: a 400, never a 500
HOSTILE = SQLISH + SCRIPTISH + NUL
TRAVERSALS = [
    "..%2F..%2Fetc%2Fpasswd",
    "..%252F..%252Fetc%252Fpasswd",  # double-encoded
    "%2E%2E/%2E%2E/etc/passwd",
    "columns/..%2F..%2F..%2Fetc%2Fpasswd",
    "..\\..\\etc\\passwd",
    "%00manifest.json",
]
TRAVERSAL_BODIES = [
    "../../etc/passwd",
    "/etc/passwd",
    "columns/../../outside.py",
    "..\\..\\outside.py",
    "C:\\windows\\evil.py",
    "columns/evil\x00.py",
    "columns/./../../x.py",
]


@dataclass
class Env:
    client: httpx.AsyncClient
    headers: dict[str, str]
    ws: str
    config: str
    version: str
    document: str
    connection: Connection
    data_dir: Path

    @property
    def base(self) -> str:
        return f"/api/v1/workspaces/{self.ws}"

    @property
    def draft(self) -> str:
        return f"{self.base}/configs/{self.config}"

    def snapshot(self) -> tuple[dict[str, int], set[str]]:
        """Rows per table and every file under the data folder."""
        counts = {
            table.name: int(self.connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }
        files = (
            {str(p.relative_to(self.data_dir)) for p in self.data_dir.rglob("*") if p.is_file()}
            if self.data_dir.exists()
            else set()
        )
        return counts, files


@pytest.fixture
async def env(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: Callable[..., str],
    make_config_version: Callable[..., str],
    make_document: Callable[..., str],
    db_connection: Connection,
    data_dir: Path,
) -> Env:
    admin = make_user(is_admin=True)
    ws = make_workspace(admin)
    version = make_config_version(ws)
    config_id = db_connection.scalar(
        select(ConfigVersion.config_id).where(ConfigVersion.id == version)
    )
    assert config_id is not None
    document = make_document(ws)
    return Env(
        client, auth_headers(admin), ws, config_id, version, document, db_connection, data_dir
    )


def assert_problem(response: httpx.Response, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == response.status_code


# --- Huge JSON bodies -----------------------------------------------------------------------


async def test_huge_json_body_is_413_and_creates_nothing(env: Env) -> None:
    before = env.snapshot()
    body = json.dumps({"name": "x" * (20 * 1024 * 1024)}).encode()
    response = await env.client.post(
        "/api/v1/workspaces",
        content=body,
        headers={**env.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 413)
    assert env.snapshot() == before


async def test_huge_streamed_json_body_without_length_is_413(env: Env) -> None:
    before = env.snapshot()

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(40):  # 40 x 512 KiB = 20 MiB, no Content-Length
            yield b"x" * (512 * 1024)
        yield b'"}'

    response = await env.client.post(
        "/api/v1/workspaces",
        content=chunks(),
        headers={**env.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 413)
    assert env.snapshot() == before


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/octet-stream"])
async def test_huge_body_of_another_type_is_413_too(env: Env, content_type: str | None) -> None:
    # FastAPI reads a JSON route's body whole whatever its Content-Type: bounded the same way.
    before = env.snapshot()
    headers = dict(env.headers)
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = await env.client.post(
        "/api/v1/workspaces", content=b"x" * (20 * 1024 * 1024), headers=headers
    )
    assert_problem(response, 413)
    assert env.snapshot() == before


async def test_huge_merge_patch_body_is_413(env: Env) -> None:
    before = env.snapshot()
    patch = {"title": "t", "pad": ["y" * 1000] * 2000}
    response = await env.client.patch(
        f"{env.draft}/draft/manifest",
        content=json.dumps(patch),
        headers={**env.headers, "Content-Type": "application/merge-patch+json", "If-Match": "*"},
    )
    assert_problem(response, 413)
    assert env.snapshot() == before


async def test_json_under_the_limit_reaches_validation(env: Env) -> None:
    response = await env.client.post(
        "/api/v1/workspaces", json={"name": "x" * 100_000}, headers=env.headers
    )
    assert_problem(response, 422)


# Valid for Python's json.loads, not JSON: each is 400 wherever a JSON body is read.
NOT_JSON_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e309", "-1e309"]
TOO_DEEP = ["[" * 65 + "]" * 65, "[" * 10_000 + "]" * 10_000, '{"a":' * 100 + "1" + "}" * 100]
VALUE_PATCH = '{"engine": {"min_score": VALUE}}'


def _json_routes(env: Env) -> list[tuple[str, str, str, str]]:
    """(method, url, content type, body template with one `VALUE`) of routes reading JSON."""
    return [
        ("POST", "/api/v1/workspaces", "application/json", '{"name": VALUE}'),
        ("PATCH", env.base, "application/json", '{"name": "n", "slug": VALUE}'),
        ("POST", f"{env.base}/configs", "application/json", '{"slug": "s", "title": VALUE}'),
        ("PATCH", f"{env.draft}/draft/manifest", "application/merge-patch+json", VALUE_PATCH),
        ("POST", f"{env.draft}/draft/files", "application/json", '{"path": VALUE}'),
        ("POST", f"{env.base}/jobs", "application/json", '{"document_id": VALUE}'),
        ("POST", "/api/v1/me/api-keys", "application/json", '{"name": VALUE}'),
        ("POST", "/api/v1/auth/login", "application/json", '{"email": VALUE, "password": "p"}'),
    ]


@pytest.mark.parametrize("value", NOT_JSON_NUMBERS + TOO_DEEP)
async def test_non_finite_numbers_and_deep_nesting_are_400_on_every_route(
    env: Env, value: str
) -> None:
    before = env.snapshot()
    for method, url, content_type, template in _json_routes(env):
        response = await env.client.request(
            method,
            url,
            content=template.replace("VALUE", value),
            headers={**env.headers, "Content-Type": content_type, "If-Match": "*"},
        )
        assert_problem(response, 400)
        assert response.json()["detail"].startswith("the JSON body was refused: "), url
    assert env.snapshot() == before


async def test_the_manifest_is_unchanged_after_a_refused_patch(env: Env) -> None:
    url = f"{env.draft}/draft/manifest"
    read = await env.client.get(url, headers=env.headers)
    for value in NOT_JSON_NUMBERS:
        response = await env.client.patch(
            url,
            content=VALUE_PATCH.replace("VALUE", value),
            headers={**env.headers, "Content-Type": "application/merge-patch+json"},
        )
        assert_problem(response, 400)
    again = await env.client.get(url, headers=env.headers)
    assert (again.json(), again.headers["etag"]) == (read.json(), read.headers["etag"])


# --- Invalid UTF-8 and malformed JSON -------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "\xff\xfe\xfd"}',
        b'{"name": "ok\xc3"}',
        b"\xef\xbb\xbf\xff",
        b'{"name": ',
        b"null",
        b"[]",
        b'"just a string"',
        b'{"name": "\\ud800"}',  # a lone surrogate
    ],
)
async def test_invalid_utf8_or_malformed_json_is_4xx(env: Env, body: bytes) -> None:
    before = env.snapshot()
    for method, url in [
        ("POST", "/api/v1/workspaces"),
        ("PATCH", env.base),
        ("POST", f"{env.base}/configs"),
        ("PATCH", env.draft),
        ("POST", f"{env.draft}/draft/files"),
        ("POST", "/api/v1/me/api-keys"),
        ("POST", f"{env.base}/members"),
        ("POST", "/api/v1/auth/login"),
    ]:
        response = await env.client.request(
            method,
            url,
            content=body,
            headers={**env.headers, "Content-Type": "application/json"},
        )
        assert_problem(response, 400, 422)
    assert env.snapshot() == before


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/workspaces/{ws}/documents?q=%FF%FE%FD",
        "/api/v1/workspaces/{ws}/documents?q=%C3",
        "/api/v1/workspaces/{ws}/documents?sort=%FF",
        "/api/v1/workspaces/{ws}/jobs?document_id=%FF%00",
        "/api/v1/workspaces/%FF%FE",
        "/api/v1/workspaces/{ws}/documents/%C3%28",
        "/api/v1/workspaces/{ws}/configs/%FF/draft/files/%FF%FE.py",
        "/api/v1/workspaces/{ws}/configs/{config}/draft/files/%FF%FE.py",
        "/api/v1/workspaces/{ws}/configs/{config}/draft/files/%00",
        "/api/v1/workspaces/{ws}/jobs/%00",
    ],
)
async def test_invalid_utf8_in_query_and_path_is_not_a_500(env: Env, url: str) -> None:
    target = url.format(ws=env.ws, config=env.config)
    response = await env.client.get(target, headers=env.headers)
    if response.status_code >= 400:
        assert_problem(response, 400, 404, 422)
    else:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")


# --- SQL-ish and script-ish strings in every text field -------------------------------------


def _stored_or_refused(response: httpx.Response, field: str | None, value: str) -> None:
    """A clean 4xx, or success with the value returned verbatim as JSON."""
    if response.status_code >= 400:
        assert_problem(response, 400, 404, 409, 422)
        return
    assert response.status_code in (200, 201), response.text
    assert response.headers["content-type"].startswith("application/json")
    if field is not None:
        assert response.json()[field] == value


async def _users_table_intact(env: Env) -> None:
    me = await env.client.get("/api/v1/me", headers=env.headers)
    assert me.status_code == 200
    assert (env.connection.scalar(select(func.count()).select_from(User)) or 0) >= 1


@pytest.mark.parametrize("value", HOSTILE)
async def test_hostile_strings_in_workspace_and_config_fields(env: Env, value: str) -> None:
    c, h = env.client, env.headers
    _stored_or_refused(
        await c.post("/api/v1/workspaces", json={"name": value}, headers=h), "name", value
    )
    _stored_or_refused(
        await c.post("/api/v1/workspaces", json={"name": "ok", "slug": value}, headers=h),
        None,
        value,
    )
    _stored_or_refused(await c.patch(env.base, json={"name": value}, headers=h), "name", value)
    _stored_or_refused(await c.patch(env.base, json={"slug": value}, headers=h), None, value)
    _stored_or_refused(
        await c.post(
            f"{env.base}/configs",
            json={"slug": "fresh", "title": value, "template": "empty"},
            headers=h,
        ),
        "title",
        value,
    )
    _stored_or_refused(
        await c.post(f"{env.base}/configs", json={"slug": value, "title": "t"}, headers=h),
        None,
        value,
    )
    _stored_or_refused(await c.patch(env.draft, json={"title": value}, headers=h), "title", value)
    _stored_or_refused(await c.patch(env.draft, json={"slug": value}, headers=h), None, value)
    # Lists and filters with the string still answer.
    listed = await c.get("/api/v1/workspaces", headers=h)
    assert listed.status_code == 200
    found = await c.get(f"{env.base}/documents", params={"q": value}, headers=h)
    if found.status_code != 200:
        assert_problem(found, 400)
    await _users_table_intact(env)


@pytest.mark.parametrize("value", HOSTILE)
async def test_hostile_strings_in_member_email_and_api_key_name(env: Env, value: str) -> None:
    c, h = env.client, env.headers
    before = env.snapshot()
    response = await c.post(f"{env.base}/members", json={"email": value}, headers=h)
    assert_problem(response, 400, 404, 422)
    assert env.snapshot() == before
    response = await c.post(f"{env.base}/members", json={"user_id": value}, headers=h)
    assert_problem(response, 400, 404, 422)
    login = await c.post("/api/v1/auth/login", json={"email": value, "password": value})
    assert_problem(login, 400, 401, 422, 429)
    created = await c.post("/api/v1/me/api-keys", json={"name": value}, headers=h)
    _stored_or_refused(created, "name", value)
    await _users_table_intact(env)


@pytest.mark.parametrize("value", HOSTILE)
async def test_hostile_strings_in_draft_code_and_document_filename(env: Env, value: str) -> None:
    c, h = env.client, env.headers
    created = await c.post(
        f"{env.draft}/draft/files",
        json={"path": "hooks/fuzz_note.py", "code": f"# {value}\n"},
        headers=h,
    )
    if created.status_code == 201:
        read = await c.get(f"{env.draft}/draft/files/hooks/fuzz_note.py", headers=h)
        assert read.status_code == 200
        assert read.json()["code"] == f"# {value}\n"
    else:
        assert_problem(created, 400, 422)
    bad_path = await c.post(
        f"{env.draft}/draft/files", json={"path": f"columns/{value}.py"}, headers=h
    )
    if bad_path.status_code >= 400:
        assert_problem(bad_path, 400, 409, 422)
    before = env.snapshot()
    upload = await c.post(
        f"{env.base}/documents",
        files={"file": (f"{value}.csv", b"a,b\n1,2\n", "text/csv")},
        headers=h,
    )
    # A client sends `"` and NUL percent-encoded (HTML form rules) and the server keeps only
    # the last path segment of a file name: compare with what the server could have received.
    expected = f"{value}.csv".rsplit("/", 1)[-1].replace('"', "%22").replace("\x00", "%00")
    _stored_or_refused(upload, "original_filename", expected)
    if upload.status_code >= 400:
        assert env.snapshot() == before
    if upload.status_code == 201:
        document = await c.get(f"{env.base}/documents/{upload.json()['id']}", headers=h)
        assert document.json()["original_filename"] == expected
        content = await c.get(f"{env.base}/documents/{upload.json()['id']}/content", headers=h)
        assert content.status_code == 200
        assert content.headers["x-content-type-options"] == "nosniff"
        assert content.headers["content-disposition"].startswith("attachment;")
    await _users_table_intact(env)


# --- Uploads --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data; boundary=xyz", b"--xyz\r\nContent-Disposition: form-data"),
        ("multipart/form-data; boundary=xyz", b"garbage without any boundary"),
        ("multipart/form-data", b"--xyz\r\n\r\n--xyz--\r\n"),
        (
            "multipart/form-data; boundary=xyz",
            b'--xyz\r\nContent-Disposition: form-data; name="other"\r\n\r\nvalue\r\n--xyz--\r\n',
        ),
        (
            "multipart/form-data; boundary=xyz",
            b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
            b"Content-Type: text/csv\r\n\r\na,b\r\n1,2",  # truncated: no closing boundary
        ),
        ("application/json", b'{"file": "a.csv"}'),
        ("text/plain", b"a,b\n1,2\n"),
        ("multipart/form-data; boundary=xyz", b"\xff\xfe" * 100),
    ],
)
async def test_malformed_multipart_upload_is_4xx_and_leaves_nothing(
    env: Env, content_type: str, body: bytes
) -> None:
    before = env.snapshot()
    for url in (f"{env.base}/documents", f"{env.base}/configs:import"):
        response = await env.client.post(
            url, content=body, headers={**env.headers, "Content-Type": content_type}
        )
        assert_problem(response, 400, 413, 415, 422)
    assert env.snapshot() == before


async def test_oversized_upload_is_413_and_leaves_nothing(env: Env, app: FastAPI) -> None:
    app.state.settings.max_upload_bytes = 4096
    before = env.snapshot()
    big = b"a,b\n" + b"1,2\n" * 5000
    declared = await env.client.post(
        f"{env.base}/documents", files={"file": ("big.csv", big, "text/csv")}, headers=env.headers
    )
    assert_problem(declared, 413)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
        for _ in range(20):
            yield b"1,2\n" * 1024
        yield b"\r\n--xyz--\r\n"

    streamed = await env.client.post(
        f"{env.base}/documents",
        content=chunks(),
        headers={**env.headers, "Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert_problem(streamed, 413)
    assert env.snapshot() == before


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "archive",
    [
        _zip({"manifest.json": b"{}", "../../evil.py": b"x = 1"}),
        _zip({"manifest.json": b"{}", "/etc/evil.py": b"x = 1"}),
        _zip({"manifest.json": b"{}", "columns\\..\\..\\evil.py": b"x = 1"}),
        _zip({"manifest.json": b"\0" * (64 * 1024 * 1024)}),  # a zip bomb (~64 KB compressed)
        _zip({"manifest.json": b"{not json"}),
        _zip({"manifest.json": b"\xff\xfe"}),
        b"PK\x03\x04 not really a zip",
        b"",
    ],
)
async def test_hostile_archives_are_refused_and_leave_nothing(env: Env, archive: bytes) -> None:
    before = env.snapshot()
    response = await env.client.post(
        f"{env.base}/configs:import",
        files={"file": ("c.zip", archive, "application/zip")},
        data={"slug": "imported"},
        headers=env.headers,
    )
    assert_problem(response, 400, 413, 415, 422)
    assert env.snapshot() == before
    assert not (env.data_dir.parent / "evil.py").exists()


# --- Path traversal in draft file paths -----------------------------------------------------


@pytest.mark.parametrize("path", TRAVERSALS)
async def test_path_traversal_in_draft_file_urls(env: Env, path: str) -> None:
    before = env.snapshot()
    url = f"{env.draft}/draft/files/{path}"
    h = env.headers
    read = await env.client.get(url, headers=h)
    assert_problem(read, 400, 404, 422)
    version = await env.client.get(f"{env.draft}/versions/{env.version}/files/{path}", headers=h)
    assert_problem(version, 400, 404, 422)
    put = await env.client.put(url, json={"code": "x = 1\n"}, headers={**h, "If-Match": "*"})
    assert_problem(put, 400, 404, 412, 422, 428)
    delete = await env.client.delete(url, headers={**h, "If-Match": "*"})
    assert_problem(delete, 400, 404, 412, 422, 428)
    assert env.snapshot() == before


@pytest.mark.parametrize("path", TRAVERSAL_BODIES)
async def test_path_traversal_in_created_file_paths(env: Env, path: str) -> None:
    before = env.snapshot()
    response = await env.client.post(
        f"{env.draft}/draft/files", json={"path": path, "code": "x = 1\n"}, headers=env.headers
    )
    assert_problem(response, 400, 422)
    assert env.snapshot() == before
    assert not (env.data_dir.parent / "outside.py").exists()


# --- Malformed manifests --------------------------------------------------------------------


@pytest.mark.parametrize(
    "patch",
    [
        [],
        "manifest",
        42,
        None,
        {"columns": "not a list"},
        {"columns": [{"field": 1}]},
        {"columns": [None]},
        {"engine": []},
        {"title": {"nested": True}},
        {"hooks": {"on_load": "../../etc/passwd"}},
        {"columns": [{"field": "<script>alert(1)</script>", "module": "../../x"}]},
        {"schema_version": "'; DROP TABLE config_files; --"},
        {"": {"": {"": None}}},
    ],
)
async def test_malformed_manifest_patch_is_400_and_changes_nothing(env: Env, patch: Any) -> None:
    url = f"{env.draft}/draft/manifest"
    read = await env.client.get(url, headers=env.headers)
    assert read.status_code == 200
    before = env.snapshot()
    response = await env.client.patch(
        url,
        content=json.dumps(patch),
        headers={
            **env.headers,
            "Content-Type": "application/merge-patch+json",
            "If-Match": read.headers["etag"],
        },
    )
    if response.status_code == 200:
        # Some patches are harmless (e.g. an unknown key removed): then it is stored validly.
        assert response.headers["content-type"].startswith("application/json")
        return
    assert_problem(response, 400, 415, 422)
    assert env.snapshot() == before
    again = await env.client.get(url, headers=env.headers)
    assert again.json() == read.json()
    assert again.headers["etag"] == read.headers["etag"]


async def test_manifest_patch_with_invalid_bytes_is_4xx(env: Env) -> None:
    url = f"{env.draft}/draft/manifest"
    read = await env.client.get(url, headers=env.headers)
    before = env.snapshot()
    for body in (b"{\xff}", b'{"title": "\xc3"}', b"{", b""):
        response = await env.client.patch(
            url,
            content=body,
            headers={
                **env.headers,
                "Content-Type": "application/merge-patch+json",
                "If-Match": read.headers["etag"],
            },
        )
        assert_problem(response, 400, 422)
    assert env.snapshot() == before


async def test_nul_in_a_raw_upload_file_name_is_dropped_or_refused_cleanly(env: Env) -> None:
    before = env.snapshot()
    body = (
        b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a\x00b.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\na,b\r\n1,2\r\n--xyz--\r\n"
    )
    response = await env.client.post(
        f"{env.base}/documents",
        content=body,
        headers={**env.headers, "Content-Type": "multipart/form-data; boundary=xyz"},
    )
    if response.status_code >= 400:
        assert_problem(response, 400, 422)
        assert env.snapshot() == before
    else:  # control characters are dropped from the stored name
        assert response.status_code == 201
        assert response.json()["original_filename"] == "ab.csv"


def raw(headers: dict[str, str], extra: dict[str, bytes]) -> dict[bytes, bytes]:
    """Headers as raw bytes, so values need not be ASCII."""
    return {k.encode(): v.encode() for k, v in headers.items()} | {
        k.encode(): v for k, v in extra.items()
    }


@pytest.mark.parametrize("value", [b"\xff\xfe", b"caf\xe9", b"'; DROP TABLE jobs; --", b"\x01\x02"])
async def test_hostile_bytes_in_headers_are_not_a_500(env: Env, value: bytes) -> None:
    before = env.snapshot()
    unauthenticated = await env.client.get(
        "/api/v1/me", headers=raw({}, {"Authorization": b"Bearer " + value})
    )
    assert_problem(unauthenticated, 401)
    api_key = await env.client.get("/api/v1/me", headers=raw({}, {"X-API-Key": value}))
    assert_problem(api_key, 401)
    manifest = await env.client.patch(
        f"{env.draft}/draft/manifest",
        content=b"{}",
        headers=raw(
            env.headers, {"Content-Type": b"application/merge-patch+json", "If-Match": value}
        ),
    )
    assert_problem(manifest, 400, 412, 422, 428)
    submitted = await env.client.post(
        f"{env.base}/jobs",
        json={"document_id": env.document, "config_version_id": env.version},
        headers=raw(env.headers, {"Idempotency-Key": value}),
    )
    assert submitted.status_code in (202, 400, 422), submitted.text
    events = await env.client.get(
        f"{env.base}/jobs", headers=raw(env.headers, {"Last-Event-ID": value, "Accept": value})
    )
    assert events.status_code in (200, 400, 406, 422), events.text
    uploaded = await env.client.post(
        f"{env.base}/documents",
        files={"file": ("a.csv", b"a,b\n1,2\n", "text/csv")},
        headers=raw(env.headers, {"Idempotency-Key": value}),
    )
    assert uploaded.status_code in (201, 400, 422), uploaded.text
    if submitted.status_code >= 400 and uploaded.status_code >= 400:
        assert env.snapshot() == before
