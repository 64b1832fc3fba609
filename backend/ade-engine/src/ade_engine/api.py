"""Config-package helpers of the public API: :func:`validate_config` and :func:`init_config`."""

from __future__ import annotations

import shutil
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
