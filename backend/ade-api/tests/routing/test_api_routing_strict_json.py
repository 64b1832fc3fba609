"""Every route parses its JSON body with the strict loader (`ade_api.routing`)."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

pytestmark = pytest.mark.anyio

LOGIN = "/api/v1/auth/login"


def _json_body_operations(app: FastAPI) -> list[tuple[str, str, str]]:
    """(method, path with placeholders filled, content type) of each route taking JSON."""
    operations = []
    for path, methods in app.openapi()["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            for content_type in content:
                if content_type.endswith("json"):
                    operations.append((method.upper(), re.sub(r"{[^}]+}", "x", path), content_type))
    return operations


async def test_every_route_that_takes_json_reads_it_strictly(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # The body is parsed before credentials or path parameters are checked, so a refused
    # body answers 400 on every such route, even unauthenticated: a router built without
    # route_class=StrictJsonRoute would answer 401, 404 or 422 here instead.
    operations = _json_body_operations(app)
    assert len(operations) >= 15
    lenient = []
    for method, path, content_type in operations:
        response = await client.request(
            method, path, content=b'{"a": [Infinity]}', headers={"Content-Type": content_type}
        )
        if response.status_code != 400:
            lenient.append(f"{method} {path}: {response.status_code}")
    assert not lenient, f"build these routers with route_class=StrictJsonRoute: {lenient}"


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "application/x+json"]
)
async def test_every_json_content_type_is_strict(
    client: httpx.AsyncClient, content_type: str
) -> None:
    response = await client.post(
        LOGIN, content=b'{"email": NaN, "password": "p"}', headers={"Content-Type": content_type}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/bad-request")
    assert problem["detail"] == (
        "the JSON body was refused: NaN is not a JSON number (only finite numbers are)"
    )


async def test_text_that_is_not_json_is_still_a_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        LOGIN, content=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["msg"] == "JSON decode error"


async def test_a_valid_body_reaches_the_handler(client: httpx.AsyncClient) -> None:
    response = await client.post(LOGIN, json={"email": "ghost@example.com", "password": "p"})
    assert response.status_code == 401
