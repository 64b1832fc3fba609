"""`/ready` checks the sandbox jail: config code must not run without it (unless switched
off), and the public answer never says which host folders or users are involved."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ade_worker.jail import JailProvider
from ade_worker.testing import TEST_SANDBOX_USER

pytestmark = pytest.mark.anyio

UNAVAILABLE = "unavailable: see the API's log or `ade sandbox check`"


async def test_ready_with_its_jail(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["sandbox"] == {"ok": True, "detail": "jail available"}


def unknown_user(root: Path) -> JailProvider:
    return JailProvider(enabled=True, user="ade-no-such-user", root=root)


def linked_root(root: Path) -> JailProvider:
    root.parent.mkdir(parents=True, exist_ok=True)
    (root.parent / "elsewhere").mkdir()
    root.symlink_to(root.parent / "elsewhere")
    return JailProvider(enabled=True, user=TEST_SANDBOX_USER, root=root)


@pytest.mark.parametrize(
    ("broken", "reason"),
    [(unknown_user, "'ade-no-such-user' does not exist"), (linked_root, "is not a folder")],
)
async def test_not_ready_without_its_jail_and_the_reason_stays_in_the_log(
    app: FastAPI,
    client: httpx.AsyncClient,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    broken: Callable[[Path], JailProvider],
    reason: str,
) -> None:
    root = tmp_path / "private" / "ade-sandbox-dir"
    app.state.sandbox.jail = broken(root)
    with caplog.at_level(logging.ERROR, logger="ade_api.health.service"):
        response = await client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["sandbox"] == {"ok": False, "detail": UNAVAILABLE}
    assert body["checks"]["database"]["ok"] is True
    # The operator finds the reason in the log; the public answer names no host path or user.
    assert reason in caplog.text
    assert reason not in response.text
    assert str(tmp_path) not in response.text
    assert "ade-no-such-user" not in response.text


async def test_ready_with_the_jail_switched_off_says_so(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    # Off on purpose (ADE_SANDBOX=none): ready, whatever the jail's pieces would say.
    app.state.sandbox.jail = JailProvider(enabled=False, user="ade-no-such-user", root=tmp_path)
    response = await client.get("/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["sandbox"] == {
        "ok": True,
        "detail": "off (ADE_SANDBOX=none): config code runs unjailed, for one trusted user only",
    }
