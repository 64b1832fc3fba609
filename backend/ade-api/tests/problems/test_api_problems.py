"""Every error answers as RFC 9457 problem details, from the one handler table."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from ade_api import errors
from ade_api.app import create_app
from ade_api.settings import ApiSettings

pytestmark = pytest.mark.anyio

CASES: list[tuple[errors.DomainError, int, str]] = [
    (errors.InvalidInputError("manifest invalid"), 400, "invalid-input"),
    (errors.AuthenticationRequiredError("who are you"), 401, "unauthenticated"),
    (errors.PermissionDeniedError("viewers cannot"), 403, "forbidden"),
    (errors.NotFoundError("no such thing"), 404, "not-found"),
    (errors.ConflictError("already published"), 409, "conflict"),
    (errors.PreconditionFailedError("stale etag"), 412, "precondition-failed"),
    (errors.PayloadTooLargeError("too big"), 413, "payload-too-large"),
    (errors.UnsupportedMediaTypeError("not a spreadsheet"), 415, "unsupported-media-type"),
    (errors.PreconditionRequiredError("If-Match needed"), 428, "precondition-required"),
    (errors.RateLimitedError("slow down", retry_after=7), 429, "rate-limited"),
]


class Body(BaseModel):
    name: str = Field(min_length=1)
    count: int


def _app(engine: Engine) -> FastAPI:
    app = create_app(ApiSettings(env="test", _env_file=None), engine=engine)
    router = APIRouter()

    @router.get("/raise/{index}")
    def raise_domain(index: int) -> None:
        raise CASES[index][0]

    @router.get("/raise-with-fields")
    def raise_with_fields() -> None:
        raise errors.InvalidInputError(
            "2 problems",
            errors=[
                errors.FieldProblem(("columns", 2, "path"), "file not found"),
                errors.FieldProblem(("schema",), "must be ade.manifest/v1"),
            ],
        )

    @router.post("/echo")
    def echo(body: Body) -> Body:
        return body

    @router.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app.include_router(router, prefix="/test")
    return app


@pytest.fixture
async def problem_client(migrated_engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app(migrated_engine), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def _assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert body["type"] == f"https://ade.dev/problems/{slug}"
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["request_id"] == response.headers["x-request-id"]
    return body


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c[2] for c in CASES])
async def test_domain_errors_map_to_their_status(
    problem_client: httpx.AsyncClient, index: int
) -> None:
    error, status, slug = CASES[index]
    response = await problem_client.get(f"/test/raise/{index}")
    body = _assert_problem(response, status, slug)
    assert body["detail"] == error.detail
    assert body["instance"] == f"/test/raise/{index}"
    if status == 429:
        assert response.headers["retry-after"] == "7"
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"


async def test_field_problems_are_listed(problem_client: httpx.AsyncClient) -> None:
    body = _assert_problem(
        await problem_client.get("/test/raise-with-fields"), 400, "invalid-input"
    )
    assert body["errors"] == [
        {"loc": ["columns", 2, "path"], "msg": "file not found"},
        {"loc": ["schema"], "msg": "must be ade.manifest/v1"},
    ]


async def test_validation_errors_list_each_field(problem_client: httpx.AsyncClient) -> None:
    response = await problem_client.post("/test/echo", json={"name": "", "count": "many"})
    body = _assert_problem(response, 422, "validation-error")
    problems = body["errors"]
    assert isinstance(problems, list)
    locs = {tuple(p["loc"]) for p in problems}
    assert locs == {("body", "name"), ("body", "count")}
    assert all(p["msg"] for p in problems)


async def test_malformed_json_is_a_422_problem(problem_client: httpx.AsyncClient) -> None:
    response = await problem_client.post(
        "/test/echo", content=b"{not json", headers={"content-type": "application/json"}
    )
    _assert_problem(response, 422, "validation-error")


async def test_unknown_route_and_wrong_method(problem_client: httpx.AsyncClient) -> None:
    _assert_problem(await problem_client.get("/api/v1/nope"), 404, "not-found")
    _assert_problem(await problem_client.delete("/api/v1/health"), 405, "method-not-allowed")


async def test_unexpected_errors_are_a_bare_500_and_logged_with_the_request_id(
    problem_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="ade_api.errors"):
        response = await problem_client.get("/test/boom", headers={"X-Request-ID": "req-42"})
    body = _assert_problem(response, 500, "internal-error")
    assert body["request_id"] == "req-42"
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    records = [r for r in caplog.records if r.name == "ade_api.errors"]
    assert records
    assert records[0].__dict__["request_id"] == "req-42"
    assert records[0].exc_info is not None
