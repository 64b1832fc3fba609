"""Plans and dry-runs: the draft runs in the worker's sandbox subprocess, never in the API."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ade_api.testing import HOSTILE_REQUIREMENTS, assert_requirements_refused
from ade_db.models import User
from ade_db.types import new_id
from ade_worker.materialize import Installer
from ade_worker.testing import build_index, build_wheel

pytestmark = pytest.mark.anyio

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]
MakeWorkspace = Callable[..., str]
MakeDocument = Callable[..., str]
PlantFile = Callable[[str, str, bytes], None]


@dataclasses.dataclass
class World:
    client: httpx.AsyncClient
    headers: dict[str, str]
    ws: str
    base: str
    document_id: str

    async def write(self, path: str, code: str) -> None:
        url = f"{self.base}/draft/files/{path}"
        etag = (await self.client.get(url, headers=self.headers)).headers["etag"]
        saved = await self.client.put(
            url, json={"code": code}, headers={**self.headers, "If-Match": etag}
        )
        assert saved.status_code == 200, saved.text

    async def dry_run(self, document_id: str | None = None) -> httpx.Response:
        return await self.client.post(
            f"{self.base}/draft:dry-run",
            json={"document_id": document_id or self.document_id},
            headers=self.headers,
        )

    async def plan(self) -> httpx.Response:
        return await self.client.post(f"{self.base}/draft:plan", headers=self.headers)


@pytest.fixture
async def world(
    make_document: MakeDocument,
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
) -> World:
    owner = make_user()
    ws = make_workspace(owner)
    headers = auth_headers(owner)
    created = await client.post(
        f"/api/v1/workspaces/{ws}/configs", json={"slug": "c", "title": "C"}, headers=headers
    )
    assert created.status_code == 201
    base = f"/api/v1/workspaces/{ws}/configs/{created.json()['id']}"
    return World(client, headers, ws, base, make_document(ws))


async def test_plan_lists_what_a_run_would_execute(world: World) -> None:
    response = await world.plan()
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["valid"] is True
    assert plan["problems"] == []
    fields = [c["field"] for c in plan["columns"]]
    assert "email" in fields
    ordinals = [c["ordinal"] for c in plan["columns"]]
    assert ordinals == sorted(ordinals)
    email = next(c for c in plan["columns"] if c["field"] == "email")
    assert email["detectors"]
    assert all(name.startswith("detect_") for name in email["detectors"])
    assert plan["hooks"]["run_start"]


async def test_plan_reports_import_errors_and_bad_signatures(world: World) -> None:
    await world.write("columns/email.py", "x = 1\n\n\nraise ValueError('bad module')\n")
    await world.write("columns/phone.py", "def detect_phone(*, header):\n    return None\n")
    plan = (await world.plan()).json()
    assert plan["valid"] is False
    by_file = {p["file"]: p for p in plan["problems"] if p["file"]}
    assert by_file["columns/email.py"]["line"] == 4
    assert "bad module" in by_file["columns/email.py"]["message"]
    assert (
        "**_" in by_file["columns/phone.py"]["message"]
        or "keyword" in by_file["columns/phone.py"]["message"]
    )


async def test_plan_of_a_module_that_hangs_answers_within_the_limit(
    world: World, app: FastAPI
) -> None:
    sandbox = app.state.sandbox
    sandbox.limits = dataclasses.replace(sandbox.limits, wall_seconds=3)
    await world.write("columns/email.py", "import time\n\ntime.sleep(60)\n")
    plan = (await world.plan()).json()
    assert plan["valid"] is False
    assert "could not be checked" in plan["problems"][0]["message"]


async def test_dry_run_returns_the_mapping_preview(world: World) -> None:
    response = await world.dry_run()
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["status"] == "succeeded", preview
    assert preview["error"] is None
    assert preview["metrics"]["tables_found"] == 1
    table = preview["tables"][0]
    assert table["sheet"]
    assert table["range"].startswith("A")
    email = next(c for c in table["columns"] if c["winner"] == "email")
    assert email["scores"]["email"] == max(email["scores"].values())
    assert set(email["scores"]) >= {"email", "phone", "member_id"}
    assert {m["field"] for m in table["mapping"]} >= {"email", "member_id"}
    # What each score is made of: the header's synonym match and the value detector.
    assert email["score_parts"]["email"]
    parts = email["score_parts"]["email"]
    assert sum(parts.values()) == pytest.approx(email["scores"]["email"], abs=1e-3)
    assert table["data_rows"][0] > table["header_rows"][-1]
    assert table["output_rows"][0] >= 2
    assert any("roster config" in line["message"] for line in preview["logs"])
    assert preview["stdout"] == ""  # the engine's own summary line is not config output

    output = await world.client.get(preview["output_url"], headers=world.headers)
    assert output.status_code == 200
    assert output.content[:2] == b"PK"  # an xlsx (zip) workbook


async def test_dry_run_of_failing_config_code_reports_file_and_line(world: World) -> None:
    code = (
        await world.client.get(f"{world.base}/draft/files/columns/email.py", headers=world.headers)
    ).json()["code"]
    await world.write(
        "columns/email.py",
        code + "\n\ndef transform(*, values, **_):\n    raise RuntimeError('transform broke')\n",
    )
    preview = (await world.dry_run()).json()
    assert preview["status"] == "failed"
    assert preview["error"]["file"] == "columns/email.py"
    assert preview["error"]["line"]
    assert "transform broke" in preview["error"]["message"]
    assert preview["output_url"] is None


async def test_dry_run_is_bounded_by_the_time_limit(world: World, app: FastAPI) -> None:
    app.state.settings = app.state.settings.model_copy(update={"dry_run_timeout_seconds": 3})
    code = (
        await world.client.get(f"{world.base}/draft/files/columns/email.py", headers=world.headers)
    ).json()["code"]
    await world.write(
        "columns/email.py",
        code + "\n\ndef transform(*, values, **_):\n    import time\n    time.sleep(60)\n",
    )
    preview = (await world.dry_run()).json()
    assert preview["status"] == "timeout"
    assert preview["elapsed_ms"] < 10_000
    assert "3" in preview["error"]["message"]


async def test_dry_run_config_code_never_runs_in_the_api_process(world: World) -> None:
    code = (
        await world.client.get(f"{world.base}/draft/files/columns/email.py", headers=world.headers)
    ).json()["code"]
    marker = f"ade_marker_{new_id().lower()}"
    await world.write(
        "columns/email.py",
        code + f"\nimport sys\nsys.modules.setdefault({marker!r}, sys)\n",
    )
    preview = (await world.dry_run()).json()
    assert preview["status"] == "succeeded"
    assert marker not in sys.modules


async def test_dry_run_documents_must_be_in_the_workspace(
    world: World,
    make_document: MakeDocument,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
) -> None:
    assert (await world.dry_run(new_id())).status_code == 404
    foreign = make_document(make_workspace(make_user()))
    assert (await world.dry_run(foreign)).status_code == 404


async def test_dry_runs_over_the_concurrency_limit_get_429(world: World, app: FastAPI) -> None:
    slots = app.state.sandbox._slots
    held = 0
    while slots.acquire(blocking=False):
        held += 1
    try:
        busy = await world.dry_run()
        assert busy.status_code == 429
        assert busy.headers["retry-after"]
        assert (await world.plan()).status_code == 429
    finally:
        for _ in range(held):
            slots.release()
    assert (await world.plan()).status_code == 200


async def test_dry_run_console_carries_what_config_code_printed(world: World) -> None:
    code = (
        await world.client.get(f"{world.base}/draft/files/columns/email.py", headers=world.headers)
    ).json()["code"]
    await world.write(
        "columns/email.py",
        code + "\nimport sys\nprint('hello from email')\nprint('to stderr', file=sys.stderr)\n",
    )
    preview = (await world.dry_run()).json()
    assert preview["status"] == "succeeded", preview
    assert preview["stdout"] == "hello from email\n"
    assert "to stderr" in preview["stderr"]


async def test_dry_run_output_rows_page_the_preview_workbook(world: World) -> None:
    preview = (await world.dry_run()).json()
    url = f"{world.base}/dry-runs/{preview['run_id']}/output/rows"
    page = await world.client.get(url, params={"limit": 2}, headers=world.headers)
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["limit"] == 2
    assert len(body["rows"]) == 2
    assert body["total"] > 2
    header = body["rows"][0]
    assert {m["label"] for m in preview["tables"][0]["mapping"]} <= set(header)
    later = await world.client.get(url, params={"offset": 1, "limit": 1}, headers=world.headers)
    assert later.json()["rows"] == [body["rows"][1]]
    missing = await world.client.get(url, params={"sheet": "nope"}, headers=world.headers)
    assert missing.status_code == 404


async def test_dry_run_output_rows_of_a_failed_run_are_404(world: World) -> None:
    code = (
        await world.client.get(f"{world.base}/draft/files/columns/email.py", headers=world.headers)
    ).json()["code"]
    await world.write(
        "columns/email.py",
        code + "\n\ndef transform(*, values, **_):\n    raise RuntimeError('broke')\n",
    )
    preview = (await world.dry_run()).json()
    assert preview["status"] == "failed"
    response = await world.client.get(
        f"{world.base}/dry-runs/{preview['run_id']}/output/rows", headers=world.headers
    )
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_dry_run_output_of_unknown_runs_is_404(world: World) -> None:
    for run_id in (new_id(), "..%2F..%2Fetc"):
        for suffix in ("output", "output/rows"):
            response = await world.client.get(
                f"{world.base}/dry-runs/{run_id}/{suffix}", headers=world.headers
            )
            assert response.status_code == 404


async def test_plan_and_dry_run_install_the_drafts_requirements(
    world: World, app: FastAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    index = build_index(tmp_path / "index", build_wheel(wheels))
    # Offline: the installation's one index is a local one holding the test wheel.
    monkeypatch.setattr(app.state.sandbox, "installer", Installer(index_url=index))
    created = await world.client.post(
        f"{world.base}/draft/files",
        json={"path": "requirements.txt", "code": "adetinyvendor==1.0  # from the index\n"},
        headers=world.headers,
    )
    assert created.status_code == 201, created.text
    code = (
        await world.client.get(f"{world.base}/draft/files/columns/email.py", headers=world.headers)
    ).json()["code"]
    await world.write("columns/email.py", code + "\nimport adetinyvendor  # from the vendor dir\n")
    plan = await world.plan()
    assert plan.status_code == 200, plan.text
    assert plan.json()["valid"] is True, plan.json()
    preview = (await world.dry_run()).json()
    assert preview["status"] == "succeeded", preview

    await world.write("requirements.txt", "ade-not-on-the-index==1.0\n")
    broken = await world.plan()
    assert broken.status_code == 400
    assert broken.json()["errors"][0]["loc"] == ["files", "requirements.txt"]
    assert "ade-not-on-the-index" in broken.json()["errors"][0]["msg"]


async def test_a_draft_whose_requirements_predate_the_rules_is_refused_before_running(
    world: World, app: FastAPI, plant_file: PlantFile
) -> None:
    draft_id = (await world.client.get(world.base, headers=world.headers)).json()["version_id"]
    plant_file(draft_id, "requirements.txt", HOSTILE_REQUIREMENTS.encode())
    assert_requirements_refused(await world.plan())
    assert_requirements_refused(await world.dry_run())
    # Refused by the rules, not by a failed install: uv was never started.
    assert not app.state.sandbox.layout.vendor_cache_root.exists()
