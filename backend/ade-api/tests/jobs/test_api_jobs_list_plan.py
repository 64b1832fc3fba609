"""The jobs list's default page (newest first) reads an index, not every job sorted.

A workspace gathers jobs for as long as it is used; a page of them must cost a page. SQLite's
query plan is checked (PostgreSQL's planner picks by table statistics, which a test's few
rows do not represent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event

from ade_db.models import User

pytestmark = pytest.mark.anyio


@pytest.fixture
def selects(migrated_engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SELECTs run on the app's engine, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(migrated_engine, "before_cursor_execute", record)
    yield seen
    event.remove(migrated_engine, "before_cursor_execute", record)


async def test_the_default_page_reads_the_workspace_and_age_index(
    client: httpx.AsyncClient,
    make_user: Callable[..., User],
    auth_headers: Callable[[User], dict[str, str]],
    make_workspace: Callable[..., str],
    migrated_engine: Engine,
    selects: list[tuple[str, Any]],
) -> None:
    if migrated_engine.dialect.name != "sqlite":
        pytest.skip("checks SQLite's query plan")
    owner = make_user()
    ws = make_workspace(owner)
    response = await client.get(f"/api/v1/workspaces/{ws}/jobs", headers=auth_headers(owner))
    assert response.status_code == 200
    (page, parameters), *_ = [s for s in selects if "ORDER BY" in s[0] and "FROM jobs" in s[0]]
    with migrated_engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {page}", parameters).all()
    details = " | ".join(str(row[-1]) for row in plan)
    assert "ix_jobs_workspace_id_created_at" in details, details
    # Only the id tiebreak is left to sort, within equal creation times.
    assert "USE TEMP B-TREE FOR ORDER BY" not in details, details
