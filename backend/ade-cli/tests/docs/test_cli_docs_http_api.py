"""docs/reference/http-api.md: every route has a curl example, and the examples run as written.

The page's examples are one walkthrough against `ade start` (the quickstart's state: the API on
127.0.0.1:8000 and the admin it creates). One test runs them all in one bash session and checks
what they did; another parses their curl commands and requires one for every route of the app,
so a new route without an example fails here, by name.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest
import python_calamine
from sqlalchemy import create_engine

from ade_api.app import create_app
from ade_api.settings import ApiSettings
from ade_cli.testing import ROOT, Block, RunPage, Stack, runnable_blocks
from ade_storage import StorageSettings

PAGE = ROOT / "docs" / "reference" / "http-api.md"
#: Served outside /api/v1 and left out of the OpenAPI document, but routes all the same.
ROOT_ROUTES = {("GET", "/health"), ("GET", "/ready"), ("GET", "/metrics")}
API_PREFIX = "/api/v1"
DOC_ORIGIN = "http://127.0.0.1:8000"
HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")
#: Statuses the walkthrough prints with `-w '%{http_code}\n'`, in page order; the prose next to
#: each command says which one it shows.
EXPECTED_STATUSES = [
    "409",  # first-run setup on a server that has its admin
    "401",  # the revoked API key
    "422",  # an API key's expires_at without a timezone
    "400",  # an API key's expires_at in the past
    "401",  # the logged-out token
    "404",  # the deleted scratch workspace
    "409",  # demoting the last owner
    "200",  # the upload replayed with the same Idempotency-Key
    "409",  # publishing an unchanged draft
    "409",  # changing an archived config
    "409",  # archiving the active config
    "412",  # a write with a stale ETag
    "428",  # a write without If-Match
    "409",  # deleting a file the manifest names
    "400",  # an invalid manifest patch
    "409",  # adding a column the manifest has
    "409",  # cancelling a finished job
    "409",  # retrying a succeeded job
    "409",  # deleting a document a queued or running job uses
    "202",  # cancelling the slow job
]

needs_curl_and_jq = pytest.mark.needs_tools("curl", "jq")


# --------------------------------------------------------------------------- parsing the page


def shell_lines(code: str) -> Iterable[str]:
    """The logical lines of a block: continuations joined, here-document bodies left out."""
    lines = code.replace("\\\n", " ").splitlines()
    end: str | None = None
    for line in lines:
        if end is not None:
            if line.strip() == end:
                end = None
            continue
        yield line
        heredoc = HEREDOC.search(line)
        if heredoc:
            end = heredoc.group(2)


def curl_commands(line: str) -> list[list[str]]:
    """The argument lists of the curl commands in one shell line (also inside `$(...)`)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    tokens = list(lexer)
    commands = []
    for start, token in enumerate(tokens):
        if token != "curl":
            continue
        args = []
        for arg in tokens[start + 1 :]:
            if arg and set(arg) <= set("();<>|&"):
                break  # the end of this command: a pipe, `)`, `;`, `&&`...
            args.append(arg)
        commands.append(args)
    return commands


def request_of(args: list[str]) -> tuple[str, str]:
    """(method, path) of one curl command, as curl would send it."""
    method = "GET"
    urls = []
    for index, arg in enumerate(args):
        following = args[index + 1] if index + 1 < len(args) else ""
        if arg in ("-X", "--request"):
            method = following
        elif arg.startswith("-X") and len(arg) > 2:
            method = arg[2:]
        elif (
            arg in ("-d", "-F", "--json", "--form")
            or arg.startswith("--data")
            or arg.startswith("--form-")
        ) and method == "GET":
            method = "POST"
        elif arg in ("-T", "--upload-file") and method == "GET":
            method = "PUT"
        elif arg.startswith(("$API", "${API}", "http://", "https://")):
            urls.append(arg)
    assert len(urls) == 1, f"expected one URL in: curl {shlex.join(args)}"
    url = urls[0].split("?", 1)[0]
    for origin, prefix in ((DOC_ORIGIN, ""), ("${API}", API_PREFIX), ("$API", API_PREFIX)):
        if url.startswith(origin):
            return method.upper(), prefix + url.removeprefix(origin)
    raise AssertionError(f"a URL of another host: {url}")


def checks_status(args: list[str]) -> bool:
    """Whether the command fails on an error answer, or prints the status it got."""
    writes_status = any("%{http_code}" in value for flag, value in pairwise(args) if flag == "-w")
    return "--fail-with-body" in args or "-f" in args or "--fail" in args or writes_status


def page_requests(blocks: list[Block]) -> list[tuple[str, str, str]]:
    """(method, path, where) of every curl command of the page's runnable blocks."""
    found = []
    for block in blocks:
        for line in shell_lines(block.code):
            for args in curl_commands(line):
                method, path = request_of(args)
                # An error answer must not pass unnoticed: either it stops the run, or the
                # command prints the status for the test to compare.
                assert checks_status(args), f"{block.where}: curl {shlex.join(args)}"
                found.append((method, path, block.where))
    return found


def template_pattern(template: str) -> re.Pattern[str]:
    """A path template as a regex: `{name}` is one segment; a file `{path}` may hold slashes.

    A segment never holds `:`, so `{config_id}` does not swallow `{config_id}:activate`.
    """
    pattern = ""
    for part in re.split(r"(\{[^}]+\})", template):
        if part == "{path}":
            pattern += r".+"
        elif part.startswith("{"):
            pattern += r"[^/:]+"
        else:
            pattern += re.escape(part)
    return re.compile(pattern + r"\Z")


def openapi(data_dir: Path) -> dict[str, Any]:
    """The API's OpenAPI document, built as `ade api routes` builds it (nothing connects)."""
    engine = create_engine("sqlite://")
    try:
        app = create_app(
            ApiSettings(api_docs_enabled=True),
            engine=engine,
            storage_settings=StorageSettings(data_dir=data_dir),
        )
        schema: dict[str, Any] = app.openapi()
    finally:
        engine.dispose()
    return schema


#: A route table's row: `| `METHOD path` ...|` (a path of `...` is the section's prefix).
ROUTE_ROW = re.compile(r"^\| `(GET|POST|PUT|PATCH|DELETE) ([^`\s]+)`(.*)$", re.M)
#: The page's shorthand: "Below, `.../documents` is `/api/v1/workspaces/{ws}/documents`".
SHORTHAND = re.compile(r"Below, `\.\.\.(/\w+)` is\s+`([^`]+)`")
#: A status in a row's answer: `404`, `201 {...}`, `409` `problem-type`.
STATUS = re.compile(r"`([1-5]\d\d)[ `]")


def documented_statuses(text: str) -> list[tuple[str, str, set[str]]]:
    """(method, path, statuses) of every route row of the page, `...` paths made whole."""
    rows = []
    for match in ROUTE_ROW.finditer(text):
        method, path, rest = match.groups()
        if path.startswith("..."):
            prefixes = dict(SHORTHAND.findall(" ".join(text[: match.start()].split())))
            name = re.match(r"/\w+", path[3:])
            assert name, path
            assert name.group() in prefixes, f"no prefix for {path}"
            path = prefixes[name.group()] + path[3 + len(name.group()) :]
        rows.append((method, path.split("?", 1)[0], set(STATUS.findall(rest + " "))))
    return rows


def undocumented_answers(schema: dict[str, Any], text: str) -> list[str]:
    """The statuses the page gives a route that the OpenAPI document does not list for it."""
    responses = {
        (method.upper(), template_pattern(path)): set(operation.get("responses", {}))
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }
    found = []
    for method, path, statuses in documented_statuses(text):
        matched = [codes for (m, p), codes in responses.items() if m == method and p.match(path)]
        assert len(matched) == 1, f"{method} {path}: {len(matched)} routes"
        found += [f"{method} {path}: {code}" for code in sorted(statuses - matched[0])]
    return found


def app_routes(data_dir: Path) -> set[tuple[str, str]]:
    """Every (method, path template) the API serves: its OpenAPI document plus the bare paths."""
    schema = openapi(data_dir)
    routes = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "put", "post", "patch", "delete")
    }
    return routes | ROOT_ROUTES


# --------------------------------------------------------------------------- the tests


def test_every_route_has_a_curl_example(tmp_path: Path) -> None:
    routes = app_routes(tmp_path / "data")
    assert len(routes) > 50, sorted(routes)  # the OpenAPI document really was read
    requests = page_requests(runnable_blocks(PAGE))
    patterns = {route: template_pattern(route[1]) for route in routes}

    shown = {
        route
        for route, pattern in patterns.items()
        for method, path, _ in requests
        if method == route[0] and pattern.match(path)
    }
    missing = sorted(routes - shown, key=lambda route: (route[1], route[0]))
    assert not missing, (
        "routes without a curl example in docs/reference/http-api.md:\n"
        + "\n".join(f"  {method} {path}" for method, path in missing)
    )
    # And no example calls a route that does not exist (a typo, or a route since removed).
    unknown = [
        f"  {method} {path} ({where})"
        for method, path, where in requests
        if not any(m == method and p.match(path) for (m, _), p in patterns.items())
    ]
    assert not unknown, "curl examples of no route:\n" + "\n".join(unknown)


def test_every_status_the_page_gives_a_route_is_in_its_openapi_responses(
    tmp_path: Path,
) -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert len(documented_statuses(text)) > 50
    missing = undocumented_answers(openapi(tmp_path / "data"), text)
    assert not missing, "statuses the page gives that OpenAPI does not list:\n" + "\n".join(missing)


def test_the_status_check_reads_the_rows_and_finds_what_is_not_listed(tmp_path: Path) -> None:
    text = (
        "Below, `.../keys` is `/api/v1/me/api-keys`.\n\n"
        "| `POST .../keys` `{name}` | `201 {id}`; a bad name: `400`, or `418` `teapot`. |\n"
        "| `GET /api/v1/me?x=1` | `200`. |\n"
    )
    assert documented_statuses(text) == [
        ("POST", "/api/v1/me/api-keys", {"201", "400", "418"}),
        ("GET", "/api/v1/me", {"200"}),
    ]
    assert undocumented_answers(openapi(tmp_path / "data"), text) == [
        "POST /api/v1/me/api-keys: 418"
    ]


def test_the_route_parser_reads_curl_as_curl_does() -> None:
    # The coverage test is only as good as this parsing: check the cases the page relies on.
    line = (
        'X=$(curl -s --fail-with-body "$API/workspaces/$WS/configs/$CID:activate" -X POST '
        '-H "$AUTH" | jq -r .id); curl -s $API/workspaces/$WS/documents -F file=@a.csv '
        "-H 'Idempotency-Key: k'; curl -s http://127.0.0.1:8000/metrics | grep ade_"
    )
    assert [request_of(args) for args in curl_commands(line)] == [
        ("POST", "/api/v1/workspaces/$WS/configs/$CID:activate"),
        ("POST", "/api/v1/workspaces/$WS/documents"),
        ("GET", "/metrics"),
    ]
    block = "cat > f <<'PY'\ncurl -X DELETE $API/x\nPY\ncurl -s \\\n  \"${API}/me?a=1\" -d '{}'\n"
    assert [request_of(a) for line in shell_lines(block) for a in curl_commands(line)] == [
        ("POST", "/api/v1/me")
    ]
    assert request_of(["-T", "f", "$API/w/${WS}/x"]) == ("PUT", "/api/v1/w/${WS}/x")
    assert not checks_status(["-s", "$API/me"])
    assert checks_status(["-s", "-o", "/dev/null", "-w", "%{http_code}\\n", "$API/me"])
    files = template_pattern("/api/v1/w/{workspace_id}/draft/files/{path}")
    assert files.match("/api/v1/w/$WS/draft/files/columns/email.py")
    config = template_pattern("/api/v1/w/{workspace_id}/configs/{config_id}")
    assert not config.match("/api/v1/w/$WS/configs/$CID:activate")
    assert not config.match("/api/v1/w/$WS/configs/$CID/export")


@pytest.mark.e2e
@pytest.mark.redis
@needs_curl_and_jq
def test_the_http_api_walkthrough_runs_as_written(
    ade_stack: Stack, run_page: RunPage, tmp_path: Path
) -> None:
    ade_stack.create_admin()
    run = run_page(PAGE, env=ade_stack.env, port=ade_stack.port, timeout=300)
    assert run.returncode == 0, run.output

    out = run.stdout
    statuses = [line for line in out.splitlines() if re.fullmatch(r"\d{3}", line)]
    assert statuses == EXPECTED_STATUSES, out
    assert "same bytes" in out  # the downloaded document is the uploaded one
    assert "event: job.succeeded" in out  # the live stream ran to the job's end
    assert out.count("event: job.cancelled") == 2, out
    assert 'ade_jobs{status="cancelled"} 1.0' in out, out
    # The document's timeline, then the workspace's stream resumed from its first event.
    assert '"document.uploaded"\n"job.cancelled"\n' in out, out
    streamed = next(line for line in out.splitlines() if line.startswith("document."))
    assert {"job.queued", "job.started", "job.progress", "job.succeeded", "job.cancelled"} <= set(
        streamed.split(",")
    ), streamed

    http = httpx.Client(base_url=f"{ade_stack.url}{API_PREFIX}", timeout=30)
    login = {"email": "admin@example.org", "password": "change-me-please"}
    token = http.post("/auth/login", json=login).json()["access_token"]
    http.headers["Authorization"] = f"Bearer {token}"

    assert http.get("/me/api-keys").json()["total"] == 0  # the example key was revoked
    workspaces = http.get("/workspaces").json()["items"]
    assert [(w["slug"], w["name"]) for w in workspaces] == [("api-tour", "API walkthrough")]
    ws = f"/workspaces/{workspaces[0]['id']}"
    members = http.get(f"{ws}/members").json()["items"]
    assert [(m["email"], m["role"]) for m in members] == [("admin@example.org", "owner")]

    configs = {c["slug"]: c for c in http.get(f"{ws}/configs").json()["items"]}
    assert set(configs) == {"roster", "roster-copy", "roster-v1", "slow"}
    roster = configs["roster"]
    assert roster["active"]
    assert roster["published_semver"] == "1.0.0"
    assert not configs["roster-copy"]["archived"]  # archived, then unarchived
    versions = http.get(f"{ws}/configs/{roster['id']}/versions").json()["items"]
    assert sorted((v["semver"] or "", v["status"]) for v in versions) == [
        ("", "discarded"),  # the unpublished title change the revert kept
        ("", "draft"),
        ("1.0.0", "published"),
        ("1.1.0", "deprecated"),
    ]
    by_semver = {v["semver"]: v for v in versions if v["semver"]}
    # Export then import is lossless: the copy's draft holds exactly 1.1.0's files.
    copy = configs["roster-copy"]
    copy_draft = http.get(f"{ws}/configs/{copy['id']}/versions/{copy['version_id']}").json()
    assert copy_draft["files_hash"] == by_semver["1.1.0"]["files_hash"]
    # The duplicate of 1.0.0 holds its files in a draft, with nothing published.
    v1_copy = configs["roster-v1"]
    assert (v1_copy["active"], v1_copy["published_version_id"]) == (False, None)
    v1_draft = http.get(f"{ws}/configs/{v1_copy['id']}/versions/{v1_copy['version_id']}").json()
    assert v1_draft["files_hash"] == by_semver["1.0.0"]["files_hash"]

    draft = f"{ws}/configs/{roster['id']}/draft"
    manifest = http.get(f"{draft}/manifest").json()
    assert manifest["engine"]["min_score"] == 0.6
    assert manifest["title"] == "Member roster (work in progress)"  # restored after the revert
    assert [c["field"] for c in manifest["columns"][-2:]] == ["nickname", "branch"]
    paths = {
        f["path"] for f in http.get(f"{draft}/files", params={"page_size": 200}).json()["items"]
    }
    assert {"columns/nickname.py", "columns/branch.py"} <= paths
    assert "NOTES.md" not in paths
    email = http.get(f"{draft}/files/columns/email.py").json()["code"]
    assert "def detect_mail_header(" in email

    documents = http.get(f"{ws}/documents").json()["items"]
    assert [d["original_filename"] for d in documents] == ["members.csv"]  # the copy was deleted
    jobs = http.get(f"{ws}/jobs", params={"sort": "created_at"}).json()["items"]
    assert [(j["status"], j["cache_hit"], j["attempts"]) for j in jobs[:2]] == [
        ("succeeded", False, 1),
        ("succeeded", True, 0),
    ]
    # The slow job was cancelled twice. `attempts` counts the runs a worker started, and a
    # cancel may land while the job is still queued (a busy machine's worker has not picked it
    # up yet: the page says both are fine), so each cancel adds 0 or 1.
    slow = jobs[2]
    assert (slow["status"], slow["cache_hit"]) == ("cancelled", False)
    assert slow["attempts"] in (0, 1, 2)

    work = run.scratch  # where the walkthrough wrote its files, out of the checkout
    normalized = python_calamine.CalamineWorkbook.from_path(str(work / "normalized.xlsx"))
    rows = normalized.get_sheet_by_name("Normalized").to_python()
    assert rows[0][:2] == ["Member ID", "First Name"]
    assert len(rows) == 6
    # The preview ran the edited draft: its new columns are there, with nothing mapped to them.
    preview = python_calamine.CalamineWorkbook.from_path(str(work / "preview.xlsx"))
    header = preview.get_sheet_by_name("Normalized").to_python()[0]
    assert header[-2:] == ["Nickname", "Branch"], header
