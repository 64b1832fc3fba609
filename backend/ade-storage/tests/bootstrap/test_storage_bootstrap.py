"""Tests for ensure_data_dirs: creation, owner-only modes, tightening, refusals."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ade_storage.bootstrap import ensure_data_dirs
from ade_storage.errors import StorageError

SUBDIRS = ["db", "documents", "jobs", "dry-runs", "cache", "cache/vendor", "redis"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_storage_creates_all_dirs_owner_only(tmp_path: Path, umask: int) -> None:
    data = tmp_path / "parent" / "data"
    previous = os.umask(umask)
    try:
        layout = ensure_data_dirs(data)
    finally:
        os.umask(previous)
    assert layout.data_dir == data
    assert _mode(data) == 0o700
    for sub in SUBDIRS:
        assert (data / sub).is_dir()
        assert _mode(data / sub) == 0o700, sub


def test_storage_is_idempotent_and_keeps_contents(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ensure_data_dirs(data)
    (data / "documents" / "keep.txt").write_text("x")
    again = ensure_data_dirs(data)
    assert again.data_dir == data
    assert (data / "documents" / "keep.txt").read_text() == "x"
    assert sorted(p.name for p in data.iterdir()) == sorted(
        {"db", "documents", "jobs", "dry-runs", "cache", "redis"}
    )


def test_storage_tightens_permissive_existing_dirs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "documents").mkdir(parents=True)
    (data / "cache" / "vendor").mkdir(parents=True)
    # Deliberately too permissive: that is the situation under test.
    os.chmod(data, 0o777)  # noqa: S103
    os.chmod(data / "documents", 0o755)  # noqa: S103
    os.chmod(data / "cache", 0o750)  # noqa: S103
    os.chmod(data / "cache" / "vendor", 0o707)  # noqa: S103
    ensure_data_dirs(data)
    for path in [data, data / "documents", data / "cache", data / "cache" / "vendor"]:
        assert _mode(path) == 0o700, path


def test_storage_returns_absolute_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    layout = ensure_data_dirs(Path("data"))
    assert layout.data_dir == tmp_path / "data"
    assert layout.data_dir.is_absolute()
    assert layout.sqlite_path == tmp_path / "data" / "db" / "ade.sqlite"


def test_storage_refuses_data_dir_that_is_a_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.write_text("not a dir")
    with pytest.raises(StorageError, match="not a directory"):
        ensure_data_dirs(data)


def test_storage_refuses_data_dir_that_is_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    data = tmp_path / "data"
    data.symlink_to(real, target_is_directory=True)
    with pytest.raises(StorageError, match="symbolic link"):
        ensure_data_dirs(data)
    assert list(real.iterdir()) == []


def test_storage_refuses_dangling_symlink_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.symlink_to(tmp_path / "missing")
    with pytest.raises(StorageError, match="symbolic link"):
        ensure_data_dirs(data)
    assert not (tmp_path / "missing").exists()


def test_storage_refuses_symlinked_or_file_subdir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ensure_data_dirs(data)
    (data / "jobs").rmdir()
    (data / "jobs").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(StorageError, match="symbolic link"):
        ensure_data_dirs(data)
    (data / "jobs").unlink()
    (data / "jobs").write_text("oops")
    with pytest.raises(StorageError, match="not a directory"):
        ensure_data_dirs(data)


def test_storage_allows_symlinks_above_the_data_dir(tmp_path: Path) -> None:
    real_parent = tmp_path / "real-parent"
    real_parent.mkdir()
    link_parent = tmp_path / "link-parent"
    link_parent.symlink_to(real_parent, target_is_directory=True)
    ensure_data_dirs(link_parent / "data")
    assert (real_parent / "data" / "db").is_dir()
