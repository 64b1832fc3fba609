"""The caller is looked up once per request, however many dependencies ask for them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, event

from ade_api.dependencies import CurrentPrincipal, CurrentUser
from ade_api.workspaces.dependencies import WorkspaceAccessDep
from ade_db.models import User

pytestmark = pytest.mark.anyio


@pytest.fixture
def selects(migrated_engine: Engine) -> Iterator[list[str]]:
    """The SELECT statements run on the app's engine while the test runs."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        if str(args[2]).lstrip().upper().startswith("SELECT"):
            seen.append(str(args[2]))

    event.listen(migrated_engine, "before_cursor_execute", record)
    yield seen
    event.remove(migrated_engine, "before_cursor_execute", record)


async def test_a_route_asking_for_the_user_twice_and_the_workspace_looks_up_each_once(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_user: Callable[..., User],
    auth_headers: Callable[[User], dict[str, str]],
    make_workspace: Callable[..., str],
    selects: list[str],
) -> None:
    @app.get("/test-only/{workspace_id}/who")
    def who(
        user: CurrentUser, access: WorkspaceAccessDep, principal: CurrentPrincipal
    ) -> dict[str, str]:
        return {"user": user.id, "workspace": access.workspace.id, "principal": principal.user.id}

    owner = make_user()
    ws = make_workspace(owner)
    headers = auth_headers(owner)
    selects.clear()

    response = await client.get(f"/test-only/{ws}/who", headers=headers)

    assert response.status_code == 200, response.text
    assert response.json() == {"user": owner.id, "workspace": ws, "principal": owner.id}
    # One for the user (with the token's revocation), one for the workspace and membership.
    assert len(selects) == 2, selects
    assert sum("FROM users" in s for s in selects) == 1


async def test_a_refused_caller_is_refused_by_whichever_dependency_asks_first(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_user: Callable[..., User],
    auth_headers: Callable[[User], dict[str, str]],
    make_workspace: Callable[..., str],
) -> None:
    @app.get("/test-only/{workspace_id}/access-first")
    def access_first(access: WorkspaceAccessDep, user: CurrentUser) -> dict[str, str]:
        return {"user": user.id}

    owner, outsider = make_user(), make_user()
    ws = make_workspace(owner)
    ok = await client.get(f"/test-only/{ws}/access-first", headers=auth_headers(owner))
    assert ok.json() == {"user": owner.id}
    hidden = await client.get(f"/test-only/{ws}/access-first", headers=auth_headers(outsider))
    assert hidden.status_code == 404
    missing = await client.get(f"/test-only/{ws}/access-first")
    assert missing.status_code == 401
