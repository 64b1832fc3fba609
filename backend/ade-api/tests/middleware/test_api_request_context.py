"""Every response carries X-Request-ID; every request is one structured log line."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from ade_api.logging import RequestIdFilter, request_id_var
from ade_worker.logs import JsonFormatter

pytestmark = pytest.mark.anyio


async def test_request_id_is_generated_when_absent(client: httpx.AsyncClient) -> None:
    first = await client.get("/health")
    second = await client.get("/health")
    assert len(first.headers["x-request-id"]) == 26
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_request_id_from_the_client_is_kept(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "abc-123.x:y"})
    assert response.headers["x-request-id"] == "abc-123.x:y"


@pytest.mark.parametrize("bad", ["has space", "x" * 200, "new\\nline", "<script>"])
async def test_unsafe_request_ids_are_replaced(client: httpx.AsyncClient, bad: str) -> None:
    response = await client.get("/health", headers={"X-Request-ID": bad})
    assert response.headers["x-request-id"] != bad
    assert len(response.headers["x-request-id"]) == 26


async def test_one_access_log_line_per_request(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="ade_api.access"):
        response = await client.get("/api/v1/ready", headers={"X-Request-ID": "log-me"})
    records = [r for r in caplog.records if r.name == "ade_api.access"]
    assert len(records) == 1
    fields = records[0].__dict__
    assert fields["method"] == "GET"
    assert fields["path"] == "/api/v1/ready"
    assert fields["status"] == response.status_code == 200
    assert fields["request_id"] == "log-me"
    assert fields["duration_ms"] >= 0
    assert "user_id" in fields
    assert "workspace_id" in fields
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["message"] == "request"
    assert line["status"] == 200
    assert line["request_id"] == "log-me"
    assert line["level"] == "info"


def test_log_lines_made_while_serving_carry_the_request_id() -> None:
    record = logging.makeLogRecord({"msg": "working", "levelno": logging.INFO, "name": "x"})
    token = request_id_var.set("ctx-1")
    try:
        assert RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["request_id"] == "ctx-1"
    assert line["message"] == "working"
    # A record that names its own request keeps it.
    own = logging.makeLogRecord({"msg": "m", "name": "x", "request_id": "own"})
    token = request_id_var.set("ctx-2")
    try:
        RequestIdFilter().filter(own)
    finally:
        request_id_var.reset(token)
    assert json.loads(JsonFormatter().format(own))["request_id"] == "own"
