"""What one submit costs the API process: threadpool hops and SQL statements (issue 16).

Under a burst every hop to the threadpool and every statement is CPU in the one API process
that all submits queue behind; these numbers only go down on purpose.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from typing import Any

import anyio.to_thread
import httpx
import pytest
from fastapi import FastAPI

from ade_db.models import User

pytestmark = pytest.mark.anyio


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts every call handed to the threadpool, by the name of the function."""
    counted: Counter[str] = Counter()
    real = anyio.to_thread.run_sync

    async def counting(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        inner = func
        while isinstance(inner, functools.partial):
            inner = inner.func
        counted[getattr(inner, "__qualname__", type(inner).__name__)] += 1
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    return counted


def _kinds(executed_sql: list[str]) -> list[str]:
    """SELECT, INSERT...: the kind of each statement run."""
    return [text.split(None, 1)[0].upper() for text in executed_sql]


@pytest.fixture
def submit_request(
    make_user: Callable[..., User],
    auth_headers: Callable[[User], dict[str, str]],
    make_workspace: Callable[..., str],
    make_document: Callable[..., str],
    make_config_version: Callable[..., str],
) -> dict[str, Any]:
    """A valid submit's URL, body and headers (an owner's workspace, a document, a version)."""
    owner = make_user()
    ws = make_workspace(owner)
    return {
        "url": f"/api/v1/workspaces/{ws}/jobs",
        "json": {"document_id": make_document(ws), "config_version_id": make_config_version(ws)},
        "headers": auth_headers(owner),
    }


async def test_a_submit_takes_one_threadpool_hop_five_selects_and_three_inserts(
    client: httpx.AsyncClient,
    submit_request: dict[str, Any],
    hops: Counter[str],
    executed_sql: list[str],
) -> None:
    hops.clear()
    executed_sql.clear()

    response = await client.post(**submit_request)

    assert response.status_code == 202, response.text
    # Who is calling, their workspace access and the submit itself with the session's end
    # (commit, then the enqueue): all in one hop. Settings, the queue and the credential's
    # check cost none.
    assert sum(hops.values()) == 1, hops
    assert hops["run_in_session.<locals>.hop"] == 1
    assert hops["_end_session"] == 0
    kinds = Counter(k for k in _kinds(executed_sql) if k in {"SELECT", "INSERT", "UPDATE"})
    # SELECTs: user and revocation, workspace and membership, document, version, the queue
    # count with the cache look-up; INSERTs: the job, its first timeline entry, the workspace
    # event.
    assert kinds == {"SELECT": 5, "INSERT": 3}, executed_sql


async def test_a_refused_submit_rolls_back_in_one_hop(
    client: httpx.AsyncClient,
    make_user: Callable[..., User],
    auth_headers: Callable[[User], dict[str, str]],
    make_workspace: Callable[..., str],
    make_config_version: Callable[..., str],
    hops: Counter[str],
    executed_sql: list[str],
) -> None:
    owner = make_user()
    ws = make_workspace(owner)
    body = {"document_id": "01" + "0" * 24, "config_version_id": make_config_version(ws)}
    headers = auth_headers(owner)
    hops.clear()
    executed_sql.clear()

    response = await client.post(f"/api/v1/workspaces/{ws}/jobs", json=body, headers=headers)

    assert response.status_code == 404
    assert hops["run_in_session.<locals>.hop"] == 1
    assert hops["_end_session"] == 0
    assert "INSERT" not in _kinds(executed_sql)


async def test_the_submits_hop_takes_its_turn_from_the_apps_limiter(
    app: FastAPI,
    client: httpx.AsyncClient,
    submit_request: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limiters: list[object] = []
    real = anyio.to_thread.run_sync

    async def recording(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        limiters.append(kwargs.get("limiter"))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", recording)

    response = await client.post(**submit_request)

    assert response.status_code == 202, response.text
    assert limiters == [app.state.submit_limiter]
    # ADE_SUBMIT_MAX_CONCURRENT's default: a few at once, the rest wait in order.
    assert app.state.submit_limiter.total_tokens == 3
