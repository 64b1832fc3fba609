"""Importing a config package's files under a namespace unique to one load
(``_ade_cfg_<hex>``), registered in ``sys.modules`` only while the load is open, so two runs
with different configs in one process never see each other's modules. (The loader is
:mod:`ade_engine.config`.)
"""

from __future__ import annotations

import importlib.util
import sys
import types
import uuid
from pathlib import Path, PurePosixPath

from ade_engine.errors import from_config_exception
from ade_engine.manifest import ConfigProblem


class Importer:
    """Imports package files under one unique namespace and can remove them again."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.namespace = f"_ade_cfg_{uuid.uuid4().hex[:12]}"
        self.import_errors: dict[ConfigProblem, str] = {}
        pkg = types.ModuleType(self.namespace)
        pkg.__path__ = [str(root)]
        pkg.__package__ = self.namespace
        sys.modules[self.namespace] = pkg

    def _ensure_package(self, dotted: str, folder: Path) -> None:
        if dotted in sys.modules:
            return
        mod = types.ModuleType(dotted)
        mod.__path__ = [str(folder)]
        mod.__package__ = dotted
        sys.modules[dotted] = mod

    def import_file(self, rel: str) -> types.ModuleType:
        parts = PurePosixPath(rel).with_suffix("").parts
        dotted = self.namespace
        folder = self.root
        for part in parts[:-1]:
            dotted = f"{dotted}.{part}"
            folder = folder / part
            self._ensure_package(dotted, folder)
        name = f"{dotted}.{parts[-1]}"
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, self.root / rel)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {rel}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        # A config package is the author's folder (or a job's snapshot): leave no
        # __pycache__ litter in it, and never run a stale cached copy of its code.
        writes_bytecode = not sys.dont_write_bytecode
        sys.dont_write_bytecode = True
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        finally:
            sys.dont_write_bytecode = not writes_bytecode
        return module

    def close(self) -> None:
        prefix = self.namespace + "."
        for name in [n for n in sys.modules if n == self.namespace or n.startswith(prefix)]:
            sys.modules.pop(name, None)
        importlib.invalidate_caches()


def import_checked(
    importer: Importer, rel: str, problems: list[ConfigProblem], root: Path
) -> types.ModuleType | None:
    """The module of file ``rel``, or None with the problem added when importing it raised."""
    try:
        return importer.import_file(rel)
    except Exception as exc:
        err = from_config_exception(exc, root, f"importing {rel}", fallback_file=rel)
        problem = ConfigProblem(message=err.message, file=err.file, line=err.line)
        problems.append(problem)
        # Kept so that a run failing on this import reports the exception's type too.
        importer.import_errors[problem] = type(exc).__name__
        return None
