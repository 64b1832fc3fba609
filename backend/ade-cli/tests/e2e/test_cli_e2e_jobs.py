"""The whole flow on one machine, as a user runs it: `ade start` (API + worker + a real
redis-server), then over HTTP: publish a config, upload a spreadsheet, submit jobs, follow
them, download the normalized workbook. Misbehaving config code fails its own job only."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

import httpx
import pytest
import python_calamine

from ade_db.types import new_id
from ade_worker.embedded_redis import EmbeddedRedis, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

SAMPLE = resources.files("ade_engine") / "templates" / "roster" / "samples" / "members.csv"
EMAIL = "e2e@example.org"
PASSWORD = "e2e-password-123"


@dataclass
class Stack:
    http: httpx.Client
    ws: str
    process: subprocess.Popen[str]

    def wait(self, job_id: str, timeout: float = 90) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job: dict[str, object] = self.http.get(f"/workspaces/{self.ws}/jobs/{job_id}").json()
            if job["status"] in ("succeeded", "failed", "cancelled"):
                return job
            time.sleep(0.2)
        pytest.fail(f"job {job_id} did not finish in {timeout} s")

    def publish(self, slug: str, email_module: str | None = None) -> str:
        created = self.http.post(
            f"/workspaces/{self.ws}/configs", json={"slug": slug, "title": slug}
        )
        assert created.status_code == 201, created.text
        cid = created.json()["id"]
        if email_module is not None:
            url = f"/workspaces/{self.ws}/configs/{cid}/draft/files/columns/email.py"
            current = self.http.get(url)
            code = current.json()["code"] + "\n\n" + email_module
            saved = self.http.put(
                url, json={"code": code}, headers={"If-Match": current.headers["etag"]}
            )
            assert saved.status_code == 200, saved.text
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

    def submit(self, document_id: str, version_id: str, **extra: object) -> dict[str, object]:
        response = self.http.post(
            f"/workspaces/{self.ws}/jobs",
            json={"document_id": document_id, "config_version_id": version_id, **extra},
        )
        assert response.status_code == 202, response.text
        job: dict[str, object] = response.json()
        return job


@pytest.fixture(scope="module")
def stack(real_redis: EmbeddedRedis, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("e2e-stack")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADE_")}
    env |= {
        "ADE_STORAGE_DATA_DIR": str(root / "data"),
        "ADE_REDIS_URL": real_redis.url,
        "ADE_QUEUE_NAME": f"e2e-{new_id().lower()}",
        # Small limits so misbehaving configs fail fast; the example needs ~110 MB.
        "ADE_SANDBOX_TIMEOUT_SECONDS": "8",
        "ADE_SANDBOX_MEMORY_MB": "600",
    }
    ade = [sys.executable, "-m", "ade_cli"]
    for args in (
        ["db", "migrate"],
        ["users", "create", "--email", EMAIL, "--password", PASSWORD, "--admin"],
    ):
        done = subprocess.run(
            [*ade, *args], env=env, cwd=root, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    port = free_port()
    process = subprocess.Popen(
        [*ade, "start", "--port", str(port)],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=(root / "start.log").open("w"),
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (root / "start.log").read_text()
            try:
                if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "ade start did not become ready"
            time.sleep(0.2)
        http = httpx.Client(base_url=f"{base}/api/v1", timeout=60)
        token = http.post("/auth/login", json={"email": EMAIL, "password": PASSWORD}).json()
        http.headers["Authorization"] = f"Bearer {token['access_token']}"
        ws = http.post("/workspaces", json={"name": "E2E"}).json()["id"]
        yield Stack(http, ws, process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def test_upload_run_download_then_cache_hit_then_force(stack: Stack) -> None:
    version = stack.publish("roster")
    document = stack.upload()
    job = stack.wait(str(stack.submit(document, version)["id"]))
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 1
    assert job["metrics"]["rows_processed"] == 5  # type: ignore[index]

    output = stack.http.get(f"/workspaces/{stack.ws}/jobs/{job['id']}/output")
    assert output.status_code == 200
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(output.content))
    rows = workbook.get_sheet_by_name("Normalized").to_python()
    assert rows[0][:3] == ["Member ID", "First Name", "Last Name"]
    assert len(rows) == 6
    assert rows[1][1] == "Ada"
    assert "ada@example.org" in [str(v).lower() for v in rows[1]]

    events = stack.http.get(
        f"/workspaces/{stack.ws}/jobs/{job['id']}/events", params={"page_size": 200}
    )
    types = [e["type"] for e in events.json()["items"]]
    assert types[0] == "job.queued"
    assert "job.started" in types
    assert "run.completed" in types
    assert types[-1] == "job.succeeded"

    hit = stack.submit(document, version)
    assert hit["cache_hit"] is True
    assert hit["status"] == "succeeded"
    assert hit["cache_hit_of_id"] == job["id"]
    again = stack.http.get(f"/workspaces/{stack.ws}/jobs/{hit['id']}/output")
    assert again.content == output.content

    forced = stack.wait(str(stack.submit(document, version, force=True)["id"]))
    assert forced["status"] == "succeeded"
    assert forced["cache_hit"] is False
    assert forced["id"] != job["id"]

    detail = stack.http.get(f"/workspaces/{stack.ws}/documents/{document}").json()
    assert {j["id"] for j in detail["jobs"]} >= {job["id"], forced["id"]}


MISBEHAVING = {
    "raises": (
        "def transform(*, values, **_):\n    raise RuntimeError('config exploded')\n",
        "config exploded",
    ),
    "sleeps": (
        "def transform(*, values, **_):\n    import time\n    time.sleep(120)\n    return values\n",
        "8",
    ),
    "eats-memory": (
        "def transform(*, values, **_):\n    hog = bytearray(2 * 1024**3)\n    return values\n",
        "memory",
    ),
    "exits": ("def transform(*, values, **_):\n    import os\n    os._exit(3)\n", "3"),
}


@pytest.mark.parametrize("kind", sorted(MISBEHAVING))
def test_misbehaving_config_fails_its_job_and_the_next_job_succeeds(
    stack: Stack, kind: str
) -> None:
    code, expected = MISBEHAVING[kind]
    bad = stack.publish(f"bad-{kind}", code)
    good = stack.publish(f"good-{kind}")
    document = stack.upload()
    failed = stack.wait(str(stack.submit(document, bad)["id"]))
    assert failed["status"] == "failed", failed
    error = failed["error"]
    assert isinstance(error, dict)
    assert expected in str(error["message"]), error
    assert failed["attempts"] == 1  # deterministic failures are not retried
    if kind == "raises":
        assert error["file"] == "columns/email.py"
        assert error["line"]
    assert stack.process.poll() is None  # the worker (and the API) live on
    after = stack.wait(str(stack.submit(document, good)["id"]))
    assert after["status"] == "succeeded", after


def test_cancel_a_running_job_within_two_seconds(stack: Stack) -> None:
    slow = stack.publish(
        "slow",
        "def transform(*, values, **_):\n    import time\n    time.sleep(6)\n    return values\n",
    )
    document = stack.upload()
    job_id = str(stack.submit(document, slow)["id"])
    deadline = time.monotonic() + 30
    while stack.http.get(f"/workspaces/{stack.ws}/jobs/{job_id}").json()["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    time.sleep(0.5)
    asked = time.monotonic()
    assert stack.http.post(f"/workspaces/{stack.ws}/jobs/{job_id}:cancel").status_code == 202
    job = stack.wait(job_id, timeout=10)
    assert job["status"] == "cancelled"
    assert time.monotonic() - asked < 2.5
    retried = stack.http.post(f"/workspaces/{stack.ws}/jobs/{job_id}:retry")
    assert retried.status_code == 202
    assert retried.json()["status"] == "queued"
