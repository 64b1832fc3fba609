"""A real ADE for end-to-end tests: `ade start` (API, worker, Redis) driven over HTTP.

Shipped with the package, like `ade_cli.testing`, so the end-to-end and escape suites share one
harness. Nothing here is imported by production code.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest

from ade_cli.testing import stop, wait_ready
from ade_worker.embedded_redis import free_port

SAMPLE = resources.files("ade_engine") / "templates" / "roster" / "samples" / "members.csv"
EMAIL = "e2e@example.org"
PASSWORD = "e2e-password-123"  # noqa: S105 (a test user's)


@dataclass
class Stack:
    """A running `ade start`, signed in as an admin with a workspace of its own."""

    http: httpx.Client
    ws: str
    process: subprocess.Popen[bytes]
    root: Path
    port: int

    def wait(self, job_id: str, timeout: float = 90) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job: dict[str, Any] = self.http.get(f"/workspaces/{self.ws}/jobs/{job_id}").json()
            if job["status"] in ("succeeded", "failed", "cancelled"):
                return job
            time.sleep(0.2)
        pytest.fail(f"job {job_id} did not finish in {timeout} s")

    def create_config(self, slug: str, email_module: str | None = None) -> str:
        """A new config whose draft is the example, columns/email.py extended with
        `email_module` (a later `transform` replaces the example's); returns its id."""
        created = self.http.post(
            f"/workspaces/{self.ws}/configs", json={"slug": slug, "title": slug}
        )
        assert created.status_code == 201, created.text
        cid = str(created.json()["id"])
        if email_module is not None:
            self.put_file(cid, "columns/email.py", email_module, append=True)
        return cid

    def draft_file(self, cid: str, path: str) -> str:
        """The text of one draft file, as the server has it."""
        answer = self.http.get(f"/workspaces/{self.ws}/configs/{cid}/draft/files/{path}")
        assert answer.status_code == 200, answer.text
        return str(answer.json()["code"])

    def version_statuses(self, cid: str) -> dict[str, str]:
        """Each version's status by semver (a discarded draft, which has none, by `discarded`)."""
        answer = self.http.get(f"/workspaces/{self.ws}/configs/{cid}/versions")
        assert answer.status_code == 200, answer.text
        return {(v["semver"] or v["status"]): v["status"] for v in answer.json()["items"]}

    def put_file(self, cid: str, path: str, code: str, *, append: bool = False) -> httpx.Response:
        """Write one draft file, creating it when new (appending to it with `append`);
        returns the answer."""
        files = f"/workspaces/{self.ws}/configs/{cid}/draft/files"
        current = self.http.get(f"{files}/{path}")
        if current.status_code == 404:
            return self.http.post(files, json={"path": path, "code": code})
        if append:
            code = current.json()["code"] + "\n\n" + code
        return self.http.put(
            f"{files}/{path}", json={"code": code}, headers={"If-Match": current.headers["etag"]}
        )

    def publish(self, slug: str, email_module: str | None = None) -> str:
        cid = self.create_config(slug, email_module)
        published = self.http.post(
            f"/workspaces/{self.ws}/configs/{cid}/publish", json={"semver": "1.0.0"}
        )
        assert published.status_code == 201, published.text
        return str(published.json()["version_id"])

    def upload(self, name: str = "members.csv", content: bytes | None = None) -> str:
        response = self.http.post(
            f"/workspaces/{self.ws}/documents",
            files={
                "file": (name, content if content is not None else SAMPLE.read_bytes(), "text/csv")
            },
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def submit(self, document_id: str, version_id: str, **extra: object) -> dict[str, Any]:
        response = self.http.post(
            f"/workspaces/{self.ws}/jobs",
            json={"document_id": document_id, "config_version_id": version_id, **extra},
        )
        assert response.status_code == 202, response.text
        job: dict[str, Any] = response.json()
        return job

    def add_member(self, email: str, role: str, password: str = PASSWORD) -> str:
        """A new user (`ade users create` on the stack's database) made `role` in the
        workspace; returns their access token."""
        run_ade(
            self.root,
            stack_env(self.root),
            "users",
            "create",
            "--email",
            email,
            "--password",
            password,
        )
        added = self.http.post(
            f"/workspaces/{self.ws}/members", json={"email": email, "role": role}
        )
        assert added.status_code == 201, added.text
        login = httpx.post(
            str(self.http.base_url.join("auth/login")),
            json={"email": email, "password": password},
            timeout=60,
        )
        assert login.status_code == 200, login.text
        return str(login.json()["access_token"])

    def events(self, job_id: str) -> list[dict[str, Any]]:
        """The job's whole timeline."""
        found: list[dict[str, Any]] = []
        number = 1
        while True:
            page = self.http.get(
                f"/workspaces/{self.ws}/jobs/{job_id}/events",
                params={"page": number, "page_size": 200},
            )
            assert page.status_code == 200, page.text
            body = page.json()
            found += body["items"]
            if not body["items"] or len(found) >= body["total"]:
                return found
            number += 1


def stack_env(root: Path, **settings: str) -> dict[str, str]:
    """The environment `ade` commands get: ours without any ADE_* setting, then `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADE_")}
    env |= {"ADE_STORAGE_DATA_DIR": str(root / "data"), **settings}
    return env


ADE = [sys.executable, "-m", "ade_cli"]


def run_ade(root: Path, env: dict[str, str], *args: str) -> None:
    """Run one `ade` command to completion in `root`; fail the test on a non-zero exit."""
    done = subprocess.run(
        [*ADE, *args], env=env, cwd=root, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


@dataclass
class Started:
    """A running `ade start` that nobody signed in to yet; `output` is its console (stdout)."""

    process: subprocess.Popen[bytes]
    root: Path
    port: int
    output: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def setup_token(self, timeout: float = 10) -> str:
        """The one-time setup token `ade start` printed (it prints one while no user exists)."""
        deadline = time.monotonic() + timeout
        while not (found := SETUP_TOKEN_LINE.search(self.output.read_text())):
            assert time.monotonic() < deadline, f"no setup token in: {self.output.read_text()}"
            time.sleep(0.1)
        return found.group(1)

    def sign_in(self, email: str = EMAIL, password: str = PASSWORD) -> Stack:
        """An HTTP client signed in as `email`, with a new workspace of its own."""
        http = httpx.Client(base_url=f"{self.base}/api/v1", timeout=60)
        answer = http.post("/auth/login", json={"email": email, "password": password})
        assert answer.status_code == 200, answer.text
        http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        ws = http.post("/workspaces", json={"name": "E2E"}).json()["id"]
        return Stack(http, ws, self.process, self.root, self.port)


# What `ade start` prints on a first run (ade_cli.first_run.web_lines).
SETUP_TOKEN_LINE = re.compile(r"use setup token (\S+)")


#: Starts of `ade start` tried when its port was taken before the API could bind it.
PORT_RACE_TRIES = 3


@contextmanager
def run_start(root: Path, env: dict[str, str]) -> Iterator[Started]:
    """Run `ade start` (it migrates) in `root` until it is ready; Ctrl-C at the end.

    `free_port()` only finds a port nothing listens on yet: another process (a parallel test,
    the stack's own Redis) can take it before the API binds it, and then `ade start` exits.
    That start is tried again on another port, up to :data:`PORT_RACE_TRIES` times."""
    log = root / "start.log"
    output = root / "start.out"
    for attempt in range(1, PORT_RACE_TRIES + 1):
        port = free_port()
        process = subprocess.Popen(
            [*ADE, "start", "--port", str(port)],
            env=env,
            cwd=root,
            stdout=output.open("w"),
            stderr=log.open("w"),
        )
        try:
            wait_ready(process, f"http://127.0.0.1:{port}/ready", timeout=60, log=log)
            break
        except AssertionError:
            stop(process)
            said = output.read_text(errors="replace") + log.read_text(errors="replace")
            lost_the_port = "already in use" in said
            if not lost_the_port or attempt == PORT_RACE_TRIES:
                raise
    try:
        yield Started(process, root, port, output)
    finally:
        stop(process)


@contextmanager
def start_stack(root: Path, env: dict[str, str]) -> Iterator[Stack]:
    """Create the admin, run `ade start` in `root` and sign in; Ctrl-C at the end."""
    run_ade(root, env, "db", "migrate")
    run_ade(root, env, "users", "create", "--email", EMAIL, "--password", PASSWORD, "--admin")
    with run_start(root, env) as started:
        yield started.sign_in()
