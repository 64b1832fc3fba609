"""The preview routes over HTTP: a document's sheets and a job's output rows as JSON pages."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from ade_api.previews.runner import Extracts
from ade_api.storage import Storage
from ade_db.models import User

pytestmark = pytest.mark.anyio

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]
MakeWorkspace = Callable[..., str]
MakeDocument = Callable[..., str]
MakeConfigVersion = Callable[..., str]
MakeJob = Callable[..., str]


@dataclass
class World:
    client: httpx.AsyncClient
    headers: dict[str, str]
    ws: str

    def url(self, path: str) -> str:
        return f"/api/v1/workspaces/{self.ws}/{path}"

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(self.url(path), params=params, headers=self.headers)


@pytest.fixture
def world(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
) -> World:
    owner = make_user()
    return World(client, auth_headers(owner), make_workspace(owner))


def csv_rows(count: int) -> bytes:
    lines = ["id,name,amount,joined"]
    lines += [f"{i},Name {i},{i}.5,2024-01-{i % 28 + 1:02d}" for i in range(count)]
    return ("\n".join(lines) + "\n").encode()


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


async def test_a_document_preview_pages_its_rows_as_the_engine_reads_them(
    world: World, make_document: MakeDocument
) -> None:
    # The roster sample: a title, a blank row, then the table.
    doc = make_document(world.ws, name="Q1 members.csv")
    response = await world.get(f"documents/{doc}/preview")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    page = response.json()
    # The CSV's sheet is named after the upload, as in a job's results (not the storage name).
    assert page["sheets"] == [
        {
            "name": "Q1 members",
            "index": 0,
            "visibility": "visible",
            "rows": page["total"],
            "columns": 9,
            "truncated": False,
        }
    ]
    assert (page["sheet"], page["offset"], page["limit"]) == ("Q1 members", 0, 200)
    assert page["total"] == len(page["rows"]) == 10
    # Row 2 (0-based) is the header the artifact's A3:I8 range starts on.
    assert page["rows"][2][0] == "Member #"
    assert page["rows"][1] == []
    # Typed as a run types them: an id with leading zeros stays text, "1,250.00" is a number.
    ada = page["rows"][3]
    assert (ada[0], ada[6], ada[8]) == ("000123", {"t": "date", "v": "1815-12-10"}, 1250)
    second = await world.get(f"documents/{doc}/preview", offset=3, limit=2, sheet="Q1 members")
    assert second.json()["rows"] == page["rows"][3:5]


async def test_a_late_page_of_a_100k_row_csv_is_read_from_the_extract(
    world: World, make_document: MakeDocument, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = make_document(world.ws, csv_rows(100_000))
    first = await world.get(f"documents/{doc}/preview", limit=1000)
    assert first.status_code == 200, first.text
    assert first.json()["total"] == 100_001
    extracts: Extracts = app.state.previews
    assert extracts.runs == 1
    storage: Storage = app.state.storage
    folder = storage.layout.document_preview_dir(world.ws, doc)
    assert (folder / "0.idx").stat().st_size == 8 * 100_002

    # From now on nothing may parse the file again: a page is read from the extract.
    def no_child(*args: object, **kwargs: object) -> None:
        raise AssertionError("the reader ran again")

    monkeypatch.setattr(subprocess, "Popen", no_child)
    late = await world.get(f"documents/{doc}/preview", offset=99_990, limit=1000)
    assert late.status_code == 200, late.text
    body = late.json()
    assert [row[0] for row in body["rows"]] == list(range(99_989, 100_000))
    assert body["rows"][-1] == [99_999, "Name 99999", 99_999.5, {"t": "date", "v": "2024-01-12"}]
    past = await world.get(f"documents/{doc}/preview", offset=200_000)
    assert (past.status_code, past.json()["rows"]) == (200, [])
    assert extracts.runs == 1


async def test_page_bounds_and_unknown_sheets_are_problems(
    world: World, make_document: MakeDocument
) -> None:
    doc = make_document(world.ws)
    for params in ({"limit": 0}, {"limit": 1001}, {"offset": -1}):
        problem(await world.get(f"documents/{doc}/preview", **params), 422)
    missing = problem(await world.get(f"documents/{doc}/preview", sheet="Totals"), 404)
    assert "no sheet named 'Totals'" in missing["detail"]
    assert "'upload'" in missing["detail"]  # the sheets there are: the upload's name


async def test_an_unreadable_document_is_a_422_problem(
    world: World, make_document: MakeDocument
) -> None:
    doc = make_document(world.ws, b"PK\x03\x04 broken", suffix=".xlsx", name="Q1 report.xlsx")
    body = problem(await world.get(f"documents/{doc}/preview"), 422)
    assert body["type"].endswith("/unreadable-document")
    # Why, naming the file as it was uploaded (not its storage name, source.xlsx).
    assert body["detail"].startswith("Q1 report.xlsx could not be read as xlsx")


async def test_deleting_a_document_removes_its_preview(
    world: World, make_document: MakeDocument, app: FastAPI
) -> None:
    doc = make_document(world.ws)
    assert (await world.get(f"documents/{doc}/preview")).status_code == 200
    storage: Storage = app.state.storage
    folder = storage.layout.document_preview_dir(world.ws, doc)
    assert (folder / "meta.json").is_file()
    deleted = await world.client.delete(world.url(f"documents/{doc}"), headers=world.headers)
    assert deleted.status_code == 204
    assert not folder.parent.exists()


async def test_a_succeeded_job_pages_its_normalized_rows(
    world: World,
    make_document: MakeDocument,
    make_config_version: MakeConfigVersion,
    make_job: MakeJob,
    app: FastAPI,
) -> None:
    job = make_job(world.ws, make_document(world.ws), make_config_version(world.ws))
    response = await world.get(f"jobs/{job}/output/rows")
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["sheet"] == "Normalized"
    assert [s["name"] for s in page["sheets"]] == ["Normalized", "Issues"]
    assert page["total"] == 6  # the header and the sample's five members
    assert page["rows"][0][:2] == ["Member ID", "First Name"]
    assert page["rows"][1][1] == "Ada"
    storage: Storage = app.state.storage
    assert (storage.layout.job_subdir(job, "output") / "preview" / "meta.json").is_file()
    one = await world.get(f"jobs/{job}/output/rows", offset=5, limit=5, sheet="Normalized")
    assert one.json()["rows"] == page["rows"][5:]


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("queued", "the job is queued"),
        ("running", "the job is running"),
        ("failed", "the job failed"),
        ("cancelled", "the job was cancelled"),
    ],
)
async def test_a_job_without_output_is_a_409_saying_why(
    world: World,
    make_document: MakeDocument,
    make_config_version: MakeConfigVersion,
    make_job: MakeJob,
    status: str,
    reason: str,
) -> None:
    job = make_job(world.ws, make_document(world.ws), make_config_version(world.ws), status)
    body = problem(await world.get(f"jobs/{job}/output/rows"), 409)
    assert reason in body["detail"]


async def test_a_succeeded_job_whose_output_is_gone_is_404(
    world: World,
    make_document: MakeDocument,
    make_config_version: MakeConfigVersion,
    make_job: MakeJob,
    app: FastAPI,
) -> None:
    job = make_job(world.ws, make_document(world.ws), make_config_version(world.ws))
    storage: Storage = app.state.storage
    (storage.layout.job_subdir(job, "output") / "normalized.xlsx").unlink()
    body = problem(await world.get(f"jobs/{job}/output/rows"), 404)
    assert "no longer available" in body["detail"]


async def test_ids_of_another_workspace_are_404(
    world: World,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    make_document: MakeDocument,
    make_config_version: MakeConfigVersion,
    make_job: MakeJob,
) -> None:
    other = make_workspace(make_user())
    doc = make_document(other)
    job = make_job(other, doc, make_config_version(other))
    problem(await world.get(f"documents/{doc}/preview"), 404)
    problem(await world.get(f"jobs/{job}/output/rows"), 404)


async def test_the_openapi_document_describes_the_page_and_its_cells(world: World) -> None:
    schema = (await world.client.get("/api/v1/openapi.json")).json()
    for path in (
        "/api/v1/workspaces/{workspace_id}/documents/{document_id}/preview",
        "/api/v1/workspaces/{workspace_id}/jobs/{job_id}/output/rows",
    ):
        get = schema["paths"][path]["get"]
        ok = get["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": "#/components/schemas/RowsPage"}
        assert {"422", "404", "429"} <= set(get["responses"])
        assert {p["name"] for p in get["parameters"]} >= {"sheet", "offset", "limit"}
    components = schema["components"]["schemas"]
    cell = components["RowsPage"]["properties"]["rows"]["items"]["items"]
    kinds = [option.get("type") for option in cell["anyOf"]]
    assert {"string", "integer", "number", "boolean", "null"} <= set(kinds)
    typed = next(option for option in cell["anyOf"] if "discriminator" in option)
    assert set(typed["discriminator"]["mapping"]) == {"date", "datetime", "time", "duration"}
    assert components["DateCell"]["properties"]["v"]["format"] == "date"
