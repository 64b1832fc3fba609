"""Config-package helpers of the public API: :func:`validate_config`, :func:`init_config` and
:func:`pack_config`."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import zipfile
from importlib import resources
from pathlib import Path

from ade_engine.config import ConfigProblem, check_package
from ade_engine.errors import EngineError

TEMPLATE = "roster"


def validate_config(path: Path) -> list[ConfigProblem]:
    """Check the manifest and import every module of the package at ``path`` (folder or zip).

    Returns every problem found (each with a JSON path, or a file and line, and a message); an
    empty list means the package is valid.
    """
    return check_package(Path(path))


#: Folders of a package folder that are not part of the package: example inputs.
NOT_PACKED = frozenset({"samples"})
#: A fixed timestamp for every member, so the same files always give the same zip.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def packed_files(root: Path) -> list[str]:
    """The package files of the folder ``root``, sorted: every file but example inputs
    (``samples/``), hidden files and folders, and bytecode caches."""
    found = []
    for path in root.rglob("*"):
        rel = path.relative_to(root).parts
        if not path.is_file() or rel[0] in NOT_PACKED or path.suffix == ".pyc":
            continue
        if any(part.startswith(".") or part == "__pycache__" for part in rel):
            continue
        found.append("/".join(rel))
    return sorted(found)


def pack_config(src_dir: Path, dest: Path) -> list[str]:
    """Zip the valid package folder ``src_dir`` into ``dest``, ready to import over HTTP.

    The zip holds :func:`packed_files` at its top level, in order, with fixed timestamps, so
    the same files always give the same bytes. A package with problems raises
    :class:`EngineError` (listing them) and writes nothing; ``dest`` appears whole or not at
    all. Returns the packed paths.
    """
    src, dest = Path(src_dir), Path(dest)
    if not src.is_dir():
        raise EngineError(f"{src} is not a config package folder")
    problems = validate_config(src)
    if problems:
        raise EngineError(f"{src} is not valid: " + "; ".join(str(p) for p in problems))
    names = [n for n in packed_files(src) if (src / n).resolve() != dest.resolve()]
    fd, tmp = tempfile.mkstemp(prefix=".pack-", suffix=".zip", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in names:
                info = zipfile.ZipInfo(name, ZIP_EPOCH)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, (src / name).read_bytes())
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return names


def init_config(dest_dir: Path) -> Path:
    """Write the example config package (a member roster) into ``dest_dir``.

    ``dest_dir`` must not exist or be an empty folder. Returns ``dest_dir``.
    """
    dest = Path(dest_dir)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise EngineError(f"{dest} already exists and is not an empty folder")
    dest.mkdir(parents=True, exist_ok=True)
    source = resources.files("ade_engine") / "templates" / TEMPLATE
    _copy(source, dest)
    return dest


def _copy(src: resources.abc.Traversable, dest: Path) -> None:
    for item in src.iterdir():
        if item.name == "__pycache__" or item.name.endswith(".pyc"):
            continue
        target = dest / item.name
        if item.is_dir():
            target.mkdir(exist_ok=True)
            _copy(item, target)
        else:
            with item.open("rb") as fh, target.open("wb") as out:
                shutil.copyfileobj(fh, out)
