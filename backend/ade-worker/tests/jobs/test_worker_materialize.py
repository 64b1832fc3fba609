"""Materializing a job folder from the database and blob storage, and the vendor cache."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from ade_db.models import ConfigFile
from ade_storage import LocalBlobStore, StorageLayout
from ade_worker.claim import ClaimedJob, claim_job
from ade_worker.jail import Jail
from ade_worker.materialize import (
    ConfigFilesError,
    InputError,
    RequirementsError,
    find_uv,
    materialize_job,
    requirements_lines,
)
from ade_worker.sandbox import SandboxLimits, run_engine
from ade_worker.testing import build_wheel, example_config, sample_input, seed_job

LIMITS = SandboxLimits(cpu_seconds=30, memory_mb=2048, wall_seconds=60.0)


def _claim(sessions: sessionmaker[Session], job_id: str) -> ClaimedJob:
    claimed = claim_job(sessions, job_id, worker_id="test:1")
    assert claimed is not None
    return claimed


def _materialize(
    sessions: sessionmaker[Session],
    layout: StorageLayout,
    blobs: LocalBlobStore,
    claimed: ClaimedJob,
    uv_bin: str | None = None,
) -> Path:
    with sessions() as session:
        return materialize_job(session, claimed, layout=layout, blobs=blobs, uv_bin=uv_bin)


def test_builds_the_folder_the_engine_expects(
    sessions: sessionmaker[Session], layout: StorageLayout, blobs: LocalBlobStore, jail: Jail
) -> None:
    files = example_config()
    seeded = seed_job(sessions, blobs, files=files)
    job_dir = _materialize(sessions, layout, blobs, _claim(sessions, seeded.job_id))
    assert job_dir == layout.job_dir(seeded.job_id)
    assert sorted(p.name for p in job_dir.iterdir()) == [
        "config",
        "input",
        "logs",
        "output",
        "tmp",
        "vendor",
    ]
    assert [p.name for p in (job_dir / "input").iterdir()] == ["source.csv"]
    assert (job_dir / "input" / "source.csv").read_bytes() == sample_input()
    written = {
        p.relative_to(job_dir / "config").as_posix(): p.read_bytes()
        for p in (job_dir / "config").rglob("*")
        if p.is_file()
    }
    assert written == files
    assert (job_dir / "vendor").is_dir()
    assert not (job_dir / "vendor").is_symlink()
    assert list((job_dir / "vendor").iterdir()) == []
    assert list((job_dir / "output").iterdir()) == []
    # And the engine runs it, in the jail as the worker does.
    assert run_engine(job_dir, limits=LIMITS, jail=jail).status == "succeeded"


def test_a_new_attempt_starts_from_scratch(
    sessions: sessionmaker[Session], layout: StorageLayout, blobs: LocalBlobStore
) -> None:
    seeded = seed_job(sessions, blobs)
    claimed = _claim(sessions, seeded.job_id)
    job_dir = _materialize(sessions, layout, blobs, claimed)
    # What an earlier attempt may have left behind.
    (job_dir / "output" / "normalized.xlsx").write_bytes(b"stale")
    (job_dir / "input" / "other.csv").write_text("x")
    (job_dir / "config" / "columns" / "leftover.py").write_text("raise SystemExit")
    (job_dir / "logs" / "events.ndjson").write_text('{"event": "old"}\n')
    (job_dir / "somewhere").mkdir()
    again = _materialize(sessions, layout, blobs, claimed)
    assert again == job_dir
    assert list((job_dir / "output").iterdir()) == []
    assert [p.name for p in (job_dir / "input").iterdir()] == ["source.csv"]
    assert not (job_dir / "config" / "columns" / "leftover.py").exists()
    assert list((job_dir / "logs").iterdir()) == []
    assert not (job_dir / "somewhere").exists()


@pytest.mark.parametrize(
    "hostile",
    ["../../x", "/etc/passwd", "columns/../../../x", "a\\..\\b", "columns/./x.py"],
)
def test_hostile_config_paths_are_refused(
    sessions: sessionmaker[Session],
    layout: StorageLayout,
    blobs: LocalBlobStore,
    data_dir: Path,
    hostile: str,
) -> None:
    seeded = seed_job(sessions, blobs)
    with sessions() as session:
        session.add(
            ConfigFile(version_id=seeded.config_version_id, path=hostile, content=b"x", sha256="0")
        )
        session.commit()
    claimed = _claim(sessions, seeded.job_id)
    with pytest.raises(ConfigFilesError, match="config file path refused"):
        _materialize(sessions, layout, blobs, claimed)
    assert not (data_dir.parent / "x").exists()
    assert not (data_dir / "x").exists()
    assert not (data_dir / "jobs" / "x").exists()


def test_conflicting_config_paths_fail_cleanly(
    sessions: sessionmaker[Session],
    layout: StorageLayout,
    blobs: LocalBlobStore,
    tmp_path: Path,
) -> None:
    # `m/a.py` and a file named `m` cannot both exist: the write fails as a config error.
    seeded = seed_job(sessions, blobs, files={"manifest.json": b"{}", "m/a.py": b"", "m": b""})
    claimed = _claim(sessions, seeded.job_id)
    with pytest.raises(ConfigFilesError, match="cannot be written"):
        _materialize(sessions, layout, blobs, claimed)


def test_a_missing_document_blob_is_an_input_error(
    sessions: sessionmaker[Session], layout: StorageLayout, blobs: LocalBlobStore
) -> None:
    seeded = seed_job(sessions, blobs)
    for key in blobs.list("documents/"):
        blobs.delete(key)
    with pytest.raises(InputError, match="missing from storage"):
        _materialize(sessions, layout, blobs, _claim(sessions, seeded.job_id))


def test_a_version_without_files_is_a_config_error(
    sessions: sessionmaker[Session], layout: StorageLayout, blobs: LocalBlobStore
) -> None:
    seeded = seed_job(sessions, blobs, files={})
    with pytest.raises(ConfigFilesError, match="no files"):
        _materialize(sessions, layout, blobs, _claim(sessions, seeded.job_id))


def test_requirements_lines_ignore_comments_and_blanks() -> None:
    content = b"# only comments\n\n   # indented\nrequests==2.0  # why\n--no-index\n"
    assert requirements_lines(content) == ["requests==2.0", "--no-index"]
    assert requirements_lines(b"# nothing\n\n") == []


def _uv() -> str:
    # uv is a dependency of ade-worker: the requirements install must always be exercised.
    return find_uv(None)


USES_VENDOR = """
import adetinyvendor
logger.info(adetinyvendor.GREETING)
"""


def test_requirements_are_installed_once_and_reused(
    sessions: sessionmaker[Session],
    layout: StorageLayout,
    blobs: LocalBlobStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    jail: Jail,
) -> None:
    uv = _uv()
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel = build_wheel(wheels)
    requirements = f"# offline: only the wheel built above\n--no-index\n{wheel}\n".encode()
    files = example_config(USES_VENDOR, {"requirements.txt": requirements})
    runs: list[list[str]] = []
    real_run = subprocess.run

    def counting_run(command: list[str], **kwargs: Any) -> Any:
        runs.append(list(command))
        return real_run(command, **kwargs)

    # Only the requirements install uses subprocess.run (the sandbox uses Popen).
    monkeypatch.setattr(subprocess, "run", counting_run)
    digest = hashlib.sha256(requirements).hexdigest()

    first = seed_job(sessions, blobs, files=files)
    job_dir = _materialize(sessions, layout, blobs, _claim(sessions, first.job_id), uv_bin=uv)
    assert len(runs) == 1
    command = runs[0]
    assert command[:3] == [uv, "pip", "install"]
    assert command[command.index("--only-binary") + 1] == ":all:"
    vendor = job_dir / "vendor"
    assert vendor.is_symlink()
    assert vendor.resolve() == layout.vendor_cache_dir(digest).resolve()
    assert (vendor / "adetinyvendor" / "__init__.py").is_file()
    # No temp folders or lock leftovers pretending to be cache entries.
    entries = [p.name for p in layout.vendor_cache_root.iterdir() if not p.name.startswith(".")]
    assert entries == [digest]
    events: list[dict[str, object]] = []
    outcome = run_engine(job_dir, limits=LIMITS, jail=jail, on_event=events.append)
    assert outcome.status == "succeeded", outcome
    assert any(e.get("message") == "hello from vendor" for e in events)

    second = seed_job(sessions, blobs, files=files)
    job_dir2 = _materialize(sessions, layout, blobs, _claim(sessions, second.job_id), uv_bin=uv)
    assert len(runs) == 1  # reused, not installed again
    assert (job_dir2 / "vendor").resolve() == layout.vendor_cache_dir(digest).resolve()
    assert run_engine(job_dir2, limits=LIMITS, jail=jail).status == "succeeded"


def test_a_failed_install_is_a_requirements_error_with_uvs_words(
    sessions: sessionmaker[Session], layout: StorageLayout, blobs: LocalBlobStore
) -> None:
    uv = _uv()
    requirements = b"--no-index\nade-no-such-package-anywhere==9.9\n"
    seeded = seed_job(
        sessions, blobs, files=example_config(extra={"requirements.txt": requirements})
    )
    with pytest.raises(RequirementsError) as caught:
        _materialize(sessions, layout, blobs, _claim(sessions, seeded.job_id), uv_bin=uv)
    assert caught.value.error_type == "RequirementsError"
    assert "ade-no-such-package-anywhere" in str(caught.value)
    # Nothing half-installed is left for the next job to reuse.
    digest = hashlib.sha256(requirements).hexdigest()
    assert not layout.vendor_cache_dir(digest).exists()
    assert [p for p in layout.vendor_cache_root.iterdir() if p.name.startswith(".tmp-")] == []


def test_an_sdist_is_refused_rather_than_built(
    sessions: sessionmaker[Session], layout: StorageLayout, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    uv = _uv()
    sdist_dir = tmp_path / "adesdist"
    sdist_dir.mkdir()
    marker = tmp_path / "setup-ran"
    (sdist_dir / "setup.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n"
        "from setuptools import setup\nsetup(name='adesdist')\n"
    )
    requirements = f"--no-index\n{sdist_dir}\n".encode()
    seeded = seed_job(
        sessions, blobs, files=example_config(extra={"requirements.txt": requirements})
    )
    with pytest.raises(RequirementsError):
        _materialize(sessions, layout, blobs, _claim(sessions, seeded.job_id), uv_bin=uv)
    assert not marker.exists()


def test_comment_only_requirements_install_nothing(
    sessions: sessionmaker[Session], layout: StorageLayout, blobs: LocalBlobStore
) -> None:
    files = example_config(extra={"requirements.txt": b"# nothing yet\n\n"})
    seeded = seed_job(sessions, blobs, files=files)
    job_dir = _materialize(sessions, layout, blobs, _claim(sessions, seeded.job_id), uv_bin="/nope")
    assert (job_dir / "vendor").is_dir()
    assert not (job_dir / "vendor").is_symlink()


def test_the_bundled_uv_is_found_without_path_or_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", os.devnull)
    found = Path(find_uv(None))
    assert found.name == "uv"
    assert os.access(found, os.X_OK)
    assert find_uv("/opt/custom/uv") == "/opt/custom/uv"  # ADE_UV_BIN wins


def test_missing_uv_is_a_requirements_error(
    sessions: sessionmaker[Session],
    layout: StorageLayout,
    blobs: LocalBlobStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", os.devnull)
    monkeypatch.setattr("ade_worker.materialize._bundled_uv", lambda: None)
    files = example_config(extra={"requirements.txt": b"something\n"})
    seeded = seed_job(sessions, blobs, files=files)
    with pytest.raises(RequirementsError, match="uv was not found"):
        _materialize(sessions, layout, blobs, _claim(sessions, seeded.job_id))


def test_document_rows_with_forged_keys_are_refused(
    sessions: sessionmaker[Session], layout: StorageLayout, blobs: LocalBlobStore
) -> None:
    from ade_db.models import Document

    seeded = seed_job(sessions, blobs)
    with sessions() as session:
        session.execute(
            update(Document)
            .where(Document.id == seeded.document_id)
            .values(storage_key="../../etc/passwd.csv")
        )
        session.commit()
    with pytest.raises(InputError, match="unsafe"):
        _materialize(sessions, layout, blobs, _claim(sessions, seeded.job_id))
