"""Materializing a job folder from the database and blob storage, and the vendor cache."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from ade_db.models import ConfigFile
from ade_storage import LocalBlobStore, StorageLayout
from ade_worker.claim import ClaimedJob, claim_job
from ade_worker.config_cache import ConfigCache, ConfigFilesError
from ade_worker.jail import Jail
from ade_worker.materialize import (
    InputError,
    Installer,
    find_uv,
    install_requirements,
    materialize_job,
)
from ade_worker.requirements import RequirementsError
from ade_worker.sandbox import SandboxLimits, run_engine
from ade_worker.testing import build_index, build_wheel, example_config, sample_input, seed_job

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
    installer: Installer | None = None,
) -> Path:
    with sessions() as session:
        job = materialize_job(
            session,
            claimed,
            layout=layout,
            blobs=blobs,
            installer=installer or Installer(),
            configs=ConfigCache(layout.config_cache_root),
            jailed=False,
        )
    # The engine is told the upload's name; the staged file keeps its storage name.
    assert job.input_name.startswith("members.")  # seed_job's upload name
    # And the config's slug (seed_job's "roster"), for the run's events.
    assert job.engine_args == [f"--input-name={job.input_name}", "--config-name=roster"]
    return job.dir


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


def _uv() -> str:
    # uv is a dependency of ade-worker: the requirements install must always be exercised.
    return find_uv(None)


def _offline(tmp_path: Path, *dists: Path) -> Installer:
    """The real uv, installing from a local index holding only `dists`."""
    return Installer(index_url=build_index(tmp_path / "index", *dists), uv_bin=_uv())


def _cache_entries(layout: StorageLayout) -> list[str]:
    # Temp folders and locks start with a dot; cache entries never do.
    return [p.name for p in layout.vendor_cache_root.iterdir() if not p.name.startswith(".")]


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
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    installer = _offline(tmp_path, build_wheel(wheels))
    requirements = b"# from the local index only\nadetinyvendor==1.0\n"
    files = example_config(USES_VENDOR, {"requirements.txt": requirements})
    runs: list[list[str]] = []
    real_run = subprocess.run

    def counting_run(command: list[str], **kwargs: Any) -> Any:
        runs.append(list(command))
        return real_run(command, **kwargs)

    # Only the requirements install uses subprocess.run (the sandbox uses Popen).
    monkeypatch.setattr(subprocess, "run", counting_run)

    first = seed_job(sessions, blobs, files=files)
    claimed = _claim(sessions, first.job_id)
    job_dir = _materialize(sessions, layout, blobs, claimed, installer=installer)
    assert len(runs) == 1
    command = runs[0]
    assert command[:3] == [installer.uv_bin, "pip", "install"]
    assert command[command.index("--default-index") + 1] == installer.index_url
    assert "--no-build" in command
    vendor = job_dir / "vendor"
    assert vendor.is_symlink()
    (digest,) = _cache_entries(layout)  # one entry; no temp folder posing as one
    assert vendor.resolve() == layout.vendor_cache_dir(digest).resolve()
    assert (vendor / "adetinyvendor" / "__init__.py").is_file()
    # Compiled at install: the jail (python -B, read-only) would compile it on every job.
    assert list((vendor / "adetinyvendor" / "__pycache__").glob("__init__.*.pyc"))
    events: list[dict[str, object]] = []
    outcome = run_engine(job_dir, limits=LIMITS, jail=jail, on_event=events.append)
    assert outcome.status == "succeeded", outcome
    assert any(e.get("message") == "hello from vendor" for e in events)

    # Other text, same requirements: the cache is keyed on what is installed, not the text.
    same = example_config(USES_VENDOR, {"requirements.txt": b"AdeTinyVendor == 1.0  # same\n"})
    second = seed_job(sessions, blobs, files=same)
    claimed2 = _claim(sessions, second.job_id)
    job_dir2 = _materialize(sessions, layout, blobs, claimed2, installer=installer)
    assert len(runs) == 1  # reused, not installed again
    assert (job_dir2 / "vendor").resolve() == layout.vendor_cache_dir(digest).resolve()
    assert run_engine(job_dir2, limits=LIMITS, jail=jail).status == "succeeded"


def test_a_failed_install_is_a_requirements_error_with_uvs_words(
    sessions: sessionmaker[Session], layout: StorageLayout, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    requirements = b"ade-no-such-package-anywhere==9.9\n"
    seeded = seed_job(
        sessions, blobs, files=example_config(extra={"requirements.txt": requirements})
    )
    claimed = _claim(sessions, seeded.job_id)
    with pytest.raises(RequirementsError) as caught:
        _materialize(sessions, layout, blobs, claimed, installer=_offline(tmp_path))
    assert caught.value.error_type == "RequirementsError"
    assert "ade-no-such-package-anywhere" in str(caught.value)
    # Nothing half-installed is left for the next job to reuse.
    assert _cache_entries(layout) == []
    assert [p for p in layout.vendor_cache_root.iterdir() if p.name.startswith(".tmp-")] == []


def _sdist(folder: Path, marker: Path) -> Path:
    """adesdist-1.0.tar.gz, whose setup.py creates `marker` if anything ever runs it."""
    setup = (
        f"open({str(marker)!r}, 'w').close()\n"
        "from setuptools import setup\nsetup(name='adesdist', version='1.0')\n"
    ).encode()
    pkg_info = b"Metadata-Version: 2.1\nName: adesdist\nVersion: 1.0\n"
    path = folder / "adesdist-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in (("setup.py", setup), ("PKG-INFO", pkg_info)):
            info = tarfile.TarInfo(f"adesdist-1.0/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_an_sdist_on_the_index_is_refused_rather_than_built(
    sessions: sessionmaker[Session], layout: StorageLayout, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    dists = tmp_path / "dists"
    dists.mkdir()
    marker = tmp_path / "setup-ran"
    installer = _offline(tmp_path, _sdist(dists, marker))
    seeded = seed_job(
        sessions, blobs, files=example_config(extra={"requirements.txt": b"adesdist==1.0\n"})
    )
    claimed = _claim(sessions, seeded.job_id)
    with pytest.raises(RequirementsError, match=r"adesdist==1\.0 has no usable wheels"):
        _materialize(sessions, layout, blobs, claimed, installer=installer)
    assert not marker.exists()
    assert _cache_entries(layout) == []


FAKE_UV = """#!{python}
# Records how it was called, what the requirements file held and its environment.
import json, os, sys
args = sys.argv[1:]
with open(args[args.index("-r") + 1]) as fh:
    requirements = fh.read()
with open({record!r}, "w") as fh:
    json.dump({{"argv": args, "requirements": requirements, "env": dict(os.environ)}}, fh)
os.makedirs(args[args.index("--target") + 1])
"""


def _fake_uv(tmp_path: Path) -> tuple[str, Path]:
    record = tmp_path / "uv-call.json"
    script = tmp_path / "fake-uv"
    script.write_text(FAKE_UV.format(python=sys.executable, record=str(record)))
    script.chmod(0o700)
    return str(script), record


def test_uv_gets_the_configured_index_no_builds_and_only_the_parsed_requirements(
    layout: StorageLayout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uv, record = _fake_uv(tmp_path)
    # The worker's own environment must not choose or add an index (only the setting does);
    # proxy and certificate settings still reach uv.
    for name in ("UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_INDEX", "UV_DEFAULT_INDEX"):
        monkeypatch.setenv(name, "http://127.0.0.1:9/evil")
    monkeypatch.setenv("UV_FIND_LINKS", "/tmp/evil-wheels")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    content = b"# pinned\nRequests[SOCKS] >= 2.0 , <3 ; python_version >= '3.8'  # why\n\nsix\n"
    installer = Installer(index_url="https://packages.example/simple", uv_bin=uv)
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    cache = install_requirements(content, layout=layout, installer=installer, scratch=scratch)

    assert cache is not None
    assert cache.is_dir()
    call = json.loads(record.read_text())
    argv = call["argv"]
    assert argv[:2] == ["pip", "install"]
    assert argv[argv.index("--default-index") + 1] == "https://packages.example/simple"
    assert {"--no-build", "--no-config"} <= set(argv)
    # One index, and nothing that would add another or allow a source build.
    assert argv.count("--default-index") == 1
    for flag in ("--index", "--index-url", "--extra-index-url", "--find-links", "--no-binary"):
        assert flag not in argv
    # uv read the re-serialized requirements, never the file's text.
    assert call["requirements"] == 'requests[socks]<3,>=2.0; python_version >= "3.8"\nsix\n'
    assert not any(name.startswith(("UV_INDEX", "UV_EXTRA", "UV_DEFAULT")) for name in call["env"])
    assert "UV_FIND_LINKS" not in call["env"]
    assert call["env"]["HTTPS_PROXY"] == "http://proxy.example:3128"


def test_a_hostile_requirements_file_fails_the_job_before_uv_runs(
    sessions: sessionmaker[Session], layout: StorageLayout, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    uv, record = _fake_uv(tmp_path)
    requirements = b"six\n--index-url http://127.0.0.1:9/simple\n-e ./columns\n"
    seeded = seed_job(
        sessions, blobs, files=example_config(extra={"requirements.txt": requirements})
    )
    claimed = _claim(sessions, seeded.job_id)
    with pytest.raises(RequirementsError) as caught:
        _materialize(sessions, layout, blobs, claimed, installer=Installer(uv_bin=uv))
    assert [p.line for p in caught.value.problems] == [2, 3]
    assert "line 2: '--index-url' is an option" in str(caught.value)
    assert not record.exists()  # uv never ran
    assert not layout.vendor_cache_root.exists() or _cache_entries(layout) == []


def test_comment_only_requirements_install_nothing(
    sessions: sessionmaker[Session], layout: StorageLayout, blobs: LocalBlobStore
) -> None:
    files = example_config(extra={"requirements.txt": b"# nothing yet\n\n"})
    seeded = seed_job(sessions, blobs, files=files)
    claimed = _claim(sessions, seeded.job_id)
    job_dir = _materialize(sessions, layout, blobs, claimed, installer=Installer(uv_bin="/nope"))
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
