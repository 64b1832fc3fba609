"""Reading jobs: list, detail, timeline (JSON and live SSE), artifact, output, tables, and
cancel/retry; every job route against every role."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from rq import Queue
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from ade_api.testing import Route, expected_status, fill
from ade_db.models import Job, User
from ade_worker.timeline import append_event

pytestmark = pytest.mark.anyio

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]
MakeWorkspace = Callable[..., str]
MakeDocument = Callable[..., str]
MakeConfigVersion = Callable[..., str]
MakeJob = Callable[..., str]


@dataclass
class World:
    client: httpx.AsyncClient
    headers: dict[str, str]
    ws: str
    document_id: str
    version_id: str

    @property
    def jobs(self) -> str:
        return f"/api/v1/workspaces/{self.ws}/jobs"


@pytest.fixture
def world(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
    make_document: MakeDocument,
    make_config_version: MakeConfigVersion,
) -> World:
    owner = make_user()
    ws = make_workspace(owner)
    return World(client, auth_headers(owner), ws, make_document(ws), make_config_version(ws))


def _events(db_connection: Connection, job_id: str, *types: str) -> None:
    with Session(bind=db_connection, join_transaction_mode="create_savepoint") as session:
        for event_type in types:
            append_event(session, job_id, event_type, {"n": event_type})
        session.commit()


async def test_list_filters_and_detail(world: World, make_job: MakeJob) -> None:
    done = make_job(world.ws, world.document_id, world.version_id, "succeeded")
    failed = make_job(world.ws, world.document_id, world.version_id, "failed")
    listing = (await world.client.get(world.jobs, headers=world.headers)).json()
    assert [j["id"] for j in listing["items"]] == [failed, done]  # newest first
    only_failed = (
        await world.client.get(f"{world.jobs}?status=failed", headers=world.headers)
    ).json()
    assert [j["id"] for j in only_failed["items"]] == [failed]
    by_doc = await world.client.get(
        f"{world.jobs}?document_id={world.document_id}", headers=world.headers
    )
    assert by_doc.json()["total"] == 2
    bad = await world.client.get(f"{world.jobs}?status=nope", headers=world.headers)
    assert bad.status_code == 422
    detail = (await world.client.get(f"{world.jobs}/{failed}", headers=world.headers)).json()
    assert detail["status"] == "failed"
    assert detail["error"]["message"] == "boom"
    assert detail["attempts"] == 1


async def test_list_filters_by_config_and_answers_carry_the_config(
    world: World, make_job: MakeJob, make_config_version: MakeConfigVersion
) -> None:
    other_version = make_config_version(world.ws)
    first = make_job(world.ws, world.document_id, world.version_id, "succeeded")
    second = make_job(world.ws, world.document_id, other_version, "queued")
    listing = (await world.client.get(world.jobs, headers=world.headers)).json()["items"]
    config_of = {j["id"]: j["config_id"] for j in listing}
    assert config_of[first] != config_of[second]
    detail = (await world.client.get(f"{world.jobs}/{second}", headers=world.headers)).json()
    assert detail["config_id"] == config_of[second]

    by_config = await world.client.get(
        f"{world.jobs}?config_id={config_of[first].lower()}", headers=world.headers
    )
    assert [j["id"] for j in by_config.json()["items"]] == [first]
    combined = await world.client.get(
        f"{world.jobs}?config_id={config_of[first]}&status=queued", headers=world.headers
    )
    assert combined.json()["total"] == 0
    too_long = await world.client.get(f"{world.jobs}?config_id={'X' * 27}", headers=world.headers)
    assert too_long.status_code == 422


async def test_results_of_a_succeeded_job(world: World, make_job: MakeJob) -> None:
    job = make_job(world.ws, world.document_id, world.version_id, "succeeded")
    base = f"{world.jobs}/{job}"
    artifact = await world.client.get(f"{base}/artifact", headers=world.headers)
    assert artifact.status_code == 200
    assert artifact.json()["schema"] == "ade.artifact/v1"

    xlsx = await world.client.get(f"{base}/output", headers=world.headers)
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"
    assert "normalized.xlsx" in xlsx.headers["content-disposition"]

    as_csv = await world.client.get(f"{base}/output?format=csv", headers=world.headers)
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0][:3] == ["Member ID", "First Name", "Last Name"]
    assert len(rows) == 6  # header + the sample's five members
    assert rows[1][1] == "Ada"

    page = (await world.client.get(f"{base}/tables", headers=world.headers)).json()
    assert (page["total"], page["page"], page["page_size"]) == (1, 1, 50)
    tables = page["items"]
    assert len(tables) == 1
    assert tables[0]["range"] == "A3:I8"
    assert "Member #" in tables[0]["headers"]
    assert {m["field"] for m in tables[0]["mapping"]} >= {"member_id", "email"}
    assert tables[0]["rows"]["written"] == 5
    assert tables[0]["issues"] == 0
    assert (
        await world.client.get(f"{base}/output?format=pdf", headers=world.headers)
    ).status_code == 422


async def test_tables_are_a_page_like_every_list(
    app: FastAPI, world: World, make_job: MakeJob
) -> None:
    job = make_job(world.ws, world.document_id, world.version_id, "succeeded")
    # Three tables on two sheets, as a workbook with several would leave them.
    path = app.state.storage.layout.data_dir / "jobs" / job / "output" / "artifact.json"
    artifact = json.loads(path.read_text())
    sheet = artifact["sheets"][0]
    table = sheet["tables"][0]

    def issues(count: int) -> dict[str, Any]:
        return {"count": count, "by_field": {"email": count} if count else {}}

    artifact["sheets"] = [
        {**sheet, "name": "B", "tables": [{**table, "id": "t1", "issues": issues(2)}]},
        {
            **sheet,
            "name": "A",
            "tables": [
                {**table, "id": "t2", "issues": issues(0)},
                {**table, "id": "t3", "issues": issues(7)},
            ],
        },
    ]
    path.write_text(json.dumps(artifact))
    tables = f"{world.jobs}/{job}/tables"

    async def ids(query: str) -> tuple[list[str], int]:
        response = await world.client.get(f"{tables}?{query}", headers=world.headers)
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()["items"]], response.json()["total"]

    assert await ids("") == (["t1", "t2", "t3"], 3)  # the order the engine found them
    assert await ids("page_size=2") == (["t1", "t2"], 3)
    assert await ids("page_size=2&page=2") == (["t3"], 3)
    assert await ids("page=3&page_size=2") == ([], 3)
    assert await ids("sort=-issues") == (["t3", "t1", "t2"], 3)
    assert await ids("sort=sheet,-id") == (["t3", "t2", "t1"], 3)
    bad = await world.client.get(f"{tables}?sort=range", headers=world.headers)
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["loc"] == ["query", "sort"]
    too_big = await world.client.get(f"{tables}?page_size=201", headers=world.headers)
    assert too_big.status_code == 422


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        json.dumps({"schema": "ade.artifact/v1", "sheets": "a hook replaced them"}),
        json.dumps(["not", "an", "object"]),
    ],
)
async def test_an_artifact_that_lost_its_shape_is_404_not_500(
    app: FastAPI, world: World, make_job: MakeJob, content: str
) -> None:
    job = make_job(world.ws, world.document_id, world.version_id, "succeeded")
    path = app.state.storage.layout.data_dir / "jobs" / job / "output" / "artifact.json"
    path.write_text(content)
    base = f"{world.jobs}/{job}"
    for url in (f"{base}/tables", f"{base}/output?format=csv"):
        response = await world.client.get(url, headers=world.headers)
        assert response.status_code == 404, response.text
        assert response.json()["detail"] == "the job's artifact is not readable"
    # The file itself is still served as it is: it is the run's record.
    raw = await world.client.get(f"{base}/artifact", headers=world.headers)
    assert (raw.status_code, raw.text) == (200, content)


async def test_results_of_unfinished_jobs_are_404(world: World, make_job: MakeJob) -> None:
    queued = make_job(world.ws, world.document_id, world.version_id, "queued")
    for path in ("artifact", "output", "tables"):
        response = await world.client.get(f"{world.jobs}/{queued}/{path}", headers=world.headers)
        assert response.status_code == 404
        assert "queued" in response.json()["detail"]


async def test_timeline_as_json_and_as_a_live_stream(
    world: World, make_job: MakeJob, db_connection: Connection
) -> None:
    job = make_job(world.ws, world.document_id, world.version_id, "succeeded")
    _events(db_connection, job, "job.queued", "job.started", "run.started", "job.succeeded")
    timeline = (await world.client.get(f"{world.jobs}/{job}/events", headers=world.headers)).json()
    assert [e["seq"] for e in timeline["items"]] == [1, 2, 3, 4]
    assert timeline["items"][2]["type"] == "run.started"

    stream = await world.client.get(
        f"{world.jobs}/{job}/events", headers={**world.headers, "Accept": "text/event-stream"}
    )
    assert stream.headers["content-type"].startswith("text/event-stream")
    blocks = [b for b in stream.text.split("\n\n") if b.strip()]
    assert len(blocks) == 4
    first = dict(line.split(": ", 1) for line in blocks[0].splitlines())
    assert first["id"] == "1"
    assert first["event"] == "job.queued"
    assert json.loads(first["data"])["seq"] == 1

    resumed = await world.client.get(
        f"{world.jobs}/{job}/events",
        headers={**world.headers, "Accept": "text/event-stream", "Last-Event-ID": "2"},
    )
    ids = [line for line in resumed.text.splitlines() if line.startswith("id: ")]
    assert ids == ["id: 3", "id: 4"]


async def test_cancel_a_queued_job_at_once_and_a_running_one_by_request(
    world: World, make_job: MakeJob, db_connection: Connection
) -> None:
    queued = make_job(world.ws, world.document_id, world.version_id, "queued")
    cancelled = await world.client.post(f"{world.jobs}/{queued}:cancel", headers=world.headers)
    assert cancelled.status_code == 202
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["completed_at"]

    running = make_job(world.ws, world.document_id, world.version_id, "running")
    asked = await world.client.post(f"{world.jobs}/{running}:cancel", headers=world.headers)
    assert asked.status_code == 202
    assert asked.json()["status"] == "running"  # its worker stops it and records cancelled
    assert asked.json()["cancel_requested_at"]

    done = make_job(world.ws, world.document_id, world.version_id, "succeeded")
    assert (
        await world.client.post(f"{world.jobs}/{done}:cancel", headers=world.headers)
    ).status_code == 409
    assert (
        await world.client.post(f"{world.jobs}/{queued}:cancel", headers=world.headers)
    ).status_code == 409


async def test_retry_requeues_failed_and_cancelled_jobs(
    world: World, make_job: MakeJob, app: FastAPI, db_connection: Connection
) -> None:
    failed = make_job(world.ws, world.document_id, world.version_id, "failed")
    retried = await world.client.post(f"{world.jobs}/{failed}:retry", headers=world.headers)
    assert retried.status_code == 202
    body = retried.json()
    assert body["status"] == "queued"
    assert body["error"] is None
    assert body["completed_at"] is None
    assert Queue(app.state.queue_name, connection=app.state.redis).job_ids == [failed]
    row = db_connection.execute(select(Job.attempts).where(Job.id == failed)).scalar_one()
    assert row == 1  # attempts count runs; the worker adds one when it claims the job again

    done = make_job(world.ws, world.document_id, world.version_id, "succeeded")
    refused = await world.client.post(f"{world.jobs}/{done}:retry", headers=world.headers)
    assert refused.status_code == 409


async def test_jobs_of_another_workspace_are_404(
    world: World,
    make_job: MakeJob,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
) -> None:
    job = make_job(world.ws, world.document_id, world.version_id, "succeeded")
    stranger = make_user()
    theirs = f"/api/v1/workspaces/{make_workspace(stranger)}/jobs/{job}"
    for suffix in ("", "/events", "/artifact", "/output", "/tables"):
        response = await world.client.get(theirs + suffix, headers=auth_headers(stranger))
        assert response.status_code == 404, suffix
    assert (
        await world.client.post(theirs + ":cancel", headers=auth_headers(stranger))
    ).status_code == 404


J = "/api/v1/workspaces/{ws}/jobs"
JOB_ROUTES = [
    Route("GET", J, "viewer", 200),
    Route("POST", J, "editor", 202, {"document_id": "{doc}", "config_version_id": "{version}"}),
    Route("GET", J + "/{done}", "viewer", 200),
    Route("GET", J + "/{done}/events", "viewer", 200),
    Route("GET", J + "/{done}/artifact", "viewer", 200),
    Route("GET", J + "/{done}/output", "viewer", 200),
    Route("GET", J + "/{done}/tables", "viewer", 200),
    Route("GET", J + "/{done}/output/rows", "viewer", 200),
    Route("POST", J + "/{queued}:cancel", "editor", 202),
    Route("POST", J + "/{failed}:retry", "editor", 202),
]


@pytest.mark.parametrize("role", ["viewer", "editor", "owner", "outsider"])
@pytest.mark.parametrize("route", JOB_ROUTES, ids=lambda r: f"{r.method} {r.path}")
async def test_job_role_table(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
    make_document: MakeDocument,
    make_config_version: MakeConfigVersion,
    make_job: MakeJob,
    route: Route,
    role: str,
) -> None:
    owner, caller = make_user(), make_user()
    ws = make_workspace(owner, {role: caller} if role in ("viewer", "editor") else {})
    if role == "owner":
        caller = owner
    doc, version = make_document(ws), make_config_version(ws)
    values = {
        "ws": ws,
        "doc": doc,
        "version": version,
        "done": make_job(ws, doc, version, "succeeded"),
        "queued": make_job(ws, doc, version, "queued"),
        "failed": make_job(ws, doc, version, "failed"),
    }
    response = await client.request(
        route.method,
        fill(route.path, values),
        json=fill(route.body, values),
        headers=auth_headers(caller),
    )
    assert response.status_code == expected_status(role, route), response.text


@pytest.mark.parametrize("route", JOB_ROUTES, ids=lambda r: f"{r.method} {r.path}")
async def test_job_routes_need_credentials(client: httpx.AsyncClient, route: Route) -> None:
    some = "01HZX4G7Q8M2N3P4R5S6T7V8WA"
    values = dict.fromkeys(("ws", "doc", "version", "done", "queued", "failed"), some)
    response = await client.request(
        route.method, fill(route.path, values), json=fill(route.body, values)
    )
    assert response.status_code == 401
