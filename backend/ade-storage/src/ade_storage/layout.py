"""Where everything lives under the data directory (``ADE_STORAGE_DATA_DIR``).

::

    data/db/ade.sqlite                          embedded default database
    data/documents/<workspace_id>/<document_id>/source<suffix>
    data/documents/<workspace_id>/<document_id>/preview/   the source's preview extract
    data/jobs/<job_id>/{input,config,vendor,output,logs,tmp}/
    data/jobs/<job_id>/output/artifact.json     with normalized.xlsx
    data/jobs/<job_id>/output/preview/          the normalized workbook's preview extract
    data/dry-runs/<config_id>/<run_id>/         config-draft plans and dry-runs (short-lived)
    data/cache/vendor/<requirements sha256>/
    data/cache/configs/<worker>/<version_id>/    a worker's copies of config versions' files
    data/redis/                                 embedded redis-server's working directory

Config packages are not here: their files live in the database (``config_files``), and a
job's ``config/`` folder is written from there (through a worker's cache of them).

All helpers are pure (no filesystem access), so every package can compute paths the same
way without side effects. Ids become directory names, so each one is validated as a ULID
(and hashes as SHA-256 hex) first: a forged id can never be a traversal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from ade_storage.errors import UnsafePathError

__all__ = [
    "DOCUMENT_STEM",
    "JOB_SUBDIRS",
    "PREVIEW_DIR",
    "SHA256_RE",
    "SUFFIX_RE",
    "ULID_RE",
    "StorageLayout",
    "validate_sha256",
    "validate_suffix",
    "validate_ulid",
]

ULID_RE = re.compile(r"\A[0-9A-HJKMNP-TV-Z]{26}\Z", re.IGNORECASE | re.ASCII)
"""A ULID: 26 Crockford base32 characters, any case.

``re.ASCII`` matters: with Unicode case folding alone, ``K`` would also match the Kelvin
sign U+212A and ``S`` the long s U+017F, letting non-ASCII "ids" through. ``\\A``/``\\Z``
(rather than ``^``/``$``) keep a trailing newline out, whichever ``re`` method is used.
"""

SHA256_RE = re.compile(r"\A[0-9a-f]{64}\Z", re.ASCII)
"""A SHA-256 digest as 64 lowercase hex characters (``hashlib``'s ``hexdigest()``)."""

SUFFIX_RE = re.compile(r"\A\.[A-Za-z0-9]{1,10}\Z", re.ASCII)
"""A file-name suffix as stored: a dot and 1-10 ASCII letters or digits."""

DOCUMENT_STEM = "source"
"""Stored documents are always named ``source<suffix>``; see :meth:`StorageLayout.document_key`."""

PREVIEW_DIR = "preview"
"""The folder, next to a file, that holds its preview extract (rows as JSON lines)."""

JOB_SUBDIRS: tuple[str, ...] = ("input", "config", "vendor", "output", "logs", "tmp")
"""The folders the worker materializes inside every ``jobs/<job_id>/``."""


def validate_ulid(value: str, *, what: str = "id") -> str:
    """Return ``value`` in canonical (upper) case if it is a ULID, else raise.

    Upper-casing makes the same id always map to the same directory, whichever case the
    caller happened to receive it in.
    """
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str, not {type(value).__name__}")
    if not ULID_RE.match(value):
        raise UnsafePathError(value, f"{what} is not a ULID")
    return value.upper()


def validate_sha256(value: str, *, what: str = "sha256") -> str:
    """Return ``value`` if it is 64 lowercase hex characters, else raise."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str, not {type(value).__name__}")
    if not SHA256_RE.match(value):
        raise UnsafePathError(value, f"{what} is not 64 lowercase hex characters")
    return value


def validate_suffix(suffix: str) -> str:
    """Return the suffix lower-cased (``".XLSX"`` -> ``".xlsx"``) if valid, else raise.

    Lower-casing gives one spelling per file type, so the engine can dispatch on it.
    """
    if not isinstance(suffix, str):
        raise TypeError(f"suffix must be str, not {type(suffix).__name__}")
    if not SUFFIX_RE.match(suffix):
        raise UnsafePathError(suffix, "suffix must be a dot and 1-10 letters or digits")
    return suffix.lower()


@dataclass(frozen=True, slots=True)
class StorageLayout:
    """Path arithmetic for one data directory."""

    data_dir: Path
    job_subdirs: ClassVar[tuple[str, ...]] = JOB_SUBDIRS

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))

    # -- top-level folders ---------------------------------------------------------------

    @property
    def db_dir(self) -> Path:
        return self.data_dir / "db"

    @property
    def sqlite_path(self) -> Path:
        """The embedded default database used when no ``ADE_DATABASE_URL`` is set."""
        return self.db_dir / "ade.sqlite"

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @property
    def jobs_dir(self) -> Path:
        return self.data_dir / "jobs"

    @property
    def dry_runs_dir(self) -> Path:
        """Sandboxes of config-draft plans and dry-runs (short-lived; pruned by the API)."""
        return self.data_dir / "dry-runs"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def vendor_cache_root(self) -> Path:
        return self.cache_dir / "vendor"

    @property
    def config_cache_root(self) -> Path:
        """Workers' copies of config versions' files, a folder per worker process."""
        return self.cache_dir / "configs"

    @property
    def redis_dir(self) -> Path:
        """Working directory for an embedded ``redis-server`` (``ade start``)."""
        return self.data_dir / "redis"

    @property
    def managed_dirs(self) -> tuple[Path, ...]:
        """Every folder the data directory must contain, parents before children."""
        return (
            self.db_dir,
            self.documents_dir,
            self.jobs_dir,
            self.dry_runs_dir,
            self.cache_dir,
            self.vendor_cache_root,
            self.redis_dir,
        )

    # -- documents -----------------------------------------------------------------------

    def document_key(self, workspace_id: str, document_id: str, suffix: str) -> str:
        """Blob-store key (relative to the data dir) of an uploaded document.

        The user's original file name is deliberately *not* part of the path: it stays in
        the database as metadata only. The file on disk is ``source`` plus a validated,
        lower-cased suffix such as ``.xlsx``, which is all the engine needs to pick a reader.
        """
        workspace = validate_ulid(workspace_id, what="workspace id")
        document = validate_ulid(document_id, what="document id")
        return f"documents/{workspace}/{document}/{DOCUMENT_STEM}{validate_suffix(suffix)}"

    def document_path(self, workspace_id: str, document_id: str, suffix: str) -> Path:
        """File path of :meth:`document_key` under ``data_dir``."""
        return self.data_dir / self.document_key(workspace_id, document_id, suffix)

    def document_preview_dir(self, workspace_id: str, document_id: str) -> Path:
        """The preview extract of a document's source, next to it (it goes with the folder)."""
        workspace = validate_ulid(workspace_id, what="workspace id")
        document = validate_ulid(document_id, what="document id")
        return self.documents_dir / workspace / document / PREVIEW_DIR

    # -- config drafts -------------------------------------------------------------------

    def dry_run_dir(self, config_id: str, run_id: str) -> Path:
        """One plan or dry-run sandbox of a config's draft, ``dry-runs/<config_id>/<run_id>/``."""
        config = validate_ulid(config_id, what="config id")
        return self.dry_runs_dir / config / validate_ulid(run_id, what="dry-run id")

    # -- jobs ----------------------------------------------------------------------------

    def job_dir(self, job_id: str) -> Path:
        """The job's sandbox folder, ``jobs/<job_id>/``."""
        return self.jobs_dir / validate_ulid(job_id, what="job id")

    def job_subdir(self, job_id: str, name: str) -> Path:
        """One of the :data:`JOB_SUBDIRS` inside the job folder."""
        if name not in JOB_SUBDIRS:
            raise ValueError(f"unknown job folder {name!r}; expected one of {JOB_SUBDIRS}")
        return self.job_dir(job_id) / name

    def job_artifact_path(self, job_id: str) -> Path:
        """The job's auditable ``artifact.json``, which the engine writes with its output."""
        return self.job_subdir(job_id, "output") / "artifact.json"

    # -- caches --------------------------------------------------------------------------

    def vendor_cache_dir(self, requirements_sha256: str) -> Path:
        """Installed dependencies for one ``requirements.txt``, shared by every job using it."""
        digest = validate_sha256(requirements_sha256, what="requirements sha256")
        return self.vendor_cache_root / digest
