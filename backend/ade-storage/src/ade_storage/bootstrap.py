"""Create (and lock down) the data directory before anything else touches it.

The data directory holds every workspace's documents and the embedded database, so it is
owner-only: other local users must not be able to list or read it. Running the bootstrap
on an existing, too-permissive directory (say one created by hand or unpacked from a
backup) tightens it instead of failing, so ``ade start`` is always safe to rerun.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ade_storage.errors import StorageError
from ade_storage.layout import StorageLayout

__all__ = ["DATA_DIR_MODE", "ensure_data_dirs"]

DATA_DIR_MODE = 0o700
"""Permission bits of the data directory and every folder :func:`ensure_data_dirs` manages."""


def ensure_data_dirs(data_dir: Path) -> StorageLayout:
    """Create the data directory and its standard folders, owner-only; return the layout.

    Idempotent. Existing folders are kept, but chmod-ed to ``0o700`` if their permissions
    differ (group/world access is removed). Refuses with :class:`StorageError` when the data
    directory or one of its folders exists as a file or a symbolic link: a link would let
    documents land outside the directory the operator configured, and the blob store
    rejects links below its root anyway. Links in the data directory's *ancestors* are
    fine (``/tmp`` on macOS is one).

    The returned layout uses the absolute data directory, because the worker hands these
    paths to subprocesses running with a different working directory.
    """
    layout = StorageLayout(Path(data_dir).absolute())
    if not _prepare_dir(layout.data_dir):
        layout.data_dir.parent.mkdir(parents=True, exist_ok=True)
        _create_dir(layout.data_dir)
    for directory in layout.managed_dirs:
        if not _prepare_dir(directory):
            _create_dir(directory)
    return layout


def _prepare_dir(path: Path) -> bool:
    """Check an existing folder and tighten its mode; ``False`` if it does not exist."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(info.st_mode):
        raise StorageError(f"{path} is a symbolic link; use the real directory instead")
    if not stat.S_ISDIR(info.st_mode):
        raise StorageError(f"{path} exists and is not a directory")
    if stat.S_IMODE(info.st_mode) != DATA_DIR_MODE:
        _chmod(path)
    return True


def _create_dir(path: Path) -> None:
    try:
        path.mkdir(mode=DATA_DIR_MODE)
    except FileExistsError:
        # Created by a concurrent bootstrap (another process starting up): check it instead.
        _prepare_dir(path)
        return
    _chmod(path)  # mkdir's mode is filtered through the umask; make it exact


def _chmod(path: Path) -> None:
    try:
        os.chmod(path, DATA_DIR_MODE)
    except PermissionError as exc:
        raise StorageError(f"cannot restrict permissions of {path}: {exc.strerror}") from exc
