"""A worker's copies of config packages: each version's files written once, then reused.

A config version never changes once it exists (its files are fixed when it is created), so a
job of a version this worker has already run needs none of its files written again. The
cache is keyed by the version's id, never by content alone: two workspaces with identical
files still get copies of their own.

The cache belongs to one worker process (``cache/configs/<pid>-<random>/``): nothing else
writes, reads or evicts it, so no lock is needed. An entry is built in a temp folder and
renamed into place, so a half-written copy is never found; its files are read-only. Config
code never sees the cache itself: a jailed run gets a staged copy of the entry bound
read-only (:meth:`ade_worker.jail.Jail.stage`), an unjailed run a copy in its job folder.
Entries are evicted least recently used first once there are more than
:data:`MAX_ENTRIES` or they hold more than :data:`MAX_BYTES`. Folders left by workers that
are gone are removed once untouched for :data:`STALE_SECONDS`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ade_db.models import ConfigFile
from ade_storage import UnsafePathError, resolve_within, validate_ulid
from ade_worker.errors import MaterializeError
from ade_worker.requirements import REQUIREMENTS_FILE

#: Most versions kept, and most bytes of config files kept, per worker.
MAX_ENTRIES = 64
MAX_BYTES = 64 * 1024 * 1024
#: A worker's cache folder untouched for this long belongs to a worker that is gone.
STALE_SECONDS = 24 * 3600.0


class ConfigFilesError(MaterializeError):
    error_type = "ConfigError"


@dataclass(frozen=True)
class CachedConfig:
    """A version's files on disk (read-only: copy before handing them to config code) and
    the content of its requirements.txt, if it has one."""

    dir: Path
    requirements: bytes | None
    size: int


class ConfigCache:
    """Config versions' files, written once per worker process (see the module docstring)."""

    def __init__(
        self, parent: Path, *, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES
    ) -> None:
        self._parent = parent
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._root: Path | None = None
        self._entries: OrderedDict[str, CachedConfig] = OrderedDict()

    def get(self, session: Session, version_id: str) -> CachedConfig:
        """The files of config version `version_id`, from the database the first time."""
        root = self._own_root()
        cached = self._entries.get(version_id)
        if cached is not None and cached.dir.is_dir():
            self._entries.move_to_end(version_id)
            return cached
        self._entries.pop(version_id, None)
        cached = self._build(session, root, version_id)
        self._entries[version_id] = cached
        self._evict()
        return cached

    def clear(self) -> None:
        """Remove this worker's cache folder."""
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
        self._root = None
        self._entries.clear()

    def _own_root(self) -> Path:
        if self._root is None or not self._root.is_dir():
            self._parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            _prune_stale(self._parent, keep=self._root)
            self._root = self._parent / f"{os.getpid()}-{secrets.token_hex(6)}"
            self._root.mkdir(mode=0o700)
            self._entries.clear()
        else:
            os.utime(self._root)  # in use: not stale
        return self._root

    def _build(self, session: Session, root: Path, version_id: str) -> CachedConfig:
        files = session.execute(
            select(ConfigFile.path, ConfigFile.content)
            .where(ConfigFile.version_id == version_id)
            .order_by(ConfigFile.path)
        ).all()
        if not files:
            raise ConfigFilesError("the config version has no files")
        target = root / validate_ulid(version_id, what="config version id")
        building = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
        try:
            requirements, size = _write_files(building, [(path, data) for path, data in files])
            os.rename(building, target)
        finally:
            shutil.rmtree(building, ignore_errors=True)
        return CachedConfig(target, requirements, size)

    def _evict(self) -> None:
        total = sum(entry.size for entry in self._entries.values())
        while len(self._entries) > 1 and (
            len(self._entries) > self._max_entries or total > self._max_bytes
        ):
            _, oldest = self._entries.popitem(last=False)
            total -= oldest.size
            shutil.rmtree(oldest.dir, ignore_errors=True)


def _write_files(config_dir: Path, files: Sequence[tuple[str, bytes]]) -> tuple[bytes | None, int]:
    """Write the version's files (read-only) under `config_dir`; return the content of its
    requirements.txt, if any, and the bytes written."""
    requirements: bytes | None = None
    size = 0
    for path, content in files:
        data = bytes(content)
        try:
            target = resolve_within(config_dir, path)
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # O_NOFOLLOW | O_EXCL: never through a link, never twice.
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o400)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        except UnsafePathError as exc:
            raise ConfigFilesError(f"config file path refused: {exc}") from exc
        except OSError as exc:
            raise ConfigFilesError(f"config file {path!r} cannot be written: {exc}") from exc
        size += len(data)
        if path == REQUIREMENTS_FILE:
            requirements = data
    return requirements, size


def copy_config(cached: CachedConfig, target: Path) -> None:
    """A writable copy of a cached version's files at `target` (which must not exist)."""
    shutil.copytree(cached.dir, target, copy_function=shutil.copyfile)


def _prune_stale(parent: Path, *, keep: Path | None) -> None:
    """Remove cache folders of workers that are gone (untouched for STALE_SECONDS, and not
    named after a process alive here: a worker idle for a day keeps its folder, which it
    could be about to copy from)."""
    now = time.time()
    with contextlib.suppress(FileNotFoundError):
        for entry in parent.iterdir():
            if entry == keep or _owner_alive(entry.name):
                continue
            with contextlib.suppress(FileNotFoundError):
                if now - entry.lstat().st_mtime > STALE_SECONDS:
                    shutil.rmtree(entry, ignore_errors=True)


def _owner_alive(name: str) -> bool:
    """Whether the process a cache folder is named after (``<pid>-<random>``) is alive in this
    PID namespace. Workers in other containers sharing the data dir may be taken for dead
    (their folder then goes after a day untouched) or alive (it stays): never harmful."""
    pid = name.partition("-")[0]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # exists, another user's; or a number no process can have (kept: harmless)
    return True
