"""The workspace's change events as pages, a document's timeline, and the live feed's rules
(cursor, late commits, access), on both databases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from ade_api.events.schemas import EventOut
from ade_api.events.service import WorkspaceFeed
from ade_api.sse import Message
from ade_db.models import DomainEvent, User, WorkspaceMember
from ade_db.types import id_floor, utcnow
from ade_worker.claim import claim_job
from ade_worker.record import record_failure
from ade_worker.timeline import EventRelay

pytestmark = pytest.mark.anyio

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]
MakeWorkspace = Callable[..., str]
MakeConfigVersion = Callable[..., str]

CSV = b"name,email\nAda,ada@example.com\n"


@dataclass
class World:
    client: httpx.AsyncClient
    app: FastAPI
    owner: User
    headers: dict[str, str]
    ws: str
    version_id: str

    @property
    def base(self) -> str:
        return f"/api/v1/workspaces/{self.ws}"

    @property
    def sessions(self) -> sessionmaker[Session]:
        factory: sessionmaker[Session] = self.app.state.session_factory
        return factory

    async def upload(self, name: str = "a.csv") -> str:
        response = await self.client.post(
            f"{self.base}/documents", files={"file": (name, CSV)}, headers=self.headers
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def submit(self, document_id: str) -> str:
        response = await self.client.post(
            f"{self.base}/jobs",
            json={"document_id": document_id, "config_version_id": self.version_id},
            headers=self.headers,
        )
        assert response.status_code == 202, response.text
        return str(response.json()["id"])

    async def events(self, path: str = "/events", **params: Any) -> dict[str, Any]:
        response = await self.client.get(self.base + path, params=params, headers=self.headers)
        assert response.status_code == 200, response.text
        page: dict[str, Any] = response.json()
        return page


@pytest.fixture
def world(
    client: httpx.AsyncClient,
    app: FastAPI,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
    make_config_version: MakeConfigVersion,
) -> World:
    owner = make_user()
    ws = make_workspace(owner)
    return World(client, app, owner, auth_headers(owner), ws, make_config_version(ws))


def _types(page: dict[str, Any]) -> list[str]:
    return [item["type"] for item in page["items"]]


async def test_uploads_and_job_changes_are_listed_oldest_first(world: World) -> None:
    document_id = await world.upload()
    job_id = await world.submit(document_id)
    cancelled = await world.client.post(f"{world.base}/jobs/{job_id}:cancel", headers=world.headers)
    assert cancelled.status_code == 202

    page = await world.events()
    assert _types(page) == ["document.uploaded", "job.queued", "job.cancelled"]
    uploaded, queued, cancel = page["items"]
    assert uploaded["document_id"] == document_id
    assert uploaded["job_id"] is None
    assert uploaded["payload"]["filename"] == "a.csv"
    assert uploaded["actor_id"] == world.owner.id
    assert queued["job_id"] == job_id
    assert queued["document_id"] == document_id
    payload = queued["payload"]
    assert payload["status"] == "queued"
    assert payload["config_version_id"] == world.version_id
    assert payload["config_id"]
    assert payload["queued_at"]
    assert payload["detail"] == {"attempt": 1}
    assert cancel["payload"]["status"] == "cancelled"
    assert cancel["payload"]["completed_at"]
    assert cancel["actor_id"] == world.owner.id
    assert [item["id"] for item in page["items"]] == sorted(item["id"] for item in page["items"])

    after_first = await world.events(after=uploaded["id"].lower())  # any case
    assert _types(after_first) == ["job.queued", "job.cancelled"]
    resumed = await world.client.get(
        f"{world.base}/events", headers={**world.headers, "Last-Event-ID": queued["id"]}
    )
    assert _types(resumed.json()) == ["job.cancelled"]
    paged = await world.events(page_size=1, page=2)
    assert (paged["total"], _types(paged)) == (3, ["job.queued"])


async def test_status_changes_made_by_a_worker_are_listed(world: World) -> None:
    job_id = await world.submit(await world.upload())
    # The worker's own code: claim, relay the engine's events, fail.
    claimed = claim_job(world.sessions, job_id, worker_name="w1")
    assert claimed is not None
    relay = EventRelay(world.sessions, job_id, interval=0)
    relay({"ts": "t", "seq": 1, "event": "pass.started", "name": "detect"})
    relay({"ts": "t", "seq": 2, "event": "log", "message": "hello"})
    relay({"ts": "t", "seq": 3, "event": "pass.completed", "name": "detect", "elapsed_ms": 7})
    relay.close()
    record_failure(world.sessions, claimed, {"type": "ValueError", "message": "boom"})

    items = (await world.events())["items"]
    assert [i["type"] for i in items] == [
        "document.uploaded",
        "job.queued",
        "job.started",
        "job.progress",
        "job.failed",
    ]
    started, progress, failed = items[2:]
    assert started["actor_id"] is None  # a worker, not a person
    assert started["payload"]["status"] == "running"
    assert started["payload"]["attempts"] == 1
    assert started["payload"]["started_at"]
    assert progress["payload"]["detail"] == {"pass": "detect", "elapsed_ms": 7}
    assert failed["payload"]["status"] == "failed"
    assert failed["payload"]["detail"]["error"]["message"] == "boom"


async def test_a_documents_timeline_holds_its_own_events_and_its_jobs(world: World) -> None:
    mine = await world.upload("mine.csv")
    other = await world.upload("other.csv")
    my_job = await world.submit(mine)
    await world.submit(other)
    await world.client.post(f"{world.base}/jobs/{my_job}:cancel", headers=world.headers)

    timeline = await world.events(f"/documents/{mine}/events")
    assert _types(timeline) == ["document.uploaded", "job.queued", "job.cancelled"]
    assert {item["document_id"] for item in timeline["items"]} == {mine}
    newest_first = await world.events(f"/documents/{mine}/events", sort="-created_at")
    assert _types(newest_first)[0] == "job.cancelled"
    bad_sort = await world.client.get(
        f"{world.base}/documents/{mine}/events?sort=type", headers=world.headers
    )
    assert bad_sort.status_code == 400  # the pagination module's answer to an unknown field


async def test_another_workspaces_events_never_appear(
    world: World, make_user: MakeUser, auth_headers: AuthHeaders, make_workspace: MakeWorkspace
) -> None:
    stranger = make_user()
    theirs = make_workspace(stranger)
    theirs_doc = await world.client.post(
        f"/api/v1/workspaces/{theirs}/documents",
        files={"file": ("theirs.csv", CSV)},
        headers=auth_headers(stranger),
    )
    assert theirs_doc.status_code == 201
    mine = await world.upload()
    page = await world.events()
    assert [item["document_id"] for item in page["items"]] == [mine]

    # Their ids in my workspace's paths, and my workspace in theirs: 404 either way.
    theirs_id = theirs_doc.json()["id"]
    for path, headers in (
        (f"{world.base}/documents/{theirs_id}/events", world.headers),
        (f"/api/v1/workspaces/{world.ws}/events", auth_headers(stranger)),
        (f"/api/v1/workspaces/{world.ws}/documents/{mine}/events", auth_headers(stranger)),
    ):
        response = await world.client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
    as_stream = await world.client.get(
        f"/api/v1/workspaces/{world.ws}/events",
        headers={**auth_headers(stranger), "Accept": "text/event-stream"},
    )
    assert as_stream.status_code == 404


@pytest.mark.parametrize("cursor", ["nope", "Z" * 26, "01HZX4G7Q8M2N3P4R5S6T7V8W", "8" + "0" * 25])
async def test_a_malformed_cursor_is_a_422_problem(world: World, cursor: str) -> None:
    by_query = await world.client.get(f"{world.base}/events?after={cursor}", headers=world.headers)
    by_header = await world.client.get(
        f"{world.base}/events",
        headers={**world.headers, "Last-Event-ID": cursor, "Accept": "text/event-stream"},
    )
    for response in (by_query, by_header):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"


# --------------------------------------------------------------------------- the live feed


def _event(world: World, event_id: str, type_: str = "document.uploaded") -> None:
    with world.sessions() as session:
        session.add(
            DomainEvent(
                id=event_id,
                workspace_id=world.ws,
                type=type_,
                subject_type="document",
                subject_id=event_id,
                payload={},
            )
        )
        session.commit()


def _data(message: Message) -> EventOut:
    assert isinstance(message.data, EventOut)
    return message.data


def _ids_at(moment_ms_ago: int, count: int) -> list[str]:
    """`count` increasing ids made `moment_ms_ago` milliseconds ago."""
    base = id_floor(utcnow() - timedelta(milliseconds=moment_ms_ago))
    return [base[:-1] + str(n + 1) for n in range(count)]


async def test_the_feed_starts_now_and_sends_each_event_once(world: World) -> None:
    await world.upload()  # before the stream opened: not sent
    feed = WorkspaceFeed(world.sessions, world.ws, world.owner.id, after=None)
    assert feed().messages == []
    second = await world.upload()
    batch = feed()
    assert [(m.event, _data(m).document_id) for m in batch.messages] == [
        ("document.uploaded", second)
    ]
    assert batch.messages[0].id == feed.cursor
    assert feed().messages == []  # nothing twice


async def test_an_event_committed_late_still_comes_and_the_cursor_never_goes_back(
    world: World,
) -> None:
    older, newer = _ids_at(2000, 2)
    feed = WorkspaceFeed(world.sessions, world.ws, world.owner.id, after=_ids_at(5000, 1)[0])
    _event(world, newer)  # the newer one commits first...
    assert [_data(m).id for m in feed().messages] == [newer]
    _event(world, older)  # ...the older one after it: still sent, once
    late = feed().messages
    assert [(_data(m).id, m.id) for m in late] == [(older, newer)]
    assert feed().messages == []

    # Resuming from the cursor gives exactly what came after it.
    resumed = WorkspaceFeed(world.sessions, world.ws, world.owner.id, after=newer)
    assert resumed().messages == []
    latest = _ids_at(0, 1)[0]
    _event(world, latest, "job.started")
    _event(world, _ids_at(0, 2)[1], "member.added")  # not a document or job event
    assert [_data(m).id for m in resumed().messages] == [latest]


async def test_the_feed_ends_when_its_user_loses_access(world: World, make_user: MakeUser) -> None:
    viewer = make_user()
    with world.sessions() as session:
        session.add(WorkspaceMember(workspace_id=world.ws, user_id=viewer.id, role="viewer"))
        session.commit()
    feed = WorkspaceFeed(world.sessions, world.ws, viewer.id, after=None)
    assert not feed().done
    removed = await world.client.delete(f"{world.base}/members/{viewer.id}", headers=world.headers)
    assert removed.status_code == 204
    await world.upload()
    assert feed().done
    assert feed().messages == []
