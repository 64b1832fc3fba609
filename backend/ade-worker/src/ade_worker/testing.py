"""pytest fixtures for tests that need a real Redis (`real_redis`) or the real sandbox jail
(`sandbox_root`, `jail_provider`, `jail`): `from ade_worker.testing import real_redis`; and
helpers to build job folders and to watch a sandboxed run's processes from the host.

Shipped with the package so every member's tests share one way of getting a redis-server.
Nothing here is imported by production code.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import tempfile
import textwrap
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from ade_db.models import Config, ConfigFile, ConfigVersion, Document, Job, JobEvent, Workspace
from ade_db.types import new_id, utcnow
from ade_engine.scaffold import example_files
from ade_storage import BlobStore, StorageLayout
from ade_worker.embedded_redis import EmbeddedRedis, find_redis_server, redis_server_process
from ade_worker.jail import Jail, JailProvider, JailUnavailableError
from ade_worker.zygote import zygote_pids

#: The sandbox user the test suite's jails run as (`ade sandbox setup` creates it).
TEST_SANDBOX_USER = os.environ.get("ADE_TEST_SANDBOX_USER", "ade-sandbox")


@pytest.fixture(scope="session")
def real_redis() -> Iterator[EmbeddedRedis]:
    """A real redis-server for the session, started as `ade start` starts it (a password in
    its URL, dangerous commands denied). Required (not skipped) when ADE_TEST_REQUIRE_REDIS=1."""
    binary = find_redis_server()
    if binary is None:
        if os.environ.get("ADE_TEST_REQUIRE_REDIS", "") in {"1", "true", "yes"}:
            pytest.fail("redis-server is required (ADE_TEST_REQUIRE_REDIS=1) but not found")
        pytest.skip("redis-server not installed")
    with redis_server_process(binary) as redis:
        yield redis


@pytest.fixture(scope="session")
def sandbox_root() -> Iterator[Path]:
    """ADE_SANDBOX_DIR for the session: under the system temp folder, which the sandbox user
    can search (pytest's own tmp_path is private to us)."""
    root = Path(tempfile.mkdtemp(prefix="ade-jail-"))
    root.chmod(0o711)  # searchable by the sandbox user, as ADE_SANDBOX_DIR must be
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def jail_provider(sandbox_root: Path) -> JailProvider:
    """The jail as production sets it up; the suite needs it (run as root, after
    `ade sandbox setup`): a missing piece fails the tests that run config code."""
    return JailProvider(enabled=True, user=TEST_SANDBOX_USER, root=sandbox_root)


class Jails:
    """The session's jails by start: "cold" (bubblewrap per run) and "warm" (its zygote)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._found: dict[str, Jail] = {}

    def get(self, kind: str) -> Jail:
        if kind not in self._found:
            warm = kind == "warm"
            provider = JailProvider(enabled=True, user=TEST_SANDBOX_USER, root=self.root, warm=warm)
            try:
                found = provider.get()
            except JailUnavailableError as exc:
                pytest.fail(f"the sandbox jail is needed by this test: {exc}")
            assert found is not None
            if warm and (found.zygote is None or not found.zygote.up()):
                problem = found.zygote.problem if found.zygote is not None else "no zygote"
                pytest.fail(f"the sandbox's warm start is needed by this test: {problem}")
            self._found[kind] = found
        found = self._found[kind]
        if found.zygote is not None:
            found.zygote.ensure()  # a test may have killed it
        return found


@pytest.fixture(scope="session")
def jails(sandbox_root: Path) -> Jails:
    return Jails(sandbox_root)


@pytest.fixture(params=["cold", "warm"])
def jail(request: pytest.FixtureRequest, jails: Jails) -> Jail:
    """The production jail, once cold (bubblewrap per run) and once warm (through its zygote,
    ADE_SANDBOX_WARM): every test of the jail holds for both starts."""
    return jails.get(str(request.param))


# -- seeding jobs straight into the database (worker tests, end-to-end tests) -----------------

EXAMPLE_COLUMN = "columns/email.py"


def sample_input() -> bytes:
    """The roster example's sample document (a CSV of members)."""
    root = resources.files("ade_engine") / "templates" / "roster" / "samples" / "members.csv"
    return root.read_bytes()


def example_config(
    transform_body: str | None = None, extra: dict[str, bytes] | None = None
) -> dict[str, bytes]:
    """The example config package's files; with `transform_body`, columns/email.py gets a new
    `transform` (the later definition wins) running that code, so a test can make it
    misbehave. `extra` adds or replaces files."""
    files = example_files()
    if transform_body is not None:
        code = "\n\nimport json, os, resource, signal, subprocess, tempfile, time\n\n\n"
        code += "def transform(*, values, logger, **_):\n"
        code += textwrap.indent(textwrap.dedent(transform_body).strip("\n"), "    ") + "\n"
        code += "    return values\n"
        files[EXAMPLE_COLUMN] = files[EXAMPLE_COLUMN] + code.encode()
    files.update(extra or {})
    return files


def job_folder(root: Path, transform_body: str | None = None) -> Path:
    """`root/job` as the worker materializes it: input/members.csv and config/ (the example
    package, with `transform_body` as in :func:`example_config`)."""
    job = root / "job"
    (job / "input").mkdir(parents=True)
    (job / "input" / "members.csv").write_bytes(sample_input())
    for path, content in example_config(transform_body).items():
        target = job / "config" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return job


def config_line(job: Path, text: str) -> int:
    """The 1-based line of the job's column module (see `job_folder`) that contains `text`."""
    lines = (job / "config" / EXAMPLE_COLUMN).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


# -- a sandboxed run's processes, seen from the host -------------------------------------------


@dataclass(frozen=True)
class HostProcess:
    """One process as the host's /proc shows it (code in a jail sees other pid numbers)."""

    pid: int
    ppid: int
    pgid: int
    state: str
    uid: int
    start: int  # clock ticks after boot: tells the process from a later one with its pid
    nspid: int  # its pid in its own PID namespace: what code in a jail sees as os.getpid()
    name: str


def _host_process(entry: Path) -> HostProcess | None:
    try:
        stat_text = (entry / "stat").read_text()
        status = (entry / "status").read_text()
    except OSError:
        return None  # gone meanwhile
    fields = stat_text.rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, pgrp, ...
    lines = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return HostProcess(
        pid=int(entry.name),
        ppid=int(fields[1]),
        pgid=int(fields[2]),
        state=fields[0],
        uid=int(lines["Uid"].split()[0]),
        start=int(fields[19]),
        nspid=int(lines["NSpid"].split()[-1]),
        name=lines["Name"].strip(),
    )


def host_processes() -> dict[int, HostProcess]:
    """Every process on the host, by pid."""
    found = (_host_process(entry) for entry in Path("/proc").iterdir() if entry.name.isdigit())
    return {process.pid: process for process in found if process is not None}


def descendants(pid: int) -> list[HostProcess]:
    """The live (not zombie) processes below `pid`: for a test that runs the sandbox, what
    the run started, jailed or not."""
    everything = host_processes()
    children: dict[int, list[HostProcess]] = {}
    for process in everything.values():
        children.setdefault(process.ppid, []).append(process)
    found: list[HostProcess] = []
    todo = list(children.get(pid, []))
    # A warm start's zygote (bwrap and the python under it) is no run's: its runs are.
    zygotes = zygote_pids()

    def zygote(process: HostProcess) -> bool:  # its bwrap, or the zygote right below that
        return process.pid in zygotes or process.ppid in zygotes

    while any(zygote(p) for p in todo):
        todo = [c for p in todo for c in (children.get(p.pid, []) if zygote(p) else [p])]
    while todo:
        process = todo.pop()
        found.append(process)
        todo += children.get(process.pid, [])
    return [process for process in found if process.state not in ("Z", "X")]


def assert_gone(processes: list[HostProcess], seconds: float = 3.0) -> None:
    """None of `processes` is still alive (a zombie only waits for its parent to reap it)."""
    deadline = time.monotonic() + seconds
    while True:
        now = host_processes()
        alive = [
            p
            for p in processes
            if (later := now.get(p.pid)) is not None
            and later.start == p.start
            and later.state not in ("Z", "X")
        ]
        if not alive:
            return
        assert time.monotonic() < deadline, f"processes of the run survived: {alive}"
        time.sleep(0.05)


@dataclass(frozen=True)
class SeededJob:
    job_id: str
    workspace_id: str
    document_id: str
    config_version_id: str


def seed_job(
    session_factory: sessionmaker[Session],
    blobs: BlobStore,
    *,
    files: dict[str, bytes] | None = None,
    document: bytes | None = None,
    suffix: str = ".csv",
    queued_at: datetime | None = None,
    request_id: str | None = None,
) -> SeededJob:
    """A workspace, a document (blob and row), a published config version with `files`
    (default: the example package) and a queued job, committed. Nothing is enqueued."""
    files = example_config() if files is None else files
    document = sample_input() if document is None else document
    with session_factory() as session:
        workspace = Workspace(name="Worker tests", slug=f"w-{new_id().lower()}")
        session.add(workspace)
        session.flush()
        doc_id = new_id()
        key = StorageLayout(Path(".")).document_key(workspace.id, doc_id, suffix)
        info = blobs.put(key, [document])
        session.add(
            Document(
                id=doc_id,
                workspace_id=workspace.id,
                original_filename=f"members{suffix}",
                content_type="text/csv",
                file_type=suffix.lstrip("."),
                size=info.size,
                sha256=info.sha256,
                storage_key=key,
            )
        )
        config = Config(workspace_id=workspace.id, slug="roster", title="Roster")
        session.add(config)
        session.flush()
        files_hash = hashlib.sha256()
        for path, content in sorted(files.items()):
            files_hash.update(path.encode() + b"\0" + hashlib.sha256(content).digest())
        version = ConfigVersion(
            config_id=config.id,
            status="published",
            semver="1.0.0",
            files_hash=files_hash.hexdigest(),
        )
        session.add(version)
        session.flush()
        for path, content in files.items():
            session.add(
                ConfigFile(
                    version_id=version.id,
                    path=path,
                    content=content,
                    sha256=hashlib.sha256(content).hexdigest(),
                    size=len(content),
                )
            )
        job = Job(
            workspace_id=workspace.id,
            document_id=doc_id,
            config_version_id=version.id,
            run_key=hashlib.sha256(new_id().encode()).hexdigest(),
            status="queued",
            queued_at=queued_at or utcnow(),
            request_id=request_id,
        )
        session.add(job)
        session.flush()
        session.add(JobEvent(job_id=job.id, seq=1, type="job.queued", payload={}))
        session.commit()
        return SeededJob(job.id, workspace.id, doc_id, version.id)


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(folder: Path, name: str = "adetinyvendor", version: str = "1.0") -> Path:
    """A pure-Python wheel built by hand: `import adetinyvendor; adetinyvendor.GREETING`."""
    dist_info = f"{name}-{version}.dist-info"
    members = {
        f"{name}/__init__.py": b'GREETING = "hello from vendor"\n',
        f"{dist_info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        ).encode(),
        f"{dist_info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: ade-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = [_record_line(path, data) for path, data in members.items()]
    record.append(f"{dist_info}/RECORD,,")
    members[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, data in members.items():
            zf.writestr(path, data)
    return wheel


def build_index(folder: Path, *dists: Path) -> str:
    """A PEP 503 simple index in `folder` serving `dists` (wheels or sdists named
    `<project>-<version>...`), as the file:// URL to give ADE_PACKAGE_INDEX_URL: installs in
    tests stay offline and still take the one-index path production takes."""
    projects: dict[str, list[str]] = {}
    for dist in dists:
        project = dist.name.split("-", 1)[0].lower().replace("_", "-")
        (folder / project).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(dist, folder / project / dist.name)
        projects.setdefault(project, []).append(dist.name)
    folder.mkdir(parents=True, exist_ok=True)
    for project, names in projects.items():
        links = "".join(f'<a href="{name}">{name}</a>\n' for name in names)
        (folder / project / "index.html").write_text(f"<html><body>\n{links}</body></html>\n")
    links = "".join(f'<a href="{project}/">{project}</a>\n' for project in projects)
    (folder / "index.html").write_text(f"<html><body>\n{links}</body></html>\n")
    return folder.resolve().as_uri()
