"""The built web app at `/`: index.html for client routes (revalidated), hashed assets cached
for ever, top-level files served, the API's own paths untouched, no path out of the build,
a readable page when nothing is built, and a strict CSP on all of it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import unquote_to_bytes

import anyio
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, create_engine

from ade_api.app import create_app
from ade_api.settings import ApiSettings
from ade_api.web import service
from ade_api.web.router import CONTENT_SECURITY_POLICY
from ade_storage import StorageSettings

pytestmark = pytest.mark.anyio

INDEX = "<!doctype html><html><body><div id=root></div><script src=/assets/app-abc123.js></script>"
SCRIPT = "console.log('ade');\n"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
REVALIDATE = "no-cache"
FOREVER = "public, max-age=31536000, immutable"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A fake Vite build, and a secret next to it that must never be reachable."""
    root = tmp_path / "web" / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX)
    (root / "assets" / "app-abc123.js").write_text(SCRIPT)
    (root / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (root / "robots.txt").write_text("User-agent: *\n")
    (tmp_path / "web" / "secret.txt").write_text("not for you")
    return root


@pytest.fixture
def engine() -> Iterator[Engine]:
    # Serving files needs no database; requests that reach one are not made here.
    engine = create_engine("sqlite://")
    yield engine
    engine.dispose()


def _app(engine: Engine, tmp_path: Path, web_dir: Path | None) -> FastAPI:
    return create_app(
        ApiSettings(env="test", _env_file=None, web_dir=web_dir),
        engine=engine,
        storage_settings=StorageSettings(data_dir=tmp_path / "data", _env_file=None),
    )


@pytest.fixture
async def web(engine: Engine, tmp_path: Path, dist: Path) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app(engine, tmp_path, dist))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def _hardened(response: httpx.Response) -> None:
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"


def _not_found_problem(response: httpx.Response) -> None:
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/not-found")


def test_the_policy_is_the_one_constant() -> None:
    assert CONTENT_SECURITY_POLICY == CSP


@pytest.mark.parametrize(
    "path", ["/", "/documents/abc", "/w/01JWS/jobs", "/setup", "/sign-in?next=%2Fw%2Fx", "/a/b/c/"]
)
async def test_client_routes_get_index_html(web: httpx.AsyncClient, path: str) -> None:
    response = await web.get(path)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == REVALIDATE
    _hardened(response)


async def test_hashed_assets_are_cached_for_ever(web: httpx.AsyncClient) -> None:
    response = await web.get("/assets/app-abc123.js")
    assert response.status_code == 200
    assert response.text == SCRIPT
    assert "javascript" in response.headers["content-type"]
    assert response.headers["cache-control"] == FOREVER
    _hardened(response)
    head = await web.head("/assets/app-abc123.js")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(SCRIPT))


@pytest.mark.parametrize("path", ["/favicon.svg", "/robots.txt", "/index.html"])
async def test_top_level_files_are_served(web: httpx.AsyncClient, dist: Path, path: str) -> None:
    response = await web.get(path)
    assert response.status_code == 200
    assert response.content == (dist / path.lstrip("/")).read_bytes()
    assert response.headers["cache-control"] == REVALIDATE


@pytest.mark.parametrize("path", ["/assets/x.js", "/assets/", "/assets", "/favicon.ico"])
async def test_missing_files_are_404_not_the_app(web: httpx.AsyncClient, path: str) -> None:
    _not_found_problem(await web.get(path))


@pytest.mark.parametrize(
    "raw_path",
    [
        b"/assets/../../secret.txt",
        b"/assets/../../../etc/passwd",
        b"/assets/%2e%2e/%2e%2e/secret.txt",
        b"/assets/%2E%2E%2F%2E%2E%2Fsecret.txt",
        b"/assets/..%2f..%2fsecret.txt",
        b"/assets/%252e%252e/secret.txt",
        b"/..%2fsecret.txt",
        b"/%2e%2e/secret.txt",
        b"/assets//etc/passwd",
        b"/assets/%00.js",
    ],
)
async def test_no_path_leaves_the_build(
    engine: Engine, tmp_path: Path, dist: Path, raw_path: bytes
) -> None:
    # Sent as is (httpx would normalise dot segments), decoded the way uvicorn decodes it.
    app = _app(engine, tmp_path, dist)
    sent: list[dict[str, object]] = []
    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict[str, object]:
        if requests:
            return requests.pop()
        await anyio.sleep_forever()  # the client stays connected
        raise AssertionError  # pragma: no cover

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote_to_bytes(raw_path).decode("utf-8", "replace"),
        "raw_path": raw_path,
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"test")],
        "client": ("127.0.0.1", 40000),
        "server": ("test", 80),
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")  # type: ignore[misc]
    assert b"not for you" not in body
    assert b"root:" not in body
    status = sent[0]["status"]
    # Refused, or the app's own index.html for a name that merely looks odd; never a file.
    assert status == 404 or (status == 200 and body == INDEX.encode()), (status, body)


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/nope", "/api", "/health/x", "/ready/x"])
async def test_the_api_paths_are_untouched(web: httpx.AsyncClient, path: str) -> None:
    response = await web.get(path)
    _not_found_problem(response)
    assert "content-security-policy" not in response.headers


async def test_api_routes_docs_and_health_answer_as_before(web: httpx.AsyncClient) -> None:
    assert (await web.get("/health")).json()["status"] == "ok"
    assert (await web.get("/api/v1/health")).status_code == 200
    docs = await web.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    assert "content-security-policy" not in docs.headers  # Swagger UI loads its own assets
    assert (await web.get("/api/v1/openapi.json")).json()["info"]["title"] == "ADE API"
    assert (await web.get("/metrics")).status_code == 200
    # A wrong method on an API route is still its 405; on the app's paths, no route: 404.
    assert (await web.post("/health")).status_code == 405
    assert (await web.post("/api/v1/me")).status_code == 405
    _not_found_problem(await web.post("/api/v1/nope"))
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        _not_found_problem(await web.request(method, "/documents/abc"))
    # The app's routes are not in the API's document.
    paths = (await web.get("/api/v1/openapi.json")).json()["paths"]
    assert not [p for p in paths if not p.startswith("/api/v1/")]


@pytest.mark.parametrize("built", [False, True])
async def test_without_a_build_a_page_says_how_to_build_it(
    engine: Engine, tmp_path: Path, built: bool
) -> None:
    empty = tmp_path / "empty-dist"
    empty.mkdir()
    app = _app(engine, tmp_path, empty)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        if built:  # built while the server runs: served from the next request on
            (empty / "index.html").write_text(INDEX)
        for path in ("/", "/documents/abc"):
            response = await client.get(path)
            if built:
                assert response.text == INDEX
                continue
            assert response.status_code == 503
            assert response.headers["content-type"].startswith("text/html")
            assert "./scripts/start" in response.text
            assert "ADE_WEB_DIR" in response.text
            _hardened(response)
        _not_found_problem(await client.get("/assets/app-abc123.js"))
        _not_found_problem(await client.get("/api/v1/nope"))


def test_the_build_folder_comes_from_the_setting_else_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADE_WEB_DIR", str(tmp_path / "dist"))
    configured = ApiSettings(_env_file=None).web_dir
    assert configured == tmp_path / "dist"
    assert service.web_dir(configured) == tmp_path / "dist"
    checkout = service.checkout_web_dir()
    assert checkout.parts[-3:] == ("frontend", "ade-web", "dist")
    assert (checkout.parents[2] / "backend" / "ade-api" / "src" / "ade_api").is_dir()
    assert service.web_dir(None) == (checkout if checkout.parent.is_dir() else None)
    monkeypatch.setattr(service, "checkout_web_dir", lambda: tmp_path / "nope" / "dist")
    assert service.web_dir(None) is None
