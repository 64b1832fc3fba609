"""Uploading documents: streamed, sniffed by content, bounded, idempotent."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc
import zipfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import openpyxl
import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from ade_api.documents._upload import clean_filename
from ade_db.models import Document, DomainEvent, User
from ade_engine.testing import ods_bytes

pytestmark = pytest.mark.anyio

MakeUser = Callable[..., User]
AuthHeaders = Callable[[User], dict[str, str]]
MakeWorkspace = Callable[..., str]

CSV = b"name,email\nAda,ada@example.com\nGrace,grace@example.com\n"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOUNDARY = "ade-test-boundary-7f3a"


def xlsx_bytes() -> bytes:
    """A real workbook, written by openpyxl."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["name", "email"])
    sheet.append(["Ada", "ada@example.com"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


ODT_MEMBERS = {
    "mimetype": b"application/vnd.oasis.opendocument.text",
    "content.xml": b"<office:document-content/>",
}


def handmade_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


XLSM_CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types><Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>'
)


def files_under(root: Path) -> list[Path]:
    return [Path(d) / f for d, _, names in os.walk(root) for f in names] if root.exists() else []


def document_count(db_connection: Connection, ws: str) -> int:
    with Session(bind=db_connection, join_transaction_mode="create_savepoint") as session:
        return int(session.scalar(select(func.count()).where(Document.workspace_id == ws)) or 0)


async def streamed_body(
    parts: list[bytes], filename: str = "big.csv", repeat: int = 1
) -> AsyncIterator[bytes]:
    """A multipart body with one `file` part, yielded piece by piece (never whole)."""
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'
    ).encode()
    for _ in range(repeat):
        for part in parts:
            yield part
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


MULTIPART = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


async def _setup(
    make_user: MakeUser, make_workspace: MakeWorkspace, auth_headers: AuthHeaders
) -> tuple[str, dict[str, str], User]:
    owner = make_user()
    ws = make_workspace(owner)
    return f"/api/v1/workspaces/{ws}/documents", auth_headers(owner), owner


@pytest.mark.parametrize(
    ("filename", "content", "file_type", "content_type"),
    [
        ("roster.xlsx", "xlsx", "xlsx", XLSX_TYPE),
        ("roster.xlsm", "xlsm", "xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12"),
        ("legacy.XLS", "xls", "xls", "application/vnd.ms-excel"),
        ("members.csv", "csv", "csv", "text/csv"),
        ("members.ods", "ods", "ods", "application/vnd.oasis.opendocument.spreadsheet"),
        ("members.tsv", "tsv", "csv", "text/csv"),
        ("export.TXT", "csv", "csv", "text/csv"),
    ],
)
async def test_upload_each_kind(
    client: httpx.AsyncClient,
    app: FastAPI,
    data_dir: Path,
    db_connection: Connection,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    auth_headers: AuthHeaders,
    filename: str,
    content: str,
    file_type: str,
    content_type: str,
) -> None:
    data = {
        "xlsx": xlsx_bytes(),
        "xlsm": handmade_zip(
            {"[Content_Types].xml": XLSM_CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>"}
        ),
        "xls": OLE2,
        "csv": CSV,
        "ods": ods_bytes({"Members": [["name", "email"], ["Ada", "ada@example.com"]]}),
        "tsv": CSV.replace(b",", b"\t"),
    }[content]
    base, headers, owner = await _setup(make_user, make_workspace, auth_headers)
    response = await client.post(
        base, files={"file": (filename, data, "application/octet-stream")}, headers=headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["file_type"] == file_type
    assert body["content_type"] == content_type
    assert body["size"] == len(data)
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["original_filename"] == filename
    assert body["uploaded_by_id"] == owner.id
    ws = body["workspace_id"]
    stored = data_dir / "documents" / ws / body["id"] / f"source.{file_type}"
    assert stored.read_bytes() == data
    # Nothing else (no temp file) was left behind.
    assert files_under(data_dir / "documents") == [stored]
    with Session(bind=db_connection, join_transaction_mode="create_savepoint") as session:
        document = session.get(Document, body["id"])
        assert document is not None
        assert document.storage_key == f"documents/{ws}/{body['id']}/source.{file_type}"
        event = session.scalars(
            select(DomainEvent).where(
                DomainEvent.type == "document.uploaded", DomainEvent.subject_id == body["id"]
            )
        ).one()
        assert event.workspace_id == ws
        assert event.actor_id == owner.id
        assert event.payload["sha256"] == body["sha256"]


async def test_xlsx_with_macros_is_recorded_as_xlsm(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    auth_headers: AuthHeaders,
) -> None:
    base, headers, _ = await _setup(make_user, make_workspace, auth_headers)
    data = handmade_zip(
        {"[Content_Types].xml": XLSM_CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>"}
    )
    response = await client.post(base, files={"file": ("m.xlsx", data)}, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["file_type"] == "xlsm"


@pytest.mark.parametrize(
    ("filename", "data", "detail"),
    [
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "PNG image"),
        ("table.csv", "zip", "Excel workbook"),
        ("report.pdf", b"%PDF-1.7\n1 0 obj\n", ".xlsx, .xlsm, .xls, .ods, .csv, .tsv or .txt"),
        (
            "letter.ods",
            "odt",
            "OpenDocument file of type 'application/vnd.oasis.opendocument.text'",
        ),
        ("book.ods", "zip", "named like an OpenDocument spreadsheet but its content is an Excel"),
        ("sheet.xlsx", "ods", "named like an Excel workbook but its content is an OpenDocument"),
        ("text.xlsx", CSV, "text (CSV)"),
        ("plain.zip.csv", "plainzip", "zip archive"),
        ("setup.csv", b"MZ\x90\x00\x03", "executable"),
        ("binary.csv", b"\x01\x02\x00\x03" * 10, "binary data"),
        ("legacy.xls", CSV, "text (CSV)"),
        ("empty.csv", b"", "empty"),
        ("noextension", CSV, ".xlsx, .xlsm, .xls, .ods, .csv, .tsv or .txt"),
    ],
)
async def test_unsupported_documents_are_refused(
    client: httpx.AsyncClient,
    data_dir: Path,
    db_connection: Connection,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    auth_headers: AuthHeaders,
    filename: str,
    data: bytes | str,
    detail: str,
) -> None:
    if data == "zip":
        data = xlsx_bytes()
    elif data == "ods":
        data = ods_bytes({"Members": [["name", "email"], ["Ada", "ada@example.com"]]})
    elif data == "odt":
        data = handmade_zip(ODT_MEMBERS)
    elif data == "plainzip":
        data = handmade_zip({"a.txt": b"hello"})
    assert isinstance(data, bytes)
    base, headers, _ = await _setup(make_user, make_workspace, auth_headers)
    response = await client.post(base, files={"file": (filename, data)}, headers=headers)
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]
    assert files_under(data_dir / "documents") == []
    assert document_count(db_connection, base.split("/")[4]) == 0


async def test_csv_in_a_common_8bit_encoding_is_accepted(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    auth_headers: AuthHeaders,
) -> None:
    base, headers, _ = await _setup(make_user, make_workspace, auth_headers)
    data = "nom;ville\nRené;Besançon\n".encode("cp1252")
    response = await client.post(base, files={"file": ("fr.csv", data)}, headers=headers)
    assert response.status_code == 201, response.text


async def test_over_the_limit_while_streaming_is_413_and_leaves_nothing(
    client: httpx.AsyncClient,
    app: FastAPI,
    data_dir: Path,
    db_connection: Connection,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    auth_headers: AuthHeaders,
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"max_upload_bytes": 1000})
    base, headers, _ = await _setup(make_user, make_workspace, auth_headers)
    exact = await client.post(base, files={"file": ("ok.csv", b"a" * 1000)}, headers=headers)
    assert exact.status_code == 201, exact.text
    response = await client.post(base, files={"file": ("big.csv", b"a" * 5000)}, headers=headers)
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "1000-byte" in response.json()["detail"]
    # Only the first (accepted) document is stored; no partial file, no second row.
    assert len(files_under(data_dir)) == 1
    assert document_count(db_connection, base.split("/")[4]) == 1


async def test_over_the_limit_in_a_streamed_body_is_413(
    client: httpx.AsyncClient,
    app: FastAPI,
    data_dir: Path,
    db_connection: Connection,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    auth_headers: AuthHeaders,
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"max_upload_bytes": 200_000})
    base, headers, _ = await _setup(make_user, make_workspace, auth_headers)
    response = await client.post(
        base,
        content=streamed_body([b"x" * 50_000], repeat=10),
        headers={**headers, **MULTIPART},
    )
    assert response.status_code == 413, response.text
    assert files_under(data_dir) == []
    assert document_count(db_connection, base.split("/")[4]) == 0


async def test_declared_length_over_the_limit_is_refused_before_reading(
    client: httpx.AsyncClient,
    app: FastAPI,
    data_dir: Path,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    auth_headers: AuthHeaders,
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"max_upload_bytes": 1000})
    base, headers, _ = await _setup(make_user, make_workspace, auth_headers)
    read: list[bool] = []

    async def body() -> AsyncIterator[bytes]:
        read.append(True)
        yield b"never read"

    response = await client.post(
        base,
        content=body(),
        headers={**headers, **MULTIPART, "content-length": str(10**9)},
    )
    assert response.status_code == 413, response.text
    assert read == []
    assert files_under(data_dir) == []


@pytest.mark.parametrize(
    "kind", ["no-file-field", "text-field", "json", "no-boundary", "truncated", "two-files"]
)
async def test_malformed_uploads_are_400(
    client: httpx.AsyncClient,
    data_dir: Path,
    db_connection: Connection,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    auth_headers: AuthHeaders,
    kind: str,
) -> None:
    base, headers, _ = await _setup(make_user, make_workspace, auth_headers)
    if kind == "no-file-field":
        response = await client.post(
            base, files={"other": ("a.csv", CSV)}, data={"x": "1"}, headers=headers
        )
    elif kind == "text-field":
        response = await client.post(base, data={"file": "a,b\n"}, headers=headers)
    elif kind == "json":
        response = await client.post(base, json={"file": "a,b"}, headers=headers)
    elif kind == "no-boundary":
        response = await client.post(
            base, content=b"x", headers={**headers, "content-type": "multipart/form-data"}
        )
    elif kind == "truncated":
        response = await client.post(
            base,
            content=(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
                'filename="a.csv"\r\n\r\na,b\n1,2\n'
            ).encode(),
            headers={**headers, **MULTIPART},
        )
    else:
        response = await client.post(
            base,
            files=[("file", ("a.csv", CSV)), ("file", ("b.csv", CSV))],
            headers=headers,
        )
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["errors"][0]["loc"] == ["body", "file"]
    assert files_under(data_dir) == []
    assert document_count(db_connection, base.split("/")[4]) == 0


async def test_upload_is_streamed_not_buffered(
    client: httpx.AsyncClient,
    data_dir: Path,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    auth_headers: AuthHeaders,
) -> None:
    base, headers, _ = await _setup(make_user, make_workspace, auth_headers)
    line = b"Ada Lovelace,ada@example.com,London,1815\n"
    chunk = line * (1024 * 1024 // len(line))
    repeat = 30
    expected = hashlib.sha256()
    for _ in range(repeat):
        expected.update(chunk)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        response = await client.post(
            base,
            content=streamed_body([chunk], repeat=repeat),
            headers={**headers, **MULTIPART},
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 201, response.text
    assert response.json()["size"] == len(chunk) * repeat
    assert response.json()["sha256"] == expected.hexdigest()
    # ~30 MB went through; the process never held more than a few chunks of it.
    assert peak - before < 8 * 1024 * 1024, f"peak grew by {(peak - before) / 2**20:.1f} MiB"


async def test_idempotency_key_replays_the_first_upload(
    client: httpx.AsyncClient,
    data_dir: Path,
    db_connection: Connection,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    auth_headers: AuthHeaders,
) -> None:
    base, headers, owner = await _setup(make_user, make_workspace, auth_headers)
    keyed = {**headers, "Idempotency-Key": "upload-1"}
    first = await client.post(base, files={"file": ("a.csv", CSV)}, headers=keyed)
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    again = await client.post(base, files={"file": ("a.csv", CSV)}, headers=keyed)
    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    # Another key, or no key, makes a new document.
    other = await client.post(
        base, files={"file": ("a.csv", CSV)}, headers={**headers, "Idempotency-Key": "upload-2"}
    )
    assert other.status_code == 201
    assert other.json()["id"] != first.json()["id"]
    assert document_count(db_connection, base.split("/")[4]) == 2
    assert len(files_under(data_dir)) == 2
    # The same key in another workspace is independent.
    ws2 = f"/api/v1/workspaces/{make_workspace(owner)}/documents"
    elsewhere = await client.post(ws2, files={"file": ("a.csv", CSV)}, headers=keyed)
    assert elsewhere.status_code == 201


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("report.csv", "report.csv"),
        ("../../etc/passwd.csv", "passwd.csv"),
        ("C:\\Users\\me\\Desktop\\q1.xlsx", "q1.xlsx"),
        ("bad\x00na\x1bme\u202e.csv", "badname.csv"),
        ("  ", "upload"),
        ("..", "upload"),
        ("é" * 300 + ".xlsx", "é" * 250 + ".xlsx"),
    ],
)
def test_clean_filename(raw: str, clean: str) -> None:
    assert clean_filename(raw) == clean


async def test_filename_is_display_only(
    client: httpx.AsyncClient,
    data_dir: Path,
    make_user: MakeUser,
    make_workspace: MakeWorkspace,
    auth_headers: AuthHeaders,
) -> None:
    base, headers, _ = await _setup(make_user, make_workspace, auth_headers)
    response = await client.post(
        base, files={"file": ("../../../escape.csv", CSV)}, headers=headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["original_filename"] == "escape.csv"
    assert files_under(data_dir) == [
        data_dir / "documents" / body["workspace_id"] / body["id"] / "source.csv"
    ]
