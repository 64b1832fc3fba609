"""The caller is looked up once per request, however many dependencies ask for them."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI

from ade_api.dependencies import CurrentPrincipal, CurrentUser
from ade_api.workspaces.dependencies import WorkspaceAccessDep
from ade_db.models import User

pytestmark = pytest.mark.anyio


async def test_a_route_asking_for_the_user_twice_and_the_workspace_looks_up_each_once(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_user: Callable[..., User],
    auth_headers: Callable[[User], dict[str, str]],
    make_workspace: Callable[..., str],
    executed_sql: list[str],
) -> None:
    @app.get("/test-only/{workspace_id}/who")
    def who(
        user: CurrentUser, access: WorkspaceAccessDep, principal: CurrentPrincipal
    ) -> dict[str, str]:
        return {"user": user.id, "workspace": access.workspace.id, "principal": principal.user.id}

    owner = make_user()
    ws = make_workspace(owner)
    headers = auth_headers(owner)
    executed_sql.clear()

    response = await client.get(f"/test-only/{ws}/who", headers=headers)

    assert response.status_code == 200, response.text
    assert response.json() == {"user": owner.id, "workspace": ws, "principal": owner.id}
    # One for the user (with the token's revocation), one for the workspace and membership.
    selects = [text for text in executed_sql if text.upper().startswith("SELECT")]
    assert len(selects) == 2, executed_sql
    assert sum("FROM users" in text for text in selects) == 1


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
