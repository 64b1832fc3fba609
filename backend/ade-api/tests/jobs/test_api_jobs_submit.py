"""Submitting jobs: version choice, run key and cache hits, queue limit, idempotency, the
queue only after commit."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from rq import Queue
from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.orm import Session

from ade_api.jobs import submission
from ade_api.jobs.service import RESOURCE_VERSIONS, run_key
from ade_db.models import ConfigVersion, Document, DomainEvent, Job, JobEvent, User
from ade_db.types import new_id
from redis import Redis

pytestmark = pytest.mark.anyio

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]
MakeWorkspace = Callable[..., str]
MakeDocument = Callable[..., str]
MakeConfigVersion = Callable[..., str]


@dataclass
class World:
    client: httpx.AsyncClient
    headers: dict[str, str]
    ws: str
    document_id: str
    version_id: str
    app: FastAPI

    @property
    def jobs(self) -> str:
        return f"/api/v1/workspaces/{self.ws}/jobs"

    async def submit(self, **body: object) -> httpx.Response:
        payload = {"document_id": self.document_id, "config_version_id": self.version_id}
        payload.update(body)  # type: ignore[arg-type]
        return await self.client.post(
            self.jobs,
            json={k: v for k, v in payload.items() if v is not None},
            headers=self.headers,
        )

    def queued_ids(self) -> list[str]:
        return list(Queue(self.app.state.queue_name, connection=self.app.state.redis).job_ids)


@pytest.fixture
def world(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
    make_document: MakeDocument,
    make_config_version: MakeConfigVersion,
) -> World:
    owner = make_user()
    ws = make_workspace(owner)
    return World(client, auth_headers(owner), ws, make_document(ws), make_config_version(ws), app)


def _finish(db_connection: Connection, job_id: str, status: str = "succeeded") -> None:
    db_connection.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(
            status=status,
            artifact_path=f"jobs/{job_id}/output/artifact.json",
            output_path=f"jobs/{job_id}/output/normalized.xlsx",
            metrics={"rows_processed": 5},
        )
    )


async def test_submit_queues_the_job_and_enqueues_its_id_after_commit(
    world: World, db_connection: Connection
) -> None:
    response = await world.submit(flags={"b": 1, "a": [1, 2]})
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] == "queued"
    assert job["cache_hit"] is False
    assert job["attempts"] == 0
    document = db_connection.execute(
        select(Document.sha256).where(Document.id == world.document_id)
    ).scalar_one()
    files_hash = db_connection.execute(
        select(ConfigVersion.files_hash).where(ConfigVersion.id == world.version_id)
    ).scalar_one()
    flags = json.dumps({"a": [1, 2], "b": 1}, separators=(",", ":"))
    material = f"{document}|{files_hash}|{flags}|{RESOURCE_VERSIONS}"
    assert job["run_key"] == hashlib.sha256(material.encode()).hexdigest()
    assert job["run_key"] == run_key(document, files_hash, {"b": 1, "a": [1, 2]})
    assert world.queued_ids() == [job["id"]]
    events = (
        db_connection.execute(
            select(JobEvent.type).where(JobEvent.job_id == job["id"]).order_by(JobEvent.seq)
        )
        .scalars()
        .all()
    )
    assert events == ["job.queued"]


async def test_a_rejected_submit_enqueues_nothing(world: World) -> None:
    response = await world.submit(document_id=new_id())
    assert response.status_code == 404
    assert world.queued_ids() == []


async def test_the_same_run_again_is_a_cache_hit_unless_forced(
    world: World, db_connection: Connection
) -> None:
    first = (await world.submit()).json()
    _finish(db_connection, first["id"])
    again = await world.submit()
    assert again.status_code == 202
    hit = again.json()
    assert hit["cache_hit"] is True
    assert hit["status"] == "succeeded"
    assert hit["cache_hit_of_id"] == first["id"]
    assert hit["run_key"] == first["run_key"]
    assert hit["metrics"] == {"rows_processed": 5}
    output_path = db_connection.execute(
        select(Job.output_path).where(Job.id == hit["id"])
    ).scalar_one()
    assert output_path == f"jobs/{first['id']}/output/normalized.xlsx"
    assert world.queued_ids() == [first["id"]]  # nothing new to run

    forced = (await world.submit(force=True)).json()
    assert forced["cache_hit"] is False
    assert forced["status"] == "queued"
    other_flags = (await world.submit(flags={"x": 1})).json()
    assert other_flags["cache_hit"] is False
    assert other_flags["run_key"] != first["run_key"]


def _release(db_connection: Connection, workspace_id: str, files_hash: str) -> str:
    """A new config in the workspace with one published version holding `files_hash`."""
    from ade_api.testing import release_draft
    from ade_db.models import Config

    with Session(bind=db_connection, join_transaction_mode="create_savepoint") as session:
        config = Config(workspace_id=workspace_id, slug=f"c-{new_id().lower()}", title="x")
        session.add(config)
        session.flush()
        session.add(
            ConfigVersion(
                id=new_id(),
                config_id=config.id,
                status="draft",
                files_hash=files_hash,
                manifest={},
            )
        )
        session.flush()
        version = release_draft(session, config.id, "1.0.0")
        session.commit()
    return version


async def test_other_config_files_or_engine_versions_miss_the_cache(
    world: World, db_connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = (await world.submit()).json()
    _finish(db_connection, first["id"])
    assert (await world.submit()).json()["cache_hit"] is True
    # A version whose files differ (another files_hash) runs anew, with another run key.
    changed = _release(db_connection, world.ws, "f" * 64)
    other_files = (await world.submit(config_version_id=changed)).json()
    assert other_files["cache_hit"] is False
    assert other_files["status"] == "queued"
    assert other_files["run_key"] != first["run_key"]
    # Another document with the same bytes is the same run: equal inputs, equal outputs.
    twin = db_connection.execute(
        select(Document.sha256).where(Document.id == world.document_id)
    ).scalar_one()
    hit = (await world.submit(document_id=_twin_document(db_connection, world, twin))).json()
    assert hit["cache_hit"] is True
    assert hit["cache_hit_of_id"] == first["id"]
    # After an upgrade of the engine or its resources, nothing earlier is reused.
    monkeypatch.setattr("ade_api.jobs.service.RESOURCE_VERSIONS", "engine-next")
    upgraded = (await world.submit()).json()
    assert upgraded["cache_hit"] is False
    assert upgraded["run_key"] not in (first["run_key"], other_files["run_key"])


def _twin_document(db_connection: Connection, world: World, sha256: str) -> str:
    """A second document row in the world's workspace with the same content hash."""
    original = db_connection.execute(select(Document).where(Document.id == world.document_id)).one()
    twin_id = new_id()
    with Session(bind=db_connection, join_transaction_mode="create_savepoint") as session:
        session.add(
            Document(
                id=twin_id,
                workspace_id=world.ws,
                original_filename="twin.csv",
                content_type=original.content_type,
                file_type=original.file_type,
                size=original.size,
                sha256=sha256,
                storage_key=original.storage_key,
            )
        )
        session.commit()
    return twin_id


async def test_cache_hits_never_cross_workspaces(
    world: World,
    db_connection: Connection,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
    make_document: MakeDocument,
) -> None:
    first = (await world.submit()).json()
    _finish(db_connection, first["id"])
    stranger = make_user()
    other_ws = make_workspace(stranger)
    # The same bytes and the same config files in another workspace: same run key, no hit.
    sha = db_connection.execute(
        select(Document.sha256).where(Document.id == world.document_id)
    ).scalar_one()
    other_doc = make_document(other_ws)
    assert (
        db_connection.execute(select(Document.sha256).where(Document.id == other_doc)).scalar_one()
        == sha
    )
    files_hash = db_connection.execute(
        select(ConfigVersion.files_hash).where(ConfigVersion.id == world.version_id)
    ).scalar_one()
    version = _release(db_connection, other_ws, files_hash)
    response = await world.client.post(
        f"/api/v1/workspaces/{other_ws}/jobs",
        json={"document_id": other_doc, "config_version_id": version},
        headers=auth_headers(stranger),
    )
    assert response.status_code == 202, response.text
    assert response.json()["run_key"] == first["run_key"]
    assert response.json()["cache_hit"] is False


async def test_version_choice(world: World, make_config_version: MakeConfigVersion) -> None:
    no_active = await world.submit(config_version_id=None)
    assert no_active.status_code == 409
    assert "active config" in no_active.json()["detail"]
    configs = f"/api/v1/workspaces/{world.ws}/configs"
    listing = (await world.client.get(configs, headers=world.headers)).json()["items"]
    config = next(c for c in listing if c["published_version_id"] == world.version_id)
    activated = await world.client.post(f"{configs}/{config['id']}:activate", headers=world.headers)
    assert activated.status_code == 200
    by_default = await world.submit(config_version_id=None)
    assert by_default.status_code == 202
    assert by_default.json()["config_version_id"] == world.version_id

    draft = await world.submit(config_version_id=config["version_id"])
    assert draft.status_code == 409
    assert "draft" in draft.json()["detail"]
    assert (await world.submit(config_version_id=new_id())).status_code == 404


async def test_versions_and_documents_of_other_workspaces_are_404(
    world: World,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    make_document: MakeDocument,
    make_config_version: MakeConfigVersion,
) -> None:
    other_ws = make_workspace(make_user())
    assert (await world.submit(config_version_id=make_config_version(other_ws))).status_code == 404
    assert (await world.submit(document_id=make_document(other_ws))).status_code == 404


async def test_a_workspace_over_its_queue_limit_gets_429(
    world: World, db_connection: Connection
) -> None:
    world.app.state.settings = world.app.state.settings.model_copy(
        update={"max_queued_jobs_per_workspace": 2}
    )
    first = (await world.submit()).json()
    assert (await world.submit(flags={"n": 2})).status_code == 202
    over = await world.submit(flags={"n": 3})
    assert over.status_code == 429
    assert int(over.headers["retry-after"]) > 0
    assert over.headers["content-type"] == "application/problem+json"
    # Finished jobs do not count, and cache hits run nothing so they are never limited.
    _finish(db_connection, first["id"])
    assert (await world.submit()).json()["cache_hit"] is True
    assert (await world.submit(flags={"n": 3})).status_code == 202


async def test_idempotency_key_replays_the_first_submission(world: World) -> None:
    headers = {**world.headers, "Idempotency-Key": "nightly-42"}
    body = {"document_id": world.document_id, "config_version_id": world.version_id}
    first = await world.client.post(world.jobs, json=body, headers=headers)
    second = await world.client.post(world.jobs, json=body, headers=headers)
    assert first.status_code == second.status_code == 202
    assert second.json()["id"] == first.json()["id"]
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert world.queued_ids() == [first.json()["id"]]


async def test_an_idempotency_key_never_replays_another_workspaces_job(
    world: World,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
    make_document: MakeDocument,
    make_config_version: MakeConfigVersion,
) -> None:
    key = {"Idempotency-Key": "nightly-42"}
    mine = await world.client.post(
        world.jobs,
        json={"document_id": world.document_id, "config_version_id": world.version_id},
        headers={**world.headers, **key},
    )
    assert mine.status_code == 202
    stranger = make_user()
    other_ws = make_workspace(stranger)
    theirs = await world.client.post(
        f"/api/v1/workspaces/{other_ws}/jobs",
        json={
            "document_id": make_document(other_ws),
            "config_version_id": make_config_version(other_ws),
        },
        headers={**auth_headers(stranger), **key},
    )
    # The same key in another workspace is a new submission, not a replay of ours.
    assert theirs.status_code == 202, theirs.text
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["id"] != mine.json()["id"]
    assert theirs.json()["workspace_id"] == other_ws
    # And each workspace's key still replays its own job.
    again = await world.client.post(
        world.jobs,
        json={"document_id": world.document_id, "config_version_id": world.version_id},
        headers={**world.headers, **key},
    )
    assert again.json()["id"] == mine.json()["id"]


async def test_submit_succeeds_even_when_the_queue_is_down(
    world: World, db_connection: Connection
) -> None:
    # The row is the job: if Redis is away, the workers' reconciler enqueues it later.
    world.app.state.redis = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    response = await world.submit()
    assert response.status_code == 202
    status = db_connection.execute(
        select(Job.status).where(Job.id == response.json()["id"])
    ).scalar_one()
    assert status == "queued"


async def test_bad_bodies_are_422(world: World) -> None:
    for body in (
        {},
        {"document_id": "short"},
        {"document_id": new_id(), "surprise": True},
        {"document_id": new_id(), "flags": {"x": "y" * 20000}},
    ):
        response = await world.client.post(world.jobs, json=body, headers=world.headers)
        assert response.status_code == 422, body


async def test_the_stored_job_is_the_answer(world: World, db_connection: Connection) -> None:
    # The submit sets every column itself (no defaults at flush) and writes them with Core
    # INSERTs: the row, its first timeline entry and the workspace's event must all agree.
    response = await world.submit(flags={"x": 1}, force=True)
    assert response.status_code == 202
    answer = response.json()
    jobs = Job.metadata.tables["jobs"]
    row = db_connection.execute(select(jobs).where(jobs.c.id == answer["id"])).mappings().one()
    assert row["status"] == answer["status"] == "queued"
    assert row["attempts"] == answer["attempts"] == 0
    assert row["flags"] == answer["flags"] == {"x": 1}
    assert row["force"] is True
    assert answer["force"] is True
    assert row["run_key"] == answer["run_key"]
    assert row["submitted_by_id"] == answer["submitted_by_id"] is not None
    assert row["request_id"] is not None
    assert row["cache_hit_of_id"] is None
    assert row["started_at"] is None
    stamps = {row["queued_at"], row["created_at"], row["updated_at"]}
    assert len(stamps) == 1
    (stamp,) = stamps
    assert datetime.fromisoformat(answer["created_at"]) == stamp
    assert datetime.fromisoformat(answer["queued_at"]) == stamp
    first = db_connection.execute(
        select(JobEvent.seq, JobEvent.type, JobEvent.payload, JobEvent.created_at).where(
            JobEvent.job_id == answer["id"]
        )
    ).one()
    assert tuple(first) == (1, "job.queued", {"attempt": 1}, stamp)
    event = db_connection.execute(
        select(DomainEvent.type, DomainEvent.payload).where(DomainEvent.subject_id == answer["id"])
    ).one()
    assert event.type == "job.queued"
    assert event.payload["status"] == "queued"
    assert event.payload["queued_at"] == stamp.isoformat()
    assert event.payload["config_id"] == answer["config_id"]


async def test_an_idempotency_key_taken_meanwhile_is_409_and_leaves_nothing(
    world: World, db_connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another request with the same key commits its job between this one's look-up of the key
    # and its INSERT: the unique constraint decides, and this submit leaves no trace.
    real = submission._queued_and_cached

    def racing(*args: Any, **kwargs: Any) -> Any:
        db_connection.execute(
            insert(Job.metadata.tables["jobs"]).values(
                id=new_id(),
                workspace_id=world.ws,
                document_id=world.document_id,
                config_version_id=world.version_id,
                run_key="r" * 64,
                idempotency_key="nightly-7",
            )
        )
        return real(*args, **kwargs)

    monkeypatch.setattr(submission, "_queued_and_cached", racing)
    response = await world.client.post(
        world.jobs,
        json={"document_id": world.document_id, "config_version_id": world.version_id},
        headers={**world.headers, "Idempotency-Key": "nightly-7"},
    )

    assert response.status_code == 409, response.text
    assert "Idempotency-Key" in response.json()["detail"]
    # (Here the other request's row shares this test's transaction, so it may go too.)
    mine = select(func.count()).select_from(Job).where(Job.run_key != "r" * 64)
    assert db_connection.execute(mine).scalar_one() == 0
    assert db_connection.execute(select(func.count()).select_from(JobEvent)).scalar_one() == 0
    assert (
        db_connection.execute(
            select(func.count()).select_from(DomainEvent).where(DomainEvent.subject_type == "job")
        ).scalar_one()
        == 0
    )
    assert world.queued_ids() == []
