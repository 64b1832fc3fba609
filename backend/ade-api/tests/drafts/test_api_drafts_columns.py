"""The atomic add-column route: a module from the kind's template and its manifest entry, both
or neither; checked with the real sandbox plan."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ade_api.drafts import columns as columns_service
from ade_api.drafts.column_kinds import KINDS, ColumnKind, column_module
from ade_db.models import User

pytestmark = pytest.mark.anyio

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]
MakeWorkspace = Callable[..., str]


@dataclass
class Draft:
    client: httpx.AsyncClient
    headers: dict[str, str]
    base: str  # .../configs/{cid}

    async def add(self, headers: dict[str, str] | None = None, **body: Any) -> httpx.Response:
        return await self.client.post(
            f"{self.base}/draft/columns", json=body, headers={**self.headers, **(headers or {})}
        )

    async def manifest(self) -> httpx.Response:
        return await self.client.get(f"{self.base}/draft/manifest", headers=self.headers)

    async def paths(self) -> set[str]:
        page = await self.client.get(
            f"{self.base}/draft/files", params={"page_size": 200}, headers=self.headers
        )
        assert page.status_code == 200, page.text
        return {item["path"] for item in page.json()["items"]}

    async def files_hash(self) -> str:
        config = (await self.client.get(self.base, headers=self.headers)).json()
        version = await self.client.get(
            f"{self.base}/versions/{config['version_id']}", headers=self.headers
        )
        files_hash: str = version.json()["files_hash"]
        return files_hash


async def _draft(
    client: httpx.AsyncClient, owner: User, auth: AuthHeaders, ws: str, template: str
) -> Draft:
    headers = auth(owner)
    created = await client.post(
        f"/api/v1/workspaces/{ws}/configs",
        json={"slug": "c", "title": "C", "template": template},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    return Draft(client, headers, f"/api/v1/workspaces/{ws}/configs/{created.json()['id']}")


@pytest.fixture
async def draft(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
) -> Draft:
    owner = make_user()
    return await _draft(client, owner, auth_headers, make_workspace(owner), "empty")


async def test_every_kind_adds_module_and_entry_and_the_real_plan_passes(draft: Draft) -> None:
    before = await draft.manifest()
    hash_before = await draft.files_hash()
    for kind in KINDS:
        added = await draft.add(
            field=f"my_{kind}", label=f"My {kind}", synonyms=[f"{kind} col"], kind=kind
        )
        assert added.status_code == 201, added.text
        body = added.json()
        assert body["file"]["path"] == f"columns/my_{kind}.py"
        assert body["column"]["path"] == f"columns/my_{kind}.py"
        assert added.headers["etag"] == f'"{body["manifest_sha256"]}"'
    after = await draft.manifest()
    # The manifest's ETag and the draft's files_hash both changed.
    assert after.headers["etag"] != before.headers["etag"]
    assert await draft.files_hash() != hash_before
    entries = {c["field"]: c for c in after.json()["columns"]}
    assert entries["my_date"] == {
        "field": "my_date",
        "label": "My date",
        "path": "columns/my_date.py",
        "ordinal": 5,  # after `value` (1) and the three kinds added before it
        "required": False,
        "enabled": True,
        "synonyms": ["date col"],
    }
    assert {f"columns/my_{kind}.py" for kind in KINDS} <= await draft.paths()

    plan = await draft.client.post(f"{draft.base}/draft:plan", headers=draft.headers)
    assert plan.status_code == 200, plan.text
    assert plan.json()["valid"] is True, plan.json()["problems"]
    planned = {c["field"]: c for c in plan.json()["columns"]}
    for kind in KINDS:
        column = planned[f"my_{kind}"]
        assert column["detectors"] == ["detect_values"], column
        assert (column["transform"], column["validate"]) == (True, True), column


async def test_defaults_label_from_the_field_and_dedupes_synonyms(draft: Draft) -> None:
    added = await draft.add(field="join_code", synonyms=["code", "code"], required=True)
    assert added.status_code == 201, added.text
    assert added.json()["column"] | {"path": "-"} == {
        "field": "join_code",
        "label": "Join Code",
        "path": "-",
        "ordinal": 2,
        "required": True,
        "enabled": True,
        "synonyms": ["code"],
    }
    module = await draft.client.get(
        f"{draft.base}/draft/files/columns/join_code.py", headers=draft.headers
    )
    assert module.json()["code"] == column_module("join_code", "Join Code", "text").decode()


@pytest.mark.parametrize(
    "body",
    [
        {"field": "Email"},
        {"field": "1st"},
        {"field": "has-dash"},
        {"field": "../x"},
        {"field": "x" * 65},
        {"field": "ok", "kind": "currency"},
        {"field": "ok", "label": ""},
        {"field": "ok", "unknown": 1},
        {},
    ],
)
async def test_bad_bodies_are_422_and_change_nothing(draft: Draft, body: dict[str, Any]) -> None:
    before = await draft.files_hash()
    response = await draft.add(**body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert await draft.files_hash() == before


async def test_a_field_already_there_is_409(draft: Draft) -> None:
    again = await draft.add(field="value")  # the empty package's one column
    assert again.status_code == 409, again.text
    assert "value" in again.json()["detail"]
    first = await draft.add(field="notes")
    assert first.status_code == 201
    second = await draft.add(field="notes", kind="email")
    assert second.status_code == 409


async def test_a_module_file_already_there_is_409(draft: Draft) -> None:
    # A module the manifest does not name yet: the route will not overwrite it.
    manifest = (await draft.manifest()).json()
    created = await draft.client.post(
        f"{draft.base}/draft/files",
        json={"path": "columns/extra.py", "code": "X = 1\n"},
        headers=draft.headers,
    )
    assert created.status_code == 201, created.text
    patched = await draft.client.patch(
        f"{draft.base}/draft/manifest",
        content=f'{{"columns": {json.dumps(manifest["columns"])}}}',
        headers={**draft.headers, "Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    response = await draft.add(field="extra")
    assert response.status_code == 409, response.text
    assert "columns/extra.py already exists" in response.json()["detail"]


async def test_if_match_is_checked_against_the_manifest(draft: Draft) -> None:
    etag = (await draft.manifest()).headers["etag"]
    ok = await draft.add(headers={"If-Match": etag}, field="first")
    assert ok.status_code == 201, ok.text
    stale = await draft.add(headers={"If-Match": etag}, field="second")
    assert stale.status_code == 412, stale.text
    assert "columns/second.py" not in await draft.paths()


async def test_a_failure_between_module_and_manifest_leaves_neither(
    draft: Draft, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = await draft.files_hash()
    manifest_before = (await draft.manifest()).json()

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    # The module row is added to the session first; the manifest write then fails.
    monkeypatch.setattr(columns_service, "save_manifest", broken)
    with pytest.raises(RuntimeError):
        await draft.add(field="half")
    monkeypatch.undo()

    assert "columns/half.py" not in await draft.paths()
    assert (await draft.manifest()).json() == manifest_before
    assert await draft.files_hash() == before
    # And the route works again once the failure is gone.
    assert (await draft.add(field="half")).status_code == 201


async def test_another_workspace_is_404_and_archived_is_409(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    make_workspace: MakeWorkspace,
    draft: Draft,
) -> None:
    stranger = make_user()
    make_workspace(stranger)
    response = await client.post(
        f"{draft.base}/draft/columns", json={"field": "x"}, headers=auth_headers(stranger)
    )
    assert response.status_code == 404
    archived = await client.delete(draft.base, headers=draft.headers)
    assert archived.status_code == 200, archived.text
    assert (await draft.add(field="x")).status_code == 409


def _load(path: Path, source: bytes) -> dict[str, Any]:
    """The module `source` as a namespace, imported from `path` as the engine would."""
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location(f"column_{path.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return vars(module)


def test_templates_behave_on_typical_values(tmp_path: Path) -> None:
    samples: dict[str, list[Any]] = {
        "text": ["  Ada  Lovelace ", "Grace"],
        "email": [" Ada@Example.org", "grace@navy.mil"],
        "phone": ["(555) 123-4567", 5551234567, "+44 20 7946 0958"],
        "date": ["2024-03-01", "03/01/2024", dt.datetime(2020, 1, 1)],
        "number": ["1,234.50", "(12)", 3, "$7"],
        "identifier": ["000123", "M-10042", 42017],
    }
    cleaned: dict[str, list[Any]] = {
        "text": ["Ada Lovelace", "Grace"],
        "email": ["ada@example.org", "grace@navy.mil"],
        "phone": ["(555) 123-4567", "5551234567", "+44 20 7946 0958"],
        "date": [dt.date(2024, 3, 1), dt.date(2024, 3, 1), dt.date(2020, 1, 1)],
        "number": [1234.5, -12.0, 3, 7.0],
        "identifier": ["000123", "M-10042", 42017],
    }
    for kind in KINDS:
        namespace = _load(tmp_path / f"{kind}.py", column_module("f", 'A "quoted" \\ label', kind))
        values = samples[kind]
        score = namespace["detect_values"](values=values, field="f")
        assert (score is None) == (kind == "text"), (kind, score)
        transformed = namespace["transform"](values=values, field="f")
        assert transformed == cleaned[kind], kind
        assert namespace["validate"](values=transformed, field="f") == [None] * len(values)
        if kind != "text":  # free text accepts anything; a missing id is the id's problem
            bad = [""] if kind == "identifier" else [True]
            assert namespace["validate"](values=bad, field="f") != [None], kind


@pytest.mark.parametrize(
    ("kind", "first_line"),
    [
        ("identifier", '"""Column `badge` ("Badge"), an identifier column.'),
        ("email", '"""Column `badge` ("Badge"), an email column.'),
        ("date", '"""Column `badge` ("Badge"), a date column.'),
    ],
)
def test_the_module_says_what_kind_of_column_it_is(kind: ColumnKind, first_line: str) -> None:
    assert column_module("badge", "Badge", kind).decode().splitlines()[0] == first_line
