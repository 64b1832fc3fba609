"""Listing, reading, downloading and deleting documents."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from ade_db.models import Document, DomainEvent, Job, User
from ade_db.types import utcnow

pytestmark = pytest.mark.anyio

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]
MakeWorkspace = Callable[..., str]

CSV = b"name,email\nAda,ada@example.com\n"


def files_under(root: Path) -> list[Path]:
    return [Path(d) / f for d, _, names in os.walk(root) for f in names] if root.exists() else []


async def upload(
    client: httpx.AsyncClient, ws: str, headers: dict[str, str], name: str, data: bytes = CSV
) -> dict[str, object]:
    response = await client.post(
        f"/api/v1/workspaces/{ws}/documents", files={"file": (name, data)}, headers=headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def config_version(client: httpx.AsyncClient, ws: str, headers: dict[str, str]) -> str:
    created = await client.post(
        f"/api/v1/workspaces/{ws}/configs",
        json={"slug": "roster", "title": "Roster", "template": "empty"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    version_id: str = created.json()["version_id"]
    return version_id


def add_job(
    db_connection: Connection,
    ws: str,
    document_id: str,
    version_id: str,
    status: str,
    *,
    age_seconds: int = 0,
    error: dict[str, str] | None = None,
) -> str:
    with Session(bind=db_connection, join_transaction_mode="create_savepoint") as session:
        created = utcnow() - timedelta(seconds=age_seconds)
        job = Job(
            workspace_id=ws,
            document_id=document_id,
            config_version_id=version_id,
            run_key="0" * 64,
            status=status,
            created_at=created,
            completed_at=created if status in ("succeeded", "failed", "cancelled") else None,
            error=error,
        )
        session.add(job)
        session.commit()
        return job.id


async def test_list_filters_and_sorts(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    auth_headers: AuthHeaders,
) -> None:
    owner, editor = make_user(), make_user()
    ws = make_workspace(owner, {"editor": editor})
    mine, theirs = auth_headers(owner), auth_headers(editor)
    a = await upload(client, ws, mine, "Alpha_Report.csv", b"a\n1\n")
    b = await upload(client, ws, theirs, "beta 100%.csv", b"a,b,c\n1,2,3\n4,5,6\n")
    c = await upload(client, ws, mine, "gamma.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(8))
    base = f"/api/v1/workspaces/{ws}/documents"

    async def ids(**params: str) -> list[object]:
        response = await client.get(base, params=params, headers=mine)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    listed = await client.get(base, headers=mine)
    assert listed.json()["total"] == 3
    assert await ids() == [c["id"], b["id"], a["id"]]  # newest first
    assert await ids(sort="created_at") == [a["id"], b["id"], c["id"]]
    assert await ids(sort="original_filename") == [a["id"], b["id"], c["id"]]
    assert await ids(sort="-size") == [b["id"], c["id"], a["id"]]
    assert await ids(file_type="xls") == [c["id"]]
    assert await ids(file_type="csv", sort="size") == [a["id"], b["id"]]
    assert await ids(q="REPORT") == [a["id"]]
    assert await ids(q="100%") == [b["id"]]
    assert await ids(q="_") == [a["id"]]  # a literal underscore, not a wildcard
    assert await ids(uploaded_by=editor.id) == [b["id"]]
    assert await ids(uploaded_by=owner.id, sort="size") == [a["id"], c["id"]]
    page = await client.get(base, params={"page_size": 2, "page": 2}, headers=mine)
    assert page.json()["items"][0]["id"] == a["id"]
    bad_sort = await client.get(base, params={"sort": "sha256"}, headers=mine)
    assert bad_sort.status_code == 400
    bad_type = await client.get(base, params={"file_type": "pdf"}, headers=mine)
    assert bad_type.status_code == 422


async def test_list_shows_each_documents_latest_job(
    client: httpx.AsyncClient,
    db_connection: Connection,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    auth_headers: AuthHeaders,
) -> None:
    owner = make_user()
    ws = make_workspace(owner)
    headers = auth_headers(owner)
    never_run = await upload(client, ws, headers, "never.csv")
    run_twice = await upload(client, ws, headers, "twice.csv")
    run_once = await upload(client, ws, headers, "once.csv")
    version = await config_version(client, ws, headers)
    add_job(db_connection, ws, str(run_twice["id"]), version, "succeeded", age_seconds=60)
    newest = add_job(
        db_connection,
        ws,
        str(run_twice["id"]),
        version,
        "failed",
        age_seconds=5,
        error={"type": "input", "message": "bad"},
    )
    only = add_job(db_connection, ws, str(run_once["id"]), version, "running", age_seconds=1)

    listed = await client.get(f"/api/v1/workspaces/{ws}/documents", headers=headers)
    assert listed.status_code == 200, listed.text
    latest = {item["id"]: item["latest_job"] for item in listed.json()["items"]}
    assert latest[never_run["id"]] is None
    assert latest[run_twice["id"]]["id"] == newest
    assert latest[run_twice["id"]]["status"] == "failed"
    assert latest[run_twice["id"]]["error_type"] == "input"
    assert latest[run_once["id"]]["id"] == only
    assert latest[run_once["id"]]["status"] == "running"
    assert never_run["latest_job"] is None  # the upload's answer has the field too

    detail = await client.get(
        f"/api/v1/workspaces/{ws}/documents/{run_twice['id']}", headers=headers
    )
    assert detail.json()["latest_job"]["id"] == newest


async def test_detail_lists_recent_jobs_and_counts(
    client: httpx.AsyncClient,
    db_connection: Connection,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    auth_headers: AuthHeaders,
) -> None:
    owner = make_user()
    ws = make_workspace(owner)
    headers = auth_headers(owner)
    document = await upload(client, ws, headers, "a.csv")
    doc_id = str(document["id"])
    version = await config_version(client, ws, headers)
    url = f"/api/v1/workspaces/{ws}/documents/{doc_id}"

    empty = await client.get(url, headers=headers)
    assert empty.status_code == 200, empty.text
    assert empty.json()["jobs"] == []
    assert set(empty.json()["job_counts"].values()) == {0}

    failed = add_job(
        db_connection,
        ws,
        doc_id,
        version,
        "failed",
        age_seconds=30,
        error={"type": "config_code", "message": "boom"},
    )
    done = add_job(db_connection, ws, doc_id, version, "succeeded", age_seconds=20)
    queued = add_job(db_connection, ws, doc_id, version, "queued", age_seconds=10)
    for n in range(10):
        add_job(db_connection, ws, doc_id, version, "succeeded", age_seconds=1000 + n)

    body = (await client.get(url, headers=headers)).json()
    assert body["id"] == doc_id
    assert body["sha256"] == document["sha256"]
    assert body["job_counts"] == {
        "queued": 1,
        "running": 0,
        "succeeded": 11,
        "failed": 1,
        "cancelled": 0,
    }
    jobs = body["jobs"]
    assert len(jobs) == 10
    assert [job["id"] for job in jobs[:3]] == [queued, done, failed]
    assert jobs[0]["status"] == "queued"
    assert jobs[0]["completed_at"] is None
    assert jobs[0]["config_version_id"] == version
    assert jobs[2]["error_type"] == "config_code"
    assert jobs[1]["error_type"] is None
    assert jobs[1]["completed_at"] is not None


@pytest.mark.parametrize(
    ("name", "ascii_name"),
    [
        ("members.csv", "members.csv"),
        ("Überweisungen März 2024.csv", "_berweisungen M_rz 2024.csv"),
        ("semi;colon 100%.csv", "semi_colon 100_.csv"),
        ("报告.csv", "__.csv"),
    ],
)
async def test_download_streams_the_bytes_with_a_safe_filename(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    auth_headers: AuthHeaders,
    name: str,
    ascii_name: str,
) -> None:
    owner = make_user()
    ws = make_workspace(owner)
    headers = auth_headers(owner)
    data = CSV * 20_000  # a few hundred KB: more than one chunk
    document = await upload(client, ws, headers, name, data)
    response = await client.get(
        f"/api/v1/workspaces/{ws}/documents/{document['id']}/content", headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.content == data
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-length"] == str(len(data))
    assert response.headers["etag"] == f'"{document["sha256"]}"'
    disposition = response.headers["content-disposition"]
    assert disposition == (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    assert disposition.isascii()


async def test_download_of_an_xlsx_has_its_content_type(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    auth_headers: AuthHeaders,
) -> None:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
    owner = make_user()
    ws = make_workspace(owner)
    headers = auth_headers(owner)
    document = await upload(client, ws, headers, "book.xlsx", out.getvalue())
    response = await client.get(
        f"/api/v1/workspaces/{ws}/documents/{document['id']}/content", headers=headers
    )
    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.content == out.getvalue()


@pytest.mark.parametrize("active", ["queued", "running"])
async def test_delete_waits_for_active_jobs(
    client: httpx.AsyncClient,
    db_connection: Connection,
    data_dir: Path,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    auth_headers: AuthHeaders,
    active: str,
) -> None:
    owner = make_user()
    ws = make_workspace(owner)
    headers = auth_headers(owner)
    document = await upload(client, ws, headers, "a.csv")
    doc_id = str(document["id"])
    version = await config_version(client, ws, headers)
    finished = add_job(db_connection, ws, doc_id, version, "succeeded")
    job = add_job(db_connection, ws, doc_id, version, active)
    url = f"/api/v1/workspaces/{ws}/documents/{doc_id}"
    blob = data_dir / "documents" / ws / doc_id / "source.csv"

    refused = await client.delete(url, headers=headers)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert blob.exists()
    assert (await client.get(url, headers=headers)).status_code == 200

    with Session(bind=db_connection, join_transaction_mode="create_savepoint") as session:
        row = session.get(Job, job)
        assert row is not None
        row.status = "cancelled"
        row.completed_at = utcnow()
        session.commit()

    deleted = await client.delete(url, headers=headers)
    assert deleted.status_code == 204, deleted.text
    assert deleted.content == b""
    assert not blob.exists()
    assert files_under(data_dir / "documents") == []
    assert (await client.get(url, headers=headers)).status_code == 404
    assert (await client.get(url + "/content", headers=headers)).status_code == 404
    assert (await client.delete(url, headers=headers)).status_code == 404
    with Session(bind=db_connection, join_transaction_mode="create_savepoint") as session:
        assert session.get(Document, doc_id) is None
        assert session.get(Job, finished) is None
        assert session.get(Job, job) is None
        event = session.scalars(
            select(DomainEvent).where(
                DomainEvent.type == "document.deleted", DomainEvent.subject_id == doc_id
            )
        ).one()
        assert event.workspace_id == ws
        assert event.actor_id == owner.id


async def test_documents_of_another_workspace_answer_404(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    auth_headers: AuthHeaders,
) -> None:
    owner = make_user()
    headers = auth_headers(owner)
    ws_a, ws_b = make_workspace(owner), make_workspace(owner)
    document = await upload(client, ws_a, headers, "a.csv")
    wrong = f"/api/v1/workspaces/{ws_b}/documents/{document['id']}"
    for method, url in [("GET", wrong), ("GET", wrong + "/content"), ("DELETE", wrong)]:
        response = await client.request(method, url, headers=headers)
        assert response.status_code == 404, (method, url, response.text)
        assert response.json()["detail"] == "document not found"
    listed = await client.get(f"/api/v1/workspaces/{ws_b}/documents", headers=headers)
    assert listed.json()["items"] == []
    missing = f"/api/v1/workspaces/{ws_a}/documents/01HZX4G7Q8M2N3P4R5S6T7V8W9"
    assert (await client.get(missing, headers=headers)).status_code == 404
    # Lower-case ids name the same document.
    lower = f"/api/v1/workspaces/{ws_a}/documents/{str(document['id']).lower()}"
    assert (await client.get(lower, headers=headers)).status_code == 200
