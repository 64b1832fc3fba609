"""Building a job's folder, `jobs/<job_id>/`, from the database and blob storage:

    input/source<suffix>   the document (copied from its blob)
    config/                the config version's files, copied from the worker's cache of
                           them (:mod:`ade_worker.config_cache`); absent for a jailed run,
                           which stages the cached copy itself (:attr:`MaterializedJob.config`)
    vendor/                the version's requirements.txt installed (a link into the cache)
    output/ logs/ tmp/     empty

Every path that comes from the database goes through `resolve_within` (the config's, once
per version and worker, when the cache writes them). The folder is built
from scratch each attempt: what an earlier attempt left must not leak into this one.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sqlalchemy.orm import Session

from ade_db.models import Document
from ade_storage import (
    BlobNotFoundError,
    BlobStore,
    StorageLayout,
    UnsafePathError,
    resolve_within,
    validate_suffix,
)
from ade_worker.claim import ClaimedJob
from ade_worker.config_cache import ConfigCache, copy_config
from ade_worker.errors import MaterializeError
from ade_worker.requirements import REQUIREMENTS_FILE, RequirementsError, requirements_lines
from ade_worker.sandbox import SANDBOX_PATH

log = logging.getLogger(__name__)

DEFAULT_PACKAGE_INDEX_URL = "https://pypi.org/simple"
#: How much of uv's stderr a RequirementsError quotes.
UV_STDERR_LINES = 15
#: An install that takes longer is stopped (and fails the job).
INSTALL_TIMEOUT_SECONDS = 900.0
#: Variables passed through to uv: network access (proxies, certificates) only. Never the
#: index variables (UV_INDEX_URL, UV_EXTRA_INDEX_URL, ...): the index is the installation's
#: setting, given on the command line, and nothing else may add one.
UV_ENV_PASSTHROUGH = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "UV_NATIVE_TLS",
)


@dataclass(frozen=True)
class Installer:
    """How requirements are installed (ADE_UV_BIN, ADE_PACKAGE_INDEX_URL): read once from
    WorkerSettings and handed to the worker and the API's sandbox alike."""

    index_url: str = DEFAULT_PACKAGE_INDEX_URL
    uv_bin: str | None = None


class InputError(MaterializeError):
    error_type = "InputError"


@dataclass(frozen=True)
class MaterializedJob:
    """A job folder ready to run, and the input's name as its user knows it (the upload's: the
    staged file is `input/source<suffix>`, a storage name that stays internal), and the
    folder of the config's files: `dir/config`, or for a jailed run the worker's cached
    copy, read-only, that only the jail's staging reads."""

    dir: Path
    input_name: str
    config: Path
    config_name: str | None = None

    @property
    def engine_args(self) -> list[str]:
        # `--opt=value`: an upload named "-x.csv" is a value, not an option.
        named = [f"--input-name={self.input_name}"]
        if self.config_name:
            named.append(f"--config-name={self.config_name}")
        return named


def materialize_job(
    session: Session,
    claimed: ClaimedJob,
    *,
    layout: StorageLayout,
    blobs: BlobStore,
    installer: Installer,
    configs: ConfigCache,
    jailed: bool,
) -> MaterializedJob:
    """Build the job folder for `claimed`; return it with the document's name.

    The config's files come from `configs`; `jailed` runs get no `config/` of their own
    (the jail stages a copy of the cached one), unjailed runs a copy they may do with as
    they like."""
    job_dir = layout.job_dir(claimed.job_id)
    if job_dir.is_symlink() or job_dir.is_file():
        job_dir.unlink()
    elif job_dir.exists():
        shutil.rmtree(job_dir)
    job_dir.mkdir(parents=True, mode=0o700)
    for name in ("input", "output", "logs", "tmp"):
        (job_dir / name).mkdir(mode=0o700)

    name = _copy_input(session, claimed, job_dir / "input", blobs)
    cached = configs.get(session, claimed.config_version_id)
    config = cached.dir
    if not jailed:
        config = job_dir / "config"
        copy_config(cached, config)
    prepare_vendor(job_dir, cached.requirements, layout=layout, installer=installer)
    return MaterializedJob(job_dir, name, config, claimed.config_name)


def prepare_vendor(
    job_dir: Path, requirements: bytes | None, *, layout: StorageLayout, installer: Installer
) -> None:
    """`job_dir/vendor`: the cached install of `requirements` (linked), or an empty folder.

    Jobs, and the API's plans and dry-runs of drafts, get their packages the same way.
    """
    vendor = job_dir / "vendor"
    cache = None
    if requirements is not None:
        (job_dir / "tmp").mkdir(mode=0o700, exist_ok=True)
        cache = install_requirements(
            requirements, layout=layout, installer=installer, scratch=job_dir / "tmp"
        )
    if cache is not None:
        vendor.symlink_to(cache, target_is_directory=True)
    else:
        vendor.mkdir(mode=0o700)


def _copy_input(session: Session, claimed: ClaimedJob, input_dir: Path, blobs: BlobStore) -> str:
    """Stage the document as `input/source<suffix>`; return the name it was uploaded as."""
    document = session.get(Document, claimed.document_id)
    if document is None:
        raise InputError("the job's document no longer exists")
    try:
        suffix = validate_suffix(PurePosixPath(document.storage_key).suffix)
    except UnsafePathError as exc:
        raise InputError(f"the document has no usable file type: {exc}") from exc
    target = resolve_within(input_dir, f"source{suffix}")
    try:
        with blobs.open(document.storage_key) as src, target.open("xb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
    except BlobNotFoundError as exc:
        raise InputError("the document's file is missing from storage") from exc
    except UnsafePathError as exc:
        raise InputError(f"the document's storage key is unsafe: {exc}") from exc
    return document.original_filename


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (held across processes and machines sharing the volume,
    where the filesystem supports it)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with path.open("a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _uv_env(home: Path, cache: Path) -> dict[str, str]:
    """uv's environment, built from scratch: no database URL or secret reaches it."""
    env = {
        "PATH": SANDBOX_PATH,
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "UV_CACHE_DIR": str(cache),
        "UV_NO_CONFIG": "1",
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_PROGRESS": "1",
    }
    for name in UV_ENV_PASSTHROUGH:
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def find_uv(uv_bin: str | None) -> str:
    """The uv executable: the configured one, else the one installed with ADE (the `uv`
    package is a dependency of ade-worker), else one on PATH."""
    found = uv_bin or _bundled_uv() or shutil.which("uv")
    if not found:
        raise RequirementsError(
            "requirements.txt cannot be installed: uv was not found (set ADE_UV_BIN)"
        )
    return found


def _bundled_uv() -> str | None:
    try:
        from uv import find_uv_bin
    except ImportError:  # pragma: no cover - the dependency is declared
        return None
    try:
        return str(find_uv_bin())
    except FileNotFoundError:
        return None


def install_requirements(
    content: bytes, *, layout: StorageLayout, installer: Installer, scratch: Path
) -> Path | None:
    """The cache folder holding `content`'s requirements installed, or None when it lists
    none. RequirementsError when the file breaks the rules of `ade_worker.requirements`
    (nothing is installed then) or the install fails.

    uv gets only the re-serialized requirements, never the file's text; packages come from
    the one configured index, as wheels: `--no-build` means no package code (setup.py, a
    build backend) ever runs here, in the worker or the API, outside the sandbox.

    Built once per (index, requirements): installs into a temp folder next to the cache
    entry, then renames it into place, under a file lock so two workers never install the
    same requirements at once.
    """
    lines = requirements_lines(content)
    if not lines:
        return None
    normalized = "".join(f"{line}\n" for line in lines).encode()
    # The index is part of the key: the same requirements from another index are other files.
    digest = hashlib.sha256(installer.index_url.encode() + b"\n" + normalized).hexdigest()
    target = layout.vendor_cache_dir(digest)
    if target.is_dir():
        return target
    root = layout.vendor_cache_root
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _file_lock(root / f".{digest}.lock"):
        if target.is_dir():  # another worker finished it while we waited
            return target
        uv = find_uv(installer.uv_bin)
        building = Path(tempfile.mkdtemp(prefix=f".tmp-{digest[:12]}-", dir=root))
        try:
            req_file = building / "requirements.txt"
            req_file.write_bytes(normalized)
            site = building / "site"
            log.info("installing requirements %s", digest)
            _run_uv(
                _install_command(uv, installer.index_url, req_file, site),
                env=_uv_env(scratch, layout.cache_dir / "uv"),
                cwd=scratch,
            )
            site.mkdir(exist_ok=True)
            os.rename(site, target)
        finally:
            shutil.rmtree(building, ignore_errors=True)
    return target


def _install_command(uv: str, index_url: str, req_file: Path, site: Path) -> list[str]:
    return [
        uv,
        "pip",
        "install",
        "--target",
        str(site),
        "--python",
        sys.executable,
        # Only the command line decides: no uv.toml/pyproject.toml found from the cwd or HOME.
        "--no-config",
        # Wheels only, for every package including dependencies: building runs package code.
        "--no-build",
        # The one index: the default index replaced, nothing added (the env adds none either).
        "--default-index",
        index_url,
        "--no-progress",
        # Byte-compiled once here (compiling runs no package code): jobs run with -B in a
        # read-only jail, so each would otherwise compile every vendored module again.
        "--compile-bytecode",
        "-r",
        str(req_file),
    ]


def _run_uv(command: list[str], *, env: dict[str, str], cwd: Path) -> None:
    try:
        result = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=INSTALL_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RequirementsError(
            f"installing {REQUIREMENTS_FILE} took longer than {INSTALL_TIMEOUT_SECONDS:g} s"
        ) from exc
    if result.returncode != 0:
        stderr = result.stderr.decode("utf-8", errors="replace").strip().splitlines()
        tail = "\n".join(stderr[-UV_STDERR_LINES:]) or f"exit code {result.returncode}"
        raise RequirementsError(f"installing {REQUIREMENTS_FILE} failed:\n{tail}")
