"""`GET /metrics`: HTTP counters by route template, duration buckets, job/queue/worker gauges
read at scrape time (a down Redis or database never fails the scrape), and the optional token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import fakeredis
import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from rq import Worker
from sqlalchemy import Connection, Engine, update
from sqlalchemy.exc import OperationalError

from ade_api.app import create_app
from ade_api.metrics.service import HTTP_BUCKETS, JOB_BUCKETS
from ade_api.settings import ApiSettings
from ade_db.models import Job, User
from ade_db.types import utcnow
from ade_worker.embedded_redis import free_port
from ade_worker.queue import enqueue_job
from redis import Redis

pytestmark = pytest.mark.anyio

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]
MakeWorkspace = Callable[..., str]
MakeDocument = Callable[..., str]
MakeConfigVersion = Callable[..., str]
MakeJob = Callable[..., str]

JOBS_ROUTE = "/api/v1/workspaces/{workspace_id}/jobs"
JOB_ROUTE = "/api/v1/workspaces/{workspace_id}/jobs/{job_id}"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape, keyed by (name, labels)."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(text: str, name: str, **labels: str) -> float | None:
    return samples(text).get((name, frozenset(labels.items())))


async def scrape(client: httpx.AsyncClient, **headers: str) -> str:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_requests_are_counted_by_route_template_not_raw_path(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
) -> None:
    owner = make_user()
    ws = make_workspace(owner)
    headers = auth_headers(owner)
    for _ in range(3):
        assert (
            await client.get(f"/api/v1/workspaces/{ws}/jobs", headers=headers)
        ).status_code == 200
    missing = await client.get(
        f"/api/v1/workspaces/{ws}/jobs/01JNOSUCHJOB0000000000000", headers=headers
    )
    assert missing.status_code == 404
    draft_file = f"/api/v1/workspaces/{ws}/configs/01JNOSUCHCONFIG00000000000/draft/files/a/b.py"
    assert (await client.get(draft_file, headers=headers)).status_code == 404
    assert (await client.get("/health")).status_code == 200
    assert (await client.get("/api/v1/health")).status_code == 200
    assert (await client.get(f"/api/v1/no/such/{ws}")).status_code == 404
    # A client route of the web app (its index.html, or the page saying it is not built).
    assert (await client.get(f"/w/{ws}/documents/01JNOSUCHDOC")).status_code in (200, 503)
    assert (await client.delete("/health")).status_code == 405

    text = await scrape(client)
    total = "ade_http_requests_total"
    assert value(text, total, method="GET", route=JOBS_ROUTE, status="200") == 3
    assert value(text, total, method="GET", route=JOB_ROUTE, status="404") == 1
    draft_route = "/api/v1/workspaces/{workspace_id}/configs/{config_id}/draft/files/{path}"
    assert value(text, total, method="GET", route=draft_route, status="404") == 1
    assert value(text, total, method="GET", route="/health", status="200") == 1
    assert value(text, total, method="GET", route="/api/v1/health", status="200") == 1
    assert value(text, total, method="GET", route="unmatched", status="404") == 1
    assert value(text, total, method="DELETE", route="/health", status="405") == 1
    web = [value(text, total, method="GET", route="/{path}", status=s) for s in ("200", "503")]
    assert sum(v or 0 for v in web) == 1
    # Ids never become label values.
    assert ws not in text
    assert "01JNOSUCHJOB" not in text
    assert "01JNOSUCHCONFIG" not in text
    assert "b.py" not in text
    assert "/no/such" not in text
    assert "01JNOSUCHDOC" not in text

    again = await scrape(client)
    assert value(again, total, method="GET", route=JOBS_ROUTE, status="200") == 3
    # The first scrape itself was counted.
    assert value(again, total, method="GET", route="/metrics", status="200") == 1


async def test_request_durations_have_every_bucket(client: httpx.AsyncClient) -> None:
    for _ in range(2):
        await client.get("/health")
    text = await scrape(client)
    name = "ade_http_request_duration_seconds"
    counts = []
    for le in [*(str(bound) for bound in HTTP_BUCKETS), "+Inf"]:
        count = value(text, f"{name}_bucket", method="GET", route="/health", le=le)
        assert count is not None, le
        counts.append(count)
    assert counts == sorted(counts)  # cumulative
    assert counts[-1] == 2
    assert value(text, f"{name}_count", method="GET", route="/health") == 2
    observed = value(text, f"{name}_sum", method="GET", route="/health")
    assert observed is not None
    assert observed > 0
    assert "# TYPE ade_http_request_duration_seconds histogram" in text


async def test_job_gauges_reflect_the_database(
    client: httpx.AsyncClient,
    db_connection: Connection,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    make_document: MakeDocument,
    make_config_version: MakeConfigVersion,
    make_job: MakeJob,
) -> None:
    owner = make_user()
    ws = make_workspace(owner)
    document, version = make_document(ws), make_config_version(ws)
    statuses = ["queued", "queued", "running", "succeeded", "succeeded", "failed", "cancelled"]
    ids = {status: make_job(ws, document, version, status=status) for status in statuses}
    now = utcnow()
    # One succeeded job ran 90 s, the other 0 s; one failed job finished two hours ago (out
    # of the window); the running job's worker beat 30 s ago.
    db_connection.execute(
        update(Job)
        .where(Job.id == ids["succeeded"])
        .values(started_at=now - timedelta(seconds=90), completed_at=now)
    )
    db_connection.execute(
        update(Job)
        .where(Job.id == ids["failed"])
        .values(
            started_at=now - timedelta(hours=2, seconds=5), completed_at=now - timedelta(hours=2)
        )
    )
    db_connection.execute(
        update(Job)
        .where(Job.id == ids["running"])
        .values(worker_id="worker-host:4242", heartbeat_at=now - timedelta(seconds=30))
    )

    text = await scrape(client)
    expected = {"queued": 2, "running": 1, "succeeded": 2, "failed": 1, "cancelled": 1}
    for status, count in expected.items():
        assert value(text, "ade_jobs", status=status) == count, status

    duration = "ade_job_duration_seconds"
    assert value(text, f"{duration}_count", status="succeeded") == 2
    assert value(text, f"{duration}_bucket", status="succeeded", le="60.0") == 1
    assert value(text, f"{duration}_bucket", status="succeeded", le="120.0") == 2
    assert value(text, f"{duration}_bucket", status="succeeded", le="+Inf") == 2
    for bound in JOB_BUCKETS:
        assert value(text, f"{duration}_bucket", status="succeeded", le=str(bound)) is not None
    total = value(text, f"{duration}_sum", status="succeeded")
    assert total is not None
    assert 90 <= total < 91
    # The failed job finished outside the window; the cancelled one never started.
    assert value(text, f"{duration}_count", status="failed") is None
    assert value(text, f"{duration}_count", status="cancelled") is None

    age = value(text, "ade_worker_heartbeat_age_seconds", worker="worker-host:4242")
    assert age is not None
    assert 30 <= age < 60
    assert value(text, "ade_metrics_source_up", source="database") == 1
    for job_id in ids.values():
        assert job_id not in text


async def test_queue_depth_and_workers_from_redis(app: FastAPI, client: httpx.AsyncClient) -> None:
    redis: fakeredis.FakeRedis = app.state.redis
    text = await scrape(client)
    assert value(text, "ade_queue_depth") == 0
    assert value(text, "ade_workers") == 0

    for job_id in (
        "01JAAAAAAAAAAAAAAAAAAAAAA1",
        "01JAAAAAAAAAAAAAAAAAAAAAA2",
        "01JAAAAAAAAAAAAAAAAAAAAAA3",
    ):
        enqueue_job(redis, job_id, queue_name=app.state.queue_name)
    enqueue_job(redis, "01JAAAAAAAAAAAAAAAAAAAAAA4", queue_name="some-other-queue")
    worker = Worker([app.state.queue_name], connection=redis, name="metrics-test-worker")
    worker.register_birth()  # type: ignore[no-untyped-call]

    text = await scrape(client)
    assert value(text, "ade_queue_depth") == 3
    assert value(text, "ade_workers") == 1
    assert value(text, "ade_metrics_source_up", source="redis") == 1
    assert "01JAAAAAAAAAAAAAAAAAAAAAA" not in text

    # A worker killed without unregistering: its key expires, its set entry stays behind.
    dead = Worker([app.state.queue_name], connection=redis, name="metrics-dead-worker")
    dead.register_birth()  # type: ignore[no-untyped-call]
    assert value(await scrape(client), "ade_workers") == 2
    redis.delete(dead.key)
    assert redis.sismember(f"rq:workers:{app.state.queue_name}", dead.key)
    assert value(await scrape(client), "ade_workers") == 1


async def test_a_down_redis_gives_zeros_and_the_scrape_succeeds(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    app.state.redis = Redis(port=free_port(), socket_connect_timeout=0.5, socket_timeout=0.5)
    text = await scrape(client)
    assert value(text, "ade_queue_depth") == 0
    assert value(text, "ade_workers") == 0
    assert value(text, "ade_metrics_source_up", source="redis") == 0
    assert value(text, "ade_metrics_source_up", source="database") == 1
    assert value(text, "ade_jobs", status="queued") == 0


async def test_a_failing_database_gives_no_job_series_and_the_scrape_succeeds(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    def broken() -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    app.state.session_factory = broken
    text = await scrape(client)
    assert value(text, "ade_metrics_source_up", source="database") == 0
    assert value(text, "ade_jobs", status="queued") is None
    assert value(text, "ade_queue_depth") == 0


async def test_a_token_protects_the_metrics(
    app: FastAPI, client: httpx.AsyncClient, make_user: MakeUser, auth_headers: AuthHeaders
) -> None:
    token = "metrics-token-0123456789abcdef"
    settings: ApiSettings = app.state.settings
    app.state.settings = settings.model_copy(update={"metrics_token": SecretStr(token)})

    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": token},
        auth_headers(make_user()),  # a user's sign-in token is not the metrics token
    ):
        refused = await client.get("/metrics", headers=headers)
        assert refused.status_code == 401, headers
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["www-authenticate"] == "Bearer"
        assert refused.json()["status"] == 401
        assert token not in refused.text

    text = await scrape(client, Authorization=f"Bearer {token}")
    assert value(text, "ade_http_requests_total", method="GET", route="/metrics", status="401") == 4
    assert token not in text


async def test_no_secrets_in_the_output(
    app: FastAPI, client: httpx.AsyncClient, make_user: MakeUser, auth_headers: AuthHeaders
) -> None:
    user = make_user(email="secret-person@example.com")
    headers = auth_headers(user)
    assert (await client.get("/api/v1/users/me", headers=headers)).status_code in (200, 404)
    text = await scrape(client)
    settings: ApiSettings = app.state.settings
    assert settings.secret_key.get_secret_value() not in text
    assert headers["Authorization"].removeprefix("Bearer ") not in text
    assert "secret-person" not in text
    assert user.id not in text
    assert "redis://" not in text
    assert "sqlite" not in text.lower()
    assert "postgresql" not in text.lower()


async def test_metrics_are_outside_the_openapi_schema(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/v1/openapi.json")).json()
    assert "/metrics" not in schema["paths"]
    assert not any("metrics" in path for path in schema["paths"])


async def test_metrics_can_be_turned_off(migrated_engine: Engine) -> None:
    app = create_app(
        ApiSettings(env="test", metrics_enabled=False, _env_file=None), engine=migrated_engine
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/metrics")).status_code == 404
        assert (await client.get("/health")).status_code == 200


async def test_each_app_has_its_own_registry(migrated_engine: Engine) -> None:
    apps = [
        create_app(ApiSettings(env="test", _env_file=None), engine=migrated_engine)
        for _ in range(2)
    ]
    for app in apps:
        app.state.redis = fakeredis.FakeRedis()
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[0]), base_url="http://a") as first,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=apps[1]), base_url="http://b"
        ) as second,
    ):
        await first.get("/health")
        await first.get("/health")
        text = await scrape(second)
        assert (
            value(text, "ade_http_requests_total", method="GET", route="/health", status="200")
            is None
        )
        text = await scrape(first)
        assert (
            value(text, "ade_http_requests_total", method="GET", route="/health", status="200") == 2
        )
