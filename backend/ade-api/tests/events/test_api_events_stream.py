"""The workspace's live stream over a real HTTP server (uvicorn) on a real, committed database
of each kind: changes made by other clients and by the worker's code arrive on an open stream,
`Last-Event-ID` resumes exactly, other workspaces never show, heartbeats keep it open, and it
ends when the client leaves or the server stops."""

from __future__ import annotations

import json
import queue
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fakeredis
import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from ade_api.app import create_app
from ade_api.auth import security
from ade_api.configs import service as configs
from ade_api.configs._package import PackageLimits
from ade_api.configs.schemas import ConfigCreate
from ade_api.settings import ApiSettings
from ade_api.sse import Shutdown
from ade_api.testing import release_draft
from ade_api.workspaces.service import WorkspaceAccess
from ade_db import create_db_engine, create_session_factory, migrate
from ade_db.enums import WorkspaceRole
from ade_db.models import User, Workspace, WorkspaceMember
from ade_storage import StorageSettings
from ade_worker.claim import claim_job
from ade_worker.embedded_redis import free_port
from ade_worker.record import record_failure
from ade_worker.settings import SandboxSettings, WorkerSettings
from ade_worker.timeline import EventRelay

pytestmark = pytest.mark.timeout(120)

CSV = b"name,email\nAda,ada@example.com\n"
WAIT = 10.0  # seconds an expected message may take


@dataclass
class Live:
    """The API served on a free port, with a workspace per name and a token per user."""

    url: str
    app: FastAPI
    sessions: sessionmaker[Session]
    workspaces: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)

    def workspace(self, owner: str) -> str:
        """A workspace owned by a new user `owner`, with a published config."""
        with self.sessions() as session:
            user = User(email=f"{owner}@example.org")
            workspace = Workspace(name=owner, slug=owner)
            session.add_all([user, workspace])
            session.flush()
            session.add(WorkspaceMember(workspace_id=workspace.id, user_id=user.id, role="owner"))
            access = WorkspaceAccess(workspace, WorkspaceRole.OWNER, user)
            limits = PackageLimits(max_file_bytes=10**6, max_package_bytes=10**7, max_files=500)
            config = configs.create_config(
                session, access, ConfigCreate(slug="roster", title="Roster"), limits
            )
            version_id = release_draft(session, config.id, "1.0.0")
            session.commit()
            user_id, ws = user.id, workspace.id
        settings: ApiSettings = self.app.state.settings
        issued = security.issue_access_token(
            user_id,
            secret_key=settings.secret_key.get_secret_value(),
            ttl_seconds=settings.access_token_ttl_seconds,
        )
        self.workspaces[owner] = ws
        self.versions[owner] = version_id
        self.tokens[owner] = {"Authorization": f"Bearer {issued.token}"}
        return ws

    def api(self, owner: str) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.url}/api/v1/workspaces/{self.workspaces[owner]}",
            headers=self.tokens[owner],
            timeout=30,
        )

    def upload(self, owner: str, name: str = "a.csv") -> str:
        with self.api(owner) as http:
            response = http.post("/documents", files={"file": (name, CSV)})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def submit(self, owner: str, document_id: str) -> str:
        with self.api(owner) as http:
            body = {"document_id": document_id, "config_version_id": self.versions[owner]}
            response = http.post("/jobs", json=body)
        assert response.status_code == 202, response.text
        return str(response.json()["id"])


class Stream:
    """An open SSE response, read by a thread into a queue of parsed messages."""

    def __init__(self, live: Live, owner: str, headers: dict[str, str] | None = None) -> None:
        self._client = httpx.Client(timeout=httpx.Timeout(30, read=None))
        request = self._client.build_request(
            "GET",
            f"{live.url}/api/v1/workspaces/{live.workspaces[owner]}/events",
            headers={**live.tokens[owner], "Accept": "text/event-stream", **(headers or {})},
        )
        self.response = self._client.send(request, stream=True)
        assert self.response.status_code == 200, self.response.read()
        assert self.response.headers["content-type"].startswith("text/event-stream")
        self.items: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        block: dict[str, Any] = {}
        try:
            for line in self.response.iter_lines():
                if line.startswith(":"):
                    self.items.put({"comment": line[1:].strip()})
                elif line:
                    key, _, value = line.partition(": ")
                    block[key] = json.loads(value) if key == "data" else value
                elif block:
                    self.items.put(block)
                    block = {}
        except httpx.HTTPError:
            pass
        self.items.put(None)  # the stream ended

    def next(self, timeout: float = WAIT, *, comments: bool = False) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while True:
            item = self.items.get(timeout=max(0.01, deadline - time.monotonic()))
            if item is None or comments or "comment" not in item:
                return item

    def take(self, count: int) -> list[dict[str, Any]]:
        taken: list[dict[str, Any]] = []
        for _ in range(count):
            item = self.next()
            assert item is not None, f"the stream ended after {taken}"
            taken.append(item)
        return taken

    def quiet(self, seconds: float) -> bool:
        """Whether no message (comments aside) arrives for `seconds`."""
        try:
            self.next(seconds)
        except queue.Empty:
            return True
        return False

    def ended_within(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if self.items.get(timeout=0.1) is None:
                    return True
            except queue.Empty:
                pass
        return False

    def close(self) -> None:
        self.response.close()
        self._client.close()
        self._thread.join(5)


@pytest.fixture
def live(fresh_db_url: str, tmp_path: Path, sandbox_root: Path) -> Iterator[Live]:
    engine = create_db_engine(fresh_db_url)
    migrate.upgrade(engine)
    app = create_app(
        ApiSettings(_env_file=None, env="test", sse_poll_seconds=0.1, sse_heartbeat_seconds=1),
        engine=engine,
        storage_settings=StorageSettings(data_dir=tmp_path / "data", _env_file=None),
        sandbox_settings=SandboxSettings(_env_file=None, dir=sandbox_root),
        worker_settings=WorkerSettings(_env_file=None, queue_name="ade-test-events"),
    )
    app.state.redis = fakeredis.FakeRedis()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=5
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server stopped"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield Live(f"http://127.0.0.1:{port}", app, create_session_factory(engine))
    finally:
        server.should_exit = True
        thread.join(30)
        engine.dispose()


def test_changes_from_other_clients_and_the_worker_arrive_on_an_open_stream(live: Live) -> None:
    live.workspace("acme")
    live.workspace("other")
    stream = Stream(live, "acme")
    try:
        time.sleep(0.3)  # the stream starts from now: let it begin
        live.upload("other", "theirs.csv")  # another workspace: never on this stream
        document_id = live.upload("acme")
        job_id = live.submit("acme", document_id)
        uploaded, queued = stream.take(2)
        assert uploaded["event"] == "document.uploaded"
        assert uploaded["data"]["document_id"] == document_id
        assert uploaded["data"]["payload"]["filename"] == "a.csv"
        assert queued["event"] == "job.queued"
        assert queued["data"]["job_id"] == job_id
        assert queued["data"]["payload"]["status"] == "queued"
        assert queued["id"] > uploaded["id"]

        # What a worker does, with the worker's own code.
        claimed = claim_job(live.sessions, job_id, worker_name="w1")
        assert claimed is not None
        relay = EventRelay(live.sessions, job_id, interval=0)
        relay({"ts": "t", "seq": 1, "event": "pass.completed", "name": "detect", "elapsed_ms": 3})
        relay.close()
        record_failure(live.sessions, claimed, {"type": "ValueError", "message": "boom"})
        started, progress, failed = stream.take(3)
        assert [started["event"], progress["event"], failed["event"]] == [
            "job.started",
            "job.progress",
            "job.failed",
        ]
        assert started["data"]["payload"]["status"] == "running"
        assert progress["data"]["payload"]["detail"]["pass"] == "detect"
        assert failed["data"]["payload"]["status"] == "failed"
        assert failed["data"]["document_id"] == document_id
        assert stream.quiet(0.5)  # nothing else: not the other workspace's upload
    finally:
        stream.close()

    # Resuming after the second message gives exactly the three after it, then the live ones.
    resumed = Stream(live, "acme", {"Last-Event-ID": queued["id"]})
    try:
        missed = [m["event"] for m in resumed.take(3)]
        assert missed == ["job.started", "job.progress", "job.failed"]
        later = live.upload("acme", "later.csv")
        assert resumed.take(1)[0]["data"]["document_id"] == later
    finally:
        resumed.close()


def test_after_in_the_query_resumes_too_and_the_header_wins(live: Live) -> None:
    live.workspace("acme")
    first = live.upload("acme", "1.csv")
    second = live.upload("acme", "2.csv")
    with live.api("acme") as http:
        ids = [e["id"] for e in http.get("/events").json()["items"]]
    url_headers = live.tokens["acme"] | {"Accept": "text/event-stream"}
    with httpx.Client(timeout=httpx.Timeout(10, read=None)) as http:
        base = f"{live.url}/api/v1/workspaces/{live.workspaces['acme']}/events"
        for params, extra, expected in (
            ({"after": ids[0]}, {}, second),
            ({"after": ids[1]}, {"Last-Event-ID": ids[0]}, second),
        ):
            with http.stream("GET", base, params=params, headers=url_headers | extra) as response:
                lines = response.iter_lines()
                data = next(line for line in lines if line.startswith("data: "))
                assert json.loads(data.removeprefix("data: "))["document_id"] == expected
    assert first != second


def test_heartbeats_keep_a_quiet_stream_open(live: Live) -> None:
    live.workspace("acme")
    stream = Stream(live, "acme")
    try:
        comment = stream.next(5, comments=True)
        assert comment == {"comment": "keep-alive"}
    finally:
        stream.close()


def test_the_stream_ends_when_the_client_leaves_or_the_app_shuts_down(live: Live) -> None:
    live.workspace("acme")
    leaving = Stream(live, "acme")
    leaving.close()
    time.sleep(0.5)
    # The server is still fine and serves the next stream.
    staying = Stream(live, "acme")
    shutdown: Shutdown = live.app.state.shutdown
    shutdown.set()  # what SIGTERM does to a served app (tested below)
    assert staying.ended_within(3)
    staying.close()


def test_sigterm_sets_the_shutdown_flag_and_still_reaches_the_servers_handler() -> None:
    seen: list[int] = []
    before = signal.signal(signal.SIGTERM, lambda signum, _frame: seen.append(signum))
    try:
        shutdown = Shutdown()
        with shutdown.on_signals():
            signal.raise_signal(signal.SIGTERM)
        assert shutdown.is_set
        assert seen == [signal.SIGTERM]
        # Outside the block the handler before it is back.
        signal.raise_signal(signal.SIGTERM)
        assert seen == [signal.SIGTERM, signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, before)
