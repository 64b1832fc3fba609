"""pytest fixtures for tests that need a real Redis: `from ade_worker.testing import real_redis`.

Shipped with the package so every member's tests share one way of getting a redis-server.
Nothing here is imported by production code.
"""

from __future__ import annotations

import base64
import hashlib
import os
import textwrap
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
        code = "\n\nimport os, time\n\n\ndef transform(*, values, logger, **_):\n"
        code += textwrap.indent(textwrap.dedent(transform_body).strip("\n"), "    ") + "\n"
        code += "    return values\n"
        files[EXAMPLE_COLUMN] = files[EXAMPLE_COLUMN] + code.encode()
    files.update(extra or {})
    return files


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
